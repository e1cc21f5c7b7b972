"""Conversation analytics ingest: does the consumer keep up with 20 concurrent conversations?

N conversations (--conversations, 20) talk at once for --seconds: each replays the turns of a
conversation the real Rasa server recorded (tests/analytics/data/rasa_events.json: a guided
diagnosis, manual answers, fallbacks, escalations), one turn every --turn-interval seconds
(jittered), under its own sender id with the events' timestamps set to now. The events go
where Rasa's broker puts them, each stamped as it is published (so the lag is the
consumer's own):

- `--source sql` (default, as `make run`): rows of Rasa's SQL broker table `events` (its
  schema; one insert and commit per event, as SQLEventBroker.publish does) in a SQLite file;
- `--source amqp`: persistent JSON messages on a RabbitMQ queue (127.0.0.1:5672), as Rasa's
  Pika broker publishes them.

The consumer (analytics/consumer.py) runs in this process on a fresh SQLite store, as beside
the API. Lag is from an event's timestamp to the commit of its batch. Every --window seconds
it prints the events published, the backlog and the lag p50/p95/p99; at the end the first and
the last windows are compared (no lag growth: the last window's p95 within 2x the first's and
the backlog drained).

    .venv/bin/python -m bench.analytics_ingest [--source sql|amqp] [--seconds 60]

Writes bench/out/analytics_ingest_<source>.md."""

from __future__ import annotations

import argparse
import copy
import json
import random
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert

from analytics.consumer import Consumer, RabbitConsumer, SqlBrokerConsumer
from analytics.sources import broker_engine
from bench.running import percentile
from core.settings import PROJECT_ROOT
from db.migrate import upgrade
from tickets.database import create_store_engine

OUT = PROJECT_ROOT / "bench" / "out"
RECORDED = PROJECT_ROOT / "tests" / "analytics" / "data" / "rasa_events.json"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"



def turns_of(events: list[dict[str, Any]]) -> list[list[list[dict[str, Any]]]]:
    """Each recorded conversation as its turns (the events up to each user message's end)."""
    conversations: dict[str, list[list[dict[str, Any]]]] = {}
    for event in events:
        turns = conversations.setdefault(event["sender_id"], [[]])
        if event["event"] == "user" and any(e["event"] == "user" for e in turns[-1]):
            turns.append([])
        turns[-1].append(event)
    return [turns for turns in conversations.values() if len(turns) > 1]


