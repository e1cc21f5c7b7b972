"""SLA performance of a period's tickets: met, breached and pending deadlines per contract tier
and priority, the compliance rates and the list of breaches. Framework-free (an engine in,
dataclasses out), read-only.

The figures agree with what the ticket API shows for each ticket (`sla.response_breached`,
`sla.resolution_breached` of `GET /api/v1/tickets/{id}`): the same stored deadlines (already
pushed by the pauses that have ended) and the same test, `tickets.sla.is_breached`, with the
clock stopped when the deadline was met or while the ticket waits for the customer.

Per ticket and deadline (response, resolution):

- **met**: its moment happened (`first_response_at`, `resolved_at`) and was not late;
- **breached**: late, whether it has happened since (`met_at` set) or not yet (`met_at` None);
- **pending**: not happened and not late yet (also a ticket waiting for the customer whose
  clock stopped before the deadline).

A reopened ticket has `resolved_at` cleared by the store: its resolution counts as not
happened until it is resolved again (the store keeps no history of earlier resolutions).

`late_h` of a breach is **contract clock time**: the hours of the tier's clock between the
deadline and the moment it was met (or `now`, or the start of a pause that is still running):
business hours inside the site's coverage windows, skipping its holidays, on a business-hours
tier; wall hours on a 24/7 tier. `late_wall_h` is the same in wall-clock hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from db.tickets import Ticket
from tickets import sla
from tickets.catalog import PRIORITIES, Catalog, default_catalog

__all__ = ["Breach", "SlaCell", "SlaPerformance", "TicketClocks", "sla_performance",
           "deadline_state"]


@dataclass(frozen=True)
class Breach:
    """A missed SLA deadline."""

    ticket_id: str
    number: int
    customer_id: str | None
    priority: str
    tier: str
    kind: str  # "response" or "resolution"
    due_at: datetime
    met_at: datetime | None  # None: still not met
    late_h: float  # contract clock hours late (business hours on a business-hours tier)
    late_wall_h: float = 0.0  # the same in wall-clock hours
    status: str = ""
    channel: str | None = None


@dataclass(frozen=True)
class SlaCell:
    tier: str
    priority: str
    tickets: int
    response_met: int
    response_breached: int
    response_pending: int
    resolution_met: int
    resolution_breached: int
    resolution_pending: int


@dataclass(frozen=True)
class SlaPerformance:
    cells: list[SlaCell]
    breaches: list[Breach]
    response_compliance: float | None  # met / (met + breached); None when neither
    resolution_compliance: float | None


# Clock hours between two stored moments of a ticket never change: kept across calls (bounded)
_HOURS: dict[tuple[Any, ...], float] = {}
_HOURS_MAX = 200_000


class TicketClocks:
    """The SLA clock of a ticket, as its deadlines were set: the ticket's stored contract tier
    and time zone (a ticket opened before its customer was known keeps the fastest 24/7
    contract even once identified), the holidays of its customer's site. Cached per key."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._cache: dict[tuple[str, str, str | None, str | None], sla.Clock] = {}

    def hours(self, row: Any, start: datetime, end: datetime, *, keep: bool = True) -> float:
        """Hours of the ticket's clock between `start` and `end` (0 if end <= start);
        `keep`: both are stored moments, so the result is remembered for the next call."""
        if not keep and end - start > timedelta(days=1):
            # Up to `now`: the long part, to the last UTC midnight, is remembered; clock time
            # adds up over adjacent spans.
            midnight = end.replace(hour=0, minute=0, second=0, microsecond=0)
            if midnight > start:
                return self.hours(row, start, midnight) + self.hours(row, midnight, end,
                                                                     keep=False)
        key = (id(self.catalog), row["contract_tier"], row["time_zone"], row["customer_id"],
               row["site_id"], start, end)
        found = _HOURS.get(key) if keep else None
        if found is None:
            clock = self.clock(tier=row["contract_tier"], time_zone=row["time_zone"],
                               customer_id=row["customer_id"], site_id=row["site_id"])
            found = clock.elapsed(start, end).total_seconds() / 3600
            if keep:
                if len(_HOURS) >= _HOURS_MAX:
                    _HOURS.clear()
                _HOURS[key] = found
        return found

    def clock(self, *, tier: str, time_zone: str, customer_id: str | None,
              site_id: str | None) -> sla.Clock:
        key = (tier, time_zone, customer_id, site_id)
        found = self._cache.get(key)
        if found is not None:
            return found
        catalog = self.catalog
        contract = catalog.tiers.get(tier) or catalog.tiers[catalog.unidentified().tier]
        customer = catalog.customers.get(customer_id or "")
        country, subdivision = "", None
        if customer is not None:
            site = customer.sites.get(site_id or "") or next(iter(customer.sites.values()),
                                                               None)
            country = site.country if site else customer.country
            subdivision = site.subdivision if site else None

        def holiday(day: date) -> bool:
            return bool(country) and catalog.is_holiday(country, day, subdivision)

        found = sla.Clock(contract, time_zone or "UTC", holiday)
        self._cache[key] = found
        return found


