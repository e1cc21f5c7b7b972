"""The ticket store on SQLite and on PostgreSQL: the same tests, one real database each."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.tickets import OutboxEvent, Ticket
from tickets import conversations, store
from tickets.catalog import default_catalog
from tickets.database import reading
from tickets.domain import Actor, NewTicket
from tickets.errors import (
    IdempotencyMismatchError,
    StaleVersionError,
    TicketConflictError,
    TicketNotFoundError,
)
from tickets.outbox import scan_breaches

CATALOG = default_catalog()
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
BOT = Actor(name="assistant", role="assistant", principal="key-bot")
ENGINEER = Actor(name="T-GR-01", role="engineer", principal="key-eng")
CUSTOMER_1 = Actor(name="c1", role="customer", customer_id="CUST-001", principal="key-c1")
CUSTOMER_2 = Actor(name="c2", role="customer", customer_id="CUST-002", principal="key-c2")


def new(**overrides) -> NewTicket:
    values = {"customer_id": "CUST-001", "subject": "Compressor trips on E102",
              "description": "Tripped twice after reset", "type": "incident",
              "serial": "H75S-2021-00118", "error_code": "E102", "conversation_id": "conv-1",
              "escalation_reason": "repeated_failure",
              "transcript": [{"sender": "customer", "text": "it stopped again"}],
              "diagnosis": {"observations": {"oil_level_low": False},
                            "candidates": [{"fault_id": "oil_cooler_fouled", "confidence": 0.6}],
                            "trace": ["r1"]},
              "citations": [{"document": "hsc-manual", "section_id": "7.2"}]}
    return NewTicket(**{**values, **overrides})


def create(engine, actor=BOT, key=None, **overrides) -> Ticket:
    ticket, _ = store.create_ticket(engine, new=new(**overrides), actor=actor, catalog=CATALOG,
                                    now=NOW, idempotency_key=key)
    return ticket


def count(engine, model) -> int:
    with reading(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_create_and_read_back_everything(engine):
    ticket = create(engine)
    read = store.get_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER)
    assert read.number == ticket.number and read.status == "new" and read.priority == "P2"
    assert read.model == "HSC-75" and read.family == "rotary_screw_compressor"
    assert read.response_due_at == NOW + timedelta(hours=4)  # premium 24/7, P2
    assert read.created_at == NOW and read.version == 1
    assert read.diagnosis["candidates"][0]["fault_id"] == "oil_cooler_fouled"
    assert read.citations == [{"document": "hsc-manual", "section_id": "7.2"}]


def test_customers_see_only_their_own_tickets(engine):
    mine = create(engine, actor=CUSTOMER_1)
    create(engine, customer_id="CUST-002", serial="H37S-2019-00412")
    assert store.get_ticket(engine, ticket_id=mine.id, viewer=CUSTOMER_1).id == mine.id
    with pytest.raises(TicketNotFoundError):
        store.get_ticket(engine, ticket_id=mine.id, viewer=CUSTOMER_2)
    items, total = store.list_tickets(engine, viewer=CUSTOMER_2, filters=store.TicketFilter(),
                                      now=NOW)
    assert total == 1 and items[0].customer_id == "CUST-002"


def test_idempotency_key_returns_the_first_ticket(engine):
    first, created = store.create_ticket(engine, new=new(), actor=BOT, catalog=CATALOG, now=NOW,
                                         idempotency_key="esc-1")
    again, created_again = store.create_ticket(engine, new=new(), actor=BOT, catalog=CATALOG,
                                               now=NOW, idempotency_key="esc-1")
    assert created and not created_again and again.id == first.id
    with pytest.raises(IdempotencyMismatchError):
        create(engine, key="esc-1", subject="something else")
    # another principal's key space is its own
    assert create(engine, actor=ENGINEER, key="esc-1").id != first.id
    assert count(engine, Ticket) == 2


def test_concurrent_retries_with_one_key_make_one_ticket(engine):
    ids: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            ids.append(create(engine, key="same-key").id)
        except BaseException as exc:  # recorded and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(ids)) == 1 and count(engine, Ticket) == 1


def test_workflow_is_enforced_with_allowed_transitions(engine):
    ticket = create(engine)
    with pytest.raises(TicketConflictError) as info:
        store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG,
                            now=NOW, status="resolved")
    assert info.value.allowed == ["triaged", "assigned"]
    for status in ("triaged", "assigned", "in_progress", "resolved", "closed"):
        ticket = store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER,
                                     catalog=CATALOG, now=NOW, status=status)
    assert ticket.status == "closed" and ticket.closed_at == NOW and ticket.next_due_at is None
    assert ticket.first_response_at == NOW and ticket.version == 6


def test_stale_version_is_refused(engine):
    ticket = create(engine)
    store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG, now=NOW,
                        expected_version=1, assignee="T-GR-01")
    with pytest.raises(StaleVersionError):
        store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG,
                            now=NOW, expected_version=1, assignee="T-GR-02")
    assert store.get_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER).assignee == "T-GR-01"


def test_concurrent_updates_lose_nothing(engine):
    """Twenty writers raise the priority of one ticket step by step without If-Match; each
    write is applied to the newest version, so the version counts every one of them."""
    ticket = create(engine, type="question", error_code=None, escalation_reason=None,
                    serial=None)
    barrier = threading.Barrier(20)

    engineers = sorted(CATALOG.technicians)

    def worker(i: int) -> None:
        barrier.wait()
        store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG,
                            now=NOW, assignee=engineers[i % len(engineers)])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = store.get_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER)
    assert final.version == 21 and final.status == "assigned"


def test_filters_and_urgency_order(engine):
    p2 = create(engine)  # premium P2: response due in 4 h
    p4 = create(engine, type="question", error_code=None, escalation_reason=None)  # 24 h
    basic = create(engine, customer_id="CUST-006", serial="H75S-2017-00033")  # basic P2
    later = NOW + timedelta(hours=5)
    everyone = store.TicketFilter()
    items, total = store.list_tickets(engine, viewer=ENGINEER, filters=everyone, now=later)
    assert total == 3 and items[0].id == p2.id
    breached, _ = store.list_tickets(engine, viewer=ENGINEER, now=later,
                                     filters=store.TicketFilter(breached=True))
    assert [t.id for t in breached] == [p2.id]
    soon, _ = store.list_tickets(engine, viewer=ENGINEER, now=NOW,
                                 filters=store.TicketFilter(due_within_h=5))
    assert [t.id for t in soon] == [p2.id]
    for filters, expected in [
        (store.TicketFilter(priority=("P4",)), {p4.id}),
        (store.TicketFilter(customer_id="CUST-006"), {basic.id}),
        (store.TicketFilter(family="rotary_screw_compressor"), {p2.id, p4.id, basic.id}),
        (store.TicketFilter(status=("closed",)), set()),
    ]:
        found, _ = store.list_tickets(engine, viewer=ENGINEER, filters=filters, now=NOW)
        assert {t.id for t in found} == expected, filters
    page2, total = store.list_tickets(engine, viewer=ENGINEER, filters=everyone, now=NOW,
                                      page=2, page_size=2)
    assert total == 3 and len(page2) == 1


def test_outbox_events_on_create_escalation_and_breach(engine):
    ticket = create(engine)  # escalated by the assistant: created + escalated
    store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG, now=NOW,
                        priority="P1")
    assert scan_breaches(engine, now=NOW + timedelta(hours=2)) == 1
    assert scan_breaches(engine, now=NOW + timedelta(hours=3)) == 0  # once per deadline
    with reading(engine) as session:
        events = [e.event_type for e in session.scalars(select(OutboxEvent)
                                                        .order_by(OutboxEvent.id))]
    assert events == ["ticket.created", "ticket.escalated", "ticket.escalated",
                      "ticket.sla_breached"]


def test_handoff_reply_relay_and_handback(engine):
    ticket = create(engine)
    assert not conversations.handoff_state(engine, conversation_id="conv-1").human_active
    note = conversations.add_comment(engine, ticket_id=ticket.id, viewer=ENGINEER,
                                     body="internal", visibility="internal", now=NOW)
    reply = conversations.add_comment(engine, ticket_id=ticket.id, viewer=ENGINEER,
                                      body="Please check the oil level", visibility="customer",
                                      now=NOW + timedelta(minutes=5))
    state = conversations.handoff_state(engine, conversation_id="conv-1")
    assert state.human_active and state.ticket_id == ticket.id
    refreshed = store.get_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER)
    assert refreshed.first_response_at == NOW + timedelta(minutes=5)
    assert refreshed.next_due_at == refreshed.resolution_due_at
    message = conversations.relay_customer_message(engine, conversation_id="conv-1",
                                                   text="Oil is at MIN", viewer=BOT, now=NOW)
    assert message.kind == "customer_message" and message.ticket_id == ticket.id
    assert [c.id for c in conversations.pending_replies(engine, conversation_id="conv-1")] == [
        reply.id]
    assert conversations.pending_replies(engine, conversation_id="conv-1", after=reply.id) == []
    seen = conversations.list_comments(engine, ticket_id=ticket.id, viewer=CUSTOMER_1)
    assert note.id not in [c.id for c in seen] and len(seen) == 2
    conversations.set_handoff(engine, ticket_id=ticket.id, viewer=ENGINEER, active=False,
                              now=NOW)
    assert not conversations.handoff_state(engine, conversation_id="conv-1").human_active
    with pytest.raises(TicketNotFoundError):
        conversations.relay_customer_message(engine, conversation_id="nobody", text="hi",
                                             viewer=BOT, now=NOW)


def test_resolving_returns_the_conversation_to_the_assistant(engine):
    ticket = create(engine)
    conversations.set_handoff(engine, ticket_id=ticket.id, viewer=ENGINEER, active=True, now=NOW)
    for status in ("assigned", "in_progress", "resolved"):
        store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG,
                            now=NOW, status=status)
    assert not conversations.handoff_state(engine, conversation_id="conv-1").human_active


def test_paused_clock_in_filters_urgency_and_breach_scan(engine):
    """A ticket waiting for the customer races no deadline; once resumed, its deadline is
    pushed by the pause (24/7 contract: wall time) and the queue orders by the pushed one."""
    waits, runs = create(engine), create(engine)  # premium P2: resolution due NOW + 24 h
    for ticket in (waits, runs):
        for change in ({"assignee": "T-GR-01"}, {"status": "in_progress"}):
            store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG,
                                now=NOW, **change)

    def urgency(now, **filters) -> list[str]:
        items, _ = store.list_tickets(engine, viewer=ENGINEER, now=now,
                                      filters=store.TicketFilter(**filters))
        return [t.id for t in items]

    assert urgency(NOW) == [waits.id, runs.id]
    paused = store.update_ticket(engine, ticket_id=waits.id, viewer=ENGINEER, catalog=CATALOG,
                                 now=NOW + timedelta(hours=1), status="waiting_customer")
    assert paused.sla_paused_at == NOW + timedelta(hours=1) and paused.next_due_at is None
    later = NOW + timedelta(hours=30)
    assert urgency(later) == [runs.id, waits.id]
    assert urgency(later, breached=True) == [runs.id]
    assert scan_breaches(engine, now=later) == 1  # only the running one
    resumed = store.update_ticket(engine, ticket_id=waits.id, viewer=ENGINEER, catalog=CATALOG,
                                  now=NOW + timedelta(hours=31), status="in_progress")
    assert resumed.sla_paused_seconds == 30 * 3600 and resumed.sla_paused_at is None
    assert resumed.resolution_due_at == resumed.next_due_at == NOW + timedelta(hours=54)
    at = NOW + timedelta(hours=33)
    assert urgency(at) == [runs.id, waits.id]
    assert urgency(at, breached=False, due_within_h=22) == [waits.id]
    assert urgency(at, breached=False, due_within_h=20) == []
    assert scan_breaches(engine, now=NOW + timedelta(hours=53)) == 0
    assert scan_breaches(engine, now=NOW + timedelta(hours=55)) == 1