class Publisher:
    def publish(self, events: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SqlBrokerPublisher(Publisher):
    """Writes rows as Rasa's SQLEventBroker does: (id, sender_id, data) in `events`."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, connect_args={"timeout": 30})
        self.table = Table("events", MetaData(), Column("id", Integer, primary_key=True),
                           Column("sender_id", String(255)), Column("data", Text))
        self.table.metadata.create_all(self.engine)

    def publish(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            with self.engine.begin() as connection:
                connection.execute(insert(self.table).values(
                    sender_id=event["sender_id"], data=json.dumps(event)))


class AmqpPublisher(Publisher):
    def __init__(self, queue: str) -> None:
        import pika

        self.pika = pika
        self.queue = queue
        self.connection = pika.BlockingConnection(pika.URLParameters(AMQP))
        self.channel = self.connection.channel()
        self.channel.queue_declare(queue, durable=True)

    def publish(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.channel.basic_publish("", self.queue, json.dumps(event).encode(),
                                       self.pika.BasicProperties(delivery_mode=2))

    def close(self) -> None:
        self.connection.close()


class Load:
    def __init__(self, conversations: int, turn_interval: float,
                 publish: Any, templates: list[list[list[dict[str, Any]]]]) -> None:
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.published = 0
        self.publish = publish
        self.threads = [threading.Thread(target=self._talk, args=(
            random.Random(i), templates[i % len(templates)], turn_interval), daemon=True)
            for i in range(conversations)]

    def _talk(self, rng: random.Random, turns: list[list[dict[str, Any]]],
              interval: float) -> None:
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        while not self.stop.is_set():
            for turn in turns:
                for event in turn:
                    event = copy.deepcopy(event)
                    event["sender_id"] = sender
                    # Stamped as it goes to the broker: the lag is the consumer's own.
                    event["timestamp"] = time.time()
                    self.publish([event])
                    with self.lock:
                        self.published += 1
                if self.stop.wait(interval * rng.uniform(0.5, 1.5)):
                    return
            sender = f"bench-{uuid.uuid4().hex[:12]}"  # the next conversation

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics_ingest",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=("sql", "amqp"), default="sql")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--turn-interval", type=float, default=1.0)
    parser.add_argument("--window", type=float, default=10.0)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="analytics-ingest-"))
    store_url = f"sqlite:///{tmp}/store.db"
    upgrade(store_url)
    store = create_store_engine(store_url)
    templates = turns_of(json.loads(RECORDED.read_text("utf-8")))
    queue = f"bench_analytics_{uuid.uuid4().hex[:8]}"
    publishers: list[Publisher] = []
    local = threading.local()
    consumer: Consumer
    if args.source == "sql":
        events_url = f"sqlite:///{tmp}/rasa_events.db"
        SqlBrokerPublisher(events_url)  # the table, as Rasa creates it at its start
        consumer = SqlBrokerConsumer(store, broker_engine(events_url), interval_s=0.5)
    else:
        consumer = RabbitConsumer(store, AMQP, queue, interval_s=0.5)

    def publish(events: list[dict[str, Any]]) -> None:
        publisher = getattr(local, "publisher", None)
        if publisher is None:
            publisher = SqlBrokerPublisher(f"sqlite:///{tmp}/rasa_events.db") \
                if args.source == "sql" else AmqpPublisher(queue)
            local.publisher = publisher
            publishers.append(publisher)
        publisher.publish(events)

    consumer.start()
    deadline = time.monotonic() + 30
    while not consumer.connected.is_set() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = [f"# Analytics ingest ({args.source}): {args.conversations} concurrent "
             f"conversations, a turn every ~{args.turn_interval:g} s, {args.seconds:g} s",
             "", "| window | events published | events/s | backlog at end | lag p50 ms | "
             "lag p95 ms | lag p99 ms |", "|---|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    windows: list[tuple[float, float, int]] = []
    started = time.time()
    with Load(args.conversations, args.turn_interval, publish, templates) as load:
        last_published, window_start = 0, started
        while time.time() - started < args.seconds:
            time.sleep(args.window)
            now = time.time()
            lags = [lag for at, lag in list(consumer.lags) if window_start <= at < now]
            published = load.published
            backlog = published - consumer.received
            p50, p95, p99 = (percentile(lags, q) * 1000 for q in (50, 95, 99))
            windows.append((p95, p99, backlog))
            line = (f"| {now - started:5.0f} s | {published - last_published} | "
                    f"{(published - last_published) / (now - window_start):.0f} | {backlog} | "
                    f"{p50:.0f} | {p95:.0f} | {p99:.0f} |")
            lines.append(line)
            print(line, flush=True)
            last_published, window_start = published, now
    total = load.published
    drain_deadline = time.monotonic() + 30
    while consumer.received < total and time.monotonic() < drain_deadline:
        time.sleep(0.1)
    consumer.stop()
    for publisher in publishers:
        publisher.close()
    all_lags = [lag for _at, lag in consumer.lags]
    first, last = windows[0], windows[-1]
    grew = last[0] > 2 * max(first[0], 50.0) or consumer.received < total
    summary = (f"\n{total} events published, {consumer.received} consumed, {consumer.events} "
               f"stored; lag over the run p50 {percentile(all_lags, 50) * 1000:.0f} ms, "
               f"p95 {percentile(all_lags, 95) * 1000:.0f} ms, "
               f"p99 {percentile(all_lags, 99) * 1000:.0f} ms; first window p95 "
               f"{first[0]:.0f} ms, last {last[0]:.0f} ms: "
               + ("LAG GROWS" if grew else "no lag growth"))
    lines.append(summary)
    print(summary)
    if args.source == "amqp":
        subprocess.run(["rabbitmqctl", "delete_queue", queue], capture_output=True, check=False)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"analytics_ingest_{args.source}.md").write_text("\n".join(lines) + "\n", "utf-8")
    return 1 if grew else 0


if __name__ == "__main__":
    raise SystemExit(main())
