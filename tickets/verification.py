"""Sending a chat's one-time code (core/verification.py), or a sign-in link the service desk
issued, to the customer's contact on file: an outbox event (delivered, retried and signed like
the ticket events), so a webhook receiver that is down delays it and loses nothing.

Codes are limited per customer and hour, across every conversation and replica (counted in
the outbox itself): a stranger who types a serial from a nameplate again and again cannot
flood the customer's contact with messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from db.tickets import OutboxEvent
from tickets.catalog import Customer
from tickets.database import writing
from tickets.notify import CUSTOMER_CONTACT, Recipient

EVENT = "chat.verification_code"
SIGNIN_EVENT = "identity.signin_link"
PER_CUSTOMER_HOUR = 5


@dataclass(frozen=True)
class Sent:
    """What became of a request for a code: "sent", "limited" or "no_contact"; and where
    it went, masked for the chat."""

    status: str
    to: str = ""


def send_code(engine: Engine, *, customer: Customer, conversation_id: str, code: str,
              language: str, now: datetime, shown_to: str) -> Sent:
    """Queue the code for the customer's contact on file (in one transaction with the count
    that limits it). `shown_to` is the masked address the chat may show."""
    status = _queue_for_contact(engine, customer=customer, event=EVENT, now=now,
                                limit=PER_CUSTOMER_HOUR, fields={
                                    "conversation_id": conversation_id, "code": code,
                                    "language": language, "kind": "verification_code"})
    return Sent(status, shown_to if status == "sent" else "")


def send_signin_link(engine: Engine, *, customer: Customer, url: str, expires_at: datetime,
                     issued_by: str, now: datetime) -> str:
    """Queue a sign-in link the service desk issued for the customer's contact on file:
    "sent", "limited" or "no_contact"."""
    return _queue_for_contact(engine, customer=customer, event=SIGNIN_EVENT, now=now,
                              limit=PER_CUSTOMER_HOUR, fields={
                                  "url": url, "expires_at": expires_at.isoformat(),
                                  "issued_by": issued_by, "language": customer.language,
                                  "kind": "signin_link"})


def _queue_for_contact(engine: Engine, *, customer: Customer, event: str, now: datetime,
                       limit: int, fields: dict[str, object]) -> str:
    contact = customer.contact
    if contact is None or not (contact.email or contact.phone):
        return "no_contact"
    with writing(engine) as session:
        recent = session.scalar(select(func.count(OutboxEvent.id)).where(
            OutboxEvent.event_type == event, OutboxEvent.created_at >= now - timedelta(hours=1),
            OutboxEvent.payload["customer_id"].as_string() == customer.customer_id))
        if (recent or 0) >= limit:
            return "limited"
        session.add(OutboxEvent(
            event_type=event, ticket_id=None, created_at=now, attempts=0, next_attempt_at=now,
            payload={"event": event, "occurred_at": now.isoformat(),
                     "customer_id": customer.customer_id, **fields,
                     "recipients": [Recipient(CUSTOMER_CONTACT, contact.name, contact.email,
                                              contact.phone, customer.language).as_json()]}))
    return "sent"
