"""Messages in a language the assistant does not speak, and plain ones that a fast detector
takes for a neighbour."""

from __future__ import annotations

import pytest

from bot.triage.other_languages import unsupported_language


@pytest.mark.parametrize(("text", "language"), [
    ("Questa pompa perde acqua dalla guarnizione, cosa devo fare?", "Italian"),
    ("Deze pomp lekt water bij de afdichting, wat moet ik doen?", "Dutch"),
    ("A bomba está vazando água pela vedação, o que devo fazer?", "Portuguese"),
    ("Pompa przecieka przy uszczelnieniu, co mam zrobić?", "Polish"),
])
def test_another_language_is_named(text, language):
    assert unsupported_language(text) == language


@pytest.mark.parametrize("text", [
    "How often is the oil filter changed?",  # lingua's fast mode says Danish
    "how often is the oil changed on the pump?",
    "Der Kompressor liefert keine Luft mehr",
    "Le compresseur ne démarre plus depuis ce matin",
    "Η αντλία κάνει θόρυβο από χθες",
])
def test_our_five_languages_are_not_foreign(text):
    assert unsupported_language(text) is None
