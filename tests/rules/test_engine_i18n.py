"""The generated engine (rules from data, critical first) and texts in five languages."""

from __future__ import annotations

import pytest
import yaml

from core.languages import LANGUAGES
from core.settings import PROJECT_ROOT
from rules.engine import CRITICAL_SALIENCE, FamilyEngine, generate_rules
from rules.i18n import Texts


def test_rules_are_generated_from_the_data(kb):
    family = kb.families["rotary_screw_compressor"]
    rules = generate_rules(family)
    assert {f"critical_{cc}_hazard" for cc in family.critical} <= set(rules)
    expected = {f"evidence_{e.condition.observation}_{cell.id}"
                for f in family.faults.values() for e in f.evidence
                for cell in family.observations[e.condition.observation].cells}
    assert expected == {name for name in rules if name.startswith("evidence_")}
    assert all(rules[n].salience == CRITICAL_SALIENCE for n in rules if n.startswith("critical_c"))


def test_critical_rule_fires_first_and_stops_the_run(kb):
    family = kb.families["centrifugal_process_pump"]
    engine = FamilyEngine(family)
    obs = family.observations
    cells = {"casing_hot": "true",
             "discharge_valve_position_pct": obs["discharge_valve_position_pct"].cell_of(5.0),
             "flow_pct_of_duty": obs["flow_pct_of_duty"].cell_of(10.0)}
    result = engine.evaluate(cells)
    assert result.critical == ["cc_hcp_dead_head_overheat"]
    assert result.fired == ["critical_cc_hcp_dead_head_overheat_0"]
    assert result.hits == []  # halted before any evidence rule
    calm = engine.evaluate({"flow_pct_of_duty": obs["flow_pct_of_duty"].cell_of(10.0)})
    assert not calm.critical and calm.hits
    assert all(h.observation == "flow_pct_of_duty" for h in calm.hits)


def test_own_texts_exist_in_every_language(kb):
    english = set(kb.texts["en"])
    for language in LANGUAGES:
        data = yaml.safe_load((PROJECT_ROOT / "rules/data/i18n" / f"{language}.yml")
                              .read_text(encoding="utf-8"))
        assert set(data) == english, language
        if language != "en":
            assert all(data[k] != kb.texts["en"][k] for k in english), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_questions_are_asked_in_the_session_language(diagnoser, kb, language):
    _state, out = diagnoser.start(family="rotary_screw_compressor", language=language,
                                  error_code="E101")
    family = kb.families["rotary_screw_compressor"]
    obs = family.observations[out["question"]["observation_id"]]
    catalogue = kb.catalogues.get(language, {}).get(family.id, {})
    expected = (catalogue.get("observations", {}).get(obs.id, {}).get("question")
                or obs.question)
    assert out["question"]["text"] == expected


def test_missing_translation_falls_back_to_english(kb):
    family = kb.families["air_cooled_water_chiller"]
    texts = Texts(kb, family, "de")
    texts._catalogue = {}  # noqa: SLF001  (as before the German catalogue landed)
    fault = family.faults["sensor_fault"]
    assert texts.fault_name(fault) == fault.name
    assert texts.remedy_steps(fault) == list(fault.remedy_steps)
    obs = family.observations["condenser_fans_running"]
    assert texts.choice_label(obs, "some_stopped") == "Some stopped"  # English label catalogue
    assert texts.own("engineer_action").startswith("Ein Servicetechniker")


def test_explanation_sentence_is_in_the_session_language(diagnoser):
    state, out = diagnoser.start(family="rotary_screw_compressor", language="de",
                                 error_code="E112", observations={"cooling_fan_running": False,
                                                                  "discharge_temp_c": 110})
    conclusion = out["conclusion"]
    assert conclusion["fault_id"] == "cooling_fan_failure"
    assert conclusion["explanation"].startswith("Wahrscheinlichste Ursache")
    assert {e["observation"] for e in conclusion["trace"]["evidence_for"]} == {
        "cooling_fan_running", "discharge_temp_c"}
