"""Turns whose answer came after the action's deadline: the table and its functions.

Rasa waits for a custom action for minutes, the chat's proxy a minute, the customer less. When
an action runs past its deadline (a locked table, a slow search), the action server answers
with a polite "still working on it" and lets the work finish; what it then produced is kept
here, once per user message (conversation, message id):

- its messages are shown once: claimed by the web chat's poll or by the conversation's next
  turn, whichever comes first (`claim_unshown`);
- its slot changes are applied by the next turn, after the `late_cursor` slot (`done_after`);
- the same words sent again right after, while the first answer is late, are not run a second
  time (`of_messages` finds the late turn of the message repeated): a ticket is not opened
  twice because the customer pressed Enter again.

A row left `running` by a process that died is ignored after `STALE_AFTER`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base
from db.tickets import UTCDateTime

RUNNING, DONE, FAILED = "running", "done", "failed"
STALE_AFTER = timedelta(minutes=10)


class LateTurnRow(Base):
    __tablename__ = "late_turns"
    __table_args__ = (UniqueConstraint("conversation_id", "message_id",
                                       name="uq_late_turns_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    message_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(10))
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    slots: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class LateTurn:
    id: int
    conversation_id: str
    action: str
    state: str
    created_at: datetime
    messages: list[dict[str, Any]]
    slots: dict[str, Any]


def _view(row: LateTurnRow) -> LateTurn:
    return LateTurn(id=row.id, conversation_id=row.conversation_id, action=row.action,
                    state=row.state, created_at=row.created_at, messages=list(row.messages or []),
                    slots=dict(row.slots or {}))


def start(engine: Engine, *, conversation_id: str, message_id: str, action: str,
          now: datetime) -> int:
    """Record that this message's answer is late; the id of its row (the existing one when the
    same message was recorded before)."""
    try:
        with Session(engine) as session, session.begin():
            row = LateTurnRow(conversation_id=conversation_id, message_id=message_id,
                              action=action, state=RUNNING, messages=[],
                              slots={}, created_at=now)
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        with Session(engine) as session:
            found = session.scalar(select(LateTurnRow.id).where(
                LateTurnRow.conversation_id == conversation_id,
                LateTurnRow.message_id == message_id))
            if found is None:
                raise
            return found


def finish(engine: Engine, late_id: int, *, messages: list[dict[str, Any]],
           slots: dict[str, Any], now: datetime, failed: bool = False) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(LateTurnRow).where(LateTurnRow.id == late_id).values(
            state=FAILED if failed else DONE, messages=messages, slots=slots,
            finished_at=now))


def claim_unshown(engine: Engine, *, conversation_id: str, now: datetime) -> list[LateTurn]:
    """The finished late answers of the conversation nobody has shown yet, marked shown: each
    is shown once, by whoever claims it first (the chat's poll or the next turn)."""
    with Session(engine) as session:
        rows = session.scalars(select(LateTurnRow).where(
            LateTurnRow.conversation_id == conversation_id, LateTurnRow.state == DONE,
            LateTurnRow.shown_at.is_(None)).order_by(LateTurnRow.id)).all()
    claimed = []
    for row in rows:
        # One statement each (on SQLite it waits for the write lock instead of failing a
        # read-then-write transaction); a concurrent claim finds the row shown.
        with Session(engine) as session, session.begin():
            taken = session.execute(update(LateTurnRow).where(
                LateTurnRow.id == row.id, LateTurnRow.shown_at.is_(None)).values(shown_at=now))
        if getattr(taken, "rowcount", 0) == 1:
            claimed.append(_view(row))
    return claimed


def done_after(engine: Engine, *, conversation_id: str, after: int) -> list[LateTurn]:
    """The finished late turns after the cursor (their slot changes are not applied yet)."""
    with Session(engine) as session:
        rows = session.scalars(select(LateTurnRow).where(
            LateTurnRow.conversation_id == conversation_id, LateTurnRow.id > after,
            LateTurnRow.state.in_((DONE, FAILED))).order_by(LateTurnRow.id)).all()
        return [_view(row) for row in rows]


def of_messages(engine: Engine, *, conversation_id: str,
                message_ids: list[str]) -> LateTurn | None:
    """The latest late turn of these user messages of the conversation, if any."""
    if not message_ids:
        return None
    with Session(engine) as session:
        row = session.scalars(select(LateTurnRow).where(
            LateTurnRow.conversation_id == conversation_id,
            LateTurnRow.message_id.in_(message_ids)).order_by(
            LateTurnRow.id.desc()).limit(1)).first()
        return _view(row) if row is not None else None


def stale(turn: LateTurn, now: datetime) -> bool:
    """Still `running` long after it began: the process running it died."""
    return turn.state == RUNNING and now - turn.created_at > STALE_AFTER
