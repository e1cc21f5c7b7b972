"""Ticket API under load: 50 concurrent clients (no think time) creating, listing and
updating tickets against the real API server (uvicorn), on SQLite and on PostgreSQL.

Per backend and run: a fresh database (a temporary SQLite file; a PostgreSQL database created
and dropped), the API on a free port, a warm-up, then a closed loop for --seconds. Each client
loops: create (with an Idempotency-Key; every 5th create is sent twice, as a retry), list a
page, update its newest ticket with If-Match, and assign a ticket shared by all clients
without If-Match. Afterwards the database is checked: duplicates = tickets beyond the distinct
successful creates; lost writes = acknowledged updates missing from the final state.
Reports p50/p95/p99 latency and throughput per operation (median over --runs) and writes
bench/out/tickets_bench.md.

    .venv/bin/python -m bench.tickets_bench [--clients 50] [--seconds 15] [--runs 3]
        [--pg-server postgresql+psycopg://postgres@127.0.0.1:5432] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

from api.auth import key_store
from bench.running import api_server, percentile, scratch_database
from db.migrate import upgrade
from tickets.catalog import default_catalog
from tickets.database import create_store_engine

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
OPS = ("create", "list", "update", "assign shared")


class Load:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {op: [] for op in OPS}
        self.errors: dict[str, int] = {op: 0 for op in OPS}
        self.created: set[str] = set()
        self.replays_differing = 0
        self.shared_acks = 0
        self.own_updates: dict[str, str] = {}  # ticket id -> acknowledged assignee
        self.measure_from = float("inf")  # perf_counter() at the end of the warm-up

    def record(self, op: str, started: float, ok: bool) -> None:
        # Only requests sent after the warm-up count: one sent during it and answered after
        # would carry the warm-up's queueing into the figures.
        if started < self.measure_from:
            return
        if ok:
            self.latency[op].append((time.perf_counter() - started) * 1000)
        else:
            self.errors[op] += 1


ENGINEERS = sorted(default_catalog().technicians)
BODY = {"customer_id": "CUST-003", "subject": "bench", "description": "load test",
        "type": "incident", "serial": "W060-2021-00207", "error_code": "AL101",
        "escalation_reason": "low_confidence"}


async def client_loop(n: int, base: str, keys: dict[str, str], shared: str, load: Load,
                      stop_at: float) -> None:
    bot = httpx.AsyncClient(base_url=base, timeout=120,
                            headers={"Authorization": f"Bearer {keys['assistant']}"})
    staff = httpx.AsyncClient(base_url=base, timeout=120,
                              headers={"Authorization": f"Bearer {keys['engineer']}"})
    i = 0
    try:
        while time.monotonic() < stop_at:
            key = f"bench-{n}-{i}"
            body = {**BODY, "conversation_id": f"conv-{n}", "subject": f"bench {n} {i}"}
            t = time.perf_counter()
            r = await bot.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": key})
            load.record("create", t, r.status_code == 201)
            if r.status_code != 201:
                i += 1
                continue
            ticket = r.json()
            load.created.add(ticket["id"])
            if i % 5 == 0:  # a retry of the same escalation
                t = time.perf_counter()
                again = await bot.post("/api/v1/tickets", json=body,
                                       headers={"Idempotency-Key": key})
                load.record("create", t, again.status_code == 201)
                if again.status_code == 201 and again.json()["id"] != ticket["id"]:
                    load.replays_differing += 1
                    load.created.add(again.json()["id"])
            t = time.perf_counter()
            r = await staff.get("/api/v1/tickets", params={"page_size": 20})
            load.record("list", t, r.status_code == 200)
            t = time.perf_counter()
            # An engineer of the list (the API takes no other); consecutive updates differ, so
            # a lost last write shows.
            assignee = ENGINEERS[(n + i) % len(ENGINEERS)]
            r = await staff.patch(f"/api/v1/tickets/{ticket['id']}", json={"assignee": assignee},
                                  headers={"If-Match": f'"{ticket["version"]}"'})
            load.record("update", t, r.status_code == 200)
            if r.status_code == 200:
                load.own_updates[ticket["id"]] = assignee
            t = time.perf_counter()
            r = await staff.patch(f"/api/v1/tickets/{shared}", json={"priority": "P4"
                                  if i % 2 else "P3"})
            load.record("assign shared", t, r.status_code == 200)
            if r.status_code == 200:
                load.shared_acks += 1
            i += 1
    finally:
        await bot.aclose()
        await staff.aclose()


async def run_load(base: str, keys: dict[str, str], clients: int, seconds: float,
                   warmup: float) -> tuple[Load, float, str]:
    load = Load()
    async with httpx.AsyncClient(base_url=base, timeout=60,
                                 headers={"Authorization": f"Bearer {keys['engineer']}"}) as c:
        shared = (await c.post("/api/v1/tickets", json={**BODY, "subject": "shared",
                                                        "type": "question", "serial": None,
                                                        "error_code": None,
                                                        "escalation_reason": None})).json()
    start = time.monotonic()

    async def flip() -> None:
        await asyncio.sleep(warmup)
        load.measure_from = time.perf_counter()

    flipper = asyncio.create_task(flip())
    await asyncio.gather(*(client_loop(n, base, keys, shared["id"], load,
                                       start + warmup + seconds) for n in range(clients)))
    await flipper
    return load, time.monotonic() - start - warmup, shared["id"]


def verify(base: str, keys: dict[str, str], load: Load, shared: str,
           shared_acks_total: int) -> tuple[int, int]:
    """(duplicates, lost writes) from the final state in the database, via the API."""
    headers = {"Authorization": f"Bearer {keys['engineer']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as api:
        total = api.get("/api/v1/tickets", params={"customer_id": "CUST-003",
                                                   "page_size": 1}).json()["total"]
        duplicates = total - 1 - len(load.created) + load.replays_differing  # 1: the shared one
        lost = 0
        final_shared = api.get(f"/api/v1/tickets/{shared}").json()
        lost += max(0, shared_acks_total - (final_shared["version"] - 1))
        for ticket_id, assignee in list(load.own_updates.items()):
            if api.get(f"/api/v1/tickets/{ticket_id}").json()["assignee"] != assignee:
                lost += 1
    return max(duplicates, load.replays_differing), lost


def one_run(backend: str, args: argparse.Namespace) -> dict[str, object]:
    with scratch_database(backend, args.pg_server, "tickets") as url:
        upgrade(url)
        engine = create_store_engine(url)
        keys = {role: key_store.create_key(engine, role=role, name=f"bench-{role}")[0]
                for role in ("assistant", "engineer")}
        engine.dispose()
        with api_server(url) as base:
            load, elapsed, shared = asyncio.run(run_load(base, keys, args.clients, args.seconds,
                                                         args.warmup))
            # every shared update is counted, warm-up included: compare all acknowledgements
            duplicates, lost = verify(base, keys, load, shared, load.shared_acks)
    return {"load": load, "elapsed": elapsed, "duplicates": duplicates, "lost": lost}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    lines = [f"# Ticket API: {args.clients} concurrent clients, no think time", "",
             f"{args.runs} run(s) of {args.seconds:.0f} s after a {args.warmup:.0f} s warm-up per "
             "backend; one uvicorn worker; latencies in ms, medians over runs; throughput in "
             "requests/s of that operation.", "",
             "| backend | operation | requests | p50 | p95 | p99 | req/s | errors |",
             "|---|---|---|---|---|---|---|---|"]
    integrity = ["", "| backend | run | total req/s | duplicates | lost writes |",
                 "|---|---|---|---|---|"]
    for backend in args.backends.split(","):
        try:
            runs = [one_run(backend, args) for _ in range(args.runs)]
        except Exception as exc:  # noqa: BLE001  (a backend that cannot run is reported)
            lines.append(f"| {backend} | not measured: {exc!r} | | | | | | |")
            continue
        for op in OPS:
            values = [run["load"].latency[op] for run in runs]  # type: ignore[attr-defined]
            count = statistics.median(len(v) for v in values)
            p50 = statistics.median(percentile(v, 50) for v in values if v)
            p95 = statistics.median(percentile(v, 95) for v in values if v)
            p99 = statistics.median(percentile(v, 99) for v in values if v)
            rate = statistics.median(len(v) / run["elapsed"]  # type: ignore[operator]
                                     for v, run in zip(values, runs, strict=True))
            errors = sum(run["load"].errors[op] for run in runs)  # type: ignore[attr-defined]
            lines.append(f"| {backend} | {op} | {count:.0f} | {p50:.1f} | {p95:.1f} | "
                         f"{p99:.1f} | {rate:.1f} | {errors} |")
        for number, run in enumerate(runs, 1):
            load = run["load"]
            total = sum(len(v) for v in load.latency.values()) / run["elapsed"]  # type: ignore
            integrity.append(f"| {backend} | {number} | {total:.1f} | {run['duplicates']} | "
                             f"{run['lost']} |")
    text = "\n".join(lines + integrity) + "\n"
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "tickets_bench.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
