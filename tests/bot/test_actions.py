"""The Rasa actions as rasa-sdk runs them: the hand-off gate, engineers' replies, messages and
slot events (the dialogue itself is tested in tests/dialogue)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import wiring
from bot.actions.support import ACTIONS, SupportAction
from bot.dialogue.controller import Controller
from core.settings import PROJECT_ROOT
from tickets import conversations
from tickets.domain import Actor, NewTicket
from tickets.store import create_ticket

SENDER = "conv-actions-1"


def tracker(intent: str, text: str, slots: dict | None = None) -> Tracker:
    event = {"event": "user", "text": text, "timestamp": 1_700_000_000.5,
             "parse_data": {"intent": {"name": intent}, "entities": []}}
    return Tracker.from_dict({
        "sender_id": SENDER, "slots": {"language": "de", **(slots or {})},
        "latest_message": {"text": text, "intent": {"name": intent}, "entities": [],
                           "message_id": "msg-1"},
        "events": [event], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen"})


def run(action_name: str, tr: Tracker) -> tuple[list[dict], list[dict]]:
    action = next(cls() for cls in SupportAction.__subclasses__()
                  if cls().name() == action_name)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return dispatcher.messages, events


@pytest.fixture()
def wired(deps):
    wiring.configure(deps)
    yield deps
    wiring.configure(None)


def test_every_action_is_reached_by_the_rules_and_every_rule_by_an_action():
    rules = yaml.safe_load((PROJECT_ROOT / "bot/data/rules.yml").read_text("utf-8"))["rules"]
    pairs = {(r["steps"][0]["intent"], r["steps"][1]["action"]) for r in rules}
    expected = {(i.strip(), a) for a, intents in ACTIONS.items() for i in intents.split(",")}
    assert pairs == expected
    domain = yaml.safe_load((PROJECT_ROOT / "bot/domain.yml").read_text("utf-8"))
    assert set(domain["actions"]) == set(ACTIONS)
    assert set(domain["intents"]) | {"nlu_fallback"} == {i for i, _ in pairs}


def test_messages_buttons_custom_data_and_slots(wired):
    messages, events = run("action_talk_to_human", tracker("talk_to_human", "Techniker bitte"))
    assert messages[0]["text"].startswith("Um ein Serviceticket") or messages[0]["text"]
    assert {"event": "slot", "name": "awaiting", "value": "asset", "timestamp": None} in events
    messages, _ = run("action_greet", tracker("greet", "Hallo"))
    assert messages[0]["response"] == "utter_greet"


def test_the_assistant_is_silent_while_an_engineer_owns_the_chat(wired):
    engine = wired.engine
    now = datetime.now(UTC)
    ticket, _ = create_ticket(engine, new=NewTicket(
        customer_id="CUST-002", subject="Pump noise", description="noise", type="incident",
        serial="P050-2019-00988", conversation_id=SENDER, channel="chat"),
        actor=Actor("assistant", "assistant"), catalog=wired.catalog, now=now)
    engineer = Actor("Eleni", "engineer")
    reply = conversations.add_comment(engine, ticket_id=ticket.id, viewer=engineer,
                                      body="Ich rufe Sie gleich an.", visibility="customer",
                                      now=now)
    messages, events = run("action_start_diagnosis",
                           tracker("report_problem", "Die Pumpe ist laut"))
    # Only the engineer's reply comes back; the customer's words went to the ticket.
    assert [m["custom"] for m in messages] == [{"kind": "engineer_reply",
                                                "reply_id": reply.id}]
    assert "Ich rufe Sie gleich an." in messages[0]["text"]
    assert {"event": "slot", "name": "reply_cursor", "value": reply.id,
            "timestamp": None} in events
    comments = conversations.list_comments(engine, ticket_id=ticket.id, viewer=engineer)
    assert comments[-1].body == "Die Pumpe ist laut"
    # The reply is delivered once; handed back, the assistant answers again.
    conversations.set_handoff(engine, ticket_id=ticket.id, viewer=engineer, active=False,
                              now=now)
    messages, _ = run("action_greet", tracker("greet", "Hallo", {"reply_cursor": reply.id}))
    assert [m.get("response") for m in messages] == ["utter_greet"]


def test_controller_is_configurable(wired):
    assert isinstance(wiring.controller(), Controller)
    assert wiring.controller().s is wired
