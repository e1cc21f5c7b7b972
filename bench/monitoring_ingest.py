"""Telemetry ingest through the real broker: alert latency at the fleet's rate, and the most
messages per second the consumer keeps up with on this machine.

The consumer (monitoring/consumer.py) and the Monitor run in this process on a fresh SQLite
database, as under `make run`; the fleet simulator publishes through the local Mosquitto at
QoS 1 from another thread.

1. Latency: the 43 installed units at 1 message/s each for --seconds; every few seconds one unit
   (a different one each time) reports a critical reading. Latency is from the publish to the
   P1 ticket committed (its created_at): p50/p95/p99 and the largest.
   Mixed into that stream, --bad-share (5%) of bad messages, one of every kind of refusal in
   turn (monitoring/telemetry.py: bad topic, too large, unknown serial, malformed JSON, bad or
   missing timestamp, unknown observation, wrong type, out of physical range, unknown code),
   each built from a message that meets a critical condition (checked with the Monitor's own
   parse and conditions) and broken in one way only. They go to units of their own (two per
   family, which never get a legitimate critical reading) and to serials no unit has, so that
   a ticket or alert they caused would show: published and refused per reason (the Monitor's
   counts), tickets and alerts on those serials, P1 tickets against the legitimate critical
   readings. The target is 0 tickets from malformed or unknown telemetry.
2. Throughput: the fleet at rising rates (messages/s in all), --step-seconds each; a rate is
   kept up with when, a second after publishing stops, the consumer has handled every message.

    .venv/bin/python -m bench.monitoring_ingest [--seconds 60] [--bad-share 0.05] [--label NAME]

Prints the figures and writes bench/out/monitoring_ingest[_<label>].md."""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from api.deps import engine_for
from bench.running import percentile
from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT, Settings
from db.migrate import upgrade
from db.telemetry import AlertRow
from db.tickets import Ticket
from monitoring.conditions import critical
from monitoring.consumer import Consumer
from monitoring.monitor import Monitor
from monitoring.simulate import FleetSimulator
from monitoring.telemetry import MAX_PAYLOAD_BYTES, TOPIC_PREFIX, Fleet, TelemetryError, parse
from rules.diagnosis import Diagnoser
from tickets.catalog import default_catalog

OUT = PROJECT_ROOT / "bench" / "out"
BROKER = ("127.0.0.1", 1883)
# A reading over a critical limit, per family (the pack's critical conditions).
CRITICAL = {"rotary_screw_compressor": ("discharge_temp_c", 125.0),
            "centrifugal_process_pump": ("bearing_temp_c", 110.0),
            "air_cooled_water_chiller": (None, "AL140")}
# Every reason monitoring/telemetry.py refuses a message for, in the order they are sent.
REASONS = ("malformed_json", "unknown_serial", "unknown_observation", "wrong_type",
           "out_of_range", "bad_timestamp", "unknown_code", "too_large", "bad_topic")
DECOYS_PER_FAMILY = 2  # units that get the bad messages and never a legitimate critical one


class Refusals(logging.Filter):
    """Counts the Monitor's "telemetry refused" log lines and keeps them off the progress
    output (one line per bad message)."""

    def __init__(self) -> None:
        super().__init__()
        self.logged = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("telemetry refused"):
            with self._lock:
                self.logged += 1
            return False
        return True


class Setup:
    def __init__(self) -> None:
        tmp = Path(tempfile.mkdtemp(prefix="monitoring-ingest-"))
        url = f"sqlite:///{tmp}/store.db"
        upgrade(url)
        self.engine = engine_for(Settings(data_dir=tmp, database_url=url))
        self.kb = load_knowledge(PROJECT_ROOT / "knowledge")
        self.monitor = Monitor(self.engine, self.kb, default_catalog(),
                               diagnoser=Diagnoser(self.kb))
        self.refusals = Refusals()
        logging.getLogger("monitoring.monitor").addFilter(self.refusals)
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
        logging.getLogger("monitoring.monitor").removeFilter(self.refusals)


def make_critical(family_id: str, payload: dict[str, Any]) -> None:
    """The payload with the family's critical reading (or code) in it."""
    name, value = CRITICAL[family_id]
    if name is None:
        payload["active_codes"] = [value]
    else:
        payload["readings"][name] = value


def decoy_units(sim: FleetSimulator) -> list[str]:
    """The last DECOYS_PER_FAMILY units of each family: they get the bad messages."""
    by_family: dict[str, list[str]] = {}
    for serial, state in sim.units.items():
        by_family.setdefault(state.unit.family.id, []).append(serial)
    return [s for serials in by_family.values() for s in serials[-DECOYS_PER_FAMILY:]]


