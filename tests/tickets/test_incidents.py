"""Tickets opened before the customer is known, and one open incident per machine and reason:
on SQLite and on PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.tickets import Comment, OutboxEvent
from tickets import incidents, store
from tickets.catalog import default_catalog
from tickets.database import reading
from tickets.domain import Actor, NewTicket
from tickets.errors import UnknownReferenceError

CATALOG = default_catalog()
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
BOT = Actor(name="assistant", role="assistant", principal="key-bot")
CUSTOMER_1 = Actor(name="c1", role="customer", customer_id="CUST-001", principal="key-c1")
PUMP = "P100-2021-00542"  # CUST-001


def urgent(**overrides) -> NewTicket:
    values = {"customer_id": None, "subject": "Urgent safety report: machine not identified yet",
              "description": "smoke from the motor", "type": "incident", "priority": "P1",
              "escalation_reason": "critical", "conversation_id": "conv-9"}
    return NewTicket(**(values | overrides))


def test_an_unidentified_ticket_gets_the_fastest_contract_then_its_customer(engine):
    ticket, _ = store.create_ticket(engine, new=urgent(), actor=BOT, catalog=CATALOG, now=NOW)
    assert ticket.customer_id is None and ticket.priority == "P1"
    fastest = min(t.response_h["P1"] for t in CATALOG.tiers.values())
    assert ticket.response_due_at == NOW + timedelta(hours=fastest)
    # Customers see only their own tickets: not one without a customer.
    assert store.list_tickets(engine, viewer=CUSTOMER_1, filters=store.TicketFilter(),
                              now=NOW)[1] == 0
    later = NOW + timedelta(minutes=3)
    found = store.identify_customer(engine, ticket_id=ticket.id, serial=PUMP, viewer=BOT,
                                    catalog=CATALOG, now=later)
    assert (found.customer_id, found.serial, found.model) == ("CUST-001", PUMP, "HCP-100")
    assert found.response_due_at == ticket.response_due_at and found.version == 2
    assert store.get_ticket(engine, ticket_id=ticket.id, viewer=CUSTOMER_1).id == ticket.id
    # A second serial does not move a ticket that has its customer.
    again = store.identify_customer(engine, ticket_id=ticket.id, serial="H37S-2019-00412",
                                    viewer=BOT, catalog=CATALOG, now=later)
    assert again.serial == PUMP


def test_an_unknown_serial_is_refused(engine):
    ticket, _ = store.create_ticket(engine, new=urgent(), actor=BOT, catalog=CATALOG, now=NOW)
    with pytest.raises(UnknownReferenceError):
        store.identify_customer(engine, ticket_id=ticket.id, serial="X000-0000-00000",
                                viewer=BOT, catalog=CATALOG, now=NOW)


def test_a_report_joins_the_open_incident_and_a_danger_raises_it(engine):
    first, _ = store.create_ticket(engine, new=urgent(
        customer_id="CUST-001", serial=PUMP, priority="P3", escalation_reason="low_confidence"),
        actor=BOT, catalog=CATALOG, now=NOW)
    assert incidents.open_incident(engine, serial=PUMP, reason="critical") is None
    assert incidents.open_incident(engine, serial=PUMP, reason="low_confidence").id == first.id
    found = incidents.open_incident(engine, serial=PUMP, reason="critical", any_reason=True)
    assert found is not None and found.id == first.id
    ticket, raised = incidents.add_report(
        engine, ticket_id=first.id, viewer=BOT, text="now there is smoke",
        transcript=[{"sender": "customer", "text": "now there is smoke"}], diagnosis=None,
        priority="P1", catalog=CATALOG, now=NOW + timedelta(minutes=5))
    assert raised and ticket.priority == "P1"
    assert ticket.response_due_at < first.response_due_at
    ticket, raised = incidents.add_report(
        engine, ticket_id=first.id, viewer=BOT, text="still smoking", transcript=[],
        diagnosis={"candidates": []}, priority="P1", catalog=CATALOG,
        now=NOW + timedelta(minutes=6))
    assert not raised
    with reading(engine) as session:
        notes = session.scalars(select(Comment).where(Comment.ticket_id == first.id)
                                .order_by(Comment.id)).all()
        events = [e.event_type for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.ticket_id == first.id)
            .order_by(OutboxEvent.id)).all()]
    assert [n.visibility for n in notes] == ["internal", "internal"]
    assert "now there is smoke" in notes[0].body and "Diagnosis" in notes[1].body
    assert events[-2:] == ["ticket.escalated", "ticket.reported"]
    # Resolved incidents are not joined.
    for status in ("triaged", "assigned", "in_progress", "resolved"):
        extra = {"assignee": "T-GR-01"} if status == "assigned" else {}
        store.update_ticket(engine, ticket_id=first.id, viewer=Actor("e", "engineer"),
                            catalog=CATALOG, now=NOW + timedelta(minutes=10), status=status,
                            **extra)
    assert incidents.open_incident(engine, serial=PUMP, reason="critical",
                                   any_reason=True) is None


def test_a_joined_conversation_gets_the_engineers_replies_and_the_hand_off(engine):
    from tickets import conversations

    opened, _ = store.create_ticket(engine, new=urgent(customer_id="CUST-001", serial=PUMP,
                                                       conversation_id="conv-first"),
                                    actor=BOT, catalog=CATALOG, now=NOW)
    for _ in range(2):  # a retried message links once
        incidents.add_report(engine, ticket_id=opened.id, viewer=BOT, text="smoke again",
                             transcript=[], diagnosis=None, priority="P1", catalog=CATALOG,
                             now=NOW + timedelta(minutes=2), conversation_id="conv-second")
    assert not conversations.handoff_state(engine, conversation_id="conv-second").human_active
    engineer = Actor("T-GR-01", "engineer")
    reply = conversations.add_comment(engine, ticket_id=opened.id, viewer=engineer,
                                      body="On my way, keep everyone out of the room.",
                                      visibility="customer", now=NOW + timedelta(minutes=4))
    for conversation in ("conv-first", "conv-second"):
        assert [c.id for c in conversations.pending_replies(
            engine, conversation_id=conversation)] == [reply.id]
        state = conversations.handoff_state(engine, conversation_id=conversation)
        assert state.human_active and state.number == opened.number
    assert conversations.pending_replies(engine, conversation_id="conv-other") == []
    # The second chat's messages reach the ticket as the first one's do.
    conversations.relay_customer_message(engine, conversation_id="conv-second",
                                         text="we evacuated", viewer=BOT,
                                         now=NOW + timedelta(minutes=5))
    bodies = [c.body for c in conversations.list_comments(engine, ticket_id=opened.id,
                                                           viewer=engineer)]
    assert "we evacuated" in bodies
