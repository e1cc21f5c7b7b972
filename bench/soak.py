"""Soak and saturation under the "N concurrent conversations" load (bench/README.md):
simulated customers play the conversation benchmark's scenarios (bench/conversation_eval.py) in
the five languages, each message a think time (uniform 2-5 s) after the previous reply.

- Soak (default): N customers for --minutes on the single-machine default (`make run`) or on
  the cluster (`--cluster`, `make cluster`); per minute turns, p50/p95/p99 and errors; the RSS
  of every process and the tracker store's size after the warm-up minute and at the end.
- Saturation (`--saturation`): the same load at rising N (--levels), 60 s each after a
  warm-up; the most customers with turn p95 <= 300 ms.

Starts `python -m launcher [--cluster]` in its own process on free ports with throw-away state
(the cluster on fresh PostgreSQL databases, dropped after), warms it up with a few turns, then
measures it from outside. Writes bench/out/soak_<mode>.md and .svg, or
bench/out/saturation_<mode>.md.

    .venv/bin/python -m bench.soak [--cluster] [--minutes 30] [--clients 20]
    .venv/bin/python -m bench.soak --saturation [--cluster] [--levels 20,40,80,120]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from tqdm import tqdm

from bench.conversation_eval import DATA, Chat, Scenario, play, scenarios
from bench.running import Launched, launched, percentile, rss_mb
from core.settings import Settings
from launcher.ports import free_port, free_port_with_next

OUT = Path(__file__).resolve().parent / "out"
TARGET_P95_MS = 300.0
PG = "127.0.0.1:5432"


@dataclass
class System:
    launched: Launched
    mode: str

    @property
    def rasa(self) -> str:
        return self.launched.rasa

    @property
    def settings(self) -> Settings:
        return self.launched.settings

    def rss_mb(self) -> dict[str, float]:
        out = {}
        for name, pid in self.launched.children().items():
            rss = rss_mb(pid)
            if rss is not None:
                out[name] = rss
        return out

    def tracker_mb(self) -> float:
        url = self.settings.tracker_store_url
        path = self.settings.sqlite_path(url)
        if path is not None:
            return path.stat().st_size / 2**20 if path.exists() else 0.0
        import psycopg

        name = url.rsplit("/", 1)[-1]
        with psycopg.connect(f"postgresql://postgres@{PG}/postgres") as conn:
            row = conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
        return (row[0] if row else 0) / 2**20


@contextmanager
def running(cluster: bool) -> Iterator[System]:
    """`python -m launcher [--cluster]` on free ports with throw-away state, in its own
    process (the load is measured from outside)."""
    state = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    databases: list[str] = []
    if not cluster:
        settings = Settings(api_port=free_port(), rasa_port=free_port(), data_dir=state,
                            database_url=f"sqlite:///{state}/tickets.db",
                            tracker_store_url=f"sqlite:///{state}/tracker.db")
    else:
        run = uuid.uuid4().hex[:8]
        databases = [f"soak_tickets_{run}", f"soak_tracker_{run}"]
        settings = Settings(
            # The replicas listen on the two ports after each balancer's (Layout.beside).
            api_port=free_port_with_next(2), rasa_port=free_port_with_next(2), data_dir=state,
            database_url=f"postgresql+psycopg://postgres@{PG}/{databases[0]}",
            tracker_store_url=f"postgresql://postgres@{PG}/{databases[1]}",
            lock_store_url="redis://127.0.0.1:6379/4",
            event_broker_url="amqp://guest:guest@127.0.0.1:5672/",
            event_broker_queue=f"soak_events_{run}")
    try:
        with launched(settings, cluster=cluster) as system:
            yield System(system, "cluster" if cluster else "single")
    finally:
        if databases:
            import subprocess

            import psycopg

            with psycopg.connect(f"postgresql://postgres@{PG}/postgres",
                                 autocommit=True) as conn:
                for name in databases:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            subprocess.run(["rabbitmqctl", "delete_queue", settings.event_broker_queue],
                           capture_output=True, check=False)


class _TimeUp(Exception):
    """The load's time is over (raised in a customer's think time)."""


@dataclass
class Turn:
    at: float  # seconds since the load started
    ms: float
    ok: bool


def load(rasa: str, all_scenarios: list[Scenario], clients: int, seconds: float,
         seed: int, desc: str,
         on_second: Callable[[float], None] | None = None) -> list[Turn]:
    """N customers for `seconds`; every turn with its time, latency and outcome."""
    turns: list[Turn] = []
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds

    def record(ms: float, ok: bool) -> None:
        with lock:
            turns.append(Turn(time.monotonic() - started, ms, ok))

    def customer(n: int) -> None:
        rng = random.Random(seed + n)

        def think() -> None:
            # Called before every turn after a conversation's first: past the end, the
            # customer stops mid-scenario (the next level must not see this one's load).
            time.sleep(rng.uniform(2.0, 5.0))
            if time.monotonic() >= stop_at:
                raise _TimeUp

        time.sleep(rng.uniform(0.0, 3.0))  # all start within the first seconds
        with httpx.Client(timeout=60) as client:
            try:
                while time.monotonic() < stop_at:
                    play(Chat(client, rasa, think=think, record=record),
                         rng.choice(all_scenarios))
                    think()
            except _TimeUp:
                return

    threads = [threading.Thread(target=customer, args=(n,), daemon=True)
               for n in range(clients)]
    for thread in threads:
        thread.start()
    with tqdm(total=int(seconds), desc=desc, unit="s") as bar:
        while time.monotonic() < stop_at:
            time.sleep(1)
            bar.update(1)
            if on_second:
                on_second(time.monotonic() - started)
    for thread in threads:
        thread.join(timeout=120)
    return [t for t in turns if t.at <= seconds]


def _stats(turns: list[Turn]) -> tuple[int, float, float, float, int]:
    ok = [t.ms for t in turns if t.ok]
    errors = sum(1 for t in turns if not t.ok)
    if not ok:
        return 0, float("nan"), float("nan"), float("nan"), errors
    return (len(ok), percentile(ok, 50), percentile(ok, 95), percentile(ok, 99), errors)


def svg_plot(path: Path, title: str, series: dict[str, list[tuple[float, float]]],
             y_label: str) -> None:
    """A plain SVG line chart (no plotting library in the environment)."""
    width, height, margin = 720, 320, 50
    points = [p for values in series.values() for p in values]
    if not points:
        return
    x_max = max(x for x, _ in points) or 1.0
    y_max = max(y for _, y in points) * 1.1 or 1.0
    colours = ["#1f5fae", "#c0392b", "#27ae60", "#8e44ad", "#e67e22", "#16a085"]

    def xy(x: float, y: float) -> str:
        return (f"{margin + (width - 2 * margin) * x / x_max:.1f},"
                f"{height - margin - (height - 2 * margin) * y / y_max:.1f}")

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="13">{title}</text>',
             f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" '
             f'y2="{height - margin}" stroke="#333"/>',
             f'<line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" '
             'stroke="#333"/>',
             f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">minute</text>',
             f'<text x="14" y="{height / 2}" transform="rotate(-90 14 {height / 2})" '
             f'text-anchor="middle">{y_label}</text>']
    for i in range(5):
        y = y_max * i / 4
        parts.append(f'<text x="{margin - 4}" y="{xy(0, y).split(",")[1]}" '
                     f'text-anchor="end">{y:.0f}</text>')
    for i, (name, values) in enumerate(series.items()):
        colour = colours[i % len(colours)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                     + " ".join(xy(x, y) for x, y in values) + '"/>')
        parts.append(f'<text x="{width - margin + 4}" y="{margin + 14 * i}" '
                     f'fill="{colour}">{name}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def soak(system: System, all_scenarios: list[Scenario], args: argparse.Namespace) -> list[str]:
    seconds = args.minutes * 60
    samples: list[tuple[float, dict[str, float]]] = []
    next_sample = [0.0]

    def sample(at: float) -> None:
        if at >= next_sample[0]:
            samples.append((at, system.rss_mb()))
            next_sample[0] = at + 30

    tracker_start = system.tracker_mb()
    turns = load(system.rasa, all_scenarios, args.clients, seconds, args.seed,
                 f"soak {system.mode}, {args.clients} customers", sample)
    tracker_end = system.tracker_mb()
    rss_end = system.rss_mb()
    warm = next((rss for at, rss in samples if at >= 60), samples[0][1] if samples else {})
    minutes = int(args.minutes)
    lines = [f"# Soak: {system.mode}, {args.clients} concurrent conversations, "
             f"{args.minutes:g} min", "",
             f"One run, {time.strftime('%Y-%m-%d')}; think time 2-5 s; the conversation "
             "benchmark's scenarios in the five languages; latency measured from outside "
             "(this process, plain HTTP to the REST channel).", ""]
    n, p50, p95, p99, errors = _stats(turns)
    lines += ["| turns | turns/s | p50 ms | p95 ms | p99 ms | errors |",
              "|---|---|---|---|---|---|",
              f"| {n} | {n / seconds:.1f} | {p50:.0f} | {p95:.0f} | {p99:.0f} | {errors} |", "",
              "Per minute:", "", "| minute | turns | p50 ms | p95 ms | p99 ms | errors |",
              "|---|---|---|---|---|---|"]
    per_minute: list[tuple[float, float]] = []
    for minute in range(minutes):
        chunk = [t for t in turns if minute * 60 <= t.at < (minute + 1) * 60]
        n, p50, p95, p99, errors = _stats(chunk)
        per_minute.append((minute + 1, p95))
        lines.append(f"| {minute + 1} | {n} | {p50:.0f} | {p95:.0f} | {p99:.0f} | {errors} |")
    lines += ["", "Memory (RSS) of each process after the warm-up minute and at the end:", "",
              "| process | after warm-up MB | end MB | growth |", "|---|---|---|---|"]
    for name in sorted(rss_end):
        start, end = warm.get(name), rss_end[name]
        growth = f"{100 * (end - start) / start:+.1f}%" if start else "-"
        lines.append(f"| {name} | {start or float('nan'):.0f} | {end:.0f} | {growth} |")
    lines += ["", f"Tracker store: {tracker_start:.1f} MB at the start, {tracker_end:.1f} MB at "
              "the end.", ""]
    svg = OUT / f"soak_{system.mode}{args.label}.svg"
    svg_plot(svg, f"Soak ({system.mode}): turn p95 per minute, ms",
             {"p95 ms": per_minute}, "ms")
    rss_svg = OUT / f"soak_{system.mode}{args.label}_rss.svg"
    svg_plot(rss_svg, f"Soak ({system.mode}): RSS per process, MB",
             {name: [(at / 60, rss[name]) for at, rss in samples if name in rss]
              for name in sorted(rss_end)}, "MB")
    lines += [f"Plots: `{svg.name}` (p95 per minute), `{rss_svg.name}` (RSS per process).", ""]
    return lines


def saturation(system: System, all_scenarios: list[Scenario],
               args: argparse.Namespace) -> list[str]:
    lines = [f"# Saturation: {system.mode}", "",
             f"One run, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; each level "
             f"{args.level_seconds:.0f} s after a {args.warmup:.0f} s warm-up, think time 2-5 s. "
             f"Target: turn p95 <= {TARGET_P95_MS:.0f} ms.", "",
             "| customers | turns/s | p50 ms | p95 ms | p99 ms | errors |",
             "|---|---|---|---|---|---|"]
    best = 0
    for clients in args.levels:
        turns = load(system.rasa, all_scenarios, clients, args.warmup + args.level_seconds,
                     args.seed, f"{system.mode}, {clients} customers")
        n, p50, p95, p99, errors = _stats([t for t in turns if t.at >= args.warmup])
        lines.append(f"| {clients} | {n / args.level_seconds:.1f} | {p50:.0f} | {p95:.0f} | "
                     f"{p99:.0f} | {errors} |")
        print(lines[-1], flush=True)
        if p95 <= TARGET_P95_MS and not errors:
            best = clients
    lines += ["", f"Most customers with p95 <= {TARGET_P95_MS:.0f} ms and no error: "
              f"{best or 'none of the levels'}.", ""]
    return lines


WARM_UP = ["qwpz xkcd", "How do I change the oil filter on the HSC-37?",
           "My pump P050-2019-00988 shows F004"]


def warm_up(rasa: str) -> None:
    """A few turns before the load: the first action call, the first manual search and the
    first diagnosis load what the API loads lazily (the expert system, the search index)."""
    with httpx.Client(timeout=300) as client:
        for text in WARM_UP:
            client.post(f"{rasa}/webhooks/rest/webhook",
                        json={"sender": f"warm-up-{uuid.uuid4().hex[:8]}", "message": text})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", action="store_true")
    parser.add_argument("--saturation", action="store_true")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")],
                        default=[20, 40, 80, 120])
    parser.add_argument("--level-seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--label", default="",
                        help="a suffix for the report's name (e.g. repeated runs)")
    args = parser.parse_args(argv)
    data = yaml.safe_load(DATA.read_text("utf-8"))
    all_scenarios = scenarios(data, random.Random(args.seed))
    OUT.mkdir(exist_ok=True)
    with running(args.cluster) as system:
        warm_up(system.rasa)
        if args.saturation:
            lines = saturation(system, all_scenarios, args)
            report = OUT / f"saturation_{system.mode}{args.label}.md"
        else:
            lines = soak(system, all_scenarios, args)
            report = OUT / f"soak_{system.mode}{args.label}.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"written to {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