class BadStream:
    """Bad messages, one of every reason in turn, each a critical message of a decoy unit
    broken in one way. Every one is checked here, with the Monitor's own parse, to be refused
    for the reason it stands for, and its unbroken twin to meet a critical condition."""

    def __init__(self, setup: Setup, decoys: list[str], start: datetime, seed: int = 13) -> None:
        self.sim = FleetSimulator(setup.kb, seed=seed, start=start, serials=decoys)
        self.fleet = Fleet(setup.kb)
        self.decoys = decoys
        self.other_codes = {fam.id: sorted(set().union(*(f.error_codes for f in
                                                         setup.kb.families.values()
                                                         if f.id != fam.id)))
                            for fam in setup.kb.families.values()}
        self.n = 0
        self.published: Counter[str] = Counter()
        self.critical_if_accepted: Counter[str] = Counter()
        self.unknown_serials: set[str] = set()

    def next(self, t: float) -> tuple[str, bytes]:
        reason = REASONS[self.n % len(REASONS)]
        turn = self.n // len(REASONS)
        self.n += 1
        serial = self.decoys[turn % len(self.decoys)]
        family = self.sim.units[serial].unit.family
        twin_topic, payload = self.sim.message(serial, t)
        make_critical(family.id, payload)
        twin = json.loads(json.dumps(payload))
        topic, body = self._break(reason, turn, serial, twin_topic, payload)
        try:
            parse(topic, body, self.fleet)
        except TelemetryError as exc:
            if exc.reason != reason:
                raise AssertionError(f"a bad message for {reason} is refused for "
                                     f"{exc.reason}: {exc}") from None
        else:
            raise AssertionError(f"a bad message for {reason} is accepted: {body[:200]!r}")
        try:
            if critical(parse(twin_topic, json.dumps(twin).encode(), self.fleet)):
                self.critical_if_accepted[reason] += 1
        except TelemetryError:
            pass  # the twin itself is no good telemetry: not counted as critical
        self.published[reason] += 1
        return topic, body

    def _break(self, reason: str, turn: int, serial: str, topic: str,
               payload: dict[str, Any]) -> tuple[str, bytes]:
        family = self.sim.units[serial].unit.family
        name = CRITICAL[family.id][0]
        readings = payload["readings"]
        numeric = [k for k in readings if family.observations[k].type == "number"]
        hot = name or next(k for k in numeric if family.observations[k].unit == "°C")
        variant = turn % 4
        if reason == "malformed_json":
            text = json.dumps(payload)
            broken = [text[:len(text) // 2].encode(),  # cut short
                      b"\xff\xfe" + text.encode(),  # not UTF-8
                      json.dumps([payload]).encode(),  # not an object
                      text.replace('"readings"', "readings", 1).encode()][variant]
            return topic, broken
        if reason == "unknown_serial":
            prefix = serial.split("-", 1)[0]
            unknown = [f"{prefix}-2099-{90000 + turn:05d}", serial.lower(), f"{serial}0",
                       "UNKNOWN"][variant]
            self.unknown_serials.add(unknown)
            return f"{TOPIC_PREFIX}{unknown}", json.dumps(payload).encode()
        if reason == "unknown_observation":
            if variant % 2:  # the critical reading under a name in the wrong case
                readings[hot.upper()] = readings.pop(hot)
            else:
                readings["bench_unknown_sensor_c"] = 40.0
        elif reason == "wrong_type":
            if variant == 0:  # the critical reading (code) as a string
                if name is None:
                    payload["active_codes"] = CRITICAL[family.id][1]
                else:
                    readings[name] = str(readings[name])
            elif variant == 1:
                payload["readings"] = [[k, v] for k, v in readings.items()]
            elif variant == 2:
                payload["running_hours"] = f"{payload['running_hours']} h"
            else:
                readings[numeric[-1]] = True
        elif reason == "out_of_range":
            if variant % 2:
                readings[hot] = 450.0  # over 300 °C: no temperature a unit can read
            else:
                readings[numeric[-1]] = -1.0e6
        elif reason == "bad_timestamp":
            ts = payload.pop("ts")
            if variant == 1:
                payload["ts"] = "yesterday 14:00"
            elif variant == 2:
                payload["ts"] = ts[:19]  # no time zone
            elif variant == 3:
                payload["ts"] = datetime.fromisoformat(ts).timestamp()
        elif reason == "unknown_code":
            codes = sorted(family.error_codes)
            alien = [codes[0][:-3] + "999", self.other_codes[family.id][0]][variant % 2]
            payload["active_codes"] = [*payload["active_codes"], alien]
        elif reason == "too_large":
            payload["dump"] = "0" * (MAX_PAYLOAD_BYTES + 1)
        elif reason == "bad_topic":
            return TOPIC_PREFIX, json.dumps(payload).encode()
        return topic, json.dumps(payload).encode()


def latency(setup: Setup, seconds: float, every_s: float,
            bad_share: float = 0.0) -> tuple[dict, dict]:
    sim = FleetSimulator(setup.kb, seed=11, start=datetime.now(UTC))
    serials = list(sim.units)
    decoys = decoy_units(sim) if bad_share > 0 else []
    eligible = [s for s in serials if s not in decoys]  # for the legitimate critical readings
    bad = BadStream(setup, decoys, sim.start) if bad_share > 0 else None
    place = random.Random(14)
    owed = 0.0
    good = 0
    sent: dict[str, float] = {}  # serial -> publish time of its critical reading
    began = time.time()
    tick = 0
    next_event, event = began + 2, 0
    while time.time() - began < seconds:
        t = time.time() - began
        # This second's bad messages, at random places among the units' messages.
        owed += len(serials) * bad_share / (1 - bad_share) if bad else 0.0
        slots = Counter(place.randrange(len(serials)) for _ in range(int(owed)))
        owed -= int(owed)
        for i, (topic, payload) in enumerate(sim.messages(t)):
            for _ in range(slots[i]):
                assert bad is not None
                setup.publisher.publish(*bad.next(t), qos=1)
            serial = topic.rsplit("/", 1)[-1]
            if time.time() >= next_event and serial == eligible[event % len(eligible)] \
                    and serial not in sent:
                make_critical(sim.units[serial].unit.family.id, payload)
                sent[serial] = time.time()
                event += 1
                next_event = time.time() + every_s
            setup.publisher.publish(topic, json.dumps(payload), qos=1)
            good += 1
        tick += 1
        print(f"\rlatency: {t:.0f}/{seconds:.0f} s, {setup.handled()} messages handled, "
              f"{len(sent)} critical readings, {bad.n if bad else 0} bad messages", end="",
              file=sys.stderr)
        time.sleep(max(0.0, began + tick - time.time()))
    time.sleep(3)
    print(file=sys.stderr)
    with setup.engine.connect() as conn:
        rows = list(conn.execute(select(Ticket.serial, Ticket.created_at)
                                 .where(Ticket.priority == "P1")))
    created = {serial: at.replace(tzinfo=UTC).timestamp() for serial, at in rows}
    delays = [created[s] - t0 for s, t0 in sent.items() if s in created]
    lat = {"units": len(serials), "seconds": seconds, "critical": len(sent),
           "tickets": len(delays), "missing": len(sent) - len(delays),
           "p50": percentile(delays, 50), "p95": percentile(delays, 95),
           "p99": percentile(delays, 99), "max": max(delays),
           "handled": setup.handled()}
    return lat, bad_figures(setup, bad, good, len(sent)) if bad else {}


def bad_figures(setup: Setup, bad: BadStream, good: int, legitimate: int) -> dict:
    """What the bad messages of the latency run did, read when it is over: the Monitor's
    counts, and the tickets and alerts of their serials."""
    counts = dict(setup.monitor.counts)
    refused = {k.removeprefix("refused:"): v for k, v in counts.items()
               if k.startswith("refused:")}
    unknown = sorted(bad.unknown_serials | {""})

    def count(query: Any) -> int:
        with setup.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    tickets = select(func.count()).select_from(Ticket)
    alerts = select(func.count()).select_from(AlertRow)
    decoy_alerts: Counter[str] = Counter()
    with setup.engine.connect() as conn:
        for kind, n in conn.execute(select(AlertRow.kind, func.count())
                                    .where(AlertRow.serial.in_(bad.decoys))
                                    .group_by(AlertRow.kind)):
            decoy_alerts[kind] = int(n)
    figures: dict[str, Any] = {
        "share": sum(bad.published.values()) / (sum(bad.published.values()) + good),
        "published": {r: bad.published[r] for r in REASONS},
        "refused": {r: refused.get(r, 0) for r in sorted(set(REASONS) | set(refused))},
        "critical_if_accepted": {r: bad.critical_if_accepted[r] for r in REASONS},
        "logged": setup.refusals.logged,
        "good_published": good, "accepted": counts.get("accepted", 0),
        "duplicates": counts.get("duplicate", 0), "failed": counts.get("failed", 0),
        "decoys": bad.decoys, "unknown_serials": unknown,
        "unknown_tickets": count(tickets.where(Ticket.serial.in_(unknown))),
        "unknown_alerts": count(alerts.where(AlertRow.serial.in_(unknown))),
        "decoy_p1_tickets": count(tickets.where(Ticket.serial.in_(bad.decoys),
                                                Ticket.priority == "P1")),
        "decoy_critical_alerts": decoy_alerts["critical"],
        "decoy_tickets": count(tickets.where(Ticket.serial.in_(bad.decoys))),
        "decoy_alerts": dict(decoy_alerts),
        "legitimate_critical": legitimate,
        "p1_tickets": count(tickets.where(Ticket.priority == "P1")),
        "critical_alerts": count(alerts.where(AlertRow.kind == "critical")),
        "tickets": count(tickets),
    }
    figures["bad_tickets"] = figures["unknown_tickets"] + figures["decoy_p1_tickets"]
    figures["bad_alerts"] = figures["unknown_alerts"] + figures["decoy_critical_alerts"]
    return figures


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


def report(lat: dict, thr: list[dict], label: str, bad: dict | None = None) -> str:
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
    if bad:
        lines += ["", *bad_report(bad)]
    return "\n".join(lines) + "\n"


def bad_report(bad: dict) -> list[str]:
    published, refused = bad["published"], bad["refused"]
    critical_ = bad["critical_if_accepted"]
    total = sum(published.values())
    extra = [r for r in refused if r not in published]  # refused, but none of it was sent
    return [
        f"Bad telemetry mixed into the latency run: {total} bad messages "
        f"({bad['share']:.1%} of all), one of every kind of refusal in turn, each a critical "
        f"message broken in one way (to the units {', '.join(bad['decoys'])}, which got no "
        "legitimate critical reading, or to serials no unit has). Target: 0 tickets from "
        "malformed or unknown telemetry.",
        "",
        "| reason | published | refused by the consumer | critical if accepted |",
        "|---|---|---|---|",
        *[f"| {r} | {published[r]} | {refused.get(r, 0)} | {critical_[r]} |"
          for r in published],
        *[f"| {r} (not sent) | 0 | {refused[r]} | - |" for r in extra],
        f"| all | {total} | {sum(refused.values())} | {sum(critical_.values())} |",
        "",
        f"Refusals logged: {bad['logged']}. Legitimate messages: {bad['good_published']} "
        f"published, {bad['accepted']} accepted ({bad['duplicates']} duplicates, "
        f"{bad['failed']} failed).",
        "",
        "| from bad messages | tickets | alerts |",
        "|---|---|---|",
        f"| unknown serials ({len(bad['unknown_serials'])}, with the empty one of the bad "
        f"topic) | {bad['unknown_tickets']} | {bad['unknown_alerts']} |",
        f"| the {len(bad['decoys'])} units of the bad messages: P1 tickets, critical alerts | "
        f"{bad['decoy_p1_tickets']} | {bad['decoy_critical_alerts']} |",
        f"| **all** | **{bad['bad_tickets']}** | **{bad['bad_alerts']}** |",
        "",
        f"P1 tickets in all: {bad['p1_tickets']} for {bad['legitimate_critical']} legitimate "
        f"critical readings; critical alerts: {bad['critical_alerts']}; tickets of any "
        f"priority: {bad['tickets']}. On the units of the bad messages, from their legitimate "
        f"telemetry: {bad['decoy_tickets']} tickets, alerts "
        f"{dict(bad['decoy_alerts']) or 'none'}.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.monitoring_ingest")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=3.0,
                        help="seconds between two critical readings")
    parser.add_argument("--rates", default="43,86,129,172,258,344")
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--bad-share", type=float, default=0.05,
                        help="share of bad messages mixed into the latency run (0: none)")
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    if not 0 <= args.bad_share < 1:
        parser.error("--bad-share must be in [0, 1)")
    setup = Setup()
    try:
        lat, bad = latency(setup, args.seconds, args.every, args.bad_share)
        thr = throughput(setup, [int(r) for r in args.rates.split(",")], args.step_seconds)
    finally:
        setup.close()
    text = report(lat, thr, args.label, bad)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"monitoring_ingest{'_' + args.label if args.label else ''}"
    (OUT / f"{name}.md").write_text(text, encoding="utf-8")
    (OUT / f"{name}.json").write_text(json.dumps({"latency": lat, "throughput": thr,
                                                  "bad": bad}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
