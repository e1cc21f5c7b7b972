"""One open incident per machine and reason.

A customer who reports the same smoke three times, or two operators who report it from the same
plant, must not fill the engineers' queue with three P1 tickets for one compressor. A new report
about a machine that has an open incident for the same reason (or any open P1 incident) joins
that ticket: the message and the conversation so far as an internal note, the engineer told
through the outbox (`ticket.reported`), the priority raised when the new report is more urgent.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from db.tickets import Comment, Ticket, TicketConversation
from tickets import domain, workflow
from tickets.catalog import Catalog
from tickets.database import reading, writing
from tickets.domain import Actor
from tickets.outbox import enqueue
from tickets.store import apply_changes, current_ticket, values

NOTE_LIMIT = 20_000


def open_incident(engine: Engine, *, serial: str, reason: str,
                  any_reason: bool = False) -> Ticket | None:
    """The open incident of this machine for this reason, or its open P1 incident (with
    `any_reason`, a danger: any open incident, which the danger then raises); the most urgent
    and oldest first."""
    query = select(Ticket).where(Ticket.serial == serial, Ticket.type == "incident",
                                 Ticket.status.in_(workflow.OPEN_STATUSES),
                                 # demo tickets (analytics/demo.py) never take a real report
                                 or_(Ticket.channel.is_(None), Ticket.channel != "demo"))
    if not any_reason:
        query = query.where(or_(Ticket.escalation_reason == reason, Ticket.priority == "P1"))
    query = query.order_by(Ticket.priority, Ticket.number).limit(1)
    with reading(engine) as session:
        return session.scalars(query).first()


def conversation_ticket(engine: Engine, *, conversation_id: str, reason: str,
                        since: datetime) -> Ticket | None:
    """The conversation's own open ticket for this reason opened since `since` (the newest):
    the same emergency reported again in one conversation, e.g. after the turn that opened
    the ticket was lost with a server that died in the middle of it."""
    query = select(Ticket).where(Ticket.conversation_id == conversation_id,
                                 Ticket.escalation_reason == reason,
                                 Ticket.status.in_(workflow.OPEN_STATUSES),
                                 Ticket.created_at >= since).order_by(
        Ticket.number.desc()).limit(1)
    with reading(engine) as session:
        return session.scalars(query).first()


def add_report(engine: Engine, *, ticket_id: str, viewer: Actor, text: str,
               transcript: list[dict[str, Any]], diagnosis: dict[str, Any] | None,
               priority: str, catalog: Catalog, now: datetime,
               conversation_id: str | None = None) -> tuple[Ticket, bool]:
    """Join a new report to an open incident in one transaction; returns (ticket, raised):
    raised when the report made it more urgent (a new danger on a P3 fault -> P1). The
    reporting conversation, when another than the ticket's, is linked to it: the engineer's
    replies reach it too."""
    lines = [f"New report from the chat: {text}".strip()]
    if diagnosis:
        lines.append("Diagnosis: " + json.dumps(diagnosis, ensure_ascii=False, default=str))
    if transcript:
        lines.append("Conversation:")
        lines += [f"- {line.get('sender')}: {line.get('text')}" for line in transcript[-30:]]
    body = "\n".join(lines)[:NOTE_LIMIT]
    with writing(engine) as session:
        ticket = current_ticket(session, ticket_id, viewer, lock=True)
        session.add(Comment(ticket_id=ticket.id, author=viewer.name, author_role=viewer.role,
                            visibility="internal", kind="note", body=body, created_at=now))
        if conversation_id and conversation_id != ticket.conversation_id and \
                session.get(TicketConversation, (ticket.id, conversation_id)) is None:
            session.add(TicketConversation(ticket_id=ticket.id, conversation_id=conversation_id,
                                           joined_at=now))
        raised = priority < ticket.priority  # "P1" < "P3": more urgent
        if raised:
            # The same rules as a PATCH: the deadlines follow the new priority.
            while not apply_changes(session, ticket=ticket, now=now, changes=domain.plan_update(
                    values(ticket), priority=priority, catalog=catalog, now=now)):
                session.expire(ticket)
                ticket = current_ticket(session, ticket_id, viewer, lock=True)
            session.expire(ticket)
            ticket = current_ticket(session, ticket_id, viewer)
        enqueue(session, event_type="ticket.escalated" if raised else "ticket.reported",
                ticket=ticket, now=now, detail={"report": text[:2000]})
        session.flush()
        return ticket, raised
