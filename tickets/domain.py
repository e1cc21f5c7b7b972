"""Pure ticket rules: what a new ticket looks like (priority, site, asset, SLA deadlines) and
what an update changes (status workflow, assignment, timestamps, the deadline being raced, the
SLA clock paused while the customer owes an answer)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tickets import sla, workflow
from tickets.catalog import PRIORITIES, Catalog
from tickets.errors import UnknownReferenceError
from tickets.priority import derive_priority

ROLES = ("customer", "engineer", "admin", "assistant")
STAFF_ROLES = frozenset({"engineer", "admin"})


@dataclass(frozen=True)
class Actor:
    """Who is calling: a name for the audit trail, a role, for customers their id, and the
    principal (the credential's id) that scopes idempotency keys."""

    name: str
    role: str
    customer_id: str | None = None
    principal: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


@dataclass(frozen=True)
class NewTicket:
    customer_id: str | None  # None: not known yet (an emergency before the serial was given)
    subject: str
    description: str
    type: str
    priority: str | None = None
    language: str | None = None
    serial: str | None = None
    site_id: str | None = None
    family: str | None = None
    error_code: str | None = None
    escalation_reason: str | None = None
    production_down: bool = False
    channel: str | None = None
    conversation_id: str | None = None
    transcript: list[dict[str, Any]] = field(default_factory=list)
    diagnosis: dict[str, Any] | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)


def build_ticket(new: NewTicket, *, catalog: Catalog, created_by: str,
                 now: datetime) -> dict[str, Any]:
    """The column values of a new ticket; raises UnknownReferenceError for unknown ids."""
    customer = catalog.customer_or_unidentified(new.customer_id)
    model = family = None
    site_id = new.site_id
    if new.site_id is not None and new.site_id not in customer.sites:
        raise UnknownReferenceError("site_id", new.site_id,
                                    f"site {new.site_id!r} is not a site of {customer.customer_id}")
    if new.serial is not None:
        asset = customer.assets.get(new.serial)
        if asset is None:
            raise UnknownReferenceError(
                "serial", new.serial,
                f"asset {new.serial!r} is not installed at {customer.customer_id}")
        if site_id is not None and site_id != asset.site_id:
            raise UnknownReferenceError("site_id", site_id,
                                        f"asset {new.serial!r} is at site {asset.site_id!r}")
        model, family, site_id = asset.model, asset.family, asset.site_id
    elif new.family is not None:
        if new.family not in catalog.families:
            raise UnknownReferenceError("family", new.family, f"unknown family {new.family!r}")
        family = new.family
    if site_id is None and len(customer.sites) == 1:
        site_id = next(iter(customer.sites))
    priority = derive_priority(catalog=catalog, ticket_type=new.type, requested=new.priority,
                               escalation_reason=new.escalation_reason,
                               error_code=new.error_code, family=family,
                               production_down=new.production_down)
    due = sla.deadlines(catalog=catalog, customer=customer, site_id=site_id, priority=priority,
                        created_at=now)
    return {
        "id": str(uuid.uuid4()), "status": "new", "priority": priority, "type": new.type,
        "customer_id": new.customer_id, "site_id": site_id, "serial": new.serial,
        "model": model, "family": family, "language": new.language or customer.language,
        "channel": new.channel, "conversation_id": new.conversation_id,
        "subject": new.subject, "description": new.description,
        "escalation_reason": new.escalation_reason,
        "error_code": new.error_code.upper() if new.error_code else None,
        "assignee": None, "contract_tier": due.tier, "time_zone": due.time_zone,
        "transcript": list(new.transcript), "diagnosis": new.diagnosis,
        "citations": list(new.citations), "created_by": created_by,
        "created_at": now, "updated_at": now,
        "response_due_at": due.response_due_at, "resolution_due_at": due.resolution_due_at,
        "next_due_at": due.response_due_at, "sla_paused_at": None, "sla_paused_seconds": 0,
        "human_active": False, "version": 1,
    }


def next_due(*, status: str, first_response_at: datetime | None, response_due_at: datetime,
             resolution_due_at: datetime,
             sla_paused_at: datetime | None = None) -> datetime | None:
    """The deadline a ticket is racing: response until someone answered, then resolution.

    None when it races none: resolved or closed, or its clock is paused (a deadline already
    missed when the pause began stays, so the ticket still counts as breached)."""
    if status in workflow.DONE_STATUSES:
        return None
    due = response_due_at if first_response_at is None else resolution_due_at
    if sla_paused_at is not None and due > sla_paused_at:
        return None
    return due


