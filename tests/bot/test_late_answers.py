"""An action slower than its deadline: "still working on it" at the deadline, the answer late and
once, the same message sent again not run twice (bot/actions/late.py, db/late_turns.py).

What makes the action slow is real: another connection holds the SQLite ticket store's write
lock, so the urgent report's ticket waits for it (up to the store's 30 s busy timeout)."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.actions import late, wiring
from bot.actions.support import SupportAction
from bot.dialogue.messages import say
from db import late_turns
from db.tickets import Ticket

SENDER = "conv-late-1"
URGENT = "Aus dem Motor der Pumpe kommt Rauch!"
DEADLINE_S = 0.5


def tracker(intent: str, messages: list[tuple[str, str]], slots: dict | None = None) -> Tracker:
    """A tracker whose user messages are (message id, text), the last one the latest."""
    events = [{"event": "user", "text": text, "message_id": mid, "timestamp": 1_700_000_000 + i,
               "parse_data": {"intent": {"name": intent}, "entities": []}}
              for i, (mid, text) in enumerate(messages)]
    mid, text = messages[-1]
    return Tracker.from_dict({
        "sender_id": SENDER, "slots": {"language": "de", **(slots or {})},
        "latest_message": {"text": text, "intent": {"name": intent}, "entities": [],
                           "message_id": mid},
        "events": events, "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen"})


async def run(action_name: str, tr: Tracker) -> tuple[list[dict], list[dict[str, Any]]]:
    action = next(cls() for cls in SupportAction.__subclasses__()
                  if cls().name() == action_name)
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tr, {})
    return dispatcher.messages, events


@pytest.fixture()
def wired(deps):
    wiring.configure(deps, deadline_s=DEADLINE_S)
    yield deps
    wiring.configure(None)


@pytest.fixture()
def store_lock(deps):
    """Hold the ticket store's write lock (another writer's long transaction) until released."""
    with deps.engine.connect():
        pass  # the store's own first connection puts the file in WAL mode: readers go on
    path = deps.engine.url.database
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def tickets_of(deps) -> list[Ticket]:
    with deps.engine.connect() as conn:
        return list(conn.execute(select(Ticket).where(Ticket.conversation_id == SENDER)))


def kinds(messages: list[dict]) -> list[str]:
    return [m["custom"]["kind"] for m in messages if m.get("custom")]


def test_a_slow_action_answers_still_working_then_late_and_once(wired, store_lock):
    async def scenario() -> None:
        first = tracker("urgent_safety", [("m-1", URGENT)])
        messages, events = await run("action_urgent_safety", first)
        # At the deadline: a polite word, nothing applied to the conversation yet.
        assert [m["text"] for m in messages if m.get("text")] == [say("still_working", "de")]
        assert kinds(messages) == ["late_pending"] and events == []
        # The customer sends it again while the first is still working: not run again.
        again = tracker("urgent_safety", [("m-1", URGENT), ("m-2", URGENT.lower() + " ")])
        messages, events = await run("action_urgent_safety", again)
        assert [m["text"] for m in messages if m.get("text")] == [
            say("still_working_on_it", "de")]
        assert events == []
        # The other writer finishes; the first run goes on and its answer is kept.
        store_lock.execute("COMMIT")
        while late._finishing:
            await asyncio.gather(*list(late._finishing))
        assert len(tickets_of(wired)) == 1
        # The next turn brings the late answer (the safety instruction and the P1 ticket)
        # and its slot changes, once.
        nxt = tracker("greet", [("m-1", URGENT), ("m-2", URGENT), ("m-3", "Hallo")])
        messages, events = await run("action_greet", nxt)
        assert kinds(messages)[:2] == ["safety", "ticket"], messages
        names = [e["name"] for e in events if e["event"] == "slot"]
        assert "late_cursor" in names and "awaiting" in names
        assert messages[-1].get("response") == "utter_greet"
        cursor = next(e["value"] for e in events if e.get("name") == "late_cursor")
        again = tracker("greet", [("m-3", "Hallo"), ("m-4", "Guten Tag")],
                        {"late_cursor": cursor})
        messages, events = await run("action_greet", again)
        assert kinds(messages) == [] and events == []
        assert len(tickets_of(wired)) == 1

    asyncio.run(scenario())


def test_a_quick_action_is_not_late(wired):
    async def scenario() -> None:
        messages, events = await run("action_urgent_safety",
                                     tracker("urgent_safety", [("m-1", URGENT)]))
        assert kinds(messages)[:2] == ["safety", "ticket"]
        assert late_turns.of_messages(wired.engine, conversation_id=SENDER,
                                      message_ids=["m-1"]) is None

    asyncio.run(scenario())


def test_the_same_words_later_in_the_conversation_are_a_new_message(wired, store_lock):
    """Only a repeat right after the late message counts: "ja" to two questions is two answers."""
    async def scenario() -> None:
        await run("action_urgent_safety", tracker("urgent_safety", [("m-1", URGENT)]))
        store_lock.execute("COMMIT")
        while late._finishing:
            await asyncio.gather(*list(late._finishing))
        later = tracker("urgent_safety", [("m-1", URGENT), ("m-2", "Hallo"), ("m-3", URGENT)])
        assert late.repeat(wired.engine, late_turn_of(later)) is None

    asyncio.run(scenario())


def late_turn_of(tr: Tracker):
    from bot.actions.support import turn_from

    return turn_from(tr)


@pytest.mark.parametrize(("text", "folded"), [
    ("  Aus dem Motor kommt RAUCH!! ", "aus dem motor kommt rauch"),
    ("Βγαίνει καπνός;", "βγαινει καπνοσ"),
    ("la vanne est coincée.", "la vanne est coincee"),
])
def test_repeats_compare_the_words(text, folded):
    assert late.same_words(text) == folded
