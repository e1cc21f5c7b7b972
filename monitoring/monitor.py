"""One telemetry message in, what the service department must know out.

`Monitor.handle` checks the message (monitoring/telemetry.py), stores it, evaluates the pack's
critical conditions on it (monitoring/conditions.py) and:

- a condition met that has no open alert for the unit: an alert, and a P1 ticket for the
  unit's customer with the readings that fired it (channel `monitoring`); the ticket store's
  outbox notifies the customer's contact and the on-call engineers as for every ticket;
- a condition met again: the open alert is seen again, nothing new (one alert per unit and
  condition, not one per message);
- an open alert whose readings are back to normal in this message: cleared (a message that
  lacks those readings clears nothing).

A refused message is counted by reason and logged with its serial; it never opens a ticket.
Framework-free: the MQTT consumer (monitoring/consumer.py) and the tests call it."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.knowledge.model import KnowledgeBase
from db import telemetry as store
from monitoring.conditions import Fired, critical
from monitoring.telemetry import Fleet, Telemetry, TelemetryError, parse
from tickets.catalog import Catalog
from tickets.domain import Actor, NewTicket
from tickets.store import create_ticket

logger = logging.getLogger(__name__)

MONITORING = Actor(name="monitoring", role="assistant", principal="assistant:monitoring")


@dataclass
class Outcome:
    """What one message did: refused (with the reason), or the alerts it raised and cleared."""

    refused: str | None = None
    raised: list[store.Alert] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)


class Monitor:
    def __init__(self, engine: Engine, kb: KnowledgeBase, catalog: Catalog,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine, self.catalog, self.now = engine, catalog, now
        self.fleet = Fleet(kb)
        self.counts: Counter[str] = Counter()  # accepted, and refused by reason
        self._lock = threading.Lock()

    def count(self, what: str) -> None:
        """One more message of this kind (the consumer's thread and the tests call it)."""
        with self._lock:
            self.counts[what] += 1

    def handle(self, topic: str, payload: bytes) -> Outcome:
        try:
            message = parse(topic, payload, self.fleet)
        except TelemetryError as exc:
            self.count(f"refused:{exc.reason}")
            logger.warning("telemetry refused (serial %s): %s", exc.serial or "-", exc)
            return Outcome(refused=exc.reason)
        self.count("accepted")
        now = self.now()
        store.record(self.engine, serial=message.serial, at=message.at, received_at=now,
                     readings=dict(message.readings), active_codes=list(message.active_codes),
                     running_hours=message.running_hours)
        outcome = Outcome()
        fired = critical(message)
        for hit in fired:
            alert, new = store.raise_alert(
                self.engine, serial=message.serial, customer_id=message.unit.customer_id,
                condition_id=hit.id, kind="critical", priority=hit.condition.priority or "P1",
                evidence=dict(hit.evidence), now=now)
            if new or alert.ticket_id is None:  # a ticket the store could not take is retried
                self._ticket(message, hit, alert)
            if new:
                outcome.raised.append(alert)
        still = {hit.id for hit in fired}
        for alert in store.open_alerts(self.engine, serial=message.serial, kind="critical"):
            condition = message.unit.family.critical.get(alert.condition_id)
            if alert.condition_id in still or condition is None:
                continue
            # Cleared only by readings of the same observations, back inside the limits.
            watched = {c.observation for clause in condition.clauses for c in clause}
            if watched and watched & (set(message.readings) | self._code_observation(message)):
                store.clear(self.engine, alert.id, now)
                outcome.cleared.append(alert.id)
        return outcome

    @staticmethod
    def _code_observation(message: Telemetry) -> set[str]:
        code = message.unit.family.error_code_observation
        return {code} if code else set()

    def _ticket(self, message: Telemetry, hit: Fired, alert: store.Alert) -> None:
        unit = message.unit
        shown = ", ".join(f"{name} = {value}" for name, value in hit.evidence.items())
        new = NewTicket(
            customer_id=unit.customer_id, site_id=unit.site_id, serial=unit.serial,
            subject=f"Monitoring: {hit.id} on {unit.model} {unit.serial}"[:200],
            description=(f"Telemetry of {message.at.isoformat()} meets the critical condition "
                         f"{hit.id} ({hit.condition.trigger}): {shown}.\n"
                         f"Action: {hit.condition.action}"),
            type="incident", priority=hit.condition.priority or "P1",
            escalation_reason="critical", channel="monitoring",
            error_code=next(iter(message.active_codes), None)
            if unit.family.error_code_observation in hit.evidence else None)
        try:
            ticket, _created = create_ticket(
                self.engine, new=new, actor=MONITORING, catalog=self.catalog, now=self.now(),
                idempotency_key=f"monitoring:alert:{alert.id}")
        except SQLAlchemyError:
            logger.exception("alert %d: the ticket store is unavailable; retried on the next "
                             "message of %s", alert.id, unit.serial)
            return
        store.attach_ticket(self.engine, alert.id, ticket.id)
        logger.warning("alert %d: %s on %s -> ticket #%d (%s)", alert.id, hit.id, unit.serial,
                       ticket.number, ticket.priority)
