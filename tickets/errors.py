"""Typed errors of the ticket domain; the API maps each to one HTTP status."""

from __future__ import annotations


class TicketError(Exception):
    """Base class of every ticket-domain error."""


class TicketNotFoundError(TicketError):
    """No such ticket (or one the caller may not see: customers get the same answer)."""


class TicketConflictError(TicketError):
    """A status change the workflow does not allow from the ticket's current status."""

    def __init__(self, current: str, requested: str, allowed: list[str]) -> None:
        super().__init__(f"cannot move a ticket from {current!r} to {requested!r}")
        self.current = current
        self.requested = requested
        self.allowed = allowed


class StaleVersionError(TicketError):
    """The caller's version (If-Match) is not the ticket's current one."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"ticket is at version {current}, not {expected}")
        self.expected = expected
        self.current = current


class UnknownReferenceError(TicketError):
    """The ticket names a customer, site or asset the service data does not know."""

    def __init__(self, field: str, value: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


class IdempotencyMismatchError(TicketError):
    """An Idempotency-Key reused with a different request body."""


class ServiceDataError(TicketError):
    """The service data file is malformed; the message names the file, entry and problem."""