def _pause_changes(current: dict[str, Any], status: str, *, catalog: Catalog,
                   now: datetime) -> dict[str, Any]:
    """Stop the SLA clock on entering a paused status; on leaving it, push the deadlines still
    being raced by the paused clock time and add that time to the ticket's total."""
    was, will = workflow.pauses_sla(current["status"]), workflow.pauses_sla(status)
    paused_at = current.get("sla_paused_at")
    if will and not was:
        return {"sla_paused_at": now}
    if not was or will or paused_at is None:
        return {}
    customer = catalog.customer_or_unidentified(current["customer_id"])
    clock = sla.site_clock(catalog=catalog, customer=customer,
                           site_id=current.get("site_id"))
    paused = sla.paused_time(clock, paused_at=paused_at, resumed_at=now)
    changes: dict[str, Any] = {
        "sla_paused_at": None,
        "sla_paused_seconds": (current.get("sla_paused_seconds") or 0)
        + int(paused.total_seconds()),
        "resolution_due_at": sla.shift_for_pause(current["resolution_due_at"], clock=clock,
                                                 paused_at=paused_at, paused=paused)}
    if current.get("first_response_at") is None:
        changes["response_due_at"] = sla.shift_for_pause(
            current["response_due_at"], clock=clock, paused_at=paused_at, paused=paused)
    return changes


def plan_update(current: dict[str, Any], *, status: str | None = None,
                assignee: str | None = None, unassign: bool = False,
                priority: str | None = None, catalog: Catalog, now: datetime) -> dict[str, Any]:
    """The column changes of an update of `current` (a ticket's values); validates the workflow.

    Raises TicketConflictError (with the allowed statuses) for a transition the workflow refuses.
    A priority change recomputes the SLA deadlines from the ticket's creation time, pushed by
    the clock time the ticket spent paused; entering or leaving waiting_customer pauses or
    resumes the clock (see tickets.sla)."""
    changes: dict[str, Any] = {}
    state = current["status"]
    if assignee is not None and not unassign:
        catalog.technician(assignee)  # an engineer of the list, or UnknownReferenceError
    if assignee is not None or unassign:
        changes["assignee"] = None if unassign else assignee
        if status is None and not unassign:
            new_state = workflow.status_after_assignment(state)
            if new_state != state:
                workflow.check_transition(state, new_state)
                status = new_state
    if status is not None and status != state:
        workflow.check_transition(state, status)
        changes["status"] = status
        if status == "in_progress" and current.get("first_response_at") is None:
            changes["first_response_at"] = now
        if status == "resolved":
            changes["resolved_at"] = now
            changes["human_active"] = False  # the assistant takes the conversation back
        if status == "closed":
            changes["closed_at"] = now
            changes["human_active"] = False
        if state in workflow.DONE_STATUSES and status in workflow.OPEN_STATUSES:
            changes.update(resolved_at=None, closed_at=None)
        changes.update(_pause_changes(current, status, catalog=catalog, now=now))
    if priority is not None and priority != current["priority"]:
        if priority not in PRIORITIES:
            raise ValueError(f"unknown priority {priority!r}")
        changes["priority"] = priority
        customer = catalog.customer_or_unidentified(current["customer_id"])
        paused = timedelta(seconds={**current, **changes}.get("sla_paused_seconds") or 0)
        due = sla.deadlines(catalog=catalog, customer=customer, site_id=current.get("site_id"),
                            priority=priority, created_at=current["created_at"], paused=paused,
                            response_answered=current.get("first_response_at") is not None)
        changes.update(response_due_at=due.response_due_at,
                       resolution_due_at=due.resolution_due_at)
    merged = {**current, **changes}
    changes["next_due_at"] = next_due(
        status=merged["status"], first_response_at=merged.get("first_response_at"),
        response_due_at=merged["response_due_at"], resolution_due_at=merged["resolution_due_at"],
        sla_paused_at=merged.get("sla_paused_at"))
    return changes


def is_escalation(old_priority: str, new_priority: str) -> bool:
    """A priority raised (P3 -> P2 is an escalation; P2 -> P3 is not)."""
    return PRIORITIES.index(new_priority) < PRIORITIES.index(old_priority)
