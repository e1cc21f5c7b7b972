"""The chat opened from an alert's link: the unit's telemetry is known, the customer is told
what it reported and what it points to, in their language, and the guided diagnosis asks only
what the telemetry cannot answer: fewer questions than the same fault without telemetry
(bot/dialogue/flows/alerts.py). A link that is not signed opens nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.dialogue.controller import Controller
from monitoring import links
from monitoring.baseline import bands
from monitoring.monitor import PERSIST, Monitor
from monitoring.simulate import fault_targets
from rules.simulate import Operator
from tests.dialogue.conftest import Chat, custom_of, kinds, text_of
from tickets.catalog import default_catalog

SECRET = b"test-secret"
COMPRESSOR = "H37S-2020-00877"  # CUST-001's HSC-37
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
FAULT = "separator_element_clogged"


def telemetry_of(deps) -> dict[str, float]:
    """What the HSC-37 reports with a clogged separator: its readings normal but those the
    fault's evidence moves (monitoring.simulate.fault_targets)."""
    family = deps.diagnoser.kb.families["rotary_screw_compressor"]
    readings = {name: band.center for name, band in bands(family).items()}
    readings.update(fault_targets(family, deps.diagnoser.models[family.id], FAULT))
    return readings


@pytest.fixture()
def alert_id(deps) -> int:
    """A fault alert on the HSC-37: a clogged separator."""
    monitor = Monitor(deps.engine, deps.diagnoser.kb, default_catalog(), now=lambda: START,
                      diagnoser=deps.diagnoser)
    readings = telemetry_of(deps)
    raised = []
    for i in range(PERSIST):
        raised += monitor.handle(f"helios/telemetry/{COMPRESSOR}", json.dumps(
            {"ts": (START + timedelta(seconds=i)).isoformat(), "readings": readings}).encode()
        ).raised
    [alert] = raised
    return alert.id


def open_chat(deps, language: str, token: str) -> tuple[Chat, object]:
    chat = Chat(Controller(replace(deps, link_secret=SECRET)), language=language)
    out = chat.send("action_start_from_alert", "start_from_alert",
                    f"/start_from_alert{{\"alert_token\":\"{token}\"}}",
                    entities=[{"entity": "alert_token", "value": token}])
    return chat, out


@pytest.mark.parametrize("language", ["en", "de", "el"])
def test_the_chat_opened_from_an_alert_starts_from_the_telemetry(deps, alert_id, language):
    chat, out = open_chat(deps, language, links.alert_token(alert_id, SECRET))
    intro = custom_of(out, "alert")
    assert intro["alert_id"] == alert_id
    text = text_of(out)
    assert COMPRESSOR in text
    # The readings named in the customer's language, with its decimal mark.
    assert {"en": "separator pressure drop 1.9 bar", "de": "Differenzdruck am Ölabscheider 1,9 bar",
            "el": "πτώση πίεσης διαχωριστή 1,9 bar"}[language] in text
    assert "diagnosis_question" in kinds(out)
    question = custom_of(out, "diagnosis_question")
    # Never a reading the unit reported.
    assert question["observation_id"] not in bands(
        deps.diagnoser.kb.families["rotary_screw_compressor"])
    assert chat.slots["asset_serial"] == COMPRESSOR
    assert chat.slots["awaiting"] == "diagnosis"


def test_a_link_not_signed_here_opens_nothing(deps, alert_id):
    for token in (f"{alert_id}.0000000000000000", str(alert_id), "1.x", ""):
        chat, out = open_chat(deps, "en", token)
        assert "alert" not in kinds(out) and "diagnosis_question" not in kinds(out)
        assert "no longer valid" in text_of(out)
        assert "asset_serial" not in chat.slots


def test_the_telemetry_saves_questions(deps, alert_id):
    """The same fault, answered truthfully, with and without the telemetry."""
    diagnoser = deps.diagnoser
    family = diagnoser.kb.families["rotary_screw_compressor"]
    readings = telemetry_of(deps)

    def questions(observations: dict, hints: list[str]) -> int:
        operator = Operator(family, diagnoser.models[family.id], FAULT)
        state, out = diagnoser.start(family=family.id, model="HSC-37",
                                     observations=observations)
        if hints:
            state.hinted = hints
            out = diagnoser.evaluate(state)
        asked = 0
        while out["status"] == "question":
            oid = out["question"]["observation_id"]
            out = diagnoser.answer(state, oid, operator.answer(oid))
            asked += 1
        assert (out.get("conclusion") or {}).get("fault_id") == FAULT
        return asked

    with_telemetry = questions({**readings, "active_error_code": "none"}, [FAULT])
    without = questions({}, [])
    assert with_telemetry < without, (with_telemetry, without)


def test_a_customer_writing_about_a_reporting_unit_gets_the_telemetry_used(deps):
    """No link: the customer names the serial; the unit's telemetry of the last hours answers
    what it measures (not shown: the chat may not know who writes)."""
    from tests.conftest import NOW

    monitor = Monitor(deps.engine, deps.diagnoser.kb, default_catalog(), now=lambda: NOW,
                      diagnoser=deps.diagnoser)
    readings = telemetry_of(deps)
    for i in range(PERSIST):
        monitor.handle(f"helios/telemetry/{COMPRESSOR}", json.dumps(
            {"ts": (NOW - timedelta(hours=1, seconds=-i)).isoformat(),
             "readings": readings}).encode())
    chat = Chat(Controller(deps))
    out = chat.send("action_start_diagnosis", "report_problem",
                    f"Our compressor {COMPRESSOR} is not giving enough air")
    text = text_of(out)
    assert "latest readings your machine sent" in text
    assert "1.9" not in text  # the readings themselves are not shown
    question = custom_of(out, "diagnosis_question")
    assert question["observation_id"] not in readings
    # Without telemetry the same message starts elsewhere, and says nothing of readings.
    other = Chat(Controller(deps), sender="conv-test-2")
    plain = other.send("action_start_diagnosis", "report_problem",
                       "Our compressor H37S-2019-00412 is not giving enough air")
    assert "latest readings" not in text_of(plain)
