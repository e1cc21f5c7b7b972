"""Monitoring quality on simulated fault scenarios: alert precision and recall, the right fault
among the top 3 candidates, and forecasts raised before the limit with their lead time.

For every fault of the pack with a numeric sign (monitoring.simulate.fault_targets: a reading
its evidence moves out of the normal cell), one scenario on the real Monitor (SQLite, the
real ticket store; messages handed to it directly, in telemetry time):

- detection: a unit of the fault's family runs normal for PRE_H hours, then the fault ramps
  over RAMP_H hours and holds HOLD_H; two other units of the family run normal throughout.
  A `fault` alert on the faulty unit after the ramp started is a detection (recall), with the
  fault among its top 3 candidates or not; any other `fault` alert is a false one (precision);
- forecast: the same fault ramping slowly (SLOW_RAMP_D days after a day of normal running);
  a `predicted` alert on a reading the fault moves, opened before the noiseless ramp reaches
  the edge of that reading's normal cell, is a forecast in time; the lead time is the gap.

Plus a day of the whole normal fleet (43 units), whose alerts of any kind but maintenance are
all false.

    .venv/bin/python -m bench.monitoring_quality [--seed N] [--label NAME]

Thresholds (monitoring.monitor.PERSIST, monitoring.trends.T_MIN and EXTRAPOLATE) were chosen
on --seed 1; the reported run is --seed 2. Prints the figures and writes
bench/out/monitoring_quality[_<label>].md."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from api.deps import engine_for
from core.knowledge.loader import load_knowledge
from core.knowledge.model import Family, KnowledgeBase
from core.settings import PROJECT_ROOT, Settings
from db import telemetry as store
from db.migrate import upgrade
from monitoring.baseline import bands
from monitoring.monitor import Monitor
from monitoring.simulate import FleetSimulator, Injection, fault_targets
from monitoring.telemetry import Fleet
from rules.diagnosis import Diagnoser
from tickets.catalog import default_catalog

OUT = PROJECT_ROOT / "bench" / "out"
PRE_H, RAMP_H, HOLD_H, STEP_S = 2.0, 4.0, 2.0, 300.0
SLOW_RAMP_D, SLOW_PRE_D, SLOW_STEP_S = 5.0, 1.0, 1800.0
START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)


def _monitor(tmp: Path, name: str, kb: KnowledgeBase, diagnoser: Diagnoser
             ) -> tuple[Monitor, tuple[Engine, dict[str, datetime]]]:
    url = f"sqlite:///{tmp}/{name}.db"
    upgrade(url)
    settings = Settings(data_dir=tmp, database_url=url)
    engine = engine_for(settings)
    clock = {"now": START}
    monitor = Monitor(engine, kb, default_catalog(), now=lambda: clock["now"],
                      diagnoser=diagnoser)
    return monitor, (engine, clock)


def _play(monitor: Monitor, clock: dict[str, datetime], sim: FleetSimulator, hours: float,
          step_s: float
          ) -> None:
    steps = int(hours * 3600 / step_s)
    for i in range(steps + 1):
        t = i * step_s
        clock["now"] = sim.start.fromtimestamp(sim.start.timestamp() + t, UTC)
        for topic, payload in sim.messages(t):
            monitor.handle(topic, json.dumps(payload).encode())


def _units_of(fleet: Fleet) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for serial, unit in sorted(fleet.units.items()):
        out.setdefault(unit.family.id, []).append(serial)
    return out


def run(seed: int) -> dict:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    diagnoser = Diagnoser(kb)
    fleet = Fleet(kb)
    units = _units_of(fleet)
    tmp = Path(tempfile.mkdtemp(prefix="monitoring-quality-"))
    scenarios = [(fam.id, fault_id) for fam in kb.families.values()
                 for fault_id in fam.faults
                 if fault_targets(fam, diagnoser.models[fam.id], fault_id)]
    rows = []
    for n, (family_id, fault_id) in enumerate(scenarios, 1):
        serials = units[family_id]
        target = serials[n % len(serials)]
        others = [s for s in serials if s != target][:2]
        # Detection.
        monitor, (engine, clock) = _monitor(tmp, f"d{n}", kb, diagnoser)
        sim = FleetSimulator(kb, [Injection(target, fault=fault_id, ramp_h=RAMP_H,
                                            start_h=PRE_H)],
                             seed=seed * 1000 + n, start=START, serials=[target, *others])
        _play(monitor, clock, sim, PRE_H + RAMP_H + HOLD_H, STEP_S)
        alerts = store.open_alerts(engine, state=None, kind="fault")
        ramp_start = START.timestamp() + PRE_H * 3600
        true = [a for a in alerts if a.serial == target and a.opened_at.replace(
            tzinfo=UTC).timestamp() >= ramp_start]
        false = [a for a in alerts if a not in true]
        top3 = bool(true) and any(c["fault_id"] == fault_id
                                  for c in true[0].details.get("candidates", [])[:3])
        # Forecast.
        monitor, (engine, clock) = _monitor(tmp, f"p{n}", kb, diagnoser)
        sim = FleetSimulator(kb, [Injection(target, fault=fault_id, ramp_h=SLOW_RAMP_D * 24,
                                            start_h=SLOW_PRE_D * 24)],
                             seed=seed * 1000 + n, start=START, serials=[target])
        family = kb.families[family_id]
        moved = fault_targets(family, diagnoser.models[family_id], fault_id)
        crossing = _crossing_s(sim, target, moved, family)
        _play(monitor, clock, sim, (SLOW_PRE_D + SLOW_RAMP_D) * 24, SLOW_STEP_S)
        predicted = [a for a in store.open_alerts(engine, state=None, kind="predicted")
                     if a.condition_id.removeprefix("trend:") in moved]
        lead_h = None
        if predicted and crossing is not None:
            first = min(a.opened_at.replace(tzinfo=UTC).timestamp() for a in predicted)
            lead_h = (START.timestamp() + crossing - first) / 3600
        rows.append({"family": family_id, "fault": fault_id, "unit": target,
                     "detected": bool(true), "false_alerts": len(false), "top3": top3,
                     "candidates": [c["fault_id"] for c in (true[0].details.get(
                         "candidates", []) if true else [])],
                     "forecast_lead_h": lead_h,
                     "forecast_in_time": lead_h is not None and lead_h > 0})
        print(f"\r{n}/{len(scenarios)} scenarios", end="", file=sys.stderr)
    print(file=sys.stderr)
    # A day of the whole normal fleet.
    monitor, (engine, clock) = _monitor(tmp, "fleet", kb, diagnoser)
    sim = FleetSimulator(kb, [], seed=seed, start=START)
    _play(monitor, clock, sim, 24, 300)
    fleet_alerts = Counter(a.kind for a in store.open_alerts(engine, state=None))
    return {"seed": seed, "rows": rows, "fleet_units": len(sim.units),
            "fleet_alerts": dict(fleet_alerts)}


def _crossing_s(sim: FleetSimulator, serial: str, moved: dict[str, float], family: Family
                ) -> float | None:
    """When the noiseless ramp first takes a moved reading out of its normal cell."""
    state = sim.units[serial]
    injection = state.injections[0]
    best = None
    for name, target in moved.items():
        band = bands(family)[name]
        base = state.base[name]
        edge = band.ceiling if target > base else band.floor
        share = (edge - base) / (target - base)
        if 0 <= share <= 1:
            t = (injection.start_h + share * injection.ramp_h) * 3600
            best = t if best is None else min(best, t)
    return best


def report(result: dict, label: str) -> str:
    rows = result["rows"]
    detected = sum(r["detected"] for r in rows)
    false = sum(r["false_alerts"] for r in rows) + result["fleet_alerts"].get("fault", 0)
    fleet_false = sum(v for k, v in result["fleet_alerts"].items() if k != "maintenance")
    precision = detected / (detected + false) if detected + false else 0.0
    recall = detected / len(rows)
    top3 = sum(r["top3"] for r in rows) / max(1, detected)
    in_time = [r for r in rows if r["forecast_in_time"]]
    leads = sorted(r["forecast_lead_h"] for r in in_time)
    lines = [
        f"# Monitoring quality on simulated faults ({label or 'seed ' + str(result['seed'])})",
        "",
        f"Seed {result['seed']}; {len(rows)} faults with a numeric sign; detection: normal "
        f"{PRE_H:g} h, ramp {RAMP_H:g} h, hold {HOLD_H:g} h, a message every {STEP_S:g} s, "
        f"the faulty unit and two normal ones; forecast: a day normal, then a ramp over "
        f"{SLOW_RAMP_D:g} days, a message every {SLOW_STEP_S:g} s.",
        "",
        "| measure | target | result |",
        "|---|---|---|",
        f"| alert precision | >= 0.95 | {precision:.2f} ({detected} true, {false} false) |",
        f"| alert recall | >= 0.90 | {recall:.2f} ({detected}/{len(rows)}) |",
        f"| right fault in the top 3 | >= 0.90 | {top3:.2f} "
        f"({sum(r['top3'] for r in rows)}/{detected}) |",
        f"| forecast before the limit | >= 0.80 | {len(in_time) / len(rows):.2f} "
        f"({len(in_time)}/{len(rows)}) |",
        f"| forecast lead time, median | - | "
        f"{statistics.median(leads) / 24 if leads else 0:.1f} days |",
        f"| normal fleet, 24 h, {result['fleet_units']} units: alerts other than maintenance "
        f"| 0 | {fleet_false} |",
        "",
        "| family | fault | detected | top 3 | candidates | forecast lead (h) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lead = "-" if r["forecast_lead_h"] is None else f"{r['forecast_lead_h']:.0f}"
        lines.append(f"| {r['family']} | {r['fault']} | {'yes' if r['detected'] else 'NO'} | "
                     f"{'yes' if r['top3'] else 'no'} | {', '.join(r['candidates'])} | "
                     f"{lead} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.monitoring_quality")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    result = run(args.seed)
    text = report(result, args.label)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"monitoring_quality{'_' + args.label if args.label else ''}"
    (OUT / f"{name}.md").write_text(text, encoding="utf-8")
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=1, default=str),
                                      encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
