"""Readings and codes against the knowledge pack's critical conditions (rules/readings.py)."""

from __future__ import annotations

import pytest

from core.knowledge.model import KnowledgeBase
from rules.readings import HazardReader, readings_in

PUMP = "centrifugal_process_pump"
COMPRESSOR = "rotary_screw_compressor"
CHILLER = "air_cooled_water_chiller"


@pytest.fixture(scope="module")
def reader(kb: KnowledgeBase) -> HazardReader:
    return HazardReader(kb)


def test_numbers_with_units_are_read():
    assert readings_in("bearing 115 °C, vibration 14,5 mm/s, 18bar, 110 Grad, 3 pumps") == [
        (115.0, "°C"), (14.5, "mm/s"), (18.0, "bar"), (110.0, "°C")]
    assert readings_in("F004 on P050-2019-00988") == []


@pytest.mark.parametrize(("language", "text", "family", "condition"), [
    ("en", "the pump bearing housing is at 115 °C and the paint is going brown", None,
     "cc_hcp_bearing_overtemp"),
    ("fr", "le palier de la pompe est à 112 °C", None, "cc_hcp_bearing_overtemp"),
    ("es", "el rodamiento de la bomba está a 110 grados", None, "cc_hcp_bearing_overtemp"),
    ("de", "Pumpe wackelt, Messgerät zeigt 14 mm/s", None, "cc_hcp_severe_vibration"),
    ("el", "το μανόμετρο κατάθλιψης δείχνει 18 bar", PUMP, "cc_hcp_overpressure"),
    ("en", "discharge temperature 128 °C and still climbing", COMPRESSOR,
     "cc_hsc_discharge_temp_runaway"),
])
def test_a_reading_over_a_critical_limit_is_danger_now(reader, language, text, family,
                                                       condition):
    hazards = reader.hazards(text, language, family)
    assert condition in hazards.now
    assert hazards.families[condition] in (family or hazards.families[condition],)


@pytest.mark.parametrize(("language", "text", "family"), [
    ("en", "discharge temp on our compressor reads 102 °C in this heat", COMPRESSOR),
    ("en", "vibration is 4.2 mm/s on the pump, is that ok?", None),
    ("en", "we pump 120 °C thermal oil with the HCP-50, is the seal ok for that?", PUMP),
    ("en", "ambient in the plant room is 45 °C", None),
    ("en", "network pressure sags to 5.5 bar every afternoon", None),
    ("de", "Lager der Pumpe hat 70 Grad, normal?", PUMP),
])
def test_a_reading_under_its_limit_or_of_no_clear_observation_is_no_hazard(
        reader, language, text, family):
    assert not reader.hazards(text, language, family)


@pytest.mark.parametrize(("language", "text"), [
    ("en", "third AL111 freeze trip today, I think the evaporator iced up"),
    ("de", "heute Nacht zweimal AL111 und jetzt knackt es im Verdampfer"),
    ("fr", "troisième alarme AL111 depuis minuit"),
    ("es", "otra vez AL111, ya van tres esta mañana"),
    ("el", "ξανά AL111 στον ψύκτη, τρίτη φορά σήμερα"),
    ("el", "Δεύτερο AL111 μέσα σε τρεις ώρες, δεν κυκλοφορεί νερό"),
    ("en", "E102 again right after I reset it"),
])
def test_a_code_that_is_critical_when_it_comes_back_is_danger_now_when_it_does(
        reader, language, text):
    assert reader.hazards(text, language).now


@pytest.mark.parametrize(("language", "text"), [
    ("en", "E102 shutdown overnight, it has cooled off now, ok to reset it once?"),
    ("de", "heute Nacht kam einmal AL111 Frostschutz, inzwischen läuft er wieder normal"),
    ("fr", "alarme AL111 une seule fois ce matin, l'eau est revenue à 6 °C"),
])
def test_a_code_seen_once_is_not_a_repeat(reader, language, text):
    assert not reader.hazards(text, language).now


def test_a_code_the_pack_calls_critical_on_its_own_is_a_possible_hazard(reader):
    hazards = reader.hazards("AL140 on the chiller display", "en")
    assert hazards.possible == {"cc_hwc_refrigerant_leak"} and not hazards.now
    assert hazards.families["cc_hwc_refrigerant_leak"] == CHILLER


@pytest.mark.parametrize(("language", "text", "codes"), [
    ("en", "red LED blinking on the chiller, AL120, one of the two fans isn't spinning",
     {"AL120"}),
    ("el", "Έχει ανάψει κόκκινο led στο ρελέ φάσεων και γράφει AL107", {"AL107"}),
    ("de", "heute Nacht kam einmal AL111 Frostschutz, inzwischen läuft er wieder normal",
     {"AL111"}),
])
def test_a_warning_or_fault_code_meeting_no_critical_condition_explains_the_message(
        reader, language, text, codes):
    hazards = reader.hazards(text, language)
    assert hazards.explained == codes and not hazards


@pytest.mark.parametrize(("language", "text"), [
    ("en", "AL140 on the chiller display"),              # critical on its own
    ("en", "E102 again right after I reset it"),         # critical when it comes back
    ("en", "E101 and the discharge temperature is 125 °C"),  # a reading over its limit
    ("en", "the compressor makes a grinding noise"),     # no code at all
])
def test_no_code_explains_a_critical_sign(reader, language, text):
    assert not reader.hazards(text, language).explained


@pytest.mark.parametrize(("language", "text"), [
    ("el", "απο τη δευτερα βγαζει AL111, μια φορα μονο"),          # since Monday
    ("el", "AL111 για λίγα δευτερόλεπτα και μετά έφυγε"),        # for a few seconds
    ("en", "AL111 showed for 30 seconds this morning, then cleared"),
])
def test_days_and_seconds_are_not_words_of_repetition(reader, language, text):
    assert not reader.hazards(text, language).now
