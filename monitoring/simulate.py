"""Fleet simulator: the installed units publishing telemetry, with faults injected by scenario.

Every installed unit of the pack (knowledge/service.yml) reports the readings of its family's
`telemetry_ranges`, each around a value of its own inside the normal range with normal noise,
and its running hours. A scenario injects:

- a fault (`fault`): the readings of the fault's evidence ramp from normal to a value where the
  evidence holds (never a critical one unless the fault needs it: rules.simulate), over
  `ramp_h` hours from `start_h`; once there, the controller shows the fault's code (its first
  code that is not P1), as a real controller does when a limit is passed;
- a critical event (`critical`): from `start_h`, the readings (or code) of the first clause of
  a critical condition that telemetry can meet.

Times are telemetry time: `--step` seconds of it between two messages of a unit, so days of
slow drift can be played in minutes. Used by the tests and the benchmarks (as a generator) and
from the command line (publishing to the broker):

    python -m monitoring.simulate [--url mqtt://127.0.0.1:1883] [--rate 1] [--step 1]
        [--duration 60] [--scenario scenario.yml] [--fault SERIAL=FAULT[:RAMP_H[:START_H]]]
        [--critical SERIAL=CONDITION[:START_H]] [--seed 0]

A scenario file is a YAML list of such entries: `{serial, fault, ramp_h, start_h}` or
`{serial, critical, start_h}`."""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from core.knowledge.model import Family, KnowledgeBase
from monitoring.baseline import Band, bands
from monitoring.telemetry import TOPIC_PREFIX, Fleet, Unit
from rules.scoring import FamilyModel
from rules.simulate import fault_error_code, truthful_cell

HOURS_PER_DAY = 16.0  # the running hours a simulated unit adds per day
NOISE = 1 / 10  # noise (standard deviation) as a share of the normal range


@dataclass(frozen=True)
class Injection:
    serial: str
    fault: str | None = None
    critical: str | None = None
    ramp_h: float = 6.0
    start_h: float = 0.0


@dataclass
class _Unit:
    unit: Unit
    base: dict[str, float]
    hours: float
    injections: list[Injection] = field(default_factory=list)


class FleetSimulator:
    """Telemetry of the installed units at a given time since the start."""

    def __init__(self, kb: KnowledgeBase, injections: list[Injection] | None = None, *,
                 seed: int = 0, start: datetime | None = None,
                 serials: list[str] | None = None) -> None:
        self.kb, self.rng = kb, random.Random(seed)
        self.start = start or datetime.now(UTC)
        fleet = Fleet(kb)
        installed = {item.serial_no: item.running_hours or 0
                     for customer in kb.service.customers for site in customer.sites
                     for item in site.equipment}
        self.models = {fam.id: FamilyModel(fam) for fam in kb.families.values()}
        self.units: dict[str, _Unit] = {}
        for serial, unit in sorted(fleet.units.items()):
            if serials is not None and serial not in serials:
                continue
            base = {}
            for name, band in bands(unit.family).items():
                # Each unit runs at its own point in the middle half of the normal range.
                spread = (band.high - band.low) / 4
                base[name] = band.center + self.rng.uniform(-spread, spread) / 2
            self.units[serial] = _Unit(unit, base, float(installed.get(serial, 0)))
        for injection in injections or []:
            if injection.serial not in self.units:
                raise ValueError(f"no installed unit {injection.serial}")
            family = self.units[injection.serial].unit.family
            if injection.fault and injection.fault not in family.faults:
                raise ValueError(f"{injection.fault} is no fault of the {family.name}")
            if injection.critical and injection.critical not in family.critical:
                raise ValueError(f"{injection.critical} is no critical condition of the "
                                 f"{family.name}")
            self.units[injection.serial].injections.append(injection)

    def message(self, serial: str, t_s: float) -> tuple[str, dict[str, Any]]:
        """The topic and payload of one unit's message `t_s` seconds after the start."""
        state = self.units[serial]
        family = state.unit.family
        readings: dict[str, Any] = {}
        for name, value in state.base.items():
            band = bands(family)[name]
            readings[name] = value + self.rng.gauss(0, (band.high - band.low) * NOISE)
        codes: list[str] = []
        for injection in state.injections:
            elapsed_h = t_s / 3600 - injection.start_h
            if elapsed_h < 0:
                continue
            if injection.fault:
                share = 1.0 if injection.ramp_h <= 0 else min(1.0, elapsed_h / injection.ramp_h)
                for name, target in fault_targets(family, self.models[family.id],
                                                  injection.fault).items():
                    readings[name] = state.base[name] + share * (target - state.base[name]) + \
                        self.rng.gauss(0, (bands(family)[name].high - bands(family)[name].low)
                                       * NOISE / 2)
                code = fault_error_code(family, injection.fault)
                if share >= 1.0 and code:
                    codes.append(code)
            if injection.critical:
                values, code = critical_values(family, injection.critical)
                readings.update(values)
                if code:
                    codes.append(code)
        hours = state.hours + t_s / 86_400 * HOURS_PER_DAY
        payload = {"ts": (self.start + timedelta(seconds=t_s)).isoformat(),
                   "readings": {k: round(v, 3) if isinstance(v, float) else v
                                for k, v in readings.items()},
                   "running_hours": round(hours, 2), "active_codes": sorted(set(codes))}
        return f"{TOPIC_PREFIX}{serial}", payload

    def messages(self, t_s: float) -> Iterator[tuple[str, dict[str, Any]]]:
        for serial in self.units:
            yield self.message(serial, t_s)


