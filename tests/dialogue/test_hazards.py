"""The safety net under the NLU: danger words in five languages, and no alarm for faults."""

from __future__ import annotations

import pytest

from bot.dialogue.hazards import _PATTERNS, mentions_hazard
from bot.dialogue.text import fold
from tests.dialogue.conftest import custom_of, kinds


@pytest.mark.parametrize("text", [
    "smoke is coming from the drive cabinet",
    "my colleague got an electric shock from the panel",
    "Es brennt im Schaltschrank!",
    "Ein Mitarbeiter ist verletzt und blutet",
    "βγαίνουν σπίθες από τον πίνακα",
    "ένας συνάδελφος λιποθύμησε δίπλα στον ψύκτη",
    "il y a des flammes sur le moteur",
    "un technicien s'est électrocuté",
    "sale humo del cuadro eléctrico",
    "huele a gas cerca del compresor",
    # the kinds beyond plain danger words: a substance released, a person in distress, a burst,
    # a melting smell, a machine that cannot be stopped
    "acid is pouring out of the flange",
    "Lauge läuft überall raus",
    "ο συνάδελφος ζαλίζεται και δεν αναπνέει καλά",
    "le collègue est coincé dans la courroie",
    "el manguito reventó y hay un operario mareado",
    "smells like melted insulation near the starter",
    "Not-Aus funktioniert nicht, die Pumpe läuft weiter",
    "a piece of the impeller flew off and went through the guard",
    "une pièce s'est détachée du carter et a volé à travers l'atelier",
])
def test_danger_is_recognised(text):
    assert mentions_hazard(text)


@pytest.mark.parametrize("text", [
    "the bearing is hot and noisy", "small drip at the seal", "how do I bleed the air out",
    "Die Pumpe ist laut", "la presión de descarga es 4,2 bar", "El agua sale caliente",
    "η αντλία κάνει θόρυβο", "le compresseur ne démarre pas", "",
    # fault words that look alarming out of context
    "crackling noise from the pump at the suction side", "la HSC-AF-075 est en rupture ?",
    "the display is not responding", "the pump handles sulphuric acid, which seal do I need?",
    "the belt came off the pulley", "vous avez des pièces détachées pour la HCP-150 ?",
])
def test_faults_are_not_emergencies(text):
    assert not mentions_hazard(text)


def test_a_hazard_reported_under_another_intent_still_gets_safety_first_and_p1(chat):
    chat.send("action_identify_asset", "identify_asset", "P050-2019-00988")
    out = chat.send("action_start_diagnosis", "report_problem",
                    "the pump motor is smoking and sparking")
    assert kinds(out)[0] == "safety"
    assert custom_of(out, "ticket")["priority"] == "P1"


@pytest.mark.parametrize("language", sorted(_PATTERNS))
def test_patterns_are_written_folded(language):
    # Messages are folded before matching (no accents, casefolded: Greek final sigma becomes
    # sigma), so a pattern with an accent, a capital or a final sigma could never match.
    assert fold(_PATTERNS[language]) == _PATTERNS[language]


def test_greek_emergency_stop_with_final_sigma():
    assert mentions_hazard("πατάω το κουμπί έκτακτης ανάγκης αλλά δεν σβήνει")
