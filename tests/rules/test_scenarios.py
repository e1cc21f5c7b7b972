"""Per-fault and per-hazard scenarios: a simulated operator answering from a fault's evidence
reaches that fault; every critical condition escalates as P1 with its safety action."""

from __future__ import annotations

import random

import pytest
import yaml

from rules.simulate import Operator, needs_critical_answer, outcome_fault, run_session
from tests.rules.conftest import KNOWLEDGE

FAMILIES = {"compressors": "rotary_screw_compressor", "pumps": "centrifugal_process_pump",
            "chillers": "air_cooled_water_chiller"}


def _ids(section: str) -> list[tuple[str, str]]:
    out = []
    for file, family in FAMILIES.items():
        data = yaml.safe_load((KNOWLEDGE / f"{file}.yml").read_text(encoding="utf-8"))
        out += [(family, item["id"]) for item in data[section]]
    return out


FAULTS = _ids("faults")
CRITICAL = _ids("critical_conditions")


def test_the_pack_has_sixty_faults():
    assert len(FAULTS) == 60


@pytest.mark.parametrize(("family_id", "fault_id"), FAULTS, ids=[f for _, f in FAULTS])
def test_truthful_operator_reaches_the_fault(diagnoser, kb, family_id, fault_id):
    family = kb.families[family_id]
    operator = Operator(family, diagnoser.models[family_id], fault_id)
    _state, out, questions = run_session(diagnoser, operator)
    assert questions <= 10
    if out["status"] == "escalated" and out["escalation"]["reason"] == "critical":
        # Answering truthfully raised a hazard: that must be because the fault's evidence is
        # itself hazardous (e.g. a safety valve blowing), never by accident.
        assert needs_critical_answer(family, fault_id)
        assert out["escalation"]["priority"] == "P1"
        return
    assert out["conclusion"]["fault_id"] == fault_id
    assert out["conclusion"]["confidence"] >= 0.6
    assert out["conclusion"]["remedy_steps"]
    trace = out["conclusion"]["trace"]
    assert trace["evidence_for"] and trace["rules_fired"]


@pytest.mark.parametrize(("family_id", "fault_id"), FAULTS[::6], ids=[f for _, f in FAULTS[::6]])
def test_operator_without_error_code_still_reaches_the_fault(diagnoser, kb, family_id,
                                                             fault_id):
    family = kb.families[family_id]
    operator = Operator(family, diagnoser.models[family_id], fault_id)
    _state, out, questions = run_session(diagnoser, operator, report_code=False)
    assert questions <= 10
    if out["status"] == "escalated" and out["escalation"]["reason"] == "critical":
        assert needs_critical_answer(family, fault_id)
    else:
        assert outcome_fault(out) == fault_id


@pytest.mark.parametrize(("family_id", "cc_id"), CRITICAL, ids=[c for _, c in CRITICAL])
def test_every_critical_condition_escalates_p1(diagnoser, kb, family_id, cc_id):
    family = kb.families[family_id]
    cc = family.critical[cc_id]
    routes = []
    for clause in cc.clauses:
        values = {}
        for cond in clause:
            obs = family.observations[cond.observation]
            values[obs.id] = next(c.value for c in obs.cells if cond.holds(c.value))
        routes.append({"observations": values})
    for symptom in kb.symptoms:
        if cc_id in symptom.effect.critical:
            routes += [{"symptom": phrases[0]} for phrases in symptom.phrases.values()]
    assert routes, f"{cc_id} can be raised neither by an observation nor by a symptom"
    for route in routes:
        _state, out = diagnoser.start(family=family_id, **route)
        assert out["status"] == "escalated", route
        escalation = out["escalation"]
        assert (escalation["reason"], escalation["priority"]) == ("critical", "P1"), route
        assert escalation["condition"] == cc_id, route
        assert escalation["action"] == cc.action


def test_a_critical_error_code_escalates_with_its_immediate_action(diagnoser, kb):
    family = kb.families["centrifugal_process_pump"]
    _state, out = diagnoser.start(family=family.id, error_code="F004")
    assert out["status"] == "escalated"
    assert out["escalation"]["priority"] == "P1"
    assert out["escalation"]["action"] == family.error_codes["F004"].immediate_action


def test_critical_condition_wins_over_a_confident_diagnosis(diagnoser, kb):
    _state, out = diagnoser.start(
        family="rotary_screw_compressor", error_code="E132",
        observations={"air_filter_indicator_red": True, "runs_loaded_continuously": True,
                      "burning_smell": True})
    assert out["status"] == "escalated"
    assert out["escalation"]["condition"] == "cc_hsc_burning_smell"
    assert "conclusion" not in out


@pytest.mark.parametrize("seed", range(3))
def test_dont_know_answers_still_end_within_ten_questions(diagnoser, kb, seed):
    rng = random.Random(seed)
    for family_id, fault_id in rng.sample(FAULTS, 8):
        family = kb.families[family_id]
        operator = Operator(family, diagnoser.models[family_id], fault_id,
                            dont_know_rate=0.5, rng=rng)
        state, out, questions = run_session(diagnoser, operator)
        assert questions <= 10
        assert out["status"] in ("concluded", "escalated")
        # A don't-know is remembered and never asked again.
        assert len(state.asked) == len(set(state.asked))
        for oid in state.unknown:
            assert oid not in state.answers