def fault_targets(family: Family, model: FamilyModel, fault_id: str) -> dict[str, float]:
    """Where the fault takes each reading its evidence speaks of: inside the cell where the
    evidence holds (rules.simulate.truthful_cell), well clear of its edge."""
    out = {}
    normal = bands(family)
    for ev in family.faults[fault_id].evidence:
        name = ev.condition.observation
        band = normal.get(name)
        if band is None or name in out:
            continue
        cell = truthful_cell(family, model, fault_id, name)
        if cell.id == band.cell:
            continue  # the fault leaves this reading normal
        out[name] = _inside(family, name, cell.id, band)
    return out


def _inside(family: Family, name: str, cell_id: str, band: Band) -> float:
    obs = family.observations[name]
    index = next(i for i, c in enumerate(obs.cells) if c.id == cell_id)
    edges = [-math.inf] + [cut for cut, _ in obs.cuts] + [math.inf]
    low, high = edges[index], edges[index + 1]
    width = band.high - band.low
    if math.isfinite(low) and math.isfinite(high):
        return (low + high) / 2
    if math.isfinite(low):
        return low + max(width * 0.5, abs(low) * 0.05)
    return high - max(width * 0.5, abs(high) * 0.05)


def critical_values(family: Family, condition_id: str) -> tuple[dict[str, float], str | None]:
    """The readings (and code) of the first clause of a critical condition that telemetry
    can meet: numbers it reports, or the family's code."""
    normal = bands(family)
    for clause in family.critical[condition_id].clauses:
        values: dict[str, float] = {}
        code = None
        for cond in clause:
            if cond.observation == family.error_code_observation and isinstance(cond.value,
                                                                                str):
                code = cond.value
            elif cond.observation in normal and isinstance(cond.value, float):
                step = max(abs(cond.value) * 0.05, 0.5)
                values[cond.observation] = cond.value + (step if cond.op in (">", ">=")
                                                         else -step)
            else:
                break
        else:
            return values, code
    raise ValueError(f"telemetry cannot meet the critical condition {condition_id}")


def load_scenario(path: Path) -> list[Injection]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: a scenario is a list of injections")
    return [Injection(**{k: v for k, v in entry.items()}) for entry in data]


def _parse_injection(text: str, kind: str) -> Injection:
    serial, _, rest = text.partition("=")
    parts = rest.split(":")
    if not serial or not parts[0]:
        raise argparse.ArgumentTypeError(f"--{kind} wants SERIAL={kind.upper()}[:...]")
    if kind == "fault":
        return Injection(serial, fault=parts[0],
                         ramp_h=float(parts[1]) if len(parts) > 1 else 6.0,
                         start_h=float(parts[2]) if len(parts) > 2 else 0.0)
    return Injection(serial, critical=parts[0],
                     start_h=float(parts[1]) if len(parts) > 1 else 0.0)


def main(argv: list[str] | None = None) -> int:
    # The command line's own: the simulator as a library needs neither a broker client nor
    # the knowledge pack's loader.
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from core.knowledge.loader import load_knowledge  # the command line's own, as above
    from core.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m monitoring.simulate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="the broker (ASSISTANT_MQTT_URL)")
    parser.add_argument("--rate", type=float, default=1.0, help="messages/s of each unit")
    parser.add_argument("--step", type=float, default=None,
                        help="seconds of telemetry time per message (default 1/rate)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds to run")
    parser.add_argument("--scenario", type=Path, default=None)
    parser.add_argument("--fault", action="append", default=[],
                        type=lambda t: _parse_injection(t, "fault"))
    parser.add_argument("--critical", action="append", default=[],
                        type=lambda t: _parse_injection(t, "critical"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = Settings()
    kb = load_knowledge(settings.knowledge_dir)
    injections = (load_scenario(args.scenario) if args.scenario else []) + args.fault + \
        args.critical
    try:
        sim = FleetSimulator(kb, injections, seed=args.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = args.url or settings.mqtt_url
    from urllib.parse import urlparse  # the command line's own, as above
    parsed = urlparse(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"helios-sim-{args.seed}")
    if parsed.username:
        client.username_pw_set(parsed.username, parsed.password)
    try:
        client.connect(parsed.hostname or "127.0.0.1", parsed.port or 1883)
    except OSError as exc:
        print(f"error: cannot reach the broker at {url}: {exc}", file=sys.stderr)
        return 2
    client.loop_start()
    step = args.step or 1.0 / args.rate
    interval = 1.0 / args.rate
    sent, began = 0, time.monotonic()
    tick = 0
    try:
        while time.monotonic() - began < args.duration:
            for topic, payload in sim.messages(tick * step):
                client.publish(topic, json.dumps(payload), qos=1)
                sent += 1
            tick += 1
            print(f"\rsimulate: {len(sim.units)} units, {sent} messages, "
                  f"{tick * step / 3600:.2f} h of telemetry", end="", file=sys.stderr)
            time.sleep(max(0.0, began + tick * interval - time.monotonic()))
    except KeyboardInterrupt:
        pass
    finally:
        client.loop_stop()
        client.disconnect()
        print(file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
