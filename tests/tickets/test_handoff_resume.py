"""A customer's chat message on a ticket that waits for the customer resumes its SLA clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tickets import conversations
from tickets.catalog import default_catalog
from tickets.domain import Actor, NewTicket
from tickets.store import create_ticket, get_ticket, update_ticket

ENGINEER = Actor("Eleni", "engineer")


def test_customer_message_moves_waiting_customer_back_to_in_progress(engine):
    catalog = default_catalog()
    now = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    ticket, _ = create_ticket(engine, new=NewTicket(
        customer_id="CUST-001", subject="Noise", description="noise", type="incident",
        conversation_id="chat-42"), actor=Actor("assistant", "assistant"), catalog=catalog,
        now=now)
    update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=catalog, now=now,
                  assignee="T-GR-02")
    for status in ("in_progress", "waiting_customer"):
        update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=catalog, now=now,
                      status=status)
    conversations.relay_customer_message(engine, conversation_id="chat-42",
                                         text="It is 6.5 bar now", viewer=ENGINEER,
                                         now=now + timedelta(hours=2))
    current = get_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER)
    assert current.status == "in_progress"
    assert current.sla_paused_at is None
