"""Layered schemas of the ticket API: TicketCreate (input), TicketUpdate (PATCH), TicketPublic."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.languages import Language

Status = Literal["new", "triaged", "assigned", "in_progress", "waiting_customer", "resolved",
                 "closed"]
Priority = Literal["P1", "P2", "P3", "P4"]
TicketType = Literal["incident", "service_request", "question"]
EscalationReason = Literal["low_confidence", "critical", "customer_request", "repeated_failure"]
Visibility = Literal["internal", "customer"]
Id = Annotated[str, StringConstraints(min_length=1, max_length=60, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Short = Annotated[str, StringConstraints(max_length=200)]
Observation = bool | float | str | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TranscriptEntry(Strict):
    sender: Literal["customer", "assistant", "engineer"]
    text: Annotated[str, StringConstraints(max_length=5000)]
    at: datetime | None = None


class Candidate(Strict):
    fault_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    confidence: float = Field(ge=0, le=1)


class DiagnosisSnapshot(Strict):
    """What the guided diagnosis learnt: readings, ranked candidate faults, the rules' trace."""

    observations: dict[Annotated[str, StringConstraints(max_length=100)], Observation] = Field(
        default_factory=dict, max_length=200)
    candidates: list[Candidate] = Field(default_factory=list, max_length=50)
    trace: list[Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=list, max_length=200)
    conclusion: dict[str, Any] | None = None


class Citation(Strict):
    document: Short
    section_id: Short | None = None
    section_title: Short | None = None
    page: int | None = Field(default=None, ge=0)
    language: Language | None = None


class TicketCreate(Strict):
    customer_id: Id
    subject: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Text
    type: TicketType
    priority: Priority | None = None
    language: Language | None = None
    serial: Id | None = None
    site_id: Id | None = None
    family: Id | None = None
    error_code: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    escalation_reason: EscalationReason | None = None
    production_down: bool = False
    channel: Annotated[str, StringConstraints(max_length=40)] | None = None
    conversation_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    transcript: list[TranscriptEntry] = Field(default_factory=list, max_length=500)
    diagnosis: DiagnosisSnapshot | None = None
    citations: list[Citation] = Field(default_factory=list, max_length=50)


class TicketUpdate(Strict):
    status: Status | None = None
    assignee: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    priority: Priority | None = None
    unassign: bool = False


class AssignRequest(Strict):
    assignee: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SlaState(BaseModel):
    clock: str
    time_zone: str
    next_due_at: datetime | None
    response_breached: bool
    resolution_breached: bool
    # The clock stands still while the customer owes an answer (waiting_customer) ...
    paused_since: datetime | None = None
    # ... and the deadlines above include the clock seconds of the pauses that have ended.
    paused_s: int = 0


class TicketPublic(BaseModel):
    id: str
    number: int
    status: Status
    allowed_transitions: list[Status]
    priority: Priority
    type: TicketType
    customer_id: str | None  # None: reported before the customer was identified
    contract_tier: str
    site_id: str | None
    serial: str | None
    model: str | None
    family: str | None
    language: str
    channel: str | None
    conversation_id: str | None
    subject: str
    description: str
    escalation_reason: str | None
    error_code: str | None
    assignee: str | None  # a technician's id (the service desk's list)
    assignee_name: str | None  # that engineer's name
    transcript: list[dict[str, Any]]
    diagnosis: dict[str, Any] | None
    citations: list[dict[str, Any]]
    created_by: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    response_due_at: datetime
    resolution_due_at: datetime
    sla: SlaState
    human_active: bool
    version: int


class TicketPage(BaseModel):
    items: list[TicketPublic]
    total: int
    page: int
    page_size: int


class CommentCreate(Strict):
    body: Text
    visibility: Visibility = "internal"


class CommentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: str
    author: str
    author_role: str
    visibility: Visibility
    kind: str
    body: str
    created_at: datetime


class HandoffRequest(Strict):
    active: bool


class CustomerMessage(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
