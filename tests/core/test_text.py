from __future__ import annotations

import pytest

from core.languages import DEFAULT_LANGUAGE, LANGUAGES
from core.text import fold, strip_accents


@pytest.mark.parametrize(("text", "folded"), [
    ("Ψύκτης", "ψυκτησ"), ("ΣΥΜΠΙΕΣΤΉΣ", "συμπιεστησ"), ("Gerät", "gerat"), ("Grüß", "gruss"),
    ("température élevée", "temperature elevee"), ("presión", "presion"), ("E101", "e101"),
])
def test_fold_ignores_case_and_accents(text, folded):
    assert fold(text) == folded


def test_strip_accents_keeps_case_and_folds_the_final_sigma():
    assert strip_accents("Gerät") == "Gerat"
    assert strip_accents("πώς") == "πωσ"


def test_the_languages_start_with_the_default():
    assert LANGUAGES[0] == DEFAULT_LANGUAGE and set(LANGUAGES) == {"en", "el", "de", "fr", "es"}
