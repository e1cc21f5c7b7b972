"""Guided-diagnosis sessions: the table and the functions that read and write it.

A session's state is the plain data of `rules.diagnosis.DiagnosisState` (answers, don't-knows,
symptom, questions asked), stored as JSON, so a conversation resumes after a restart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base


class SessionNotFoundError(LookupError):
    """No diagnostic session has this id."""


class SessionConflictError(RuntimeError):
    """The session changed since it was read (two answers at once)."""


class DiagnosticSession(Base):
    __tablename__ = "diagnostic_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    family: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_session(engine: Engine, *, session_id: str, family: str, language: str,
                   status: str, state: dict[str, Any]) -> DiagnosticSession:
    now = datetime.now(UTC)
    row = DiagnosticSession(id=session_id, family=family, language=language, status=status,
                            state=state, version=1, created_at=now, updated_at=now)
    with Session(engine, expire_on_commit=False) as db, db.begin():
        db.add(row)
    return row


def get_session(engine: Engine, *, session_id: str) -> DiagnosticSession:
    with Session(engine, expire_on_commit=False) as db:
        row = db.get(DiagnosticSession, session_id)
    if row is None:
        raise SessionNotFoundError(session_id)
    return row


def save_session(engine: Engine, *, session_id: str, expected_version: int, status: str,
                 state: dict[str, Any]) -> int:
    """Write a session's new state if nobody wrote it since `expected_version`; the new version."""
    with Session(engine) as db, db.begin():
        result = db.execute(
            update(DiagnosticSession)
            .where(DiagnosticSession.id == session_id,
                   DiagnosticSession.version == expected_version)
            .values(status=status, state=state, version=expected_version + 1,
                    updated_at=datetime.now(UTC)))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            exists = db.execute(select(DiagnosticSession.id).where(
                DiagnosticSession.id == session_id)).first()
            if exists is None:
                raise SessionNotFoundError(session_id)
            raise SessionConflictError(session_id)
    return expected_version + 1
