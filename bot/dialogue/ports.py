"""What the flows need from the outside, as interfaces: the ticket desk, the diagnostic
sessions and the manuals. The flows never see a database engine or an index; the router hands
them these (implemented over SQL and the FAISS index in bot/dialogue/adapters.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from rules.diagnosis import DiagnosisState
from tickets.domain import NewTicket


class DeskUnavailableError(RuntimeError):
    """The ticket store cannot be reached or refused the write."""


class UnknownTicketError(LookupError):
    """No such ticket, or the machine named cannot be given to it."""


class TicketView(Protocol):
    """What the dialogue reads of a ticket."""

    @property
    def id(self) -> str: ...
    @property
    def number(self) -> int: ...
    @property
    def priority(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def assignee(self) -> str | None: ...
    @property
    def response_due_at(self) -> datetime | None: ...


class TicketDesk(Protocol):
    def open(self, new: NewTicket, *, key: str) -> TicketView:
        """Open a ticket once per `key` (a retried message gets the same one)."""

    def queue(self, new: NewTicket, *, key: str) -> str:
        """Keep a ticket the store could not take, to be delivered later; its reference."""

    def open_incident(self, *, serial: str, reason: str, any_reason: bool) -> TicketView | None:
        """The machine's open incident for this reason (or any, for a danger)."""

    def conversation_ticket(self, *, conversation_id: str, reason: str,
                            since: datetime) -> TicketView | None:
        """The conversation's own open ticket for this reason, opened since `since`."""

    def add_report(self, ticket_id: str, *, text: str, transcript: list[dict[str, Any]],
                   diagnosis: dict[str, Any] | None, priority: str,
                   conversation_id: str | None) -> TicketView:
        """Add a new report to an open incident (raising its priority if more urgent); the
        engineer's replies reach the reporting conversation too (None: a report only)."""

    def identify(self, ticket_id: str, *, serial: str) -> TicketView:
        """Give a ticket opened before the machine was known its machine and customer."""

    def tickets(self, *, customer_id: str | None, conversation_id: str) -> list[TicketView]:
        """The customer's tickets (or this conversation's), newest first."""

    def send_code(self, customer_id: str, *, conversation_id: str, code: str, language: str,
                  shown_to: str) -> str:
        """Queue a one-time code for the customer's contact on file: "sent", "limited" (too
        many this hour) or "no_contact"."""


class DiagnosisSessions(Protocol):
    def create(self, session_id: str, state: DiagnosisState, status: str) -> bool:
        """Store a new session; False if it exists already (a retried message)."""

    def load(self, session_id: str) -> tuple[DiagnosisState, int] | None:
        """The session's state and version, or None."""

    def save(self, session_id: str, state: DiagnosisState, status: str, *,
             version: int) -> None:
        """Write the state if nobody wrote it since `version`."""


class ManualSearch(Protocol):
    def search(self, query: str, *, language: str, family: str | None, k: int,
               model: str | None = None, procedures: bool = False) -> list[Any]:
        """The best manual passages (retrieval.search hits), [] when there are no manuals."""


class AlertSource(Protocol):
    def opened(self, token: str) -> Any | None:
        """The alert a chat link names (monitoring/links.py), with the unit's latest telemetry:
        an object with `alert` (db.telemetry.Alert), `at`, `readings`, `codes`; None when the
        link is not valid or the alert is gone."""

    def recent(self, serial: str, *, since: Any) -> Any | None:
        """The unit's latest telemetry if it came after `since`, with the candidate faults of
        its open fault alert: an object with `at`, `readings`, `codes`, `candidates`."""
