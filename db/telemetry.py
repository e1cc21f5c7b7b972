"""The installed units' telemetry and the alerts raised on it: tables and their functions.

`telemetry` holds one row per accepted message (readings and active codes as JSON), kept for
`ASSISTANT_TELEMETRY_RETENTION_DAYS`. `alerts` holds one row per raised condition; while it is
open its `open_key` ("<serial>:<condition>") is set, and a unique constraint on it makes "one
open alert per unit and condition" hold even when two consumers see the same message.
Kinds: `critical` (a critical condition met), `fault` (faults made likely by the readings;
condition `likely_fault`), `predicted` (a reading trending to its limit; condition
`trend:<observation>`), `maintenance` (a task coming due; condition
`maintenance:<task>:<hours>`). `details` holds what the kind says beyond the readings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base
from db.tickets import UTCDateTime

OPEN, CLEARED = "open", "cleared"


class TelemetryRow(Base):
    __tablename__ = "telemetry"
    # One row per unit and timestamp: a QoS-1 message delivered twice is stored once.
    __table_args__ = (Index("ix_telemetry_serial_at", "serial", "at", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    serial: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    readings: Mapped[dict[str, Any]] = mapped_column(JSON)
    active_codes: Mapped[list[str]] = mapped_column(JSON)
    running_hours: Mapped[float | None] = mapped_column(Float)


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_serial_state", "serial", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    serial: Mapped[str] = mapped_column(String(60))
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    condition_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # critical, fault, predicted, maintenance
    priority: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(10))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ticket_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


@dataclass(frozen=True)
class Alert:
    id: int
    serial: str
    customer_id: str
    condition_id: str
    kind: str
    priority: str
    state: str
    evidence: dict[str, Any]
    opened_at: datetime
    cleared_at: datetime | None
    ticket_id: str | None
    details: dict[str, Any] = field(default_factory=dict)
    last_seen_at: datetime | None = None


def _view(row: AlertRow) -> Alert:
    return Alert(row.id, row.serial, row.customer_id, row.condition_id, row.kind, row.priority,
                 row.state, dict(row.evidence or {}), row.opened_at, row.cleared_at,
                 row.ticket_id, dict(row.details or {}), row.last_seen_at)


def record(engine: Engine, *, serial: str, at: datetime, received_at: datetime,
           readings: dict[str, Any], active_codes: list[str],
           running_hours: float | None) -> bool:
    """Stores one message; False when the unit's message of that time is already stored (a
    QoS-1 delivery repeated)."""
    try:
        with Session(engine) as session, session.begin():
            session.add(TelemetryRow(serial=serial, at=at, received_at=received_at,
                                     readings=readings, active_codes=active_codes,
                                     running_hours=running_hours))
    except IntegrityError:
        return False
    return True


def latest(engine: Engine, serial: str, limit: int = 100) -> list[TelemetryRow]:
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(select(TelemetryRow).where(TelemetryRow.serial == serial)
                                    .order_by(TelemetryRow.at.desc()).limit(limit)))


def forget_before(engine: Engine, cutoff: datetime) -> int:
    """Retention: delete telemetry older than `cutoff`; returns how many rows went."""
    with Session(engine) as session, session.begin():
        gone = session.execute(delete(TelemetryRow).where(TelemetryRow.at < cutoff))
    return int(getattr(gone, "rowcount", 0) or 0)


def raise_alert(engine: Engine, *, serial: str, customer_id: str, condition_id: str, kind: str,
                priority: str, evidence: dict[str, Any], now: datetime,
                details: dict[str, Any] | None = None) -> tuple[Alert, bool]:
    """The open alert of this unit and condition: a new one (True), or the one already open
    (False), seen again now (with the latest details, when given)."""
    key = f"{serial}:{condition_id}"
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            row = AlertRow(open_key=key, serial=serial, customer_id=customer_id,
                           condition_id=condition_id, kind=kind, priority=priority, state=OPEN,
                           evidence=evidence, opened_at=now, last_seen_at=now, details=details)
            session.add(row)
        return _view(row), True
    except IntegrityError:
        values: dict[str, Any] = {"last_seen_at": now}
        if details is not None:
            values["details"] = details
        with Session(engine, expire_on_commit=False) as session, session.begin():
            session.execute(update(AlertRow).where(AlertRow.open_key == key).values(**values))
            existing = session.scalars(select(AlertRow).where(AlertRow.open_key == key)).one()
            return _view(existing), False


def get_alert(engine: Engine, alert_id: int) -> Alert | None:
    with Session(engine) as session:
        row = session.get(AlertRow, alert_id)
        return _view(row) if row is not None else None


def attach_ticket(engine: Engine, alert_id: int, ticket_id: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(AlertRow).where(AlertRow.id == alert_id)
                        .values(ticket_id=ticket_id))


def open_alerts(engine: Engine, *, serial: str | None = None, customer_id: str | None = None,
                state: str | None = OPEN, kind: str | None = None,
                priority: str | None = None, limit: int | None = None) -> list[Alert]:
    """Alerts by unit, customer, state, kind and priority, oldest first (with `limit`: the
    newest `limit`, newest first)."""
    query = select(AlertRow).order_by(AlertRow.id.desc() if limit else AlertRow.id)
    if limit:
        query = query.limit(limit)
    if priority is not None:
        query = query.where(AlertRow.priority == priority)
    if serial is not None:
        query = query.where(AlertRow.serial == serial)
    if customer_id is not None:
        query = query.where(AlertRow.customer_id == customer_id)
    if state is not None:
        query = query.where(AlertRow.state == state)
    if kind is not None:
        query = query.where(AlertRow.kind == kind)
    with Session(engine) as session:
        return [_view(row) for row in session.scalars(query)]


def clear(engine: Engine, alert_id: int, now: datetime) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(AlertRow).where(AlertRow.id == alert_id, AlertRow.state == OPEN)
                        .values(state=CLEARED, open_key=None, cleared_at=now))


def retention_cutoff(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)
