"""The SLA clock stops while the customer owes an answer (pure functions, no database).

Times are UTC; comments give the site's local time. Brussels is UTC+1 in November, Berlin
and Seville UTC+2 in April-June.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tickets import sla
from tickets.catalog import default_catalog
from tickets.domain import NewTicket, build_ticket, plan_update

CATALOG = default_catalog()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def clock(customer: str) -> sla.Clock:
    return sla.site_clock(catalog=CATALOG, customer=CATALOG.customer(customer), site_id=None)


def in_progress(customer: str, priority: str, created: datetime) -> dict:
    """A ticket's values after it was created, assigned and taken in work at `created`."""
    values = build_ticket(NewTicket(customer_id=customer, subject="s", description="d",
                                    type="incident", priority=priority),
                          catalog=CATALOG, created_by="test", now=created)
    for change in ({"assignee": "T-GR-01"}, {"status": "in_progress"}):
        values.update(plan_update(values, **change, catalog=CATALOG, now=created))
    return values


def pause_and_resume(values: dict, paused: datetime, resumed: datetime,
                     to: str = "in_progress") -> tuple[dict, dict]:
    """(values while paused, values after resuming)."""
    waiting = {**values, **plan_update(values, status="waiting_customer", catalog=CATALOG,
                                       now=paused)}
    return waiting, {**waiting, **plan_update(waiting, status=to, catalog=CATALOG, now=resumed)}


@pytest.mark.parametrize(("customer", "start", "end", "counted"), [
    # basic Mon-Fri 08-17 Brussels: Fri 15:00 -> Mon 10:00 counts 2 h + 2 h, not the weekend
    ("CUST-006", utc(2026, 11, 27, 14), utc(2026, 11, 30, 9), timedelta(hours=4)),
    # standard Mon-Sat 07-19 Bamberg (Bavaria): Wed 17:00 -> Fri 09:00 counts 2 h + 2 h;
    # Thursday 4 June 2026 is Corpus Christi, a Bavarian (not a national) holiday
    ("CUST-004", utc(2026, 6, 3, 15), utc(2026, 6, 5, 7), timedelta(hours=4)),
    # basic Seville (Andalusia): Wed 1 April 16:00 -> Mon 6 April 09:00 counts 1 h + 1 h:
    # Maundy Thursday (Andalusia), Good Friday (Spain), the weekend are skipped
    ("CUST-007", utc(2026, 4, 1, 14), utc(2026, 4, 6, 7), timedelta(hours=2)),
    # premium 24/7 Greece: wall time, weekend and all
    ("CUST-001", utc(2026, 11, 27, 18), utc(2026, 11, 29, 10), timedelta(hours=40)),
    # a pause inside one closed night counts nothing; an inverted span counts nothing
    ("CUST-006", utc(2026, 11, 26, 17), utc(2026, 11, 27, 6), timedelta(0)),
    ("CUST-006", utc(2026, 11, 30, 9), utc(2026, 11, 27, 14), timedelta(0)),
])
def test_coverage_between_counts_only_the_clock_s_time(customer, start, end, counted):
    assert clock(customer).elapsed(start, end) == counted


def test_national_calendar_alone_would_count_the_regional_holiday():
    bavaria = clock("CUST-004")
    national = sla.Clock(bavaria.tier, bavaria.time_zone,
                         lambda day: CATALOG.is_holiday("DE", day))
    assert national.elapsed(utc(2026, 6, 3, 15), utc(2026, 6, 5, 7)) == timedelta(hours=16)


def test_business_hours_pause_over_a_weekend_pushes_the_deadline_by_business_time():
    # basic P1 opened Thu 26 Nov 10:00 Brussels: 72 business hours -> Tue 8 Dec 10:00 local
    values = in_progress("CUST-006", "P1", utc(2026, 11, 26, 9))
    assert values["resolution_due_at"] == utc(2026, 12, 8, 9)
    # waiting for the customer from Fri 15:00 to Mon 10:00: 4 business hours
    waiting, resumed = pause_and_resume(values, utc(2026, 11, 27, 14), utc(2026, 11, 30, 9))
    assert waiting["sla_paused_at"] == utc(2026, 11, 27, 14)
    assert waiting["next_due_at"] is None  # races nothing while paused
    assert waiting["resolution_due_at"] == utc(2026, 12, 8, 9)
    assert resumed["sla_paused_at"] is None and resumed["sla_paused_seconds"] == 4 * 3600
    assert resumed["resolution_due_at"] == utc(2026, 12, 8, 13)  # Tue 14:00 local
    assert resumed["next_due_at"] == resumed["resolution_due_at"]
    assert resumed["response_due_at"] == values["response_due_at"]  # answered before: kept


