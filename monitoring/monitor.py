"""One telemetry message in, what the service department must know out.

`Monitor.handle` checks the message (monitoring/telemetry.py), stores it and evaluates it with
the pack's knowledge. Each kind of alert is one open alert per unit and condition (not one per
message), with a ticket when it opens; the ticket store's outbox notifies the customer's
contact and the on-call engineers as for every ticket:

- `critical`: a critical condition met (monitoring/conditions.py) -> a P1 incident with the
  readings that fired it, on the first message; cleared after PERSIST messages in a row that
  report those readings back inside the limits (one met again starts the count over), so a
  reading hovering at its limit is one alert, not one per crossing;
- `fault`: readings outside their normal cell or an active code that make faults likely
  (monitoring/likely.py), PERSIST messages in a row (one noisy value is no fault) -> an
  incident at the priority the rules give, with the candidate faults and the expert system's
  next question; cleared after PERSIST messages without a sign;
- `predicted`: a reading trending to the edge of its normal cell within the horizon
  (monitoring/trends.py) -> a service request before it happens (P3 within a week, else P4);
  cleared when the trend is gone or the limit is crossed (a `fault` alert then takes over);
- `maintenance`: a task of the schedule due within the notice period by the running hours
  (monitoring/maintenance.py) -> a reminder to the customer and a P4 service request; cleared
  once the unit has run past the due point.

A refused message is counted by reason and logged with its serial; it never opens a ticket.
A unit's trends, running hours and calm counts are kept in memory, seeded from the stored
telemetry the first time the unit is seen. Framework-free: the MQTT consumer
(monitoring/consumer.py) and the tests call it."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.knowledge.model import KnowledgeBase
from db import telemetry as store
from monitoring import links
from monitoring.baseline import bands, signs
from monitoring.conditions import Fired, critical
from monitoring.likely import Likely, likely_faults
from monitoring.maintenance import Due, RunningHours, coming_due
from monitoring.telemetry import Fleet, Telemetry, TelemetryError, Unit, parse
from monitoring.trends import T_MIN, Prediction, Trend, Trends
from rules.diagnosis import Diagnoser
from tickets.catalog import Catalog
from tickets.domain import Actor, NewTicket
from tickets.store import create_ticket

logger = logging.getLogger(__name__)

MONITORING = Actor(name="monitoring", role="assistant", principal="assistant:monitoring")
PERSIST = 3  # messages in a row with (or without) a sign before a fault alert opens (clears);
# calm messages in a row before a critical alert clears (it opens on the first)
TOUCH_S = 60.0  # an open alert seen again is written back at most this often (telemetry time)
LIKELY_FAULT = "likely_fault"
REVIEW_S = 60.0  # seconds of telemetry time between two looks at a unit's trends and hours
SOON_DAYS = 7.0  # a forecast this close is a P3 service request, a later one P4


@dataclass
class Outcome:
    """What one message did: refused (with the reason), or the alerts it raised and cleared."""

    refused: str | None = None
    duplicate: bool = False
    raised: list[store.Alert] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)


@dataclass
class _UnitState:
    trends: Trends
    hours: RunningHours
    signs: int = 0  # messages in a row with a sign of a fault
    quiet: int = 0  # ... and without
    # By critical condition: messages in a row that report its readings and do not meet it,
    # and the telemetry time of the last message counted.
    calm: dict[str, int] = field(default_factory=dict)
    calm_at: float | None = None
    reviewed_at: float | None = None
    # The last diagnosis of the signs: the same signs (readings in the same cells, the same
    # codes) give the same candidates, so the expert system runs only when they change.
    likely_key: tuple[Any, ...] | None = None
    likely: Likely | None = None


class Monitor:
    def __init__(self, engine: Engine, kb: KnowledgeBase, catalog: Catalog,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC), *,
                 diagnoser: Diagnoser | None = None, horizon_days: float = 30.0,
                 notice_days: float = 14.0, link_secret: bytes = b"") -> None:
        self.engine, self.catalog, self.now = engine, catalog, now
        self.fleet = Fleet(kb)
        self.diagnoser = diagnoser or Diagnoser(kb)
        self.horizon_days, self.notice_days = horizon_days, notice_days
        self.link_secret = link_secret  # signs the alert's chat link in its ticket
        self.counts: Counter[str] = Counter()  # accepted, and refused by reason
        self._lock = threading.Lock()
        self._units: dict[str, _UnitState] = {}
        # Open alerts this Monitor raised or saw, by open key, with when it last wrote them:
        # an alert seen again on every message is not written on every message. The unique
        # open key in the database still decides between replicas.
        self._open: dict[str, tuple[store.Alert, float]] = {}

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
        now = self.now()
        state = self._state(message.unit)
        # Every replica keeps the unit's trends; the one that stores the message evaluates it.
        state.trends.add(message.at, message.readings)
        if message.running_hours is not None:
            state.hours.add(message.at, message.running_hours)
        # The calm counts too, and the messages in a row with (or without) a fault's signs:
        # the replica that stores the PERSIST-th message may have stored none of the ones
        # before it, and it opens (or clears) the alert only if it counted them.
        fired = critical(message)
        newer = state.calm_at is None or message.at.timestamp() > state.calm_at
        _count_calm(state, message, fired)
        likely = None if fired else self._diagnose(message, state)
        if newer:  # a message delivered again, or late, counts nothing
            if likely is None:
                state.signs, state.quiet = 0, state.quiet + 1
            else:
                state.signs, state.quiet = state.signs + 1, 0
        if not store.record(self.engine, serial=message.serial, at=message.at, received_at=now,
                            readings=dict(message.readings),
                            active_codes=list(message.active_codes),
                            running_hours=message.running_hours):
            # QoS 1 is "at least once": a message delivered again changes nothing.
            self.count("duplicate")
            return Outcome(duplicate=True)
        self.count("accepted")
        outcome = Outcome()
        t = message.at.timestamp()
        review = state.reviewed_at is None or t - state.reviewed_at >= REVIEW_S
        # The unit's open alerts, once per message (one indexed query), for what may clear.
        opened: dict[str, list[store.Alert]] = {
            kind: [] for kind in ("critical", "fault", "predicted", "maintenance")}
        for alert in store.open_alerts(self.engine, serial=message.serial):
            opened.setdefault(alert.kind, []).append(alert)
        # An alert this replica remembers as open that another replica has cleared since: it is
        # forgotten, or a new critical reading within TOUCH_S would be taken for the cleared
        # alert and open neither an alert nor a P1 ticket.
        still_open = {alert.id for alerts in opened.values() for alert in alerts}
        for key in [k for k, (alert, _) in self._open.items()
                    if alert.serial == message.serial and alert.id not in still_open]:
            del self._open[key]
        self._critical(message, state, fired, now, outcome, opened["critical"])
        self._likely(message, state, likely, now, outcome, opened["fault"],
                     critical_fired=bool(fired))
        if review:
            state.reviewed_at = t
            self._predict(message, state, now, outcome, opened["predicted"])
            self._maintenance(message, state, now, outcome, opened["maintenance"])
        return outcome

    def _raise(self, message: Telemetry, *, condition_id: str, kind: str, priority: str,
               evidence: dict[str, Any], now: datetime,
               details: dict[str, Any] | None = None) -> tuple[store.Alert, bool]:
        """The open alert of the unit and condition (store.raise_alert), written back only
        every TOUCH_S of telemetry time while it stays open."""
        key = f"{message.serial}:{condition_id}"
        t = message.at.timestamp()
        cached = self._open.get(key)
        if cached is not None and 0 <= t - cached[1] < TOUCH_S and cached[0].ticket_id:
            return cached[0], False
        alert, new = store.raise_alert(
            self.engine, serial=message.serial, customer_id=message.unit.customer_id,
            condition_id=condition_id, kind=kind, priority=priority, evidence=evidence,
            now=now, details=details)
        self._open[key] = (alert, t)
        return alert, new

    def _clear(self, alert: store.Alert, now: datetime, outcome: Outcome) -> None:
        store.clear(self.engine, alert.id, now)
        self._open.pop(f"{alert.serial}:{alert.condition_id}", None)
        outcome.cleared.append(alert.id)

    # -- unit state ---------------------------------------------------------------------------
    def _state(self, unit: Unit) -> _UnitState:
        state = self._units.get(unit.serial)
        if state is None:
            state = _UnitState(Trends(unit.family), RunningHours())
            # After a restart the trends go on from what is stored, oldest first.
            for row in reversed(store.latest(self.engine, unit.serial, limit=2000)):
                state.trends.add(row.at, row.readings)
                if row.running_hours is not None:
                    state.hours.add(row.at, row.running_hours)
                # ... and the calm counts, as the replicas that saw those messages have them.
                seen = Telemetry(unit, row.at, row.readings, tuple(row.active_codes))
                _count_calm(state, seen, critical(seen))
            self._units[unit.serial] = state
        return state

    # -- critical conditions ------------------------------------------------------------------
    def _critical(self, message: Telemetry, state: _UnitState, fired: list[Fired],
                  now: datetime, outcome: Outcome, opened: list[store.Alert]) -> None:
        for hit in fired:
            alert, new = self._raise(
                message, condition_id=hit.id, kind="critical",
                priority=hit.condition.priority or "P1", evidence=dict(hit.evidence), now=now)
            if new or alert.ticket_id is None:  # a ticket the store could not take is retried
                unit = message.unit
                shown = ", ".join(f"{name} = {value}" for name, value in hit.evidence.items())
                alert = self._ticket(alert, NewTicket(
                    customer_id=unit.customer_id, site_id=unit.site_id, serial=unit.serial,
                    subject=f"Monitoring: {hit.id} on {unit.model} {unit.serial}"[:200],
                    description=(f"Telemetry of {message.at.isoformat()} meets the critical "
                                 f"condition {hit.id} ({hit.condition.trigger}): {shown}.\n"
                                 f"Action: {hit.condition.action}"),
                    type="incident", priority=hit.condition.priority or "P1",
                    escalation_reason="critical", channel="monitoring",
                    error_code=next(iter(message.active_codes), None)
                    if unit.family.error_code_observation in hit.evidence else None))
            if new:
                outcome.raised.append(alert)
        for alert in opened:
            # Cleared only by readings of the same observations back inside the limits, PERSIST
            # messages in a row: a reading hovering at its limit crosses it back and forth.
            if state.calm.get(alert.condition_id, 0) >= PERSIST:
                self._clear(alert, now, outcome)

    # -- faults made likely -------------------------------------------------------------------
    def _likely(self, message: Telemetry, state: _UnitState, likely: Likely | None,
                now: datetime, outcome: Outcome, opened: list[store.Alert], *,
                critical_fired: bool) -> None:
        """The fault alert after the message: its signs counted in `state` (handle)."""
        if likely is None:
            if state.quiet >= PERSIST and not critical_fired:
                for alert in opened:
                    self._clear(alert, now, outcome)
            return
        if state.signs < PERSIST:
            return
        details = _likely_details(likely)
        alert, new = self._raise(
            message, condition_id=LIKELY_FAULT, kind="fault", priority=likely.priority,
            evidence=dict(likely.signs), now=now, details=details)
        if new or alert.ticket_id is None:
            unit = message.unit
            names = "; ".join(f"{c['name']} ({c['fault_id']})" for c in likely.candidates)
            shown = ", ".join(f"{k} = {v}" for k, v in likely.signs.items())
            question = (likely.question or {}).get("text")
            link = (f"\nThe guided check in the chat, with this telemetry: "
                    f"{links.chat_url(alert.id, self.link_secret)}" if self.link_secret else "")
            alert = self._ticket(alert, NewTicket(
                customer_id=unit.customer_id, site_id=unit.site_id, serial=unit.serial,
                subject=f"Monitoring: likely {likely.candidates[0]['name']} on {unit.model} "
                        f"{unit.serial}"[:200],
                description=(f"Telemetry of {message.at.isoformat()}: {shown}.\n"
                             f"Likely faults: {names}."
                             + (f"\nNext check: {question}" if question else "") + link),
                type="incident", priority=likely.priority, channel="monitoring",
                error_code=likely.codes[0] if likely.codes else None,
                diagnosis={"source": "monitoring", **details}))
        if new:
            outcome.raised.append(alert)

    def _diagnose(self, message: Telemetry, state: _UnitState) -> Likely | None:
        family = message.unit.family
        found = signs(family, message.readings)
        key = (tuple(sorted((name, family.observations[name].cell_of(value))
                            for name, value in found.items())), message.active_codes)
        if not found and not message.active_codes:
            return None
        if key != state.likely_key:
            state.likely_key, state.likely = key, likely_faults(self.diagnoser, message)
        return state.likely

    # -- forecasts ----------------------------------------------------------------------------
    def _predict(self, message: Telemetry, state: _UnitState, now: datetime,
                 outcome: Outcome, opened: list[store.Alert]) -> None:
        unit = message.unit
        predicted = {p.observation: p for p in state.trends.predictions(self.horizon_days)}
        for name, prediction in predicted.items():
            soon = prediction.days <= SOON_DAYS
            details = _prediction_details(prediction, message.at)
            alert, new = self._raise(
                message, condition_id=f"trend:{name}", kind="predicted",
                priority="P3" if soon else "P4",
                evidence={name: round(prediction.trend.current, 3)}, now=now, details=details)
            if new or alert.ticket_id is None:
                alert = self._ticket(alert, NewTicket(
                    customer_id=unit.customer_id, site_id=unit.site_id, serial=unit.serial,
                    subject=f"Monitoring: {_forecast_line(prediction)} on {unit.model} "
                            f"{unit.serial}"[:200],
                    description=(f"{_forecast_line(prediction)}: {name} at "
                                 f"{prediction.trend.current:.3g}, "
                                 f"{prediction.trend.slope_per_day:+.3g} per day over the last "
                                 f"{prediction.trend.span_s / 3600:.1f} h of telemetry; limit "
                                 f"{prediction.limit:g}.\nLikely faults then: "
                                 f"{', '.join(prediction.faults) or '-'}. A visit before it "
                                 "happens is proposed."),
                    type="service_request", priority="P3" if soon else "P4",
                    channel="monitoring"))
            if new:
                outcome.raised.append(alert)
        for alert in opened:
            name = alert.condition_id.removeprefix("trend:")
            if name in predicted:
                continue
            trend = state.trends.trend(name)
            if trend is None or trend.t_value < T_MIN / 2 or self._crossed(unit, name, trend):
                self._clear(alert, now, outcome)

    @staticmethod
    def _crossed(unit: Unit, name: str, trend: Trend) -> bool:
        band = bands(unit.family).get(name)
        return band is not None and unit.family.observations[name].cell_of(
            trend.current) != band.cell

    # -- maintenance --------------------------------------------------------------------------
    def _maintenance(self, message: Telemetry, state: _UnitState, now: datetime,
                     outcome: Outcome, opened: list[store.Alert]) -> None:
        unit, hours = message.unit, state.hours.latest
        if hours is None:
            return
        due = coming_due(unit.family, unit.model, hours, state.hours.per_day(),
                         self.notice_days)
        by_point: dict[float, list[Due]] = {}
        for task in due:
            by_point.setdefault(task.due_at_hours, []).append(task)
        for due_at, tasks in by_point.items():
            # One reminder per due point: the 2000 h and 4000 h tasks due at 20000 h are one
            # visit.
            labels = ", ".join(t.label for t in tasks)
            alert, new = self._raise(
                message, condition_id=f"maintenance:{due_at:g}", kind="maintenance",
                priority="P4", evidence={"running_hours": hours}, now=now,
                details=_due_details(tasks, message.at))
            if new or alert.ticket_id is None:
                parts = sorted({p for t in tasks for p in t.parts})
                work = "\n".join(f"- {t.label}: {t.task}" for t in tasks)
                alert = self._ticket(alert, NewTicket(
                    customer_id=unit.customer_id, site_id=unit.site_id, serial=unit.serial,
                    subject=f"Maintenance due: {labels} on {unit.model} {unit.serial}"[:200],
                    description=(f"The {unit.model} {unit.serial} has run {hours:g} h; "
                                 f"maintenance is due at {due_at:g} h, in about "
                                 f"{tasks[0].days_left:.0f} days.\n{work}\n"
                                 f"Parts: {', '.join(parts) or '-'}"),
                    type="service_request", priority="P4", channel="monitoring",
                    # The marker that makes its notification a reminder to the customer
                    # (tickets/notify.py), rather than a parse of the subject.
                    diagnosis={"source": "monitoring", "alert": "maintenance"}))
            if new:
                outcome.raised.append(alert)
        for alert in opened:
            if hours >= float(alert.condition_id.rsplit(":", 1)[-1]):
                self._clear(alert, now, outcome)

    # -- tickets ------------------------------------------------------------------------------
    def _ticket(self, alert: store.Alert, new: NewTicket) -> store.Alert:
        """The alert's ticket opened (once: the idempotency key is the alert's); the alert
        with it, or as it was when the store is unavailable (retried on the next message)."""
        try:
            ticket, _created = create_ticket(
                self.engine, new=new, actor=MONITORING, catalog=self.catalog, now=self.now(),
                idempotency_key=f"monitoring:alert:{alert.id}")
        except SQLAlchemyError:
            logger.exception("alert %d: the ticket store is unavailable; retried on the next "
                             "message of %s", alert.id, alert.serial)
            return alert
        store.attach_ticket(self.engine, alert.id, ticket.id)
        alert = replace(alert, ticket_id=ticket.id)
        key = f"{alert.serial}:{alert.condition_id}"
        if key in self._open:
            self._open[key] = (alert, self._open[key][1])
        logger.warning("alert %d: %s on %s -> ticket #%d (%s)", alert.id, alert.condition_id,
                       alert.serial, ticket.number, ticket.priority)
        return alert


def _count_calm(state: _UnitState, message: Telemetry, fired: list[Fired]) -> None:
    """The unit's calm counts after the message: back to 0 for the critical conditions it
    meets, one more for those whose readings it reports without meeting them. A message without
    the readings says nothing either way; a calm one delivered again or late (not newer than the
    last counted) counts nothing: the count is of what the unit does now, and the same on
    every replica."""
    for hit in fired:
        state.calm[hit.id] = 0
    t = message.at.timestamp()
    if state.calm_at is not None and t <= state.calm_at:
        return
    state.calm_at = t
    family = message.unit.family
    met = {hit.id for hit in fired}
    # Every message reports the active codes, none active included.
    reported = set(message.readings) | (
        {family.error_code_observation} if family.error_code_observation else set())
    for condition_id, condition in family.critical.items():
        watched = {c.observation for clause in condition.clauses for c in clause}
        if condition_id not in met and watched & reported:
            state.calm[condition_id] = state.calm.get(condition_id, 0) + 1


def _likely_details(likely: Likely) -> dict[str, Any]:
    question = likely.question
    return {"candidates": likely.candidates, "codes": list(likely.codes),
            "question": None if question is None else {
                "observation_id": question["observation_id"], "text": question["text"]}}


def _prediction_details(prediction: Prediction, at: datetime) -> dict[str, Any]:
    return {"observation": prediction.observation, "limit": prediction.limit,
            "current": round(prediction.trend.current, 4),
            "slope_per_day": round(prediction.trend.slope_per_day, 6),
            "eta_days": round(prediction.days, 2),
            "expected_at": (at + timedelta(seconds=prediction.eta_s)).isoformat(),
            "faults": list(prediction.faults), "codes": list(prediction.codes),
            "summary": _forecast_line(prediction)}


def _forecast_line(prediction: Prediction) -> str:
    what = ", ".join(prediction.codes) or f"{prediction.observation} {prediction.limit:g}"
    days = prediction.days
    when = f"about {days:.0f} days" if days >= 1.5 else f"about {days * 24:.0f} hours"
    return f"{what} expected in {when}"


def _due_details(tasks: list[Due], at: datetime) -> dict[str, Any]:
    first = tasks[0]
    return {"due_at_hours": first.due_at_hours, "hours_left": round(first.hours_left, 1),
            "days_left": round(first.days_left, 1),
            "due_on": (at + timedelta(days=first.days_left)).date().isoformat(),
            "tasks": [{"task_id": t.task_id, "label": t.label, "task": t.task,
                       "parts": list(t.parts)} for t in tasks]}
