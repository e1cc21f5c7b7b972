"""Beyond critical conditions, on the ticket store (SQLite and PostgreSQL): readings that make a
fault likely open one incident with the candidates and the expert system's next question, after
PERSIST messages, and clear; a slow fault ramp from the fleet simulator raises a service request
before the reading reaches its limit; maintenance coming due by the running hours is one
reminder per due point; a normal fleet raises nothing; a message delivered twice is stored once
(monitoring/monitor.py, likely.py, trends.py, maintenance.py, simulate.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT
from db import telemetry
from db.tickets import Ticket
from monitoring import links
from monitoring.baseline import bands, signs
from monitoring.likely import likely_faults
from monitoring.maintenance import coming_due
from monitoring.monitor import PERSIST, Monitor
from monitoring.simulate import FleetSimulator, Injection, fault_targets
from monitoring.telemetry import Fleet, parse
from rules.diagnosis import Diagnoser
from tickets.catalog import default_catalog

COMPRESSOR = "H37S-2020-00877"  # an HSC-37
SECRET = b"test-links"
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture(scope="module")
def diagnoser(kb):
    return Diagnoser(kb)


def monitor_for(engine, kb, diagnoser, clock: dict) -> Monitor:
    return Monitor(engine, kb, default_catalog(), now=lambda: clock["now"], diagnoser=diagnoser,
                   link_secret=SECRET)


def tickets(engine) -> list[Ticket]:
    with engine.connect() as conn:
        return list(conn.execute(select(Ticket).order_by(Ticket.number)))


def normal(kb, serial: str) -> dict[str, float]:
    unit = Fleet(kb).unit(serial)
    return {name: band.center for name, band in bands(unit.family).items()}


def payload(readings: dict, at: datetime, codes: list[str] | None = None,
            hours: float | None = None) -> bytes:
    data = {"ts": at.isoformat(), "readings": readings, "active_codes": codes or []}
    if hours is not None:
        data["running_hours"] = hours
    return json.dumps(data).encode()


def test_every_family_names_its_telemetry_and_normal_readings_are_no_sign(kb):
    for family in kb.families.values():
        assert family.telemetry, family.id
        centre = {name: band.center for name, band in bands(family).items()}
        assert signs(family, centre) == {}
        # Just past an edge of the normal cell, a reading is a sign.
        name, band = next((n, b) for n, b in bands(family).items() if b.limits())
        edge = band.limits()[-1]
        beyond = edge + 1 if edge == band.ceiling else edge - 1
        assert name in signs(family, {**centre, name: beyond})


def test_a_clogged_separator_makes_its_fault_likely_with_a_next_question(kb, diagnoser):
    fleet = Fleet(kb)
    readings = {**normal(kb, COMPRESSOR), "separator_dp_bar": 1.4}
    likely = likely_faults(diagnoser, parse(f"helios/telemetry/{COMPRESSOR}",
                                            payload(readings, START), fleet))
    assert likely is not None and likely.signs == {"separator_dp_bar": 1.4}
    assert "separator_element_clogged" in [c["fault_id"] for c in likely.candidates]
    assert likely.question and likely.question["observation_id"] not in readings
    assert likely.priority == "P3"
    assert likely_faults(diagnoser, parse(f"helios/telemetry/{COMPRESSOR}",
                                          payload(normal(kb, COMPRESSOR), START), fleet)) is None


def test_replicas_count_a_faults_signs_alike(engine, kb, diagnoser):
    """Two replicas receive every message and the first to store it evaluates it; the order
    alternates. The fault alert still opens on the PERSIST-th message with signs and clears on
    the PERSIST-th without, as on one replica; a message delivered twice counts once."""
    clock = {"now": START}
    replicas = [monitor_for(engine, kb, diagnoser, clock) for _ in range(2)]
    topic = f"helios/telemetry/{COMPRESSOR}"
    sick = {**normal(kb, COMPRESSOR), "separator_dp_bar": 1.4}

    def deliver(i: int, readings: dict):
        first, second = replicas if i % 2 == 0 else replicas[::-1]
        body = payload(readings, START + timedelta(seconds=i))
        outcome = first.handle(topic, body)
        assert second.handle(topic, body).duplicate
        assert first.handle(topic, body).duplicate  # QoS 1 delivers again: counted once
        return outcome

    opened = [deliver(i, sick).raised for i in range(PERSIST)]
    assert [bool(r) for r in opened] == [False] * (PERSIST - 1) + [True]
    [alert] = opened[-1]
    cleared = [deliver(100 + i, normal(kb, COMPRESSOR)).cleared for i in range(PERSIST)]
    assert cleared == [[]] * (PERSIST - 1) + [[alert.id]]
    assert len(tickets(engine)) == 1


def test_a_likely_fault_opens_one_incident_after_a_few_messages_and_clears(engine, kb,
                                                                            diagnoser):
    clock = {"now": START}
    monitor = monitor_for(engine, kb, diagnoser, clock)
    topic = f"helios/telemetry/{COMPRESSOR}"
    sick = {**normal(kb, COMPRESSOR), "separator_dp_bar": 1.4}
    raised = []
    for i in range(PERSIST + 3):
        at = START + timedelta(seconds=i)
        raised += monitor.handle(topic, payload(sick, at)).raised
        if i < PERSIST - 1:
            assert raised == []  # one message is no fault
    [alert] = raised
    assert (alert.kind, alert.condition_id) == ("fault", "likely_fault")
    [ticket] = tickets(engine)
    assert (ticket.type, ticket.priority, ticket.channel, ticket.serial) == (
        "incident", "P3", "monitoring", COMPRESSOR)
    assert "separator_element_clogged" in ticket.description
    assert ticket.diagnosis["source"] == "monitoring"
    # The customer's way into the guided check: the alert's signed chat link.
    assert links.chat_url(alert.id, SECRET) in ticket.description
    stored = telemetry.get_alert(engine, alert.id)
    assert stored.details["question"]["text"]
    cleared = []
    for i in range(PERSIST):
        at = START + timedelta(seconds=100 + i)
        cleared += monitor.handle(topic, payload(normal(kb, COMPRESSOR), at)).cleared
    assert cleared == [alert.id]
    assert len(tickets(engine)) == 1


def test_a_slow_ramp_raises_a_service_request_before_the_limit(engine, kb, diagnoser):
    clock = {"now": START}
    monitor = monitor_for(engine, kb, diagnoser, clock)
    fault = "separator_element_clogged"
    sim = FleetSimulator(kb, [Injection(COMPRESSOR, fault=fault, ramp_h=5 * 24, start_h=24)],
                         seed=7, start=START, serials=[COMPRESSOR])
    family = sim.units[COMPRESSOR].unit.family
    band = bands(family)["separator_dp_bar"]
    target = fault_targets(family, diagnoser.models[family.id], fault)["separator_dp_bar"]
    base = sim.units[COMPRESSOR].base["separator_dp_bar"]
    crossing = START + timedelta(hours=24 + (band.ceiling - base) / (target - base) * 5 * 24)
    forecast = None
    step = 1800
    for i in range(int(6 * 86_400 / step)):
        t = i * step
        clock["now"] = START + timedelta(seconds=t)
        topic, data = sim.message(COMPRESSOR, t)
        for alert in monitor.handle(topic, json.dumps(data).encode()).raised:
            if alert.kind == "predicted" and alert.condition_id == "trend:separator_dp_bar":
                forecast = forecast or alert
    assert forecast is not None, "no forecast of the separator's pressure drop"
    assert forecast.opened_at.replace(tzinfo=UTC) < crossing
    assert forecast.details["limit"] == band.ceiling and forecast.details["eta_days"] > 0
    request = next(t for t in tickets(engine) if t.id == forecast.ticket_id)
    assert request.type == "service_request" and request.priority in ("P3", "P4")
    assert "expected in about" in request.subject


def test_maintenance_due_is_one_reminder_per_due_point(engine, kb, diagnoser):
    clock = {"now": START}
    monitor = monitor_for(engine, kb, diagnoser, clock)
    topic = f"helios/telemetry/{COMPRESSOR}"
    family = Fleet(kb).unit(COMPRESSOR).family
    # 40 h before 20000 h, at 16 h a day: due in 2.5 days, inside the 14-day notice.
    assert {d.due_at_hours for d in coming_due(family, "HSC-37", 19_960, 16, 14)} == {20_000}
    raised = []
    for i in range(5):
        at = START + timedelta(minutes=2 * i)
        clock["now"] = at
        raised += monitor.handle(topic, payload(normal(kb, COMPRESSOR), at,
                                                hours=19_960 + i * 0.03)).raised
    [reminder] = raised
    assert (reminder.kind, reminder.condition_id) == ("maintenance", "maintenance:20000")
    assert {t["task_id"] for t in reminder.details["tasks"]} >= {"mt_hsc_2000h",
                                                                  "mt_hsc_4000h"}
    [ticket] = tickets(engine)
    assert (ticket.type, ticket.priority) == ("service_request", "P4")
    assert ticket.subject.startswith("Maintenance due")
    # Past the due point (the work done), the reminder is cleared.
    at = START + timedelta(days=3)
    clock["now"] = at
    outcome = monitor.handle(topic, payload(normal(kb, COMPRESSOR), at, hours=20_001))
    assert reminder.id in outcome.cleared


def test_a_normal_fleet_raises_no_alert_but_maintenance(engine, kb, diagnoser):
    clock = {"now": START}
    monitor = monitor_for(engine, kb, diagnoser, clock)
    sim = FleetSimulator(kb, [], seed=3, start=START)
    for i in range(48):  # 8 hours, a message every 10 minutes from each of the 43 units
        t = i * 600
        clock["now"] = START + timedelta(seconds=t)
        for topic, data in sim.messages(t):
            monitor.handle(topic, json.dumps(data).encode())
    kinds = {a.kind for a in telemetry.open_alerts(engine, state=None)}
    assert kinds <= {"maintenance"}
    assert monitor.counts["accepted"] == 48 * len(sim.units) == 48 * 43


def test_a_message_delivered_twice_is_stored_once(engine, kb, diagnoser):
    monitor = monitor_for(engine, kb, diagnoser, {"now": START})
    message = payload({"bearing_temp_c": 112.0}, START)
    topic = "helios/telemetry/P100-2021-00542"
    assert monitor.handle(topic, message).raised
    again = monitor.handle(topic, message)
    assert again.duplicate and again.raised == []
    assert monitor.counts["duplicate"] == 1 and len(tickets(engine)) == 1
    assert len(telemetry.latest(engine, "P100-2021-00542")) == 1


def test_the_simulator_refuses_what_the_pack_does_not_know(kb):
    with pytest.raises(ValueError, match="no installed unit"):
        FleetSimulator(kb, [Injection("NOPE-1", fault="x")])
    with pytest.raises(ValueError, match="is no fault"):
        FleetSimulator(kb, [Injection(COMPRESSOR, fault="not_a_fault")])
