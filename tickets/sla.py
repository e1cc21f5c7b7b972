"""SLA deadlines: contract hours counted on the tier's clock in the site's local time.

A 24/7 (calendar_hours) clock simply adds hours. A business-hours clock counts only the
coverage window (e.g. Mon-Fri 08:00-17:00 local time), skipping the site's public holidays
(national, and regional for a site in a subdivision that has them); a ticket opened outside the
window starts counting when the window next opens. Local wall-clock time is used, so a
daylight-saving change inside a window is handled by the time zone database.

The clock pauses while the customer owes an answer (workflow.PAUSED_STATUSES). A pause pushes
each deadline still being raced by the clock time it lasted: business time on a business-hours
clock (a pause over a weekend or a holiday costs nothing extra), wall time on a 24/7 clock. A
deadline already missed when the pause began stays missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tickets.catalog import Catalog, Customer, Tier

MAX_DAYS = 3660  # a guard: no contract counts hours for ten years
ZERO = timedelta(0)


@dataclass(frozen=True)
class Deadlines:
    response_due_at: datetime
    resolution_due_at: datetime
    tier: str
    clock: str
    time_zone: str


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def add_coverage(start: datetime, duration: timedelta, *, tier: Tier, time_zone: str,
                 is_holiday: Callable[[date], bool]) -> datetime:
    """The UTC instant when `duration` of the tier's coverage has elapsed after `start`."""
    start = _aware(start, "start")
    if tier.clock == "calendar_hours":
        return start + duration
    zone = ZoneInfo(time_zone)
    local = start.astimezone(zone)
    remaining = duration
    day = local.date()
    for _ in range(MAX_DAYS):
        if day.weekday() in tier.weekdays and not is_holiday(day):
            opens = datetime.combine(day, tier.opens, tzinfo=zone)
            closes = datetime.combine(day, tier.closes, tzinfo=zone)
            begin = max(opens, local)
            if begin < closes:
                available = closes.astimezone(UTC) - begin.astimezone(UTC)
                if remaining <= available:
                    return begin.astimezone(UTC) + remaining
                remaining -= available
        day = day + timedelta(days=1)
    raise ValueError("no coverage window found within ten years")


def coverage_between(start: datetime, end: datetime, *, tier: Tier, time_zone: str,
                     is_holiday: Callable[[date], bool]) -> timedelta:
    """How much of the tier's coverage lies between `start` and `end` (zero if end <= start):
    wall time on a 24/7 clock, time inside open, non-holiday windows on a business clock."""
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        return ZERO
    if tier.clock == "calendar_hours":
        return end - start
    zone = ZoneInfo(time_zone)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    total = ZERO
    while day <= last:
        if day.weekday() in tier.weekdays and not is_holiday(day):
            opens = datetime.combine(day, tier.opens, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, tier.closes, tzinfo=zone).astimezone(UTC)
            overlap = min(closes, end) - max(opens, start)
            if overlap > ZERO:
                total += overlap
        day = day + timedelta(days=1)
    return total


@dataclass(frozen=True)
class Clock:
    """The SLA clock of one site under one contract tier."""

    tier: Tier
    time_zone: str
    is_holiday: Callable[[date], bool]

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return add_coverage(start, duration, tier=self.tier, time_zone=self.time_zone,
                            is_holiday=self.is_holiday)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return coverage_between(start, end, tier=self.tier, time_zone=self.time_zone,
                                is_holiday=self.is_holiday)


def site_clock(*, catalog: Catalog, customer: Customer, site_id: str | None) -> Clock:
    """The clock of `customer`'s contract at the site (its first site when none is named)."""
    tier = catalog.tiers[customer.tier]
    site = customer.sites.get(site_id or "") or next(iter(customer.sites.values()), None)
    country = site.country if site else customer.country
    subdivision = site.subdivision if site else None

    def holiday(day: date) -> bool:
        return catalog.is_holiday(country, day, subdivision)

    return Clock(tier, site.time_zone if site else "UTC", holiday)


def deadlines(*, catalog: Catalog, customer: Customer, site_id: str | None, priority: str,
              created_at: datetime, paused: timedelta = ZERO,
              response_answered: bool = False) -> Deadlines:
    """Response and resolution deadlines of a ticket of `priority` for `customer`'s contract.

    `paused` is the clock time the ticket already spent waiting for the customer; it pushes
    the resolution deadline, and the response deadline unless that was answered already."""
    clock = site_clock(catalog=catalog, customer=customer, site_id=site_id)
    tier = clock.tier

    def due(hours: float, pause: timedelta) -> datetime:
        return clock.add(created_at, timedelta(hours=hours) + pause)

    return Deadlines(
        response_due_at=due(tier.response_h[priority], ZERO if response_answered else paused),
        resolution_due_at=due(tier.resolution_h[priority], paused),
        tier=tier.tier_id, clock=tier.clock, time_zone=clock.time_zone,
    )


def paused_time(clock: Clock, *, paused_at: datetime, resumed_at: datetime) -> timedelta:
    """The clock time a pause lasted, to whole seconds (what the ticket stores)."""
    return timedelta(seconds=round(clock.elapsed(paused_at, resumed_at).total_seconds()))


def shift_for_pause(deadline: datetime, *, clock: Clock, paused_at: datetime,
                    paused: timedelta) -> datetime:
    """`deadline` after a pause that began at `paused_at` and lasted `paused` clock time.

    A deadline missed before the pause began stays where it was (a pause does not undo a
    breach); any other is pushed by the paused time, counted on the clock from the deadline,
    so a business-hours deadline lands inside a coverage window again."""
    if deadline <= paused_at or paused <= ZERO:
        return deadline
    return clock.add(deadline, paused)


def is_breached(due_at: datetime, *, now: datetime, met_at: datetime | None = None,
                paused_at: datetime | None = None) -> bool:
    """Whether `due_at` was missed. The clock stops when the deadline is met (`met_at`) or
    while it is paused (since `paused_at`): a paused ticket does not breach by waiting."""
    stopped = min(t for t in (now, met_at, paused_at) if t is not None)
    return stopped > due_at
