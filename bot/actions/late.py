"""An action that runs past its deadline answers late, once (db/late_turns.py).

Rasa waits minutes for an action and the chat's proxy one minute; the customer should not wait
in silence for either. Past `ASSISTANT_ACTION_DEADLINE_S` the action answers "still working on
it" and the work goes on; its messages and slot changes are kept when it finishes. The web
chat's poll shows the messages, or the conversation's next turn does (whichever claims them
first); the next turn applies the slot changes. The same words sent again right after are
not run a second time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.dialogue.controller import Turn
from bot.dialogue.messages import say
from core.text import fold
from db import late_turns
from db.late_turns import LateTurn

logger = logging.getLogger(__name__)

# The work still running after its action answered (a reference, so it is not collected), and
# its (conversation, message id): a repeat is known even before its record is written.
_finishing: set[asyncio.Future[Any]] = set()
_running: set[tuple[str, str]] = set()
RECORD_WAIT_S = 2.0


def _now() -> datetime:
    return datetime.now(UTC)


def same_words(text: str) -> str:
    """A message as "the same message again" compares it: case, accents, spacing and trailing
    punctuation do not matter."""
    return " ".join(fold(text).split()).rstrip(" .!?;")


def repeated_message_ids(turn: Turn) -> list[str]:
    """The ids of the user messages just before this one with the same words (the customer
    sent it again), latest first."""
    users = [e for e in turn.events if e.get("event") == "user"]
    words = same_words(turn.text)
    ids: list[str] = []
    if not words:
        return ids
    for event in reversed(users[:-1]):
        if same_words(str(event.get("text") or "")) != words:
            break
        if event.get("message_id"):
            ids.append(str(event["message_id"]))
    return ids


def catch_up(engine: Engine, turn: Turn, cursor: int,
             dispatcher: CollectingDispatcher) -> tuple[list[dict[str, Any]], set[int]]:
    """Apply the slot changes of the late turns finished since the cursor (to `turn.slots`
    too, so the controller sees them) and show the late messages nobody has shown; (events,
    ids of the late turns shown now)."""
    events: list[dict[str, Any]] = []
    finished = late_turns.done_after(engine, conversation_id=turn.sender, after=cursor)
    for late in finished:
        for name, value in late.slots.items():
            turn.slots[name] = value
            events.append(SlotSet(name, value))
    if finished:
        events.append(SlotSet("late_cursor", max(late.id for late in finished)))
    shown = late_turns.claim_unshown(engine, conversation_id=turn.sender, now=_now())
    for late in shown:
        dispatcher.messages.extend(late.messages)
    return events, {late.id for late in shown}


def repeat(engine: Engine, turn: Turn) -> LateTurn | None:
    """The late turn of the message this one repeats, unless it failed or was abandoned."""
    ids = repeated_message_ids(turn)
    for message_id in ids:
        if (turn.sender, message_id) in _running:  # not recorded yet (a locked store)
            return LateTurn(id=0, conversation_id=turn.sender, action="",
                            state=late_turns.RUNNING, created_at=_now(), messages=[],
                            slots={})
    found = late_turns.of_messages(engine, conversation_id=turn.sender, message_ids=ids)
    if found is None or found.state == late_turns.FAILED or late_turns.stale(found, _now()):
        return None
    return found


def still_working(turn: Turn, late_id: int | None, *, again: bool,
                  dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(
        text=say("still_working_on_it" if again else "still_working", turn.language),
        json_message={"kind": "late_pending", "late_id": late_id or None})


@dataclass(frozen=True)
class Late:
    """The action ran past its deadline; its late turn's id, when recorded in time."""

    late_id: int | None


async def answer_within(work: Awaitable[list[dict[str, Any]]], *, deadline_s: float,
                        engine: Engine, turn: Turn, action: str,
                        own: CollectingDispatcher) -> list[dict[str, Any]] | Late:
    """The work's events when it finishes within the deadline; else Late (the work goes on,
    and its answer is kept when it finishes)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.wait_for(asyncio.shield(task), deadline_s)
    except TimeoutError:
        pass
    key = (turn.sender, turn.message_id)
    _running.add(key)
    record = asyncio.ensure_future(asyncio.to_thread(
        late_turns.start, engine, conversation_id=turn.sender,
        message_id=turn.message_id, action=action, now=_now()))
    finishing = asyncio.ensure_future(_keep(task, record, engine, own, key))
    _finishing.add(finishing)
    finishing.add_done_callback(_finishing.discard)
    late_id = None
    try:
        # The store may be what is slow (a locked SQLite file): the customer does not wait
        # for the record, which _keep completes.
        late_id = await asyncio.wait_for(asyncio.shield(record), RECORD_WAIT_S)
    except TimeoutError:
        pass
    except SQLAlchemyError:
        logger.exception("late turn of %s could not be recorded", turn.sender)
    logger.warning("%s in %s ran past its %.0f s deadline; answering late (late turn %s)",
                   action, turn.sender, deadline_s, late_id)
    return Late(late_id)


async def _keep(task: asyncio.Future[list[dict[str, Any]]],
                record: asyncio.Future[int], engine: Engine, own: CollectingDispatcher,
                key: tuple[str, str]) -> None:
    failed = False
    slots: dict[str, Any] = {}
    try:
        events = await task
        slots = {e["name"]: e.get("value") for e in events if e.get("event") == "slot"}
    except Exception:  # noqa: BLE001 - kept as failed: the customer may send it again
        logger.exception("late turn of %s failed", key[0])
        failed = True
    try:
        late_id = await record
        # As Rasa passes an action's messages on: without the empty fields (`"custom": {}`).
        messages = [] if failed else [{k: v for k, v in m.items() if v} for m in own.messages]
        await asyncio.to_thread(late_turns.finish, engine, late_id, messages=messages,
                                slots=slots, now=_now(), failed=failed)
    except SQLAlchemyError:
        logger.exception("late turn of %s finished but could not be kept", key[0])
    finally:
        _running.discard(key)
