"""SLA performance of a period's tickets (tickets/performance.py) on SQLite and PostgreSQL,
on tickets made by the real store; the expected figures are counted by hand below."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.tickets.http import to_public
from tickets import store
from tickets.catalog import default_catalog
from tickets.domain import Actor, NewTicket
from tickets.performance import SlaCell, sla_performance

CATALOG = default_catalog()
BOT = Actor(name="assistant", role="assistant", principal="key-bot")
ENGINEER = Actor(name="T-GR-01", role="engineer", principal="key-eng")
START, END = datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 9, tzinfo=UTC)
NOW = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # Wednesday


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make(engine, created: datetime, *, customer: str | None, priority: str,
         kind: str = "incident", steps: tuple[tuple[datetime, str], ...] = (),
         reason: str | None = None) -> str:
    ticket, _ = store.create_ticket(engine, new=NewTicket(
        customer_id=customer, subject="s", description="d", type=kind, priority=priority,
        escalation_reason=reason, channel="chat"), actor=BOT, catalog=CATALOG, now=created)
    for at, status in steps:
        path = {"in_progress": ("triaged", "assigned", "in_progress")}.get(status, (status,))
        for each in path:
            store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG,
                                now=at, status=each)
    return ticket.id


@pytest.fixture()
def scenario(engine) -> dict[str, str]:
    """Five tickets of the week of Monday 2 November 2026, two outside it."""
    return {
        # premium 24/7 P2: response due 12:00 (4 h), met at 10:00; resolution due 3 Nov 08:00
        # (24 h), met at 2 Nov 20:00.
        "t1": make(engine, utc(2026, 11, 2, 8), customer="CUST-001", priority="P2",
                   steps=((utc(2026, 11, 2, 10), "in_progress"),
                          (utc(2026, 11, 2, 20), "resolved"))),
        # premium 24/7 P2: response due 13:00, met 14:00 (1 h late); resolution due 3 Nov
        # 09:00, met 12:00 (3 h late).
        "t2": make(engine, utc(2026, 11, 2, 9), customer="CUST-001", priority="P2",
                   steps=((utc(2026, 11, 2, 14), "in_progress"),
                          (utc(2026, 11, 3, 12), "resolved"))),
        # standard (Athens, Mon-Sat 07-19 local = 05-17 UTC in November) P2, created Mon 16:00
        # UTC (18:00 local): 1 business hour on Monday + 7 on Tuesday -> response due Tue 14:00
        # local (12:00 UTC). Never answered: at NOW (Wed 12:00 UTC = 14:00 local) it is late
        # by Tue 14-19 (5 h) + Wed 07-14 (7 h) = 12 business hours, 24 wall hours.
        # Resolution (72 business hours) is still pending.
        "t3": make(engine, utc(2026, 11, 2, 16), customer="CUST-002", priority="P2"),
        # premium 24/7 P1 (critical): response due 11:00, met 10:30; waiting for the customer
        # since 12:00, before its resolution deadline (18:00): the clock stopped -> pending.
        "t4": make(engine, utc(2026, 11, 3, 10), customer="CUST-001", priority="P1",
                   reason="critical",
                   steps=((utc(2026, 11, 3, 10, 30), "in_progress"),
                          (utc(2026, 11, 3, 12), "waiting_customer"))),
        # unidentified (callback form): the fastest contract, premium 24/7; P3 service request:
        # response due 08:00 (8 h), never answered: 28 h late at NOW; resolution pending.
        "t5": make(engine, utc(2026, 11, 3, 0), customer=None, priority="P3",
                   kind="service_request"),
        # outside [START, END): not counted
        "before": make(engine, utc(2026, 11, 1, 23, 59), customer="CUST-001", priority="P2"),
        "after": make(engine, utc(2026, 11, 9, 0), customer="CUST-001", priority="P2"),
    }


def test_cells_compliance_and_breaches_counted_by_hand(engine, scenario):
    result = sla_performance(engine, start=START, end=END, now=NOW)
    assert result.cells == [
        SlaCell("premium_24_7", "P1", 1, 1, 0, 0, 0, 0, 1),  # t4
        SlaCell("premium_24_7", "P2", 2, 1, 1, 0, 1, 1, 0),  # t1, t2
        SlaCell("premium_24_7", "P3", 1, 0, 1, 0, 0, 0, 1),  # t5
        SlaCell("standard", "P2", 1, 0, 1, 0, 0, 0, 1),      # t3
    ]
    # response: met t1, t4; breached t2, t3, t5 -> 2/5. resolution: met t1, breached t2 -> 1/2
    assert result.response_compliance == pytest.approx(0.4)
    assert result.resolution_compliance == pytest.approx(0.5)
    got = [(b.ticket_id, b.kind, b.due_at, b.met_at, b.late_h, b.late_wall_h)
           for b in result.breaches]
    assert got == [
        (scenario["t2"], "response", utc(2026, 11, 2, 13), utc(2026, 11, 2, 14), 1.0, 1.0),
        (scenario["t5"], "response", utc(2026, 11, 3, 8), None, 28.0, 28.0),
        (scenario["t2"], "resolution", utc(2026, 11, 3, 9), utc(2026, 11, 3, 12), 3.0, 3.0),
        (scenario["t3"], "response", utc(2026, 11, 3, 12), None, 12.0, 24.0),
    ]
    assert [(b.customer_id, b.priority, b.tier) for b in result.breaches] == [
        ("CUST-001", "P2", "premium_24_7"), (None, "P3", "premium_24_7"),
        ("CUST-001", "P2", "premium_24_7"), ("CUST-002", "P2", "standard")]


def test_one_customer(engine, scenario):
    result = sla_performance(engine, start=START, end=END, now=NOW, customer_id="CUST-001")
    assert sum(c.tickets for c in result.cells) == 3  # t1, t2, t4
    assert {b.ticket_id for b in result.breaches} == {scenario["t2"]}
    assert result.response_compliance == pytest.approx(2 / 3)
    assert result.resolution_compliance == pytest.approx(0.5)
    empty = sla_performance(engine, start=START, end=END, now=NOW, customer_id="CUST-009")
    assert (empty.cells, empty.breaches, empty.response_compliance,
            empty.resolution_compliance) == ([], [], None, None)


def test_agrees_with_what_the_ticket_api_shows(engine, scenario):
    result = sla_performance(engine, start=START, end=END, now=NOW)
    breached = {(b.ticket_id, b.kind) for b in result.breaches}
    for name, ticket_id in scenario.items():
        if name in ("before", "after"):
            continue
        shown = to_public(store.get_ticket(engine, ticket_id=ticket_id, viewer=ENGINEER), NOW,
                          CATALOG).sla
        assert shown.response_breached == ((ticket_id, "response") in breached), name
        assert shown.resolution_breached == ((ticket_id, "resolution") in breached), name


def test_naive_datetimes_are_refused(engine):
    with pytest.raises(ValueError):
        sla_performance(engine, start=datetime(2026, 11, 2), end=END, now=NOW)
