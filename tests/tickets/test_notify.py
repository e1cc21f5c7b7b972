"""Whom an outbox event is addressed to (tickets/notify.py): the customer's contact for what
the monitoring opened, their P1s and their missed deadlines; the on-call engineers of the
site's region for every P1 event; nobody twice for one ticket's creation."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from db.tickets import OutboxEvent
from tests.tickets.test_store import CATALOG, ENGINEER, create
from tickets import notify, store
from tickets.database import reading
from tickets.notify import CUSTOMER_CONTACT, ON_CALL_ENGINEER, address, addresser, kind_of
from tickets.outbox import deliver_due

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
STEFAN = (CUSTOMER_CONTACT, "Stefan Brandt", "instandhaltung@rheinfeld-kunststoff.example",
          "+49 2131 555 777", "de")  # CUST-003's contact on file
MARKUS = (ON_CALL_ENGINEER, "Markus Weber", "t.de.01@helios-service.example", None, "de")
ON_CALL_EVERYWHERE = {"Nikos Papadakis", "Markus Weber", "Jeroen de Vries", "Julien Moreau",
                      "Javier Romero"}  # one per region


def event(name: str = "ticket.created", detail: dict | None = None, **ticket) -> dict:
    summary = {"id": "t-1", "number": 1, "status": "new", "priority": "P3",
               "type": "incident", "customer_id": "CUST-003", "site_id": "S-003-01",
               "serial": "W060-2021-00207", "channel": "chat", "alert": None,
               "escalation_reason": None, "subject": "s", "language": "de", **ticket}
    return {"event": name, "occurred_at": NOW.isoformat(), "ticket": summary,
            **({"detail": detail} if detail else {})}


def who(payload: dict, catalog=CATALOG) -> list[tuple]:
    addressing = address(payload, catalog)
    assert addressing is not None
    return [(r.role, r.name, r.email, r.phone, r.language) for r in addressing.recipients]


def test_the_kind_names_what_the_ticket_is():
    monitoring = {"channel": "monitoring"}
    assert kind_of({**monitoring, "type": "incident", "escalation_reason": "critical"}) == (
        "monitoring_critical")
    assert kind_of({**monitoring, "type": "incident"}) == "monitoring_fault"
    assert kind_of({**monitoring, "type": "service_request"}) == "monitoring_forecast"
    assert kind_of({**monitoring, "type": "service_request", "alert": "maintenance"}) == (
        "maintenance_reminder")
    # The marker decides, not the subject; other channels give the ticket's type.
    assert kind_of({**monitoring, "type": "service_request",
                    "subject": "Maintenance due: 2000 h service"}) == "monitoring_forecast"
    for kind in ("incident", "service_request", "question"):
        assert kind_of({"channel": "chat", "type": kind, "alert": "maintenance"}) == kind


def test_a_critical_alert_reaches_the_customer_and_the_regions_on_call_engineer():
    created = event(priority="P1", channel="monitoring", escalation_reason="critical")
    assert who(created) == [STEFAN, MARKUS]
    # Its escalation, written with the creation, is the same news: addressed to nobody.
    assert who(event("ticket.escalated", {"on_creation": True}, priority="P1",
                     channel="monitoring", escalation_reason="critical")) == []
    assert address(created, CATALOG).kind == "monitoring_critical"


def test_the_monitorings_other_tickets_reach_the_customer_only():
    for kind, ticket in [("monitoring_fault", {"type": "incident", "priority": "P2"}),
                         ("monitoring_forecast", {"type": "service_request", "priority": "P3"}),
                         ("maintenance_reminder", {"type": "service_request", "priority": "P4",
                                                   "alert": "maintenance"})]:
        payload = event(channel="monitoring", **ticket)
        assert who(payload) == [STEFAN], kind
        assert address(payload, CATALOG).kind == kind


def test_a_chat_ticket_reaches_someone_only_at_p1():
    assert who(event(priority="P3")) == []  # the customer opened it; the desk knows
    assert who(event(priority="P1", escalation_reason="critical")) == [STEFAN, MARKUS]
    assert who(event("ticket.reported", priority="P1")) == []  # an internal note


def test_a_raise_to_p1_is_news_a_raise_below_it_is_not():
    assert who(event("ticket.escalated", priority="P1")) == [STEFAN, MARKUS]
    assert who(event("ticket.escalated", {"report": "smoke"}, priority="P1")) == [
        STEFAN, MARKUS]  # raised by a report joined to the incident
    assert who(event("ticket.escalated", priority="P2")) == []


def test_a_missed_deadline_reaches_the_customer_and_at_p1_the_on_call_engineer():
    detail = {"deadline": "response", "due_at": NOW.isoformat()}
    assert who(event("ticket.sla_breached", detail, priority="P3")) == [STEFAN]
    assert who(event("ticket.sla_breached", detail, priority="P1")) == [STEFAN, MARKUS]


def test_without_a_site_the_customers_regions_without_a_customer_every_region():
    # CUST-001's two sites are both in gr_cy.
    no_site = who(event(priority="P1", customer_id="CUST-001", site_id=None))
    assert [(r[0], r[1], r[4]) for r in no_site] == [
        (CUSTOMER_CONTACT, "Giorgos Antoniou", "el"), (ON_CALL_ENGINEER, "Nikos Papadakis", "el")]
    unidentified = who(event(priority="P1", customer_id=None, site_id=None))
    assert {r[1] for r in unidentified} == ON_CALL_EVERYWHERE
    assert {r[0] for r in unidentified} == {ON_CALL_ENGINEER}


def test_a_region_with_nobody_on_call_pages_every_region():
    rota = {region: techs for region, techs in CATALOG.on_call.items() if region != "dach"}
    catalog = replace(CATALOG, on_call=rota)
    paged = who(event(priority="P1"), catalog)
    assert paged[0] == STEFAN
    assert {r[1] for r in paged[1:]} == ON_CALL_EVERYWHERE - {"Markus Weber"}


def test_a_customer_without_a_contact_on_file_is_not_addressed():
    customers = {**CATALOG.customers,
                 "CUST-003": replace(CATALOG.customers["CUST-003"], contact=None)}
    assert who(event(priority="P1"), replace(CATALOG, customers=customers)) == [MARKUS]
    # A customer gone from the service data: nobody to write to, every region paged.
    assert {r[1] for r in who(event(priority="P1", customer_id="CUST-999"))} == (
        ON_CALL_EVERYWHERE)


def test_events_of_no_ticket_or_already_addressed_are_left_alone():
    fields = addresser(CATALOG)
    code = {"event": "chat.verification_code", "customer_id": "CUST-003", "code": "123456",
            "kind": "verification_code", "recipients": [{"role": CUSTOMER_CONTACT}]}
    assert fields(code) == {}
    assert fields({"event": "something.else"}) == {}
    assert fields(event(priority="P1")) == {
        "kind": "incident",
        "recipients": [dict(zip(("role", "name", "email", "phone", "language"), r, strict=True))
                       for r in (STEFAN, MARKUS)]}


def test_the_escalation_written_with_a_ticket_is_marked(engine):
    ticket = create(engine)  # a repeated_failure P2: ticket.created + ticket.escalated
    store.update_ticket(engine, ticket_id=ticket.id, viewer=ENGINEER, catalog=CATALOG, now=NOW,
                        priority="P1")
    with reading(engine) as session:
        events = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [(e.event_type, (e.payload.get("detail") or {}).get("on_creation")) for e in events] \
        == [("ticket.created", None), ("ticket.escalated", True), ("ticket.escalated", None)]
    # Created at P2 from the chat: nobody; raised to P1 later: the customer and on call.
    assert [len(address(e.payload, CATALOG).recipients) for e in events] == [0, 0, 2]


def test_an_event_that_cannot_be_addressed_is_retried_not_sent_bare(engine):
    create(engine, escalation_reason=None)
    sent: list[dict] = []

    def receive(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200)

    def broken(payload: dict) -> dict:
        raise RuntimeError("no catalog")

    with httpx.Client(transport=httpx.MockTransport(receive)) as client:
        assert deliver_due(engine, client=client, url="http://hook.test/", secret=None,
                           now=lambda: NOW, address=broken) == (0, 1)
        assert sent == []
        with reading(engine) as session:
            [row] = session.scalars(select(OutboxEvent)).all()
        assert row.last_error == "addressing failed: RuntimeError: no catalog"
        later = datetime(2026, 11, 27, 13, tzinfo=UTC)
        assert deliver_due(engine, client=client, url="http://hook.test/", secret=None,
                           now=lambda: later, address=notify.addresser(CATALOG)) == (1, 0)
    assert sent[0]["kind"] == "incident" and sent[0]["recipients"] == []


def test_the_ticket_summary_says_what_a_receiver_writes_about(engine):
    create(engine)
    with reading(engine) as session:
        summary = session.scalars(select(OutboxEvent)).first().payload["ticket"]
    assert {k: summary[k] for k in ("serial", "site_id", "channel", "type", "alert")} == {
        "serial": "H75S-2021-00118", "site_id": "S-001-01", "channel": None,
        "type": "incident", "alert": None}