def deadline_state(due_at: datetime, *, met_at: datetime | None, paused_at: datetime | None,
                   now: datetime) -> str:
    """"met", "breached" or "pending", by tickets.sla.is_breached (what the ticket API shows)."""
    if sla.is_breached(due_at, now=now, met_at=met_at, paused_at=paused_at):
        return "breached"
    return "met" if met_at is not None else "pending"


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 4)


COLUMNS = (Ticket.id, Ticket.number, Ticket.customer_id, Ticket.site_id, Ticket.priority,
           Ticket.contract_tier, Ticket.time_zone, Ticket.status, Ticket.channel,
           Ticket.created_at, Ticket.first_response_at, Ticket.resolved_at,
           Ticket.response_due_at, Ticket.resolution_due_at, Ticket.sla_paused_at)


def sla_performance(engine: Engine, *, start: datetime, end: datetime, now: datetime,
                    customer_id: str | None = None,
                    catalog: Catalog | None = None) -> SlaPerformance:
    """SLA performance of the tickets created in [start, end) (of one customer when
    `customer_id` is given), as of `now`. All datetimes timezone-aware.

    Cells are sorted by tier, then priority (P1 first); breaches by due time, then ticket
    number, response before resolution."""
    for name, value in (("start", start), ("end", end), ("now", now)):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    query = select(*COLUMNS).where(Ticket.created_at >= start, Ticket.created_at < end)
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(Ticket.number)).all()
    return performance_of([row._mapping for row in rows], now=now,
                          catalog=catalog or default_catalog())


def performance_of(rows: list[Any], *, now: datetime, catalog: Catalog) -> SlaPerformance:
    """The same from ticket rows already read (mappings with the COLUMNS' keys)."""
    clocks = TicketClocks(catalog)
    counts: dict[tuple[str, str], list[int]] = {}
    breaches: list[Breach] = []
    for row in rows:
        cell = counts.setdefault((row["contract_tier"], row["priority"]), [0] * 7)
        cell[0] += 1
        paused_at = row["sla_paused_at"]
        for index, kind, due_at, met_at in (
                (1, "response", row["response_due_at"], row["first_response_at"]),
                (4, "resolution", row["resolution_due_at"], row["resolved_at"])):
            state = deadline_state(due_at, met_at=met_at, paused_at=paused_at, now=now)
            cell[index + ("met", "breached", "pending").index(state)] += 1
            if state != "breached":
                continue
            stopped = min(t for t in (now, met_at, paused_at) if t is not None)
            late = clocks.hours(row, due_at, stopped, keep=stopped is not now)
            breaches.append(Breach(
                ticket_id=row["id"], number=row["number"], customer_id=row["customer_id"],
                priority=row["priority"], tier=row["contract_tier"], kind=kind,
                due_at=due_at, met_at=met_at, late_h=round(late, 4),
                late_wall_h=_hours(stopped - due_at), status=row["status"],
                channel=row["channel"]))

    def priority_rank(priority: str) -> int:
        return PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)

    cells = [SlaCell(tier, priority, *values) for (tier, priority), values in
             sorted(counts.items(), key=lambda item: (item[0][0], priority_rank(item[0][1]),
                                                      item[0][1]))]
    breaches.sort(key=lambda b: (b.due_at, b.number, b.kind != "response"))
    return SlaPerformance(
        cells=cells, breaches=breaches,
        response_compliance=_ratio(sum(c.response_met for c in cells),
                                   sum(c.response_breached for c in cells)),
        resolution_compliance=_ratio(sum(c.resolution_met for c in cells),
                                     sum(c.resolution_breached for c in cells)))


def _ratio(met: int, breached: int) -> float | None:
    return None if met + breached == 0 else met / (met + breached)

