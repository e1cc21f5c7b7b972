"""The chat opened from an alert's link: the unit's telemetry is known, the customer is told
what it reported and what it points to, in their language, and the guided diagnosis asks only
what the telemetry cannot answer: fewer questions than the same fault without telemetry
(bot/dialogue/flows/alerts.py). A link that is not signed opens nothing. A customer who writes
about a unit that reported recently has the diagnosis start from its telemetry too; only a chat
whose identity proves it is the unit's customer is told the readings."""

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
from tests.conftest import NOW
from tests.dialogue.conftest import Chat, answer_diagnosis, custom_of, kinds, text_of
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
    return raise_alert(deps)


def raise_alert(deps) -> int:
    """The HSC-37 reports a clogged separator until the monitoring raises its fault alert."""
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


def open_chat(deps, language: str, token: str, sender: str = "conv-test-1"
              ) -> tuple[Chat, object]:
    chat = Chat(Controller(replace(deps, link_secret=SECRET)), language=language, sender=sender)
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


def answer_truthfully(chat: Chat, out, operator: Operator) -> tuple[int, object]:
    """Answer as the customer with the fault would until the diagnosis ends: the questions
    asked, the last outcome."""
    return answer_diagnosis(chat, operator, out)


def test_the_telemetry_saves_the_customer_questions(deps):
    """The same fault, answered truthfully in the chat: reported by the customer before the
    unit sent any telemetry, then from the alert's link once its telemetry raised the alert."""
    family = deps.diagnoser.kb.families["rotary_screw_compressor"]
    model = deps.diagnoser.models[family.id]

    plain = Chat(Controller(replace(deps, link_secret=SECRET)), sender="conv-no-telemetry")
    out = plain.send("action_start_diagnosis", "report_problem",
                     f"Our compressor {COMPRESSOR} is not giving enough air")
    assert plain.slots["asset_serial"] == COMPRESSOR
    assert "latest readings" not in text_of(out)  # nothing reported yet: nothing used
    without, last = answer_truthfully(plain, out, Operator(family, model, FAULT))
    assert custom_of(last, "diagnosis_conclusion")["fault_id"] == FAULT

    alert = raise_alert(deps)
    chat, out = open_chat(deps, "en", links.alert_token(alert, SECRET), sender="conv-alert")
    assert custom_of(out, "alert")["alert_id"] == alert
    with_telemetry, last = answer_truthfully(chat, out, Operator(family, model, FAULT))
    assert custom_of(last, "diagnosis_conclusion")["fault_id"] == FAULT

    assert with_telemetry < without, (with_telemetry, without)


def report_recently(deps) -> dict[str, float]:
    """The HSC-37 reported a clogged separator an hour ago (long enough to raise the alert)."""
    monitor = Monitor(deps.engine, deps.diagnoser.kb, default_catalog(), now=lambda: NOW,
                      diagnoser=deps.diagnoser)
    readings = telemetry_of(deps)
    for i in range(PERSIST):
        monitor.handle(f"helios/telemetry/{COMPRESSOR}", json.dumps(
            {"ts": (NOW - timedelta(hours=1, seconds=-i)).isoformat(),
             "readings": readings}).encode())
    return readings


def test_a_customer_writing_about_a_reporting_unit_gets_the_telemetry_used(deps):
    """No link: the customer names the serial; the unit's telemetry of the last hours answers
    what it measures (not shown: the chat may not know who writes)."""
    readings = report_recently(deps)
    for verified in (None, "CUST-002"):  # anonymous; signed in as another company
        chat = Chat(Controller(deps), sender=f"conv-{verified}", verified_customer=verified)
        out = chat.send("action_start_diagnosis", "report_problem",
                        f"Our compressor {COMPRESSOR} is not giving enough air")
        text = text_of(out)
        assert "latest readings your machine sent" in text
        assert "1.9" not in text and "separator pressure drop" not in text  # not shown
        question = custom_of(out, "diagnosis_question")
        assert question["observation_id"] not in readings
    # Without telemetry the same message starts elsewhere, and says nothing of readings.
    other = Chat(Controller(deps), sender="conv-test-2")
    plain = other.send("action_start_diagnosis", "report_problem",
                       "Our compressor H37S-2019-00412 is not giving enough air")
    assert "latest readings" not in text_of(plain)


@pytest.mark.parametrize(("language", "text", "reported"), [
    ("en", "Our compressor {serial} is not giving enough air",
     "Your HSC-37 ({serial}) reported at 4 Mar 2026, 11:00 EET: "),
    ("de", "Unser Kompressor {serial} liefert nicht genug Luft",
     "Ihr HSC-37 ({serial}) hat um 04.03.2026, 11:00 EET gemeldet: "),
])
def test_the_verified_customer_is_told_what_its_unit_reported(deps, language, text, reported):
    """A chat whose identity proves it is the unit's customer is told the readings used, in its
    language, as the chat opened from an alert tells them."""
    readings = report_recently(deps)
    chat = Chat(Controller(deps), language=language, verified_customer="CUST-001")
    out = chat.send("action_start_diagnosis", "report_problem", text.format(serial=COMPRESSOR))
    shown = text_of(out)
    assert reported.format(serial=COMPRESSOR) in shown
    assert {"en": "separator pressure drop 1.9 bar",
            "de": "Differenzdruck am Ölabscheider 1,9 bar"}[language] in shown
    assert {"en": "latest readings", "de": "letzten Messwerte"}[language] not in shown
    question = custom_of(out, "diagnosis_question")
    assert question["observation_id"] not in readings
