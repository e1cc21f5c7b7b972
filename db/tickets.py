"""Tables of the ticket service: tickets, comments, the notification outbox and API keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no time zone: store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("idempotency_scope", "idempotency_key", name="uq_tickets_idempotency"),
        Index("ix_tickets_next_due_at", "next_due_at"),
        Index("ix_tickets_customer_status", "customer_id", "status"),
    )

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[str] = mapped_column(String(2), index=True)
    type: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str | None] = mapped_column(String(40))  # None: not identified yet
    site_id: Mapped[str | None] = mapped_column(String(40))
    serial: Mapped[str | None] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(40))
    family: Mapped[str | None] = mapped_column(String(60), index=True)
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(40))
    conversation_id: Mapped[str | None] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    escalation_reason: Mapped[str | None] = mapped_column(String(40))
    error_code: Mapped[str | None] = mapped_column(String(20))
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)
    contract_tier: Mapped[str] = mapped_column(String(40))
    time_zone: Mapped[str] = mapped_column(String(60))
    transcript: Mapped[list[Any]] = mapped_column(JSON)
    diagnosis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    citations: Mapped[list[Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    idempotency_scope: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The deadline the ticket is racing now (response, then resolution; none once resolved).
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breach_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The SLA clock is paused (waiting for the customer) since this instant; None: running.
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Clock time (business or wall seconds, per the tier) of the pauses that have ended; the
    # deadlines above already include it, a priority change recomputes them with it.
    sla_paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A human engineer owns the conversation: the assistant stays silent in it.
    human_active: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Comment(Base):
    __tablename__ = "ticket_comments"
    __table_args__ = (Index("ix_ticket_comments_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(100))
    author_role: Mapped[str] = mapped_column(String(20))
    # internal: staff only; customer: shown to the customer (a reply, or the customer's message)
    visibility: Mapped[str] = mapped_column(String(10))
    # note | reply (engineer to customer) | customer_message (relayed from the chat)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketConversation(Base):
    """Another chat whose report joined the ticket (one open incident per machine and
    reason): the engineer's replies reach it too, and it is handed over with the ticket."""

    __tablename__ = "ticket_conversations"
    __table_args__ = (Index("ix_ticket_conversations_conversation", "conversation_id"),)

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxEvent(Base):
    __tablename__ = "ticket_outbox"
    __table_args__ = (Index("ix_ticket_outbox_due", "delivered_at", "next_attempt_at"),
                      Index("ix_ticket_outbox_type_created", "event_type", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(String(40))
    # None: a message of no ticket (a chat's one-time code, tickets/verification.py).
    ticket_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)  # public part of the key
    secret_hash: Mapped[str] = mapped_column(String(128))
    salt: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
