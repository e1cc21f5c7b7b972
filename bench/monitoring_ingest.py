"""Telemetry ingest through the real broker: alert latency at the fleet's rate, and the most
messages per second the consumer keeps up with on this machine.

The consumer (monitoring/consumer.py) and the Monitor run in this process on a fresh SQLite
database, as under `make run`; the fleet simulator publishes through the local Mosquitto at
QoS 1 from another thread.

1. Latency: the 43 installed units at 1 message/s each for --seconds; every few seconds one unit
   (a different one each time) reports a critical reading. Latency is from the publish to the
   P1 ticket committed (its created_at): p50/p95/p99 and the largest.
2. Throughput: the fleet at rising rates (messages/s in all), --step-seconds each; a rate is
   kept up with when, a second after publishing stops, the consumer has handled every message.

    .venv/bin/python -m bench.monitoring_ingest [--seconds 60] [--label NAME]

Prints the figures and writes bench/out/monitoring_ingest[_<label>].md."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from api.deps import engine_for
from bench.running import percentile
from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT, Settings
from db.migrate import upgrade
from db.tickets import Ticket
from monitoring.consumer import Consumer
from monitoring.monitor import Monitor
from monitoring.simulate import FleetSimulator
from rules.diagnosis import Diagnoser
from tickets.catalog import default_catalog

OUT = PROJECT_ROOT / "bench" / "out"
BROKER = ("127.0.0.1", 1883)
# A reading over a critical limit, per family (the pack's critical conditions).
CRITICAL = {"rotary_screw_compressor": ("discharge_temp_c", 125.0),
            "centrifugal_process_pump": ("bearing_temp_c", 110.0),
            "air_cooled_water_chiller": (None, "AL140")}



class Setup:
    def __init__(self) -> None:
        tmp = Path(tempfile.mkdtemp(prefix="monitoring-ingest-"))
        url = f"sqlite:///{tmp}/store.db"
        upgrade(url)
        self.engine = engine_for(Settings(data_dir=tmp, database_url=url))
        self.kb = load_knowledge(PROJECT_ROOT / "knowledge")
        self.monitor = Monitor(self.engine, self.kb, default_catalog(),
                               diagnoser=Diagnoser(self.kb))
        run = uuid.uuid4().hex[:8]
        self.consumer = Consumer(self.monitor, f"mqtt://{BROKER[0]}:{BROKER[1]}",
                                 client_id=f"bench-ingest-{run}")
        self.consumer.start()
        deadline = time.monotonic() + 10
        while not self.consumer.subscribed.is_set():
            if time.monotonic() > deadline:
                raise SystemExit("the consumer did not subscribe to the local broker")
            time.sleep(0.05)
        self.publisher = mqtt.Client(CallbackAPIVersion.VERSION2,
                                     client_id=f"bench-pub-{run}")
        self.publisher.max_inflight_messages_set(1000)
        self.publisher.max_queued_messages_set(0)
        self.publisher.connect(*BROKER)
        self.publisher.loop_start()

    def handled(self) -> int:
        counts = self.monitor.counts
        return sum(counts.values())

    def close(self) -> None:
        self.publisher.loop_stop()
        self.publisher.disconnect()
        self.consumer.stop(forget=True)


def latency(setup: Setup, seconds: float, every_s: float) -> dict:
    sim = FleetSimulator(setup.kb, seed=11, start=datetime.now(UTC))
    serials = list(sim.units)
    sent: dict[str, float] = {}  # serial -> publish time of its critical reading
    began = time.time()
    tick = 0
    next_event, event = began + 2, 0
    while time.time() - began < seconds:
        t = time.time() - began
        for topic, payload in sim.messages(t):
            serial = topic.rsplit("/", 1)[-1]
            if time.time() >= next_event and serial == serials[event % len(serials)] \
                    and serial not in sent:
                name, value = CRITICAL[sim.units[serial].unit.family.id]
                if name is None:
                    payload["active_codes"] = [value]
                else:
                    payload["readings"][name] = value
                sent[serial] = time.time()
                event += 1
                next_event = time.time() + every_s
            setup.publisher.publish(topic, json.dumps(payload), qos=1)
        tick += 1
        print(f"\rlatency: {t:.0f}/{seconds:.0f} s, {setup.handled()} messages handled, "
              f"{len(sent)} critical readings", end="", file=sys.stderr)
        time.sleep(max(0.0, began + tick - time.time()))
    time.sleep(3)
    print(file=sys.stderr)
    with setup.engine.connect() as conn:
        rows = list(conn.execute(select(Ticket.serial, Ticket.created_at)
                                 .where(Ticket.priority == "P1")))
    created = {serial: at.replace(tzinfo=UTC).timestamp() for serial, at in rows}
    delays = [created[s] - t0 for s, t0 in sent.items() if s in created]
    return {"units": len(serials), "seconds": seconds, "critical": len(sent),
            "tickets": len(delays), "missing": len(sent) - len(delays),
            "p50": percentile(delays, 50), "p95": percentile(delays, 95),
            "p99": percentile(delays, 99), "max": max(delays),
            "handled": setup.handled()}


def throughput(setup: Setup, rates: list[int], step_s: float) -> list[dict]:
    sim = FleetSimulator(setup.kb, seed=12, start=datetime.now(UTC))
    units = list(sim.units)
    out = []
    t_sim = 0.0
    for rate in rates:
        before = setup.handled()
        published = 0
        began = time.time()
        while time.time() - began < step_s:
            second = time.time()
            for i in range(rate):
                serial = units[i % len(units)]
                t_sim += 1.0 / len(units)
                topic, payload = sim.message(serial, t_sim)
                setup.publisher.publish(topic, json.dumps(payload), qos=1)
                published += 1
            print(f"\rthroughput: {rate} msg/s, {time.time() - began:.0f}/{step_s:.0f} s",
                  end="", file=sys.stderr)
            time.sleep(max(0.0, second + 1 - time.time()))
        elapsed = time.time() - began
        time.sleep(1.0)
        done = setup.handled() - before
        # Let the backlog drain before the next rate.
        drain = time.time()
        while setup.handled() - before < published and time.time() - drain < 120:
            time.sleep(0.2)
        out.append({"rate": rate, "published": published, "handled_1s_after": done,
                    "kept_up": done >= published, "handled_per_s": done / (elapsed + 1.0)})
    print(file=sys.stderr)
    return out


def report(lat: dict, thr: list[dict], label: str) -> str:
    kept = [r["rate"] for r in thr if r["kept_up"]]
    lines = [
        f"# Telemetry ingest through Mosquitto ({label or 'one run'})",
        "",
        "The consumer and the Monitor in one process on SQLite (as under `make run`), the fleet "
        "simulator publishing at QoS 1 through the local broker, on this machine (2 cores).",
        "",
        f"Latency, {lat['units']} units at 1 message/s for {lat['seconds']:.0f} s, "
        f"{lat['critical']} critical readings: publish -> P1 ticket committed",
        "",
        "| p50 | p95 | p99 | max | target p95 | tickets missing |",
        "|---|---|---|---|---|---|",
        f"| {lat['p50'] * 1000:.0f} ms | {lat['p95'] * 1000:.0f} ms | "
        f"{lat['p99'] * 1000:.0f} ms | {lat['max'] * 1000:.0f} ms | <= 2000 ms | "
        f"{lat['missing']} |",
        "",
        "Throughput (each rate for its step, then a second to catch up):",
        "",
        "| messages/s published | handled 1 s after | kept up |",
        "|---|---|---|",
        *[f"| {r['rate']} | {r['handled_1s_after']}/{r['published']} | "
          f"{'yes' if r['kept_up'] else 'no'} |" for r in thr],
        "",
        f"Most messages/s kept up with: {max(kept) if kept else 0}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.monitoring_ingest")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=3.0,
                        help="seconds between two critical readings")
    parser.add_argument("--rates", default="43,86,129,172,258,344")
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    setup = Setup()
    try:
        lat = latency(setup, args.seconds, args.every)
        thr = throughput(setup, [int(r) for r in args.rates.split(",")], args.step_seconds)
    finally:
        setup.close()
    text = report(lat, thr, args.label)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"monitoring_ingest{'_' + args.label if args.label else ''}"
    (OUT / f"{name}.md").write_text(text, encoding="utf-8")
    (OUT / f"{name}.json").write_text(json.dumps({"latency": lat, "throughput": thr},
                                                 indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
