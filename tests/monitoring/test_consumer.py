"""The telemetry consumer through the machine's Mosquitto broker: a critical reading published
at QoS 1 becomes a P1 ticket within seconds; bad messages are counted and open nothing; without
a broker the consumer says it is down and keeps trying (monitoring/consumer.py)."""

from __future__ import annotations

import json
import socket
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT
from db import telemetry
from db.tickets import Ticket
from launcher.ports import free_port
from monitoring.consumer import Consumer
from monitoring.monitor import Monitor
from tests.conftest import unavailable
from tickets.catalog import default_catalog

BROKER = ("127.0.0.1", 1883)
PUMP = "P100-2021-00542"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture()
def broker() -> str:
    try:
        socket.create_connection(BROKER, timeout=3).close()
    except OSError:
        unavailable("no MQTT broker on 127.0.0.1:1883 (Mosquitto: mosquitto -d)")
    return f"mqtt://{BROKER[0]}:{BROKER[1]}"


def wait(what: str, condition, timeout: float = 10.0) -> float:  # noqa: ANN001
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what} within {timeout:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - started


def publisher() -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex}")
    client.connect(*BROKER)
    client.loop_start()
    return client


def tickets(engine) -> list[Ticket]:
    with engine.connect() as conn:
        return list(conn.execute(select(Ticket)))


def test_a_critical_reading_over_mqtt_becomes_a_p1_ticket(broker, engine, kb):
    monitor = Monitor(engine, kb, default_catalog())
    run = uuid.uuid4().hex[:8]
    consumer = Consumer(monitor, broker, client_id=f"test-monitoring-{run}")
    consumer.start()
    pub = publisher()
    try:
        wait("the consumer subscribes", consumer.subscribed.is_set)
        topic = f"helios/telemetry/{PUMP}"
        for bad in (b"{broken", json.dumps({"ts": "2026-12-05T09:00:00Z",
                                            "readings": {"bearing_temp_c": "hot"}}).encode()):
            pub.publish(topic, bad, qos=1).wait_for_publish(5)
        pub.publish("helios/telemetry/NOPE-0000-1", b"{}", qos=1).wait_for_publish(5)
        critical = json.dumps({"ts": "2026-12-05T09:00:05Z",
                               "readings": {"bearing_temp_c": 112.0}}).encode()
        pub.publish(topic, critical, qos=1).wait_for_publish(5)
        took = wait("a P1 ticket", lambda: len(tickets(engine)) == 1)
        assert took < 5.0  # the target: a ticket within 5 s of the message
        [ticket] = tickets(engine)
        assert (ticket.priority, ticket.serial, ticket.channel) == ("P1", PUMP, "monitoring")
        status = consumer.status()
        assert status["status"] == "ok" and status["accepted"] == 1
        assert status["refused"] == {"malformed_json": 1, "wrong_type": 1, "unknown_serial": 1}
    finally:
        pub.loop_stop()
        pub.disconnect()
        consumer.stop(forget=True)


def test_without_a_broker_the_consumer_says_it_is_down(engine, kb):
    consumer = Consumer(Monitor(engine, kb, default_catalog()), f"mqtt://127.0.0.1:{free_port()}",
                        client_id=f"test-monitoring-{uuid.uuid4().hex[:8]}")
    consumer.start()
    try:
        time.sleep(1.5)
        status = consumer.status()
        assert status["status"] == "down" and "detail" in status
    finally:
        consumer.stop(forget=True)


def test_a_bad_broker_address_is_refused():
    with pytest.raises(ValueError, match="mqtt://host"):
        Consumer(None, "http://example.org", client_id="x")  # type: ignore[arg-type]


