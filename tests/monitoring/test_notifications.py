"""From telemetry to the webhook, on the ticket store (SQLite and PostgreSQL): the Monitor opens
the ticket, the outbox worker delivers its events to a real local receiver, addressed as
tickets/notify.py says: a critical condition to the customer's contact and the on-call engineer
of the site's region; a maintenance reminder to the customer's contact alone; a P3 incident
pages no one on call."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT
from monitoring.monitor import PERSIST, Monitor
from tests.conftest import free_port
from tests.monitoring.test_faults_and_forecasts import normal, payload
from tests.tickets.receiver import Receiver
from tickets.catalog import default_catalog
from tickets.notify import addresser
from tickets.outbox import deliver_due, scan_breaches, sign

CHILLER = "W060-2021-00207"  # an HWC-60 of CUST-003, site S-003-01 in region dach
COMPRESSOR = "H37S-2020-00877"  # an HSC-37 of CUST-001, site S-001-02 in region gr_cy
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SECRET = "hook-secret"
STEFAN = {"role": "customer_contact", "name": "Stefan Brandt",
          "email": "instandhaltung@rheinfeld-kunststoff.example", "phone": "+49 2131 555 777",
          "language": "de"}
MARKUS = {"role": "on_call_engineer", "name": "Markus Weber",
          "email": "t.de.01@helios-service.example", "phone": None, "language": "de"}
GIORGOS = {"role": "customer_contact", "name": "Giorgos Antoniou",
           "email": "maintenance@aegean-bottling.example", "phone": "+30 2310 555 118",
           "language": "el"}


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture()
def receiver():
    hook = Receiver(free_port())
    hook.start()
    yield hook
    hook.stop()


def monitor_for(engine, kb, clock: dict) -> Monitor:
    return Monitor(engine, kb, default_catalog(), now=lambda: clock["now"])


def deliver(engine, receiver: Receiver, now: datetime) -> list[dict]:
    """One pass of the worker as api/background.py runs it; what the receiver got from it."""
    before = len(receiver.received)
    with httpx.Client() as client:
        delivered, failed = deliver_due(engine, client=client, url=receiver.url, secret=SECRET,
                                        now=lambda: now, address=addresser(default_catalog()))
    assert failed == 0
    assert len(receiver.received) - before == delivered
    return receiver.received[before:]


def test_a_critical_condition_reaches_the_customer_and_the_on_call_engineer(engine, kb,
                                                                           receiver):
    clock = {"now": START}
    monitor = monitor_for(engine, kb, clock)
    # AL140 (refrigerant leak) is a critical condition of the HWC family.
    assert monitor.handle(f"helios/telemetry/{CHILLER}", payload({}, START, ["AL140"])).raised
    created, escalated = deliver(engine, receiver, START)
    assert (created["event"], escalated["event"]) == ("ticket.created", "ticket.escalated")
    assert created["kind"] == "monitoring_critical"
    assert created["recipients"] == [STEFAN, MARKUS]
    ticket = created["ticket"]
    assert {k: ticket[k] for k in ("priority", "type", "channel", "serial", "site_id",
                                   "customer_id")} == {
        "priority": "P1", "type": "incident", "channel": "monitoring", "serial": CHILLER,
        "site_id": "S-003-01", "customer_id": "CUST-003"}
    # The escalation written with the ticket is the same news: nobody hears it twice.
    assert escalated["recipients"] == [] and escalated["kind"] == "monitoring_critical"
    # Signed over the body as sent, recipients included.
    body = json.dumps(created, sort_keys=True).encode()
    assert receiver.headers[0]["X-Helios-Signature"] == sign(body, SECRET)
    # A missed P1 deadline pages the on-call engineer again, and tells the customer.
    later = START + timedelta(hours=3)
    assert scan_breaches(engine, now=later) == 1
    [breach] = deliver(engine, receiver, later)
    assert breach["event"] == "ticket.sla_breached"
    assert breach["recipients"] == [STEFAN, MARKUS]


def test_maintenance_due_is_a_reminder_to_the_customer_only(engine, kb, receiver):
    clock = {"now": START}
    monitor = monitor_for(engine, kb, clock)
    raised = []
    for i in range(3):  # 40 h before 20000 h at 16 h a day: due in 2.5 days
        at = START + timedelta(minutes=2 * i)
        clock["now"] = at
        raised += monitor.handle(f"helios/telemetry/{COMPRESSOR}",
                                 payload(normal(kb, COMPRESSOR), at,
                                         hours=19_960 + i * 0.03)).raised
    assert [a.kind for a in raised] == ["maintenance"]
    [created] = deliver(engine, receiver, clock["now"])
    assert created["event"] == "ticket.created"
    assert created["kind"] == "maintenance_reminder"
    assert created["recipients"] == [GIORGOS]  # no one on call for a P4
    assert (created["ticket"]["priority"], created["ticket"]["type"],
            created["ticket"]["site_id"]) == ("P4", "service_request", "S-001-02")


def test_a_p3_incident_pages_no_one_on_call(engine, kb, receiver):
    clock = {"now": START}
    monitor = monitor_for(engine, kb, clock)
    sick = {**normal(kb, COMPRESSOR), "separator_dp_bar": 1.4}  # a clogged separator
    raised = []
    for i in range(PERSIST):
        raised += monitor.handle(f"helios/telemetry/{COMPRESSOR}",
                                 payload(sick, START + timedelta(seconds=i))).raised
    assert [a.kind for a in raised] == ["fault"]
    [created] = deliver(engine, receiver, START)
    assert (created["kind"], created["ticket"]["priority"]) == ("monitoring_fault", "P3")
    assert created["recipients"] == [GIORGOS]
    # Its deadline missed: the customer is told; still no page.
    later = START + timedelta(days=30)
    assert scan_breaches(engine, now=later) == 1
    [breach] = deliver(engine, receiver, later)
    assert breach["recipients"] == [GIORGOS]
