"""The translation catalogues in knowledge/i18n/ cover every text of the knowledge pack."""

from __future__ import annotations

import importlib.util

import pytest
import yaml

from core.language_detection import LanguageIdentifier
from core.settings import PROJECT_ROOT

FAMILIES = ["compressors", "pumps", "chillers"]
TRANSLATED = ["el", "de", "fr", "es"]
I18N = PROJECT_ROOT / "knowledge" / "i18n"

_spec = importlib.util.spec_from_file_location("i18n_template",
                                               PROJECT_ROOT / "scripts" / "i18n_template.py")
assert _spec and _spec.loader
i18n_template = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_template)


def load(language: str, family: str) -> dict:
    path = I18N / language / f"{family}.yml"
    assert path.is_file(), f"missing catalogue {path.relative_to(PROJECT_ROOT)}"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def shape(node):
    """Keys and list lengths, without the text."""
    if isinstance(node, dict):
        return {str(k): shape(v) for k, v in node.items()}
    if isinstance(node, list):
        return len(node)
    return "text"


def strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_has_exactly_the_source_keys_and_list_lengths(language, family):
    source = i18n_template.catalogue(family)
    source.pop("family")
    catalogue = load(language, family)
    assert catalogue.pop("family") == i18n_template.catalogue(family)["family"]
    assert shape(catalogue) == shape(source)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_is_written_in_its_language(language, family):
    identifier = LanguageIdentifier()
    source = set(strings(i18n_template.catalogue(family)))
    texts = [t for t in strings(load(language, family)) if len(t) >= 40]
    untranslated = [t for t in texts if t in source]
    assert not untranslated, untranslated[:5]
    wrong = [t for t in texts if identifier.detect(t).language not in (language, None)]
    # Technical sentences full of codes and units can fool a detector now and then.
    assert len(wrong) <= max(2, len(texts) // 50), wrong[:10]


@pytest.mark.parametrize("family", FAMILIES)
def test_english_choice_labels_exist_for_every_choice(family):
    source = i18n_template.catalogue(family)
    labels = load("en", family)
    for observation, texts in source["observations"].items():
        if "choices" in texts:
            assert set(labels["observations"][observation]["choices"]) == set(texts["choices"])
            assert all(isinstance(v, str) and v for v in
                       labels["observations"][observation]["choices"].values())