def test_business_deadline_skips_the_regional_holiday_and_is_pushed_overnight():
    # standard P1 in Bamberg (Mon-Sat 07-19): opened Wed 3 June 2026 07:00 local, 24 business
    # hours -> Fri 5 June 19:00 local; Thursday is Corpus Christi in Bavaria
    values = in_progress("CUST-004", "P1", utc(2026, 6, 3, 5))
    assert values["resolution_due_at"] == utc(2026, 6, 5, 17)
    # paused Fri 5 June 17:00 -> Sat 6 June 09:00 local: 2 h on Friday, 2 h on Saturday
    _, resumed = pause_and_resume(values, utc(2026, 6, 5, 15), utc(2026, 6, 6, 7))
    assert resumed["sla_paused_seconds"] == 4 * 3600
    # 4 h more from Friday 19:00: the night does not count, so Saturday 11:00 local
    assert resumed["resolution_due_at"] == utc(2026, 6, 6, 9)


def test_24_7_pause_pushes_the_deadline_by_wall_time():
    # premium P2: resolution 24 h after Fri 27 Nov 12:00 UTC
    values = in_progress("CUST-001", "P2", utc(2026, 11, 27, 12))
    assert values["resolution_due_at"] == utc(2026, 11, 28, 12)
    _, resumed = pause_and_resume(values, utc(2026, 11, 27, 18), utc(2026, 11, 29, 10))
    assert resumed["sla_paused_seconds"] == 40 * 3600
    assert resumed["resolution_due_at"] == utc(2026, 11, 30, 4)


def test_resolving_while_waiting_ends_the_pause_before_measuring_the_breach():
    values = in_progress("CUST-001", "P2", utc(2026, 11, 27, 12))
    _, resolved = pause_and_resume(values, utc(2026, 11, 27, 18), utc(2026, 11, 29, 10),
                                   to="resolved")
    assert resolved["resolution_due_at"] == utc(2026, 11, 30, 4)
    assert resolved["next_due_at"] is None
    assert not sla.is_breached(resolved["resolution_due_at"], now=utc(2026, 12, 1),
                               met_at=resolved["resolved_at"])


def test_deadline_missed_before_the_pause_stays_missed():
    values = in_progress("CUST-001", "P2", utc(2026, 11, 27, 12))
    waiting, resumed = pause_and_resume(values, utc(2026, 11, 28, 13), utc(2026, 11, 29, 13))
    assert waiting["next_due_at"] == utc(2026, 11, 28, 12)  # still breached while waiting
    assert resumed["resolution_due_at"] == utc(2026, 11, 28, 12)
    assert resumed["sla_paused_seconds"] == 24 * 3600


def test_two_pauses_add_up_and_a_priority_change_keeps_them():
    values = in_progress("CUST-001", "P3", utc(2026, 11, 27, 12))  # resolution 72 h
    _, once = pause_and_resume(values, utc(2026, 11, 27, 13), utc(2026, 11, 27, 15))
    _, twice = pause_and_resume(once, utc(2026, 11, 28, 0), utc(2026, 11, 28, 3))
    assert twice["sla_paused_seconds"] == 5 * 3600
    assert twice["resolution_due_at"] == utc(2026, 11, 30, 17)
    # P2: 24 h from creation plus the 5 h paused
    raised = plan_update(twice, priority="P2", catalog=CATALOG, now=utc(2026, 11, 28, 4))
    assert raised["resolution_due_at"] == utc(2026, 11, 28, 17)
    assert raised["response_due_at"] == utc(2026, 11, 27, 16)  # answered: 4 h, no pause added


def test_priority_change_while_paused_keeps_the_clock_stopped():
    values = in_progress("CUST-001", "P3", utc(2026, 11, 27, 12))
    waiting, _ = pause_and_resume(values, utc(2026, 11, 27, 13), utc(2026, 11, 27, 15))
    raised = {**waiting, **plan_update(waiting, priority="P2", catalog=CATALOG,
                                       now=utc(2026, 11, 27, 14))}
    assert raised["resolution_due_at"] == utc(2026, 11, 28, 12) and raised["next_due_at"] is None
    resumed = {**raised, **plan_update(raised, status="in_progress", catalog=CATALOG,
                                       now=utc(2026, 11, 27, 16))}
    assert resumed["resolution_due_at"] == utc(2026, 11, 28, 15)  # 3 h paused


def test_assignment_while_waiting_does_not_restart_the_clock():
    values = in_progress("CUST-006", "P1", utc(2026, 11, 26, 9))
    waiting, _ = pause_and_resume(values, utc(2026, 11, 27, 14), utc(2026, 11, 30, 9))
    changes = plan_update(waiting, assignee="T-GR-02", catalog=CATALOG, now=utc(2026, 11, 27, 15))
    assert changes["next_due_at"] is None and "sla_paused_at" not in changes


@pytest.mark.parametrize(("now", "met", "paused", "expected"), [
    (utc(2026, 1, 2), None, None, True),
    (utc(2026, 1, 2), utc(2025, 12, 31), None, False),  # met in time
    (utc(2026, 1, 2), None, utc(2025, 12, 31), False),  # paused before the deadline
    (utc(2026, 1, 2), None, utc(2026, 1, 1, 12), True),  # paused after missing it
    (utc(2025, 12, 31), None, None, False),
])
def test_is_breached(now, met, paused, expected):
    assert sla.is_breached(utc(2026, 1, 1), now=now, met_at=met, paused_at=paused) is expected


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        clock("CUST-006").elapsed(datetime(2026, 1, 1), utc(2026, 1, 2))
