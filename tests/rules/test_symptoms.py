"""Free text in the five languages maps to observations, candidate faults and hazards."""

from __future__ import annotations

import pytest

from rules.symptoms import match_symptom


@pytest.mark.parametrize(("family", "text", "observation", "value"), [
    ("rotary_screw_compressor", "βγάζει καπνό", "smoke_visible", True),
    ("rotary_screw_compressor", "Der Kompressor verliert Öl", "oil_leak_visible", True),
    ("rotary_screw_compressor", "il perd de l'huile", "oil_leak_visible", True),
    ("rotary_screw_compressor", "el compresor pierde aceite", "oil_leak_visible", True),
    ("centrifugal_process_pump", "la bomba no bombea nada", "no_flow_at_all", True),
    ("centrifugal_process_pump", "Es riecht verbrannt", "smoke_or_burning_smell", True),
    ("air_cooled_water_chiller", "smoke from the panel", "smoke_or_burning_smell", True),
    ("rotary_screw_compressor", "the compressor won't start", "fails_to_start", True),
])
def test_phrases_set_observations(kb, family, text, observation, value):
    found = match_symptom(text, kb.families[family], kb)
    assert found.sets.get(observation) == value


@pytest.mark.parametrize("text", ["it runs hot", "Er läuft heiß", "υπερθέρμανση",
                                  "il surchauffe", "se calienta mucho"])
def test_runs_hot_suggests_the_temperature_faults(kb, text):
    family = kb.families["rotary_screw_compressor"]
    found = match_symptom(text, family, kb)
    assert {"oil_cooler_fouled", "low_oil_level", "cooling_fan_failure"} <= found.faults
    assert "residual_pressure_start_inhibit" not in found.faults


def test_glossary_terms_in_any_language_suggest_faults(kb):
    family = kb.families["rotary_screw_compressor"]
    found = match_symptom("Problem mit dem Ölkühler", family, kb)
    assert "oil_cooler_fouled" in found.faults
    assert "glossary:oil_cooler" in found.matched


@pytest.mark.parametrize("text", ["Stromschlag am Gehäuse", "ηλεκτροπληξία",
                                  "un opérateur a reçu un choc électrique"])
def test_hazards_from_free_text(kb, text):
    found = match_symptom(text, kb.families["centrifugal_process_pump"], kb)
    assert found.critical == {"cc_hcp_electric_shock"}


@pytest.mark.parametrize("text", [
    "when should I check the safety valve and the air receiver?",
    # "llamaría" (would call) stemmed with its accent was "llam", the stem of "llama" (flame)
    "Hay novedades de mi parte de avería? me dijeron que me llamaría un técnico",
])
def test_an_ordinary_mention_raises_no_hazard(kb, text):
    found = match_symptom(text, kb.families["rotary_screw_compressor"], kb)
    assert not found.critical and not found.sets


def test_symptom_shapes_the_first_question(diagnoser):
    _state, out = diagnoser.start(family="rotary_screw_compressor", symptom="it runs hot",
                                  language="en")
    top = {c["fault_id"] for c in out["candidates"]}
    assert top <= {"oil_cooler_fouled", "low_oil_level", "thermostatic_valve_stuck_bypass",
                   "oil_service_overdue", "cooling_fan_failure", "room_ventilation_inadequate",
                   "separator_element_clogged", "airend_bearing_wear", "condensate_in_oil",
                   "minimum_pressure_valve_stuck_closed", "discharge_temp_sensor_fault"}
