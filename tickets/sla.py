"""SLA deadlines: contract hours counted on the tier's clock in the site's local time.

A 24/7 (calendar_hours) clock simply adds hours. A business-hours clock counts only the
coverage window (e.g. Mon-Fri 08:00-17:00 local time), skipping the country's public holidays;
a ticket opened outside the window starts counting when the window next opens. Local wall-clock
time is used, so a daylight-saving change inside a window is handled by the time zone database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tickets.catalog import Catalog, Customer, Tier

MAX_DAYS = 3660  # a guard: no contract counts hours for ten years


@dataclass(frozen=True)
class Deadlines:
    response_due_at: datetime
    resolution_due_at: datetime
    tier: str
    clock: str
    time_zone: str


def add_coverage_hours(start: datetime, hours: float, *, tier: Tier, time_zone: str,
                       is_holiday: Callable[[date], bool]) -> datetime:
    """The UTC instant when `hours` of the tier's coverage have elapsed after `start` (UTC)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if tier.clock == "calendar_hours":
        return (start + timedelta(hours=hours)).astimezone(UTC)
    zone = ZoneInfo(time_zone)
    local = start.astimezone(zone)
    remaining = timedelta(hours=hours)
    day = local.date()
    for _ in range(MAX_DAYS):
        if day.weekday() in tier.weekdays and not is_holiday(day):
            opens = datetime.combine(day, tier.opens, tzinfo=zone)
            closes = datetime.combine(day, tier.closes, tzinfo=zone)
            begin = max(opens, local)
            if begin < closes:
                available = closes.astimezone(UTC) - begin.astimezone(UTC)
                if remaining <= available:
                    return (begin.astimezone(UTC) + remaining).astimezone(UTC)
                remaining -= available
        day = day + timedelta(days=1)
    raise ValueError("no coverage window found within ten years")


def deadlines(*, catalog: Catalog, customer: Customer, site_id: str | None, priority: str,
              created_at: datetime) -> Deadlines:
    """Response and resolution deadlines of a ticket of `priority` for `customer`'s contract."""
    tier = catalog.tiers[customer.tier]
    site = customer.sites.get(site_id or "") or next(iter(customer.sites.values()), None)
    country = site.country if site else customer.country
    zone = site.time_zone if site else "UTC"

    def holiday(day: date) -> bool:
        return catalog.is_holiday(country, day)

    def due(hours: float) -> datetime:
        return add_coverage_hours(created_at, hours, tier=tier, time_zone=zone, is_holiday=holiday)

    return Deadlines(
        response_due_at=due(tier.response_h[priority]),
        resolution_due_at=due(tier.resolution_h[priority]),
        tier=tier.tier_id, clock=tier.clock, time_zone=zone,
    )
