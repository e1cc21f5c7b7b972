"""Guided questioning: information gain, nothing asked twice or when implied, safety notes,
don't know, contradictory answers, and the stop rule."""

from __future__ import annotations

import numpy as np

from rules.diagnosis import Diagnoser
from rules.i18n import Texts
from rules.questioning import Policy, next_question
from rules.scoring import expected_information_gain


def test_first_question_after_an_error_code_separates_its_faults(diagnoser):
    _state, out = diagnoser.start(family="rotary_screw_compressor", error_code="E101")
    question = out["question"]["observation_id"]
    related = {f for f in ("oil_cooler_fouled", "low_oil_level", "thermostatic_valve_stuck_bypass",
                           "oil_service_overdue", "cooling_fan_failure",
                           "room_ventilation_inadequate")}
    family = diagnoser.kb.families["rotary_screw_compressor"]
    users = {f.id for f in family.faults.values()
             if any(e.condition.observation == question for e in f.evidence)}
    assert users & related
    assert question != "active_error_code"  # known


def test_the_chosen_question_has_the_highest_gain(diagnoser):
    state, _ = diagnoser.start(family="centrifugal_process_pump")
    model = diagnoser.models["centrifugal_process_pump"]
    family = diagnoser.kb.families["centrifugal_process_pump"]
    cells, _ = diagnoser.cells(state)
    post = model.posterior(cells, set())
    chosen, gain = next_question(family, model, post, set(), Policy(technician_penalty=1.0))
    everything = np.arange(len(post))
    gains = {oid: expected_information_gain(m, post, everything)
             for oid, m in model.observations.items()}
    assert chosen == max(gains, key=lambda k: gains[k])
    assert gain == max(gains.values())


def test_known_dont_know_and_implied_observations_are_never_asked(diagnoser):
    state, out = diagnoser.start(family="rotary_screw_compressor", error_code="E132",
                                 observations={"cooling_fan_running": True})
    asked = []
    while out["status"] == "question":
        oid = out["question"]["observation_id"]
        asked.append(oid)
        out = diagnoser.answer(state, oid, None)  # don't know, every time
    assert "active_error_code" not in asked and "cooling_fan_running" not in asked
    # E132 is named in the filter-indicator question: the code implies the answer.
    assert "air_filter_indicator_red" not in asked
    assert len(asked) == len(set(asked)) <= 10
    assert set(asked) <= set(state.unknown)
    assert out["status"] in ("concluded", "escalated")


def test_a_question_that_needs_it_carries_its_safety_note(diagnoser, kb):
    family = kb.families["rotary_screw_compressor"]
    texts = Texts(kb, family, "en")
    for oid in ("cooler_fins_dirty", "oil_cooler_core_cold", "motor_current_pct_fla"):
        question = diagnoser._question(family.observations[oid], texts)  # noqa: SLF001
        assert question["safety_note"] == family.observations[oid].safety_note
        assert list(question)[-1] == "safety_note"
    question = diagnoser._question(family.observations["fails_to_start"], texts)  # noqa: SLF001
    assert "safety_note" not in question


def test_a_session_asks_the_lockout_question_with_its_note(diagnoser):
    # Fouled cooler: the fins can only be inspected under lockout/tagout.
    state, out = diagnoser.start(family="rotary_screw_compressor", error_code="E101",
                                 language="de", observations={"oil_level_sightglass": "normal"})
    seen = []
    while out["status"] == "question":
        seen.append(out["question"])
        oid = out["question"]["observation_id"]
        out = diagnoser.answer(state, oid, True if oid == "cooler_fins_dirty" else None)
    fins = [q for q in seen if q["observation_id"] == "cooler_fins_dirty"]
    assert fins and fins[0]["safety_note"]
    kb = diagnoser.kb
    english = kb.families["rotary_screw_compressor"].observations["cooler_fins_dirty"]
    german = (kb.catalogues.get("de", {}).get("rotary_screw_compressor", {})
              .get("observations", {}).get("cooler_fins_dirty", {}).get("safety_note"))
    assert fins[0]["safety_note"] == (german or english.safety_note)


def test_all_dont_know_escalates_for_low_confidence(diagnoser):
    state, out = diagnoser.start(family="air_cooled_water_chiller")
    while out["status"] == "question":
        out = diagnoser.answer(state, out["question"]["observation_id"], None)
    assert out["status"] == "escalated"
    assert out["escalation"]["reason"] in ("low_confidence", "no_candidate")
    assert out["escalation"]["priority"] == "P3"
    assert out["escalation"]["trace"]["unknown"]


def test_answers_that_fit_no_fault_escalate_no_candidate(diagnoser):
    state, out = diagnoser.start(family="rotary_screw_compressor", error_code="E114")
    while out["status"] == "question":
        out = diagnoser.answer(state, out["question"]["observation_id"], None)
    assert out["status"] == "escalated"
    assert out["escalation"]["reason"] == "no_candidate"


def test_a_contradictory_answer_is_recorded_and_the_latest_counts(diagnoser):
    state, _ = diagnoser.start(family="rotary_screw_compressor", error_code="E112")
    diagnoser.answer(state, "cooling_fan_running", True)
    out = diagnoser.answer(state, "cooling_fan_running", False)
    assert state.answers["cooling_fan_running"] is False
    assert state.contradictions == [{"observation": "cooling_fan_running", "previous": True,
                                     "value": False, "source": "operator"}]
    trace = (out.get("conclusion") or out.get("escalation") or {}).get("trace")
    if trace is not None:
        assert trace["contradictions"]
    assert out["candidates"][0]["fault_id"] == "cooling_fan_failure"


def test_contradicting_evidence_lowers_confidence(diagnoser):
    state, out = diagnoser.start(family="rotary_screw_compressor",
                                 observations={"oil_level_sightglass": "below_min"})
    before = next(c["confidence"] for c in out["candidates"] if c["fault_id"] == "low_oil_level")
    out = diagnoser.answer(state, "oil_leak_visible", False)
    out = diagnoser.answer(state, "discharge_temp_c", 80)
    after = next((c["confidence"] for c in out["candidates"]
                  if c["fault_id"] == "low_oil_level"), 0.0)
    assert after < before


def test_max_questions_bounds_every_session(kb):
    strict = Diagnoser(kb, Policy(threshold=0.999, max_questions=3))
    state, out = strict.start(family="centrifugal_process_pump")
    asked = 0
    while out["status"] == "question":
        asked += 1
        out = strict.answer(state, out["question"]["observation_id"], None)
    assert asked == 3
