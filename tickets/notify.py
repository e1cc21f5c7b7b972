"""Whom an outbox event is for, and what it is about: the recipients and the `kind` the webhook
receiver needs to write the message (it sends it; this service keeps no mail or SMS gateway).

Applied when the event is delivered, not when it is written, so a contact or an on-call rota
changed in the meantime is the one used. Pure: the event's payload and the Catalog in, plain
data out.

The rule (docs/tickets.md, Notifications):

- the customer's contact on file hears of what happens to the customer's machines without
  them asking: a ticket the monitoring opened (critical condition, likely fault, forecast,
  maintenance reminder), a P1 of theirs (opened, or raised to P1 later), and a missed SLA
  deadline of any of their tickets (the contract's promise to them). Not of `ticket.reported`
  (a report joined to an incident is an internal note) nor of other tickets: whoever opened
  one in the chat or the console is already talking to the desk;
- the on-call engineers of the ticket's site's region are paged for every P1 event: opened,
  raised to P1, its deadline missed. No site: the regions of the customer's sites; no customer
  (an emergency before the serial was given), or nobody on call there: every region's, since
  a P1 must reach someone;
- a ticket opened with an escalation reason writes `ticket.created` and `ticket.escalated` in
  the same transaction (the latter marked `on_creation`): only the first is addressed, so no
  one hears the same news twice;
- an event that carries its own recipients (a chat's one-time code, tickets/verification.py)
  or none of a ticket is left as it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.knowledge.model import Technician
from tickets.catalog import Catalog, Customer

CUSTOMER_CONTACT = "customer_contact"
ON_CALL_ENGINEER = "on_call_engineer"
MONITORING_CHANNEL = "monitoring"
# The marker the monitoring puts in a maintenance reminder's ticket (diagnosis.alert), carried
# in the outbox's ticket summary as `alert`: its subject is prose and may change.
MAINTENANCE_ALERT = "maintenance"


@dataclass(frozen=True)
class Recipient:
    role: str  # CUSTOMER_CONTACT or ON_CALL_ENGINEER
    name: str
    email: str | None
    phone: str | None
    language: str  # the language to write to them in

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "email": self.email,
                "phone": self.phone, "language": self.language}


@dataclass(frozen=True)
class Addressing:
    kind: str
    recipients: tuple[Recipient, ...]

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "recipients": [r.as_json() for r in self.recipients]}


def kind_of(ticket: Mapping[str, Any]) -> str:
    """What the ticket is, for the receiver's template: monitoring_critical, monitoring_fault,
    monitoring_forecast, maintenance_reminder for the monitoring's tickets (as monitor.py opens
    them), else the ticket's type (incident, service_request, question)."""
    kind = str(ticket.get("type") or "incident")
    if ticket.get("channel") != MONITORING_CHANNEL:
        return kind
    if ticket.get("escalation_reason") == "critical":
        return "monitoring_critical"
    if ticket.get("alert") == MAINTENANCE_ALERT:
        return "maintenance_reminder"
    # The monitoring's other tickets: a likely fault is an incident, a forecast a request.
    return {"incident": "monitoring_fault",
            "service_request": "monitoring_forecast"}.get(kind, kind)


def _customer_hears(event: str, ticket: Mapping[str, Any], *, raised_to_p1: bool) -> bool:
    if not ticket.get("customer_id"):
        return False
    if event == "ticket.created":
        return ticket.get("channel") == MONITORING_CHANNEL or ticket.get("priority") == "P1"
    if event == "ticket.escalated":
        return raised_to_p1
    return event == "ticket.sla_breached"


def _on_call_paged(event: str, ticket: Mapping[str, Any], *, raised_to_p1: bool) -> bool:
    if ticket.get("priority") != "P1":
        return False
    if event == "ticket.escalated":
        return raised_to_p1
    return event in ("ticket.created", "ticket.sla_breached")


def address(payload: Mapping[str, Any], catalog: Catalog) -> Addressing | None:
    """The addressing of a ticket event; None for an event of no ticket."""
    ticket = payload.get("ticket")
    if not isinstance(ticket, Mapping):
        return None
    event = str(payload.get("event") or "")
    detail = payload.get("detail")
    on_creation = isinstance(detail, Mapping) and bool(detail.get("on_creation"))
    # An escalation event of a P1 after its creation: it was raised to P1 (only raises write
    # one: tickets/store.py, tickets/incidents.py).
    raised_to_p1 = (event == "ticket.escalated" and not on_creation
                    and ticket.get("priority") == "P1")
    customer = catalog.customers.get(str(ticket.get("customer_id") or ""))
    recipients: list[Recipient] = []
    if customer is not None and customer.contact is not None \
            and _customer_hears(event, ticket, raised_to_p1=raised_to_p1):
        contact = customer.contact
        recipients.append(Recipient(CUSTOMER_CONTACT, contact.name, contact.email,
                                    contact.phone, customer.language))
    if _on_call_paged(event, ticket, raised_to_p1=raised_to_p1):
        recipients += [Recipient(ON_CALL_ENGINEER, tech.name, tech.email, None,
                                 tech.languages[0] if tech.languages else "en")
                       for tech in on_call_for(catalog, customer, ticket.get("site_id"))]
    return Addressing(kind_of(ticket), tuple(recipients))


def on_call_for(catalog: Catalog, customer: Customer | None,
                site_id: object) -> tuple[Technician, ...]:
    """The on-call engineers of the site's region; see the module's rule for the fallbacks."""
    regions: Iterable[str | None] = ()
    if customer is not None:
        site = customer.sites.get(str(site_id)) if site_id else None
        regions = [site.region] if site is not None else [
            s.region for s in customer.sites.values()]
    engineers = _engineers(catalog, regions)
    return engineers or _engineers(catalog, sorted(catalog.on_call))


def _engineers(catalog: Catalog, regions: Iterable[str | None]) -> tuple[Technician, ...]:
    seen: dict[str, Technician] = {}
    for region in regions:
        for tech in catalog.on_call.get(region or "", ()):
            seen.setdefault(tech.id, tech)
    return tuple(seen.values())


def addresser(catalog: Catalog) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """The fields the delivery adds to an event's body (tickets.outbox.deliver_due's
    `address`): `kind` and `recipients` for a ticket event, nothing for any other event."""

    def fields(payload: Mapping[str, Any]) -> dict[str, Any]:
        if "recipients" in payload:  # addressed when written (a one-time code): kept
            return {}
        addressing = address(payload, catalog)
        return {} if addressing is None else addressing.as_json()

    return fields
