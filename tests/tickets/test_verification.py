"""One-time codes queued for the contact on file, on SQLite and PostgreSQL: an outbox event
without a ticket, delivered like the others, and limited per customer and hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.tickets import OutboxEvent
from tickets.catalog import default_catalog
from tickets.database import reading
from tickets.outbox import deliver_due
from tickets.verification import EVENT, PER_CUSTOMER_HOUR, send_code

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_codes_are_queued_for_the_contact_and_limited_per_hour(engine):
    catalog = default_catalog()
    customer, other = catalog.customers["CUST-001"], catalog.customers["CUST-002"]
    for n in range(PER_CUSTOMER_HOUR):
        sent = send_code(engine, customer=customer, conversation_id=f"c{n}", code="123456",
                         language="el", now=NOW + timedelta(minutes=n), shown_to="m***@x")
        assert (sent.status, sent.to) == ("sent", "m***@x")
    later = NOW + timedelta(minutes=PER_CUSTOMER_HOUR)
    assert send_code(engine, customer=customer, conversation_id="c-flood", code="123456",
                     language="el", now=later, shown_to="").status == "limited"
    # Another customer's contact is not limited by this one's codes; an hour on, nor is this.
    assert send_code(engine, customer=other, conversation_id="c-other", code="654321",
                     language="en", now=later, shown_to="").status == "sent"
    assert send_code(engine, customer=customer, conversation_id="c-next", code="111111",
                     language="el", now=NOW + timedelta(minutes=61),
                     shown_to="").status == "sent"
    with reading(engine) as session:
        events = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == EVENT)
                                 .order_by(OutboxEvent.id)).all()
    assert len(events) == PER_CUSTOMER_HOUR + 2
    assert all(e.ticket_id is None for e in events)
    assert events[0].payload["recipients"][0]["email"] == "maintenance@aegean-bottling.example"


def test_a_code_without_a_contact_is_not_sent(engine):
    from dataclasses import replace

    customer = replace(default_catalog().customers["CUST-001"], contact=None)
    assert send_code(engine, customer=customer, conversation_id="c", code="123456",
                     language="en", now=NOW, shown_to="").status == "no_contact"


def test_the_code_is_delivered_through_the_outbox_like_a_ticket_event(engine):
    import httpx

    from tests.conftest import free_port
    from tests.tickets.receiver import Receiver

    customer = default_catalog().customers["CUST-002"]
    send_code(engine, customer=customer, conversation_id="c", code="123456", language="en",
              now=NOW, shown_to="")
    receiver = Receiver(free_port())
    receiver.start()
    try:
        with httpx.Client() as client:
            assert deliver_due(engine, client=client, url=receiver.url, secret="s",
                               now=lambda: NOW) == (1, 0)
    finally:
        receiver.stop()
    [body] = receiver.received
    assert body["event"] == EVENT and body["code"] == "123456"
    assert body["recipients"][0]["email"] == "technical@piraeus-coatings.example"
