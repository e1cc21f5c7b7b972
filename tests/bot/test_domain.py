from __future__ import annotations

import pytest

from core.languages import LANGUAGES
from tests.conftest import response_text


def test_every_response_exists_in_every_language(domain):
    missing = []
    for name in domain["responses"]:
        for language in LANGUAGES:
            try:
                text = response_text(domain, name, language)
            except KeyError:
                missing.append((name, language))
                continue
            assert text.strip(), (name, language)
    assert not missing


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_differ_from_english(domain, language):
    same = [n for n in domain["responses"]
            if response_text(domain, n, language) == response_text(domain, n, "en")]
    assert not same


def test_each_variation_is_written_in_its_language(domain):
    from core.language_detection import LanguageIdentifier

    identifier = LanguageIdentifier()
    wrong = [
        (name, language, identifier.detect(response_text(domain, name, language)).language)
        for name in domain["responses"]
        for language in LANGUAGES
        if identifier.detect(response_text(domain, name, language)).language != language
    ]
    assert not wrong
