"""The consumers on Rasa's real brokers: Rasa's SQL broker writes the recorded events into its
table and the SQL consumer reads them after its durable cursor; Rasa's Pika broker publishes
them to the machine's RabbitMQ and the RabbitMQ consumer stores them. Published again (a
replay), they change nothing."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analytics.consumer import RabbitConsumer, SqlBrokerConsumer, consumer_for
from analytics.sources import GAP_WAIT_S, Row, SqlBrokerSource, broker_engine
from analytics.store import cursor_position
from db.analytics import AnalyticsConversation, AnalyticsEvent
from tests.analytics.conftest import DATA
from tests.analytics.test_store import snapshot
from tests.conftest import RASA_PY, unavailable

PUBLISH = Path(__file__).parent / "rasa_publish.py"
RABBIT = ("127.0.0.1", 5672)


def rasa_publish(*args: str) -> None:
    if not RASA_PY.exists():
        unavailable("the Rasa environment is missing: make setup")
    done = subprocess.run([str(RASA_PY), str(PUBLISH), *args], capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]


def wait(what: str, condition, timeout: float = 30.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s")
        time.sleep(0.1)


def stored(engine) -> int:  # noqa: ANN001
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AnalyticsEvent))
                   .scalar_one())


def test_rasa_sql_broker_rows_read_after_a_durable_cursor(engine, tmp_path, recorded):
    events_db = tmp_path / "rasa_events.db"
    rasa_publish("sql", str(events_db), str(DATA / "rasa_events.json"))
    broker = broker_engine(f"sqlite:///{events_db}")
    consumer = SqlBrokerConsumer(engine, broker, batch=100, interval_s=0.05)
    assert consumer.poll() == 100  # a batch at a time, the cursor saved with it
    assert cursor_position(engine, consumer.cursor_name) == 100
    while consumer.poll():
        pass
    assert cursor_position(engine, consumer.cursor_name) == len(recorded)
    rows = snapshot(engine)
    assert len(rows["analytics_conversations"]) == 9
    # Replayed: the broker's rows read again from the start (the cursor lost).
    with engine.begin() as connection:
        connection.execute(consumer_cursor_reset(consumer.cursor_name))
    before = stored(engine)
    while consumer.poll():
        pass
    assert stored(engine) == before and snapshot(engine) == rows
    # Published again by Rasa (new rows, the same events): nothing changes either.
    rasa_publish("sql", str(events_db), str(DATA / "rasa_events.json"))
    consumer.start()
    try:
        wait("the consumer reads the new rows",
             lambda: cursor_position(engine, consumer.cursor_name) == 2 * len(recorded))
        assert consumer.status()["status"] == "ok"
    finally:
        consumer.stop()
    assert stored(engine) == before and snapshot(engine) == rows
    broker.dispose()


def consumer_cursor_reset(name: str):  # noqa: ANN201
    from sqlalchemy import delete

    from db.analytics import AnalyticsCursor
    return delete(AnalyticsCursor).where(AnalyticsCursor.name == name)


def test_without_the_broker_table_yet_the_consumer_waits(engine, tmp_path):
    consumer = SqlBrokerConsumer(engine, broker_engine(f"sqlite:///{tmp_path}/none.db"))
    assert consumer.poll() == 0


def test_a_gap_in_the_ids_is_waited_for_then_passed():
    source = SqlBrokerSource(broker_engine("sqlite://"))
    rows = [Row(1, {}), Row(2, {}), Row(4, {})]
    assert source.advance(0, rows, now=100.0) == 2       # 3 may still be committed
    assert source.advance(2, rows[2:], now=101.0) == 2
    assert source.advance(2, rows[2:], now=100.0 + GAP_WAIT_S) == 4  # rolled back: passed
    assert source.advance(4, [Row(5, {}), Row(6, {})], now=200.0) == 6


@pytest.fixture()
def rabbitmq() -> str:
    try:
        socket.create_connection(RABBIT, timeout=3).close()
    except OSError:
        unavailable("no RabbitMQ on 127.0.0.1:5672 (rabbitmq-server -detached)")
    return f"amqp://guest:guest@{RABBIT[0]}:{RABBIT[1]}/"


def test_rasa_pika_broker_events_through_rabbitmq(engine, rabbitmq, recorded, tmp_path):
    import pika

    queue = f"test_analytics_{uuid.uuid4().hex[:10]}"
    consumer = consumer_for(engine, broker_url=rabbitmq, queue=queue, interval_s=0.2,
                            broker_engine=broker_engine)
    assert isinstance(consumer, RabbitConsumer)
    consumer.start()
    try:
        wait("the consumer connects", consumer.connected.is_set)
        rasa_publish("pika", *RABBIT[:1], str(RABBIT[1]), queue, str(DATA / "rasa_events.json"))
        wait("every event stored", lambda: consumer.received >= len(recorded))
        rows = snapshot(engine)
        assert len(rows["analytics_conversations"]) == 9
        before = stored(engine)
        # Replayed: Rasa publishes the same events again, and a message that is no event.
        rasa_publish("pika", *RABBIT[:1], str(RABBIT[1]), queue, str(DATA / "rasa_events.json"))
        connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
        connection.channel().basic_publish("", queue, b"{broken")
        connection.close()
        wait("the replay read", lambda: consumer.received >= 2 * len(recorded)
             and consumer.refused == 1)
        assert stored(engine) == before and snapshot(engine) == rows
        status = consumer.status()
        assert status["status"] == "ok" and status["events"] == before
        with engine.connect() as conn:
            reason = conn.execute(select(AnalyticsConversation.escalation_reason).where(
                AnalyticsConversation.conversation_id == "c-urgent")).scalar_one()
        assert reason == "critical"
    finally:
        consumer.stop()
        subprocess.run(["rabbitmqctl", "delete_queue", queue], capture_output=True,
                       check=False)


def test_without_rabbitmq_the_consumer_says_it_is_down(engine):
    from launcher.ports import free_port

    consumer = RabbitConsumer(engine, f"amqp://guest:guest@127.0.0.1:{free_port()}/", "q")
    consumer.start()
    try:
        wait("the consumer notices", lambda: consumer.error != "", timeout=10)
        assert consumer.status()["status"] == "down"
    finally:
        consumer.stop()


def test_recorded_events_are_what_rasa_publishes():
    events = json.loads((DATA / "rasa_events.json").read_text("utf-8"))
    assert {"user", "bot", "slot", "action"} <= {e["event"] for e in events}