@pytest.fixture()
def own_broker(tmp_path):
    """A Mosquitto of the test's own (the machine's must not be restarted), with persistence:
    started, stopped and started again on the same port."""
    import os
    import shutil
    import subprocess

    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.path.exists(binary):
        unavailable("no mosquitto binary to start a broker of the test's own")
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    f"persistence_location {tmp_path}/\nautosave_interval 1\n"
                    + ("user root\n" if os.geteuid() == 0 else ""))
    processes: list[subprocess.Popen] = []

    def start() -> None:
        processes.append(subprocess.Popen([binary, "-c", str(conf)],
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        wait("the test's broker listens", lambda: _listening(port))

    def stop() -> None:
        processes[-1].terminate()  # SIGTERM: Mosquitto writes its sessions to disk
        processes[-1].wait(10)

    start()
    yield port, start, stop
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_a_broker_restart_mid_stream_loses_no_qos1_message(own_broker, engine, kb):
    port, start, stop = own_broker
    monitor = Monitor(engine, kb, default_catalog())
    run = uuid.uuid4().hex[:8]
    consumer = Consumer(monitor, f"mqtt://127.0.0.1:{port}", client_id=f"test-consumer-{run}")
    consumer.start()
    # A unit's gateway: a persistent session too, so what it could not deliver is sent again.
    device = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-device-{run}",
                         clean_session=False)
    device.reconnect_delay_set(min_delay=1, max_delay=2)
    device.max_queued_messages_set(0)
    device.connect("127.0.0.1", port)
    device.loop_start()
    total = 120
    try:
        wait("the consumer subscribes", consumer.subscribed.is_set)
        for i in range(total):
            if i == 40:
                stop()  # the broker goes away mid-stream ...
            if i == 80:
                start()  # ... and comes back
            ts = f"2026-12-05T10:{i // 60:02d}:{i % 60:02d}Z"
            device.publish(f"helios/telemetry/{PUMP}", json.dumps(
                {"ts": ts, "readings": {"bearing_temp_c": 55.0}}), qos=1)
            time.sleep(0.03)
        wait(f"every message handled (so far {dict(monitor.counts)})",
             lambda: monitor.counts["accepted"] == total, 60)
        assert consumer.status()["status"] == "ok"
        assert len(telemetry.latest(engine, PUMP, limit=500)) == total
    finally:
        device.loop_stop()
        device.disconnect()
        consumer.stop(forget=True)


def test_a_slow_ramp_over_mqtt_is_forecast_before_its_limit(broker, engine, kb):
    """Two and a half days of an HSC-37 whose separator clogs, played through the machine's
    broker in seconds (telemetry time in the messages), every tenth message sent twice."""
    from datetime import UTC, datetime

    from monitoring.baseline import bands
    from monitoring.simulate import FleetSimulator, Injection

    unit = "H37S-2020-00877"
    start = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    monitor = Monitor(engine, kb, default_catalog())
    consumer = Consumer(monitor, broker, client_id=f"test-ramp-{uuid.uuid4().hex[:8]}")
    consumer.start()
    pub = publisher()
    sim = FleetSimulator(kb, [Injection(unit, fault="separator_element_clogged", ramp_h=240,
                                        start_h=12)], seed=5, start=start, serials=[unit])
    band = bands(sim.units[unit].unit.family)["separator_dp_bar"]
    steps = int(2.5 * 86_400 / 1800)
    try:
        wait("the consumer subscribes", consumer.subscribed.is_set)
        for i in range(steps):
            topic, payload = sim.message(unit, i * 1800)
            body = json.dumps(payload)
            pub.publish(topic, body, qos=1).wait_for_publish(5)
            if i % 10 == 0:
                pub.publish(topic, body, qos=1).wait_for_publish(5)
        again = len(range(0, steps, 10))
        wait("every message handled",
             lambda: monitor.counts["accepted"] + monitor.counts["duplicate"] >= steps + again,
             30)
        assert (monitor.counts["accepted"], monitor.counts["duplicate"]) == (steps, again)
        forecasts = [a for a in telemetry.open_alerts(engine, kind="predicted")
                     if a.condition_id == "trend:separator_dp_bar"]
        assert len(forecasts) == 1
        [forecast] = forecasts
        # Raised while the reading was still inside its normal cell, before the limit.
        assert forecast.evidence["separator_dp_bar"] < band.ceiling
        assert forecast.details["eta_days"] > 0 and forecast.ticket_id
        requests = [t for t in tickets(engine) if t.id == forecast.ticket_id]
        assert requests[0].type == "service_request"
    finally:
        pub.loop_stop()
        pub.disconnect()
        consumer.stop(forget=True)


def test_the_api_runs_without_a_broker_and_its_health_says_so(api_settings):
    """`make run` on a machine with no MQTT broker: the API starts and serves, and /healthz
    names the monitoring as down (not required: the rest is not degraded by it)."""
    from fastapi.testclient import TestClient  # only this test starts the API

    from api.deps import get_settings
    from api.main import create_app

    settings = api_settings.model_copy(update={"mqtt_url": f"mqtt://127.0.0.1:{free_port()}"})
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        deadline = time.monotonic() + 30
        while True:
            checks = client.get("/healthz").json()["checks"]
            monitoring = checks.get("monitoring")
            if monitoring and monitoring.get("detail") != "starting":
                break
            assert time.monotonic() < deadline, checks
            time.sleep(0.5)
        assert monitoring["status"] == "down" and monitoring["required"] is False
        assert monitoring["detail"]
        assert checks["database"]["status"] == "ok"
        assert client.get("/api/v1/technicians").status_code == 401  # serving: a key is needed


def test_the_fleet_simulator_plays_every_unit_to_a_broker(own_broker, engine, kb, capsys):
    """`python -m monitoring.simulate` as an operator runs it: every installed unit publishes
    the pack's readings, and a critical event asked for on the command line reaches the
    consumer as a P1 ticket for that unit."""
    from monitoring import simulate  # the command line itself, run in this process

    port, _start, _stop = own_broker
    url = f"mqtt://127.0.0.1:{port}"
    monitor = Monitor(engine, kb, default_catalog())
    consumer = Consumer(monitor, url, client_id=f"test-sim-{uuid.uuid4().hex[:8]}")
    consumer.start()
    try:
        wait("the consumer is connected", lambda: consumer.status()["status"] == "ok")
        code = simulate.main(["--url", url, "--rate", "2", "--step", "60", "--duration", "3",
                              "--critical", "P100-2021-00542=cc_hcp_bearing_overtemp"])
        assert code == 0
        assert "43 units" in capsys.readouterr().err
        wait("every unit's messages stored", lambda: len(
            {row.serial for row in _all_rows(engine)}) == 43)
        wait("the critical event's ticket", lambda: any(
            t.serial == "P100-2021-00542" and t.priority == "P1" for t in _tickets(engine)))
        assert monitor.counts["accepted"] >= 43 and not [
            k for k in monitor.counts if k.startswith("refused")]
    finally:
        consumer.stop(forget=True)
    assert simulate.main(["--url", url, "--critical", "NOPE-1=cc_x", "--duration", "1"]) == 2


def _all_rows(engine):
    from sqlalchemy.orm import Session  # this test's reading of the stored telemetry

    from db.telemetry import TelemetryRow

    with Session(engine) as session:
        return session.scalars(select(TelemetryRow)).all()


def _tickets(engine) -> list[Ticket]:
    from sqlalchemy.orm import Session  # this test's reading of the tickets

    with Session(engine) as session:
        return session.scalars(select(Ticket)).all()
