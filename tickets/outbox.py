"""The notification outbox: events are written in the same transaction as the ticket change,
then delivered to a webhook by a worker with retries and exponential backoff. A receiver that
is down only delays delivery; each event carries its id so the receiver can drop duplicates
(delivery is at least once)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.tickets import OutboxEvent, Ticket
from tickets import workflow
from tickets.database import reading, writing

logger = logging.getLogger(__name__)
EVENT_TYPES = ("ticket.created", "ticket.escalated", "ticket.reported", "ticket.sla_breached")


@dataclass(frozen=True)
class DeliveryPolicy:
    base_delay_s: float = 2.0
    max_delay_s: float = 600.0
    lease_s: float = 60.0  # a claimed event is retried by another worker after this
    batch: int = 50
    timeout_s: float = 5.0

    def delay(self, attempts: int) -> timedelta:
        """Backoff after the `attempts`-th failure: base, 2x base, 4x base, ... capped."""
        return timedelta(seconds=min(self.max_delay_s, self.base_delay_s * 2 ** (attempts - 1)))


def ticket_summary(ticket: Ticket) -> dict[str, object]:
    """What a receiver needs to write the message: which machine and site, how the ticket
    came (`channel`: "monitoring" for the telemetry's), and `alert`, the monitoring's marker
    of a maintenance reminder (tickets/notify.py)."""
    diagnosis = ticket.diagnosis if isinstance(ticket.diagnosis, dict) else {}
    return {
        "id": ticket.id, "number": ticket.number, "status": ticket.status,
        "priority": ticket.priority, "type": ticket.type, "customer_id": ticket.customer_id,
        "site_id": ticket.site_id, "serial": ticket.serial, "channel": ticket.channel,
        "alert": diagnosis.get("alert") if diagnosis.get("source") == "monitoring" else None,
        "subject": ticket.subject, "escalation_reason": ticket.escalation_reason,
        "assignee": ticket.assignee, "language": ticket.language,
        "response_due_at": ticket.response_due_at.isoformat(),
        "resolution_due_at": ticket.resolution_due_at.isoformat(),
    }


def enqueue(session: Session, *, event_type: str, ticket: Ticket, now: datetime,
            detail: dict[str, object] | None = None) -> None:
    """Add an event to the outbox inside the caller's transaction."""
    session.add(OutboxEvent(
        event_type=event_type, ticket_id=ticket.id, created_at=now, attempts=0,
        next_attempt_at=now,
        payload={"event": event_type, "occurred_at": now.isoformat(),
                 "ticket": ticket_summary(ticket), **({"detail": detail} if detail else {})}))


def scan_breaches(engine: Engine, *, now: datetime) -> int:
    """Enqueue ticket.sla_breached once per missed deadline of an open ticket; the count."""
    query = (select(Ticket).where(
        Ticket.status.in_(workflow.OPEN_STATUSES), Ticket.next_due_at < now,
        or_(Ticket.breach_notified_at.is_(None), Ticket.breach_notified_at < Ticket.next_due_at))
        .order_by(Ticket.next_due_at).limit(500))
    with reading(engine) as session:  # the common case, nothing new: no write lock taken
        if session.scalars(query.limit(1)).first() is None:
            return 0
    with writing(engine) as session:
        due = session.scalars(query).all()
        for ticket in due:
            which = "response" if ticket.first_response_at is None else "resolution"
            ticket.breach_notified_at = now
            enqueue(session, event_type="ticket.sla_breached", ticket=ticket, now=now,
                    detail={"deadline": which, "due_at": ticket.next_due_at.isoformat()
                            if ticket.next_due_at else None})
        return len(due)


def _claim(engine: Engine, *, now: datetime, policy: DeliveryPolicy) -> list[OutboxEvent]:
    with reading(engine) as session:
        candidates = session.scalars(select(OutboxEvent).where(
            OutboxEvent.delivered_at.is_(None), OutboxEvent.next_attempt_at <= now,
            or_(OutboxEvent.locked_until.is_(None), OutboxEvent.locked_until < now))
            .order_by(OutboxEvent.id).limit(policy.batch)).all()
    claimed = []
    lease = now + timedelta(seconds=policy.lease_s)
    for event in candidates:
        with writing(engine) as session:
            won = session.execute(update(OutboxEvent).where(
                OutboxEvent.id == event.id, OutboxEvent.delivered_at.is_(None),
                or_(OutboxEvent.locked_until.is_(None), OutboxEvent.locked_until < now))
                .values(locked_until=lease)).rowcount  # type: ignore[attr-defined]
        if won:
            claimed.append(event)
    return claimed


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


Address = Callable[[dict[str, Any]], dict[str, Any]]


def deliver_due(engine: Engine, *, client: httpx.Client, url: str, secret: str | None,
                now: Callable[[], datetime], policy: DeliveryPolicy | None = None,
                address: Address | None = None) -> tuple[int, int]:
    """POST each due event to `url`; returns (delivered, failed). A 2xx answer is delivery;
    anything else (or no answer) schedules a retry after the backoff delay.

    `address` (tickets/notify.py) gives the fields added to the body at delivery (`kind`,
    `recipients`): done now, not when the event was written, so the contacts and the on-call
    rota are the current ones. The signature is over the body as sent."""
    policy = policy or DeliveryPolicy()
    delivered = failed = 0
    for event in _claim(engine, now=now(), policy=policy):
        error: str | None = None
        try:
            extra = address(event.payload) if address is not None else {}
        except Exception as exc:  # noqa: BLE001 - one event's bad data must not stop the rest
            extra, error = {}, f"addressing failed: {type(exc).__name__}: {exc}"[:500]
        body = json.dumps({**event.payload, **extra, "event_id": event.id},
                          sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "X-Helios-Event": event.event_type,
                   "X-Helios-Delivery": str(event.id)}
        if secret:
            headers["X-Helios-Signature"] = sign(body, secret)
        if error is None:  # an event that could not be addressed is retried, not sent bare
            try:
                response = client.post(url, content=body, headers=headers,
                                       timeout=policy.timeout_s)
                if not 200 <= response.status_code < 300:
                    error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
        with writing(engine) as session:
            row = session.get(OutboxEvent, event.id)
            if row is None:
                continue
            row.attempts += 1
            row.locked_until = None
            if error is None:
                row.delivered_at = now()
                row.last_error = None
                delivered += 1
            else:
                row.next_attempt_at = now() + policy.delay(row.attempts)
                row.last_error = error
                failed += 1
                logger.warning("webhook delivery of event %s failed (attempt %s): %s",
                               event.id, row.attempts, error)
    return delivered, failed


def pending_count(engine: Engine) -> int:
    with reading(engine) as session:
        return len(session.scalars(select(OutboxEvent.id).where(
            OutboxEvent.delivered_at.is_(None))).all())
