"""A batch of Rasa events into the analytics tables, in one transaction.

1. Each event is slimmed and keyed (analytics/events.py); those whose key is stored already
   are left out, so a replayed event adds nothing.
2. Every conversation that got a new event is locked (its row, in key order: two consumers
   never fold one conversation at once, nor deadlock), folded again from all its stored
   events (analytics/fold.py) and its rows replaced.
3. The consumer's cursor (how far it read its source), when given, is written with them.

A crash anywhere leaves the previous state whole: the batch is read again and gives the same
rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from analytics.events import event_key, order, slim
from analytics.fold import Folded, fold
from db.analytics import (
    AnalyticsConversation,
    AnalyticsCursor,
    AnalyticsDiagnosis,
    AnalyticsEvent,
    AnalyticsTurn,
)


@dataclass(frozen=True)
class Ingested:
    received: int        # events in the batch
    new: int             # stored now (the others were stored before, or are not read)
    conversations: int   # conversations folded again


def _insert(session: Session) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING of the session's dialect."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"the analytics store supports SQLite and PostgreSQL, not {name}")


def ingest(engine: Engine, raw_events: Iterable[dict[str, Any]], *,
           cursor: tuple[str, int] | None = None, now: datetime | None = None) -> Ingested:
    """Store a batch of Rasa events (as the broker publishes them) and fold again the
    conversations they belong to; `cursor` (name, position) is saved in the same
    transaction."""
    now = now or datetime.now(UTC)
    batch: dict[str, dict[str, Any]] = {}
    received = 0
    for raw in raw_events:
        received += 1
        event = slim(raw)
        if event is not None:
            batch.setdefault(event_key(event), event)
    with Session(engine) as session, session.begin():
        insert = _insert(session)
        new = _store_events(session, insert, batch, now)
        conversations = sorted({batch[key]["sender_id"] for key in new})
        for conversation_id in conversations:
            _refold(session, insert, conversation_id)
        if cursor is not None:
            name, position = cursor
            session.execute(insert(AnalyticsCursor).values(
                name=name, position=position, updated_at=now)
                .on_conflict_do_nothing())
            session.execute(update(AnalyticsCursor).where(AnalyticsCursor.name == name)
                            .values(position=position, updated_at=now))
    return Ingested(received, len(new), len(conversations))


def _store_events(session: Session, insert: Any, batch: dict[str, dict[str, Any]],
                  now: datetime) -> list[str]:
    if not batch:
        return []
    # One statement that inserts what is not stored yet and says what it inserted: the
    # transaction begins with a write, so on SQLite two consumers queue for the write lock
    # instead of failing to upgrade a read; in key order, so on PostgreSQL two consumers
    # inserting the same events never deadlock.
    keys = sorted(batch)
    new: list[str] = []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        new += session.scalars(
            insert(AnalyticsEvent).on_conflict_do_nothing().returning(AnalyticsEvent.event_key),
            [{"event_key": key, "conversation_id": batch[key]["sender_id"],
              "ts": batch[key]["timestamp"], "type": batch[key]["event"], "body": batch[key],
              "received_at": now} for key in chunk]).all()
    return new


def _refold(session: Session, insert: Any, conversation_id: str) -> Folded:
    # The conversation's row first, locked: a second consumer folding the same conversation
    # waits here and then reads the events this one stored.
    session.execute(insert(AnalyticsConversation).values(
        conversation_id=conversation_id, events=0, user_messages=0, fallbacks=0, intents={},
        flows=[], diagnosis_sessions=0, manual_answers=0, helped_yes=0, helped_no=0,
        escalated=False, escalations=0, tickets=[]).on_conflict_do_nothing())
    session.execute(select(AnalyticsConversation.conversation_id).where(
        AnalyticsConversation.conversation_id == conversation_id).with_for_update())
    stored = session.execute(select(AnalyticsEvent.event_key, AnalyticsEvent.body).where(
        AnalyticsEvent.conversation_id == conversation_id)).all()
    events = [body for key, body in sorted(stored, key=lambda r: order(r[1], r[0]))]
    folded = fold(conversation_id, events)
    values = folded.conversation.row()
    values.pop("conversation_id")
    session.execute(update(AnalyticsConversation).where(
        AnalyticsConversation.conversation_id == conversation_id).values(**values)
        .execution_options(synchronize_session=False))
    for table in (AnalyticsTurn, AnalyticsDiagnosis):
        session.execute(delete(table).where(table.conversation_id == conversation_id)
                        .execution_options(synchronize_session=False))
    if folded.turns:
        session.add_all(AnalyticsTurn(**turn.row()) for turn in folded.turns)
    if folded.diagnoses:
        session.add_all(AnalyticsDiagnosis(**d.row()) for d in folded.diagnoses)
    session.flush()
    return folded


def cursor_position(engine: Engine, name: str) -> int:
    """How far the consumer `name` has read its source (0: from the start)."""
    with Session(engine) as session:
        position = session.scalar(select(AnalyticsCursor.position)
                                  .where(AnalyticsCursor.name == name))
    return int(position or 0)
