"""The conversation analytics built from Rasa's events (analytics/): the tables.

- `analytics_events`: every conversation event once, slimmed (analytics/events.py), keyed by a
  hash of its content (`event_key`): a replayed event is not stored again.
- `analytics_conversations`: one row per conversation (Rasa's sender id): language, customer,
  asset and family, intents, flows entered, diagnosis, manual answers and their "did this
  help?", escalation and its reason, tickets.
- `analytics_turns`: one row per customer message: intent, flows, the answer and its feedback,
  an escalation; `gap` and the message's `text` when it fell back or got no good answer.
- `analytics_diagnoses`: one row per guided-diagnosis session: questions asked, outcome, fault.
- `analytics_cursors`: how far a consumer has read a source (the SQL broker's row id),
  written in the same transaction as the rows it led to.

The three derived tables are rebuilt per conversation from its stored events, so the same
events always give the same rows, whatever their order of arrival."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.tickets import UTCDateTime


class AnalyticsEvent(Base):
    __tablename__ = "analytics_events"
    __table_args__ = (Index("ix_analytics_events_conversation", "conversation_id", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_key: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(255))
    ts: Mapped[float] = mapped_column(Float)  # Rasa's timestamp (epoch seconds)
    type: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnalyticsConversation(Base):
    __tablename__ = "analytics_conversations"
    # KPIs (migration 0010): a period's conversations; a machine's next one (72 h repeat)
    __table_args__ = (Index("ix_analytics_conversations_asset_started", "asset_serial",
                            "started_at"),)

    conversation_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(8))
    customer_id: Mapped[str | None] = mapped_column(String(40), index=True)
    asset_serial: Mapped[str | None] = mapped_column(String(60))
    asset_model: Mapped[str | None] = mapped_column(String(60))
    asset_family: Mapped[str | None] = mapped_column(String(60))
    events: Mapped[int] = mapped_column(Integer, default=0)
    user_messages: Mapped[int] = mapped_column(Integer, default=0)
    fallbacks: Mapped[int] = mapped_column(Integer, default=0)
    intents: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # intent -> messages
    flows: Mapped[list[str]] = mapped_column(JSON, default=list)  # in the order entered
    diagnosis_sessions: Mapped[int] = mapped_column(Integer, default=0)
    diagnosis_outcome: Mapped[str | None] = mapped_column(String(20))  # the last session's
    diagnosis_fault: Mapped[str | None] = mapped_column(String(100))
    manual_answers: Mapped[int] = mapped_column(Integer, default=0)
    helped_yes: Mapped[int] = mapped_column(Integer, default=0)
    helped_no: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5, the last one given
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_reason: Mapped[str | None] = mapped_column(String(40))  # the first one
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    ticket_number: Mapped[int | None] = mapped_column(Integer)  # the first ticket
    tickets: Mapped[list[int]] = mapped_column(JSON, default=list)


class AnalyticsTurn(Base):
    __tablename__ = "analytics_turns"
    __table_args__ = (UniqueConstraint("conversation_id", "seq",
                                       name="uq_analytics_turns_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... the customer's messages in order
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(60), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    action: Mapped[str | None] = mapped_column(String(60))
    flows: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    answer_document: Mapped[str | None] = mapped_column(String(100))
    answer_section: Mapped[str | None] = mapped_column(String(200))
    answer_score: Mapped[float | None] = mapped_column(Float)
    helped: Mapped[bool | None] = mapped_column(Boolean)  # "did this help?" on its answer
    rating: Mapped[int | None] = mapped_column(Integer)
    escalation_reason: Mapped[str | None] = mapped_column(String(40))
    ticket_number: Mapped[int | None] = mapped_column(Integer)
    # fallback, not_helped, low_score, no_answer, out_of_domain: a knowledge gap; then `text`
    # keeps the customer's words (kept for no other turn).
    gap: Mapped[str | None] = mapped_column(String(20), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    response_ms: Mapped[int | None] = mapped_column(Integer)  # message to the first reply


class AnalyticsDiagnosis(Base):
    __tablename__ = "analytics_diagnoses"
    __table_args__ = (UniqueConstraint("conversation_id", "session_id",
                                       name="uq_analytics_diagnoses_session"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(255))
    session_id: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # KPIs (0010)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    asset_serial: Mapped[str | None] = mapped_column(String(60))
    asset_model: Mapped[str | None] = mapped_column(String(60), index=True)
    asset_family: Mapped[str | None] = mapped_column(String(60))
    error_code: Mapped[str | None] = mapped_column(String(20))
    questions: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20))  # open, concluded, escalated
    fault_id: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float | None] = mapped_column(Float)
    helped: Mapped[bool | None] = mapped_column(Boolean)
    escalation_reason: Mapped[str | None] = mapped_column(String(40))
    ticket_number: Mapped[int | None] = mapped_column(Integer)


class AnalyticsCursor(Base):
    __tablename__ = "analytics_cursors"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


DERIVED = (AnalyticsTurn, AnalyticsDiagnosis)
