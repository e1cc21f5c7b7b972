"""Comments and the hand-off of a conversation between the assistant and a human engineer.

While an engineer owns a ticket's conversation (`human_active`), the assistant stays silent in
it: the bot asks `handoff_state` before answering, relays the customer's messages to the ticket
with `relay_customer_message`, and polls `pending_replies` for the engineer's answers, which it
delivers into the chat. An engineer's first customer-visible reply takes the conversation over;
handing it back, or resolving or closing the ticket, returns it to the assistant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.engine import Engine

from db.tickets import Comment, Ticket, TicketConversation
from tickets import workflow
from tickets.catalog import default_catalog
from tickets.database import reading, writing
from tickets.domain import Actor
from tickets.errors import TicketNotFoundError
from tickets.store import apply_changes, current_ticket, update_ticket

VISIBILITIES = ("internal", "customer")


@dataclass(frozen=True)
class HandoffState:
    conversation_id: str
    human_active: bool
    ticket_id: str | None = None
    number: int | None = None
    status: str | None = None
    assignee: str | None = None


def add_comment(engine: Engine, *, ticket_id: str, viewer: Actor, body: str, visibility: str,
                now: datetime) -> Comment:
    """Add a note or reply. Customers (and the assistant) write only customer-visible messages;
    a staff member's customer-visible reply is the first response and takes the chat over."""
    if viewer.role in ("customer", "assistant"):
        visibility, kind = "customer", "customer_message"
    else:
        kind = "reply" if visibility == "customer" else "note"
    with writing(engine) as session:
        ticket = current_ticket(session, ticket_id, viewer, lock=kind == "reply")
        comment = Comment(ticket_id=ticket.id, author=viewer.name, author_role=viewer.role,
                          visibility=visibility, kind=kind, body=body, created_at=now)
        session.add(comment)
        if kind == "reply":
            changes: dict[str, object] = {}
            if ticket.first_response_at is None:
                changes["first_response_at"] = now
                if ticket.status in workflow.OPEN_STATUSES:
                    changes["next_due_at"] = ticket.resolution_due_at
            if ticket.conversation_id and ticket.status in workflow.OPEN_STATUSES:
                changes["human_active"] = True
            # A reply must not fail because a PATCH raced it: retry on the fresh version.
            while changes and not apply_changes(session, ticket=ticket, changes=changes, now=now):
                session.expire(ticket)
                ticket = current_ticket(session, ticket_id, viewer)
        session.flush()
        return comment


def list_comments(engine: Engine, *, ticket_id: str, viewer: Actor) -> list[Comment]:
    """The ticket's comments in order; customers and the assistant never see internal notes."""
    with reading(engine) as session:
        current_ticket(session, ticket_id, viewer)
        query = select(Comment).where(Comment.ticket_id == ticket_id)
        if not viewer.is_staff:
            query = query.where(Comment.visibility == "customer")
        return list(session.scalars(query.order_by(Comment.id)).all())


def set_handoff(engine: Engine, *, ticket_id: str, viewer: Actor, active: bool,
                now: datetime) -> Ticket:
    """An engineer takes the conversation over (active) or hands it back to the assistant."""
    with writing(engine) as session:
        ticket = current_ticket(session, ticket_id, viewer, lock=True)
        while ticket.human_active != active and not apply_changes(
                session, ticket=ticket, changes={"human_active": active}, now=now):
            session.expire(ticket)
            ticket = current_ticket(session, ticket_id, viewer)
        session.expire(ticket)
        return current_ticket(session, ticket_id, viewer)


def _of_conversation(conversation_id: str) -> ColumnElement[bool]:
    """The tickets of a conversation: opened from it, or joined by its report."""
    joined = select(TicketConversation.ticket_id).where(
        TicketConversation.conversation_id == conversation_id)
    return or_(Ticket.conversation_id == conversation_id, Ticket.id.in_(joined))


def _owning_ticket(engine: Engine, conversation_id: str) -> Ticket | None:
    with reading(engine) as session:
        return session.scalars(select(Ticket).where(
            _of_conversation(conversation_id),
            Ticket.status.in_(workflow.OPEN_STATUSES))
            .order_by(Ticket.human_active.desc(), Ticket.number.desc()).limit(1)).first()


def handoff_state(engine: Engine, *, conversation_id: str) -> HandoffState:
    """Whether a human owns the conversation now (the assistant must then stay silent)."""
    ticket = _owning_ticket(engine, conversation_id)
    if ticket is None:
        return HandoffState(conversation_id, False)
    return HandoffState(conversation_id, ticket.human_active, ticket.id, ticket.number,
                        ticket.status, ticket.assignee)


def relay_customer_message(engine: Engine, *, conversation_id: str, text: str, viewer: Actor,
                           now: datetime) -> Comment:
    """Add a customer's chat message to the open ticket of the conversation.
    Raises TicketNotFoundError when no open ticket belongs to the conversation."""
    ticket = _owning_ticket(engine, conversation_id)
    if ticket is None:
        raise TicketNotFoundError(conversation_id)
    customer = Actor(name=f"customer:{ticket.customer_id}", role="customer",
                     customer_id=ticket.customer_id, principal=viewer.principal)
    comment = add_comment(engine, ticket_id=ticket.id, viewer=customer, body=text,
                          visibility="customer", now=now)
    if ticket.status == "waiting_customer":
        # The customer answered: the engineer's turn again, and the SLA clock runs on.
        update_ticket(engine, ticket_id=ticket.id, viewer=Actor("assistant", "assistant"),
                      catalog=default_catalog(), now=now, status="in_progress")
    return comment


def pending_replies(engine: Engine, *, conversation_id: str, after: int = 0,
                    limit: int = 100) -> list[Comment]:
    """Engineers' customer-visible replies in the conversation with an id above `after`
    (the chat keeps the last id it delivered as its cursor)."""
    with reading(engine) as session:
        return list(session.scalars(
            select(Comment).join(Ticket, Ticket.id == Comment.ticket_id)
            .where(_of_conversation(conversation_id), Comment.kind == "reply",
                   Comment.id > after)
            .order_by(Comment.id).limit(limit)).all())
