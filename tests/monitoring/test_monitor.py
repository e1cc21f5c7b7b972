"""The Monitor on the ticket store (SQLite and PostgreSQL): a critical reading opens one alert
and one P1 ticket with the readings that fired it; the same condition again adds nothing;
readings back to normal clear it; refused messages never open a ticket (monitoring/monitor.py)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT
from db import telemetry
from db.tickets import Ticket
from monitoring.monitor import Monitor
from tickets.catalog import default_catalog

PUMP = "P100-2021-00542"  # an HCP-100 of CUST-001
CHILLER = "W060-2021-00207"
TOPIC = f"helios/telemetry/{PUMP}"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture()
def monitor(engine, kb) -> Monitor:
    return Monitor(engine, kb, default_catalog(), now=lambda: NOW)


_SECONDS = itertools.count()


def message(readings: dict, codes: list[str] | None = None, *, at: datetime | None = None
            ) -> bytes:
    """A message of the unit, a second after the previous one unless `at` says when."""
    ts = at or NOW + timedelta(seconds=next(_SECONDS))
    return json.dumps({"ts": ts.isoformat(), "readings": readings,
                       "active_codes": codes or []}).encode()


def tickets(engine) -> list[Ticket]:
    with engine.connect() as conn:
        return list(conn.execute(select(Ticket).order_by(Ticket.number)))


def test_a_critical_reading_opens_one_alert_and_one_p1_ticket(monitor, engine):
    outcome = monitor.handle(TOPIC, message({"bearing_temp_c": 108.0, "vibration_mm_s": 4.2}))
    assert [a.condition_id for a in outcome.raised] == ["cc_hcp_bearing_overtemp"]
    [ticket] = tickets(engine)
    assert (ticket.priority, ticket.customer_id, ticket.serial, ticket.channel) == (
        "P1", "CUST-001", PUMP, "monitoring")
    assert "bearing_temp_c = 108.0" in ticket.description
    [alert] = telemetry.open_alerts(engine, serial=PUMP)
    assert alert.ticket_id == ticket.id and alert.evidence == {"bearing_temp_c": 108.0}
    # Every message with the condition still met: the same alert, no new ticket.
    for temperature in (109.0, 111.5):
        assert monitor.handle(TOPIC, message({"bearing_temp_c": temperature})).raised == []
    assert len(tickets(engine)) == 1
    # A message without the reading clears nothing; back under the limit clears the alert.
    assert monitor.handle(TOPIC, message({"vibration_mm_s": 4.0})).cleared == []
    assert monitor.handle(TOPIC, message({"bearing_temp_c": 72.0})).cleared == [alert.id]
    assert telemetry.open_alerts(engine, serial=PUMP) == []
    # Over the limit again: a new alert and a new ticket.
    assert monitor.handle(TOPIC, message({"bearing_temp_c": 104.0})).raised
    assert len(tickets(engine)) == 2
    assert monitor.counts["accepted"] == 6
    assert len(telemetry.latest(engine, PUMP)) == 6


def test_an_alarm_code_the_pack_calls_critical_raises_an_alert(monitor, engine):
    outcome = monitor.handle(f"helios/telemetry/{CHILLER}", message({}, ["AL140"]))
    assert [a.condition_id for a in outcome.raised] == ["cc_hwc_refrigerant_leak"]
    assert tickets(engine)[0].error_code == "AL140"


def test_conditions_of_several_readings_need_them_all(monitor, engine):
    # cc_hcp_dead_head_overheat: casing hot AND discharge valve under 10 % open.
    assert monitor.handle(TOPIC, message({"casing_hot": True})).raised == []
    raised = monitor.handle(TOPIC, message({"casing_hot": True,
                                            "discharge_valve_position_pct": 5.0})).raised
    assert [a.condition_id for a in raised] == ["cc_hcp_dead_head_overheat"]


def test_normal_and_refused_messages_open_no_ticket(monitor, engine):
    assert monitor.handle(TOPIC, message({"bearing_temp_c": 70.0})).raised == []
    for topic, body in ((TOPIC, b"{broken"), ("helios/telemetry/NOPE-1", message({})),
                        (TOPIC, message({"bearing_temp_c": 9999.0})),
                        (TOPIC, message({"no_such_reading": 1.0}))):
        assert monitor.handle(topic, body).refused
    assert tickets(engine) == []
    assert {k: v for k, v in monitor.counts.items() if k.startswith("refused:")} == {
        "refused:malformed_json": 1, "refused:unknown_serial": 1, "refused:out_of_range": 1,
        "refused:unknown_observation": 1}


def test_old_telemetry_is_forgotten(monitor, engine):
    monitor.handle(TOPIC, message({"bearing_temp_c": 70.0}))
    assert telemetry.forget_before(engine, datetime(2026, 12, 1, tzinfo=UTC)) == 0
    assert telemetry.forget_before(engine, datetime(2026, 12, 6, tzinfo=UTC)) == 1
