"""Persistence of tickets: one function per operation, keyword-only arguments, one transaction
each. Customers only ever see their own tickets (anything else is "not found")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.tickets import Ticket
from tickets import domain
from tickets.catalog import Catalog
from tickets.database import reading, writing
from tickets.domain import Actor, NewTicket
from tickets.errors import (
    IdempotencyMismatchError,
    StaleVersionError,
    TicketNotFoundError,
    UnknownReferenceError,
)
from tickets.outbox import enqueue

MAX_CAS_RETRIES = 20


@dataclass(frozen=True)
class TicketFilter:
    status: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    assignee: str | None = None
    customer_id: str | None = None
    family: str | None = None
    conversation_id: str | None = None
    breached: bool | None = None
    due_within_h: float | None = None


def request_hash(new: NewTicket) -> str:
    """A fingerprint of a create request, to tell a retry from a reused Idempotency-Key."""
    canonical = json.dumps(asdict(new), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _visible(query: Select[Any], viewer: Actor) -> Select[Any]:
    if viewer.role == "customer":
        return query.where(Ticket.customer_id == (viewer.customer_id or ""))
    return query


def _by_idempotency(session: Session, scope: str, key: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(
        Ticket.idempotency_scope == scope, Ticket.idempotency_key == key)).one_or_none()


def create_ticket(engine: Engine, *, new: NewTicket, actor: Actor, catalog: Catalog,
                  now: datetime, idempotency_key: str | None = None) -> tuple[Ticket, bool]:
    """Create a ticket (and its outbox events) in one transaction; returns (ticket, created).

    With an Idempotency-Key, a retry of the same request returns the first ticket (created is
    False), and the same key with another body raises IdempotencyMismatchError."""
    fingerprint = request_hash(new)
    scope = actor.principal or actor.name
    values = domain.build_ticket(new, catalog=catalog, created_by=actor.name, now=now)
    try:
        with writing(engine) as session:
            if idempotency_key is not None:
                existing = _by_idempotency(session, scope, idempotency_key)
                if existing is not None:
                    return _replayed(existing, fingerprint), False
            ticket = Ticket(**values, idempotency_scope=scope if idempotency_key else None,
                            idempotency_key=idempotency_key, request_hash=fingerprint)
            session.add(ticket)
            session.flush()
            enqueue(session, event_type="ticket.created", ticket=ticket, now=now)
            if ticket.escalation_reason:
                # The same news as ticket.created: marked, so that it is not addressed to
                # anyone a second time (tickets/notify.py).
                enqueue(session, event_type="ticket.escalated", ticket=ticket, now=now,
                        detail={"on_creation": True})
            return ticket, True
    except IntegrityError:
        # Another request with the same key won the race (PostgreSQL); answer with its ticket.
        if idempotency_key is None:
            raise
        with reading(engine) as session:
            existing = _by_idempotency(session, scope, idempotency_key)
            if existing is None:
                raise
            return _replayed(existing, fingerprint), False


def _replayed(existing: Ticket, fingerprint: str) -> Ticket:
    if existing.request_hash != fingerprint:
        raise IdempotencyMismatchError(
            "this Idempotency-Key was used for a different request; use a new key")
    return existing


def get_ticket(engine: Engine, *, ticket_id: str, viewer: Actor) -> Ticket:
    with reading(engine) as session:
        ticket = session.scalars(_visible(select(Ticket).where(Ticket.id == ticket_id),
                                          viewer)).one_or_none()
    if ticket is None:
        raise TicketNotFoundError(ticket_id)
    return ticket


def list_tickets(engine: Engine, *, viewer: Actor, filters: TicketFilter, now: datetime,
                 sort: str = "urgency", page: int = 1,
                 page_size: int = 20) -> tuple[list[Ticket], int]:
    """A page of the tickets the viewer may see, and how many match in all.

    `sort="urgency"` puts the nearest pending SLA deadline first (breached ones at the top),
    tickets without one (resolved, closed, or waiting for the customer with the clock paused)
    last; `sort="created"` is newest first. Deadlines are stored already pushed by the pauses
    that have ended, so "breached" and "due within N hours" compare them with `now` directly."""
    query = _visible(select(Ticket), viewer)
    conditions: list[ColumnElement[bool]] = []
    if filters.status:
        conditions.append(Ticket.status.in_(filters.status))
    if filters.priority:
        conditions.append(Ticket.priority.in_(filters.priority))
    for column, value in ((Ticket.assignee, filters.assignee),
                          (Ticket.customer_id, filters.customer_id),
                          (Ticket.family, filters.family),
                          (Ticket.conversation_id, filters.conversation_id)):
        if value is not None:
            conditions.append(column == value)
    if filters.breached is True:
        conditions.append(Ticket.next_due_at < now)
    elif filters.breached is False:
        conditions.append(or_(Ticket.next_due_at.is_(None), Ticket.next_due_at >= now))
    if filters.due_within_h is not None:
        conditions.append(and_(Ticket.next_due_at.is_not(None),
                               Ticket.next_due_at <= now + timedelta(hours=filters.due_within_h)))
    query = query.where(*conditions)
    with reading(engine) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        order: list[Any]
        if sort == "created":
            order = [Ticket.created_at.desc(), Ticket.number.desc()]
        else:
            order = [Ticket.next_due_at.asc().nulls_last(), Ticket.priority.asc(),
                     Ticket.number.asc()]
        items = session.scalars(query.order_by(*order).offset((page - 1) * page_size)
                                .limit(page_size)).all()
    return list(items), int(total)


def current_ticket(session: Session, ticket_id: str, viewer: Actor, *,
                   lock: bool = False) -> Ticket:
    """The ticket as the viewer may see it; `lock` holds its row until the transaction ends
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write transaction already excludes others)."""
    query = _visible(select(Ticket).where(Ticket.id == ticket_id), viewer)
    if lock:
        query = query.with_for_update()
    ticket = session.scalars(query).one_or_none()
    if ticket is None:
        raise TicketNotFoundError(ticket_id)
    return ticket


def values(ticket: Ticket) -> dict[str, Any]:
    return {column.key: getattr(ticket, column.key) for column in Ticket.__table__.columns}


def apply_changes(session: Session, *, ticket: Ticket, changes: dict[str, Any],
                  now: datetime) -> bool:
    """Compare-and-swap the ticket's row at its loaded version; False if someone else won."""
    result = session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.version == ticket.version)
        .values(**changes, updated_at=now, version=ticket.version + 1)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def update_ticket(engine: Engine, *, ticket_id: str, viewer: Actor, catalog: Catalog,
                  now: datetime, expected_version: int | None = None,
                  status: str | None = None, assignee: str | None = None,
                  unassign: bool = False, priority: str | None = None) -> Ticket:
    """Change status, assignee or priority under optimistic concurrency.

    With `expected_version` (If-Match) a ticket changed meanwhile raises StaleVersionError;
    without it the change is re-validated against the newest version and retried."""
    for _ in range(MAX_CAS_RETRIES):
        with writing(engine) as session:
            ticket = current_ticket(session, ticket_id, viewer, lock=True)
            if expected_version is not None and ticket.version != expected_version:
                raise StaleVersionError(expected_version, ticket.version)
            old_priority = ticket.priority
            changes = domain.plan_update(values(ticket), status=status, assignee=assignee,
                                         unassign=unassign, priority=priority, catalog=catalog,
                                         now=now)
            if not apply_changes(session, ticket=ticket, changes=changes, now=now):
                if expected_version is not None:
                    raise StaleVersionError(expected_version, expected_version + 1)
                continue
            session.expire(ticket)
            ticket = current_ticket(session, ticket_id, viewer)
            if domain.is_escalation(old_priority, ticket.priority):
                enqueue(session, event_type="ticket.escalated", ticket=ticket, now=now)
            return ticket
    raise StaleVersionError(expected_version or 0, -1)


def identify_customer(engine: Engine, *, ticket_id: str, serial: str, viewer: Actor,
                      catalog: Catalog, now: datetime) -> Ticket:
    """Give a ticket opened before its customer was known (customer_id NULL) the customer,
    site and machine of `serial`. Its deadlines stay: they were set on the fastest contract,
    which no customer's contract undercuts. A ticket that has a customer already is left as
    it is (a retried message, or a second serial)."""
    for _ in range(MAX_CAS_RETRIES):
        with writing(engine) as session:
            ticket = current_ticket(session, ticket_id, viewer, lock=True)
            if ticket.customer_id is not None:
                return ticket
            owner = next((c for c in catalog.customers.values() if serial in c.assets), None)
            if owner is None:
                raise UnknownReferenceError("serial", serial,
                                                   f"no customer has asset {serial!r}")
            asset = owner.assets[serial]
            changes = {"customer_id": owner.customer_id, "serial": serial,
                       "site_id": asset.site_id, "model": asset.model, "family": asset.family}
            if apply_changes(session, ticket=ticket, changes=changes, now=now):
                session.expire(ticket)
                return current_ticket(session, ticket_id, viewer)
    raise StaleVersionError(0, -1)
