"""Every sentence of the assistant exists in every language, with the same placeholders."""

from __future__ import annotations

import re

import pytest

from bot.dialogue.messages import catalogue, placeholders, say
from core.languages import LANGUAGES


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_catalogue_is_complete_with_the_same_placeholders(language):
    english, other = catalogue("en"), catalogue(language)
    assert set(other) == set(english)
    for key, template in english.items():
        assert placeholders(other[key]) == placeholders(template), key
        assert other[key].strip(), key
        words = re.findall(r"[^\W\d_]{4,}", re.sub(r"\{\w+\}", "", template))
        if len(words) >= 2:
            assert other[key] != template, f"{key} is not translated"


def test_say_fills_placeholders_and_falls_back_to_english():
    assert say("asset_model_only", "en", model="HCP-100") == "Thank you, a HCP-100."
    assert say("asset_model_only", "it", model="HCP-100") == "Thank you, a HCP-100."
    assert "{model}" in say("asset_model_only", "en")  # a missing value stays visible
