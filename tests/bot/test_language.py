from __future__ import annotations

import pytest

from core.language_detection import LanguageIdentifier, LanguageLexicon, normalise


@pytest.fixture(scope="module")
def identifier(nlu_examples) -> LanguageIdentifier:
    lexicon = LanguageLexicon.from_examples((text, lang) for text, _, lang in nlu_examples)
    return LanguageIdentifier(lexicon)


def test_normalise_folds_case_accents_punctuation_and_digits():
    assert normalise("  Καλημέρα!!  ") == "καλημερα"
    assert normalise("Grüß Gott, 123") == "gruss gott"
    assert normalise("¿Qué tal?") == "que tal"


def test_lexicon_keeps_only_phrases_of_one_language():
    lexicon = LanguageLexicon.from_examples(
        [("Hallo", "de"), ("Hello", "en"), ("ok", "en"), ("OK!", "de"), ("Danke schön", "de")]
    )
    assert lexicon.phrases["hallo"] == "de"
    assert "ok" not in lexicon.phrases  # seen in two languages: tells nothing
    assert lexicon.words["danke"] == "de"
    assert LanguageLexicon.from_dict(lexicon.to_dict()) == lexicon


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Γεια σας", "el"),
        ("καλησπέρα", "el"),
        ("Hallo", "de"),
        ("Guten Morgen", "de"),
        ("Bonjour", "fr"),
        ("Merci", "fr"),
        ("Hola", "es"),
        ("Gracias", "es"),
        ("Hello", "en"),
        ("thanks", "en"),
        # longer sentences that are not in the training data: the statistical detector
        ("My compressor stopped and shows a red light on the panel", "en"),
        ("Unser Kompressor schaltet sich ständig ab und zeigt eine Störung", "de"),
        ("Le compresseur s'arrête tout seul depuis ce matin", "fr"),
        ("La bomba hace un ruido muy fuerte desde ayer", "es"),
        ("Ο συμπιεστής σταματάει συνέχεια", "el"),
    ],
)
def test_detects_the_language(identifier: LanguageIdentifier, text: str, language: str):
    assert identifier.detect(text).language == language


@pytest.mark.parametrize("text", ["ok", "??", "👍", "E101", "asdfgh", "a", "   "])
def test_cannot_tell_short_or_meaningless_messages(identifier: LanguageIdentifier, text: str):
    detection = identifier.detect(text)
    assert detection.language is None, detection


def test_every_training_greeting_is_identified_in_its_language(identifier, nlu_examples):
    wrong = [
        (text, lang, identifier.detect(text).language)
        for text, intent, lang in nlu_examples
        if intent in {"greet", "thank", "goodbye"} and identifier.detect(text).language != lang
    ]
    assert not wrong
