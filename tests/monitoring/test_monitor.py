"""The Monitor on the ticket store (SQLite and PostgreSQL): a critical reading opens one alert
and one P1 ticket with the readings that fired it; the same condition again adds nothing;
readings back to normal PERSIST messages in a row clear it, so a reading hovering at its limit
is one alert, on every replica alike; refused messages never open a ticket
(monitoring/monitor.py)."""

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
from monitoring.monitor import PERSIST, Monitor
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
    # Back under the limit PERSIST messages in a row clears the alert; a message without the
    # reading in between neither counts nor breaks the run.
    assert monitor.handle(TOPIC, message({"bearing_temp_c": 72.0})).cleared == []
    assert monitor.handle(TOPIC, message({"vibration_mm_s": 4.0})).cleared == []
    for _ in range(PERSIST - 2):
        assert monitor.handle(TOPIC, message({"bearing_temp_c": 72.0})).cleared == []
    assert monitor.handle(TOPIC, message({"bearing_temp_c": 72.0})).cleared == [alert.id]
    assert telemetry.open_alerts(engine, serial=PUMP) == []
    # Over the limit again: a new alert and a new ticket.
    assert monitor.handle(TOPIC, message({"bearing_temp_c": 104.0})).raised
    assert len(tickets(engine)) == 2
    assert monitor.counts["accepted"] == 5 + PERSIST
    assert len(telemetry.latest(engine, PUMP)) == 5 + PERSIST


def _hover(handle) -> list:
    """20 messages of the pump's bearing temperature just over and just under its limit (> 100),
    over first (so the last is under); the outcomes."""
    return [handle(message({"bearing_temp_c": 100.5 if i % 2 == 0 else 99.5}))
            for i in range(20)]


def critical(outcomes: list) -> list[str]:
    return [a.condition_id for o in outcomes for a in o.raised if a.kind == "critical"]


def test_a_reading_hovering_at_its_limit_is_one_alert_until_it_stays_back(monitor, engine):
    outcomes = _hover(lambda body: monitor.handle(TOPIC, body))
    assert critical(outcomes) == ["cc_hcp_bearing_overtemp"]
    assert critical(outcomes[:1]) == ["cc_hcp_bearing_overtemp"]  # opening is immediate
    assert [o.cleared for o in outcomes] == [[]] * 20
    [alert] = telemetry.open_alerts(engine, serial=PUMP)
    [ticket] = tickets(engine)
    assert ticket.priority == "P1" and alert.ticket_id == ticket.id
    # Back under the limit (the last 99.5 was the first message of the run): cleared on the
    # PERSIST-th message in a row, not before.
    calm = [monitor.handle(TOPIC, message({"bearing_temp_c": 70.0}))
            for _ in range(PERSIST - 1)]
    assert [o.cleared for o in calm] == [[]] * (PERSIST - 2) + [[alert.id]]
    assert telemetry.open_alerts(engine, serial=PUMP) == []
    # A critical reading after that opens a new alert and a new P1 ticket at once.
    [again] = monitor.handle(TOPIC, message({"bearing_temp_c": 100.5})).raised
    assert again.id != alert.id and again.condition_id == "cc_hcp_bearing_overtemp"
    assert [t.priority for t in tickets(engine)] == ["P1", "P1"]


def test_replicas_count_the_calm_messages_alike(engine, kb):
    # Two API replicas receive every message; the first to store it evaluates it. The order
    # alternates, so neither stores PERSIST calm messages in a row, yet the alert clears on the
    # PERSIST-th calm message, once.
    replicas = [Monitor(engine, kb, default_catalog(), now=lambda: NOW) for _ in range(2)]
    turn = itertools.count()

    def deliver(body: bytes):
        first, second = replicas if next(turn) % 2 == 0 else replicas[::-1]
        outcome = first.handle(TOPIC, body)
        assert second.handle(TOPIC, body).duplicate
        return outcome

    outcomes = _hover(deliver)
    assert critical(outcomes) == ["cc_hcp_bearing_overtemp"]
    [alert] = telemetry.open_alerts(engine, serial=PUMP, kind="critical")
    calm = [deliver(message({"bearing_temp_c": 70.0})) for _ in range(PERSIST - 1)]
    assert [alert.id in o.cleared for o in calm] == [False] * (PERSIST - 2) + [True]
    assert telemetry.open_alerts(engine, serial=PUMP, kind="critical") == []
    assert [t.priority for t in tickets(engine)].count("P1") == 1


def test_an_alert_cleared_by_another_replica_is_raised_again_at_once(engine, kb):
    """Replica A opens the alert, B stores the calm messages and clears it; A's next critical
    reading, within the time A would not write the alert back, is a new alert and a new P1,
    not the cleared one A remembered."""
    a, b = (Monitor(engine, kb, default_catalog(), now=lambda: NOW) for _ in range(2))

    def deliver(first: Monitor, body: bytes):
        outcome = first.handle(TOPIC, body)
        assert (b if first is a else a).handle(TOPIC, body).duplicate
        return outcome

    [alert] = deliver(a, message({"bearing_temp_c": 108.0})).raised
    calm = [deliver(b, message({"bearing_temp_c": 70.0})) for _ in range(PERSIST)]
    assert calm[-1].cleared == [alert.id]
    [again] = deliver(a, message({"bearing_temp_c": 108.0})).raised
    assert again.id != alert.id
    assert [t.priority for t in tickets(engine)] == ["P1", "P1"]
    [still] = telemetry.open_alerts(engine, serial=PUMP, kind="critical")
    assert still.id == again.id


def test_a_restarted_monitor_counts_the_calm_messages_stored_before(monitor, engine, kb):
    [alert] = monitor.handle(TOPIC, message({"bearing_temp_c": 108.0})).raised
    for _ in range(PERSIST - 1):
        assert monitor.handle(TOPIC, message({"bearing_temp_c": 70.0})).cleared == []
    restarted = Monitor(engine, kb, default_catalog(), now=lambda: NOW)
    assert restarted.handle(TOPIC, message({"bearing_temp_c": 70.0})).cleared == [alert.id]


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
