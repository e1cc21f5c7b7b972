"""The ticket status workflow: which status may follow which."""

from __future__ import annotations

from tickets.errors import TicketConflictError

STATUSES = ("new", "triaged", "assigned", "in_progress", "waiting_customer", "resolved", "closed")
OPEN_STATUSES = frozenset(STATUSES[:5])
DONE_STATUSES = frozenset({"resolved", "closed"})
# The customer owes an answer: the SLA clock stops until the ticket leaves these statuses.
PAUSED_STATUSES = frozenset({"waiting_customer"})

# new -> triaged -> assigned -> in_progress -> waiting_customer -> resolved -> closed, with the
# short cuts staff take every day (assign straight from new, resolve from in_progress) and
# reopening: a resolved ticket goes back to in_progress, a closed one back to triaged.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("triaged", "assigned"),
    "triaged": ("assigned",),
    "assigned": ("in_progress", "triaged"),
    "in_progress": ("waiting_customer", "resolved"),
    "waiting_customer": ("in_progress", "resolved"),
    "resolved": ("closed", "in_progress"),
    "closed": ("triaged",),
}


def allowed_transitions(current: str) -> list[str]:
    """The statuses a ticket in `current` may move to."""
    return list(TRANSITIONS.get(current, ()))


def check_transition(current: str, requested: str) -> None:
    """Raise TicketConflictError unless `current -> requested` is allowed (same: no-op)."""
    if requested == current:
        return
    if requested not in TRANSITIONS.get(current, ()):
        raise TicketConflictError(current, requested, allowed_transitions(current))


def pauses_sla(status: str) -> bool:
    """Whether the SLA clock stands still while a ticket is in `status`."""
    return status in PAUSED_STATUSES


def status_after_assignment(current: str) -> str:
    """Assigning a new or triaged ticket moves it to assigned; later statuses keep theirs."""
    return "assigned" if current in ("new", "triaged") else current
