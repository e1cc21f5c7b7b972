"""The flows' interfaces (bot/dialogue/ports.py) over the real services: the ticket store
and spool, the diagnostic-session table, the manual index."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.dialogue.ports import DeskUnavailableError, TicketView, UnknownTicketError
from db import telemetry
from db.diagnostics import SessionNotFoundError, create_session, get_session, save_session
from monitoring import links
from rules.diagnosis import DiagnosisState
from tickets import spool
from tickets.catalog import Catalog
from tickets.domain import Actor, NewTicket
from tickets.errors import TicketNotFoundError, UnknownReferenceError
from tickets.incidents import add_report, conversation_ticket, open_incident
from tickets.store import TicketFilter, create_ticket, identify_customer, list_tickets
from tickets.verification import send_code

logger = logging.getLogger(__name__)

ASSISTANT = spool.ASSISTANT


class SqlTicketDesk:
    """Tickets in the ticket store, written as the assistant; the spool when it is down."""

    def __init__(self, engine: Engine, catalog: Catalog, spool_dir: Path,
                 now: Callable[[], datetime]) -> None:
        self.engine, self.catalog, self.spool_dir, self.now = engine, catalog, spool_dir, now

    def open(self, new: NewTicket, *, key: str) -> TicketView:
        try:
            ticket, _created = create_ticket(self.engine, new=new, actor=ASSISTANT,
                                             catalog=self.catalog, now=self.now(),
                                             idempotency_key=key)
        except SQLAlchemyError as exc:
            raise DeskUnavailableError("ticket store unavailable") from exc
        return ticket

    def queue(self, new: NewTicket, *, key: str) -> str:
        return spool.enqueue(self.spool_dir, new=new, idempotency_key=key)

    def open_incident(self, *, serial: str, reason: str, any_reason: bool) -> TicketView | None:
        try:
            return open_incident(self.engine, serial=serial, reason=reason,
                                 any_reason=any_reason)
        except SQLAlchemyError as exc:
            raise DeskUnavailableError("open incidents unavailable") from exc

    def conversation_ticket(self, *, conversation_id: str, reason: str,
                            since: datetime) -> TicketView | None:
        try:
            return conversation_ticket(self.engine, conversation_id=conversation_id,
                                       reason=reason, since=since)
        except SQLAlchemyError as exc:
            raise DeskUnavailableError("the conversation's tickets unavailable") from exc

    def add_report(self, ticket_id: str, *, text: str, transcript: list[dict[str, Any]],
                   diagnosis: dict[str, Any] | None, priority: str,
                   conversation_id: str | None) -> TicketView:
        try:
            ticket, _raised = add_report(
                self.engine, ticket_id=ticket_id, viewer=ASSISTANT, text=text,
                transcript=transcript, diagnosis=diagnosis, priority=priority,
                catalog=self.catalog, now=self.now(), conversation_id=conversation_id)
        except SQLAlchemyError as exc:
            raise DeskUnavailableError("could not add the report") from exc
        return ticket

    def identify(self, ticket_id: str, *, serial: str) -> TicketView:
        try:
            return identify_customer(self.engine, ticket_id=ticket_id, serial=serial,
                                     viewer=ASSISTANT, catalog=self.catalog, now=self.now())
        except (TicketNotFoundError, UnknownReferenceError) as exc:
            raise UnknownTicketError(str(exc)) from exc
        except SQLAlchemyError as exc:
            raise DeskUnavailableError("could not identify the ticket") from exc

    def tickets(self, *, customer_id: str | None, conversation_id: str) -> list[TicketView]:
        viewer = Actor(name=f"customer:{customer_id}", role="customer",
                       customer_id=customer_id) if customer_id else ASSISTANT
        filters = TicketFilter(customer_id=customer_id) if customer_id else \
            TicketFilter(conversation_id=conversation_id)
        try:
            found, _total = list_tickets(self.engine, viewer=viewer, filters=filters,
                                         now=self.now(), sort="created", page_size=50)
        except SQLAlchemyError as exc:
            raise DeskUnavailableError("ticket lookup failed") from exc
        return list(found)

    def send_code(self, customer_id: str, *, conversation_id: str, code: str, language: str,
                  shown_to: str) -> str:
        customer = self.catalog.customers.get(customer_id)
        if customer is None:
            return "no_contact"
        try:
            return send_code(self.engine, customer=customer, conversation_id=conversation_id,
                             code=code, language=language, now=self.now(),
                             shown_to=shown_to).status
        except SQLAlchemyError as exc:
            raise DeskUnavailableError("the code could not be queued") from exc


class SqlDiagnosisSessions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, session_id: str, state: DiagnosisState, status: str) -> bool:
        try:
            create_session(self.engine, session_id=session_id, family=state.family,
                           language=state.language, status=status, state=state.to_dict())
        except SQLAlchemyError:
            # Retried delivery of the same message: the session exists already.
            logger.info("diagnostic session %s exists; reusing it", session_id)
            return False
        return True

    def load(self, session_id: str) -> tuple[DiagnosisState, int] | None:
        try:
            row = get_session(self.engine, session_id=session_id)
        except SessionNotFoundError:
            return None
        return DiagnosisState.from_dict(row.state), row.version

    def save(self, session_id: str, state: DiagnosisState, status: str, *,
             version: int) -> None:
        save_session(self.engine, session_id=session_id, expected_version=version,
                     status=status, state=state.to_dict())


@dataclass(frozen=True)
class OpenedAlert:
    alert: telemetry.Alert
    at: datetime | None
    readings: dict[str, Any]
    codes: list[str]


@dataclass(frozen=True)
class RecentTelemetry:
    at: datetime
    readings: dict[str, Any]
    codes: list[str]
    candidates: list[str]


class SqlAlerts:
    """Alerts and telemetry of the monitoring (db/telemetry.py), for the chat opened from an
    alert's link."""

    def __init__(self, engine: Engine, secret: bytes) -> None:
        self.engine, self.secret = engine, secret

    def opened(self, token: str) -> OpenedAlert | None:
        alert_id = links.alert_id_of(token, self.secret) if self.secret else None
        alert = telemetry.get_alert(self.engine, alert_id) if alert_id is not None else None
        if alert is None:
            return None
        rows = telemetry.latest(self.engine, alert.serial, limit=1)
        if not rows:
            return OpenedAlert(alert, None, {}, [])
        return OpenedAlert(alert, rows[0].at, dict(rows[0].readings),
                           list(rows[0].active_codes))

    def recent(self, serial: str, *, since: datetime) -> RecentTelemetry | None:
        try:
            rows = telemetry.latest(self.engine, serial, limit=1)
            if not rows or rows[0].at < since:
                return None
            faults = telemetry.open_alerts(self.engine, serial=serial, kind="fault")
        except SQLAlchemyError:
            # The telemetry helps a diagnosis; the store being away must not stop one.
            logger.warning("telemetry of %s unavailable; the diagnosis starts without it",
                           serial)
            return None
        candidates = [c["fault_id"] for a in faults for c in a.details.get("candidates", [])]
        return RecentTelemetry(rows[0].at, dict(rows[0].readings), list(rows[0].active_codes),
                               candidates)


class IndexSearch:
    """The manual index, loaded on first use; no index (or a broken one) answers nothing."""

    def __init__(self, searcher: Callable[[], Any] | None) -> None:
        self.searcher = searcher

    def search(self, query: str, *, language: str, family: str | None, k: int,
               model: str | None = None, procedures: bool = False) -> list[Any]:
        if self.searcher is None:
            return []
        try:
            searcher = self.searcher()
            if model not in getattr(searcher, "models", ()):
                model = None  # a model no manual names: its family's manuals answer
            return list(searcher.search(query, language=language, family=family, model=model,
                                        k=k, procedures=procedures).hits)
        except Exception:  # noqa: BLE001 - no index, a broken one: answer without manuals
            logger.exception("manual search failed")
            return []
