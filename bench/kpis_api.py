"""KPI endpoint latency over a quarter of SYNTHETIC (or DEMO) data, through the real API server.

SYNTHETIC BENCH DATA (--data synthetic, the default): a fresh scratch database (a temporary
SQLite file; a PostgreSQL database created and dropped, when the server answers) is filled
directly in the tables with a made-up quarter: --conversations analytics conversations
(default 5,000) with their turns (gaps with texts among them) and guided-diagnosis sessions,
and --tickets tickets (default 500) of the demo customers with real SLA deadlines, responses,
resolutions, pauses and breaches. Every row's subject or conversation id says "synthetic
bench"; nothing of it is real.

DEMO DATA (--data demo): the scratch database is filled by the project's demo generator
instead (analytics/demo.py `generate`: --conversations chats over the 13 weeks to now, to the
hour, seed 7, replayed as Rasa's events through the real analytics store; the tickets their
escalations open, about one in ten, lived through the real ticket store; all marked demo;
--tickets does not apply). The same quarter on every backend; the requests ask for the demo
quarter's own period, from the day of its first conversation to the day of its last.

Then the API runs as its own process (uvicorn, as `make run` starts it) on a free port and one
client calls `GET /api/v1/kpis` for the quarter --requests times per group_by (none, language,
family, model, customer, tier, week) and the CSV export, one request at a time after a warm-up,
and `GET /api/v1/kpis/gaps` (the first call embeds and clusters, the next ones hit the cache).
Prints p50/p95/p99 per case and writes bench/out/kpis_api.md (--data demo:
bench/out/kpis_api_demo.md; --out another file).

    .venv/bin/python -m bench.kpis_api [--data synthetic|demo] [--requests 60]
        [--conversations 5000] [--tickets 500] [--backends sqlite,postgresql]
        [--pg-server postgresql+psycopg://postgres@127.0.0.1:5432] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from api.auth import key_store
from bench.running import api_server, percentile, scratch_database
from core.settings import Settings
from db.analytics import AnalyticsConversation, AnalyticsDiagnosis, AnalyticsEvent, AnalyticsTurn
from db.migrate import upgrade
from db.tickets import Ticket
from tickets import sla
from tickets.catalog import default_catalog
from tickets.database import create_store_engine

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
START = datetime(2026, 7, 1, tzinfo=UTC)  # Q3 2026
END = datetime(2026, 10, 1, tzinfo=UTC)
NOW = END + timedelta(days=5)
GROUPS = (None, "language", "family", "model", "customer", "tier", "week")
LANGUAGES = ("en", "de", "el", "fr", "es")
GAP_TEXTS = (
    "how do I bleed air from the pump", "how to vent the pump casing", "pump loses prime",
    "which oil for the screw compressor", "compressor oil type", "oil change interval",
    "chiller high pressure alarm", "condenser fan does not start", "what does code E217 mean",
    "reset the controller after a power cut", "where is the drain valve", "belt tension",
    "asdkjh", "price of a new machine", "invoice address change", "noise from the bearing",
)
REASONS = ("critical", "low_confidence", "repeated_failure", "customer_request")


def pg_available(pg_server: str) -> str | None:
    import psycopg

    admin = pg_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    try:
        with psycopg.connect(admin, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


# -- the synthetic quarter --------------------------------------------------------------------
def fill(engine: Engine, conversations: int, tickets: int, seed: int = 1) -> dict[str, int]:
    """Write the synthetic quarter; returns row counts."""
    rng = random.Random(seed)
    catalog = default_catalog()
    customers = sorted(catalog.customers.values(), key=lambda c: c.customer_id)
    assets = [(c, a) for c in customers for a in sorted(c.assets.values(),
                                                         key=lambda a: a.serial)]
    span = (END - START).total_seconds()
    conv_rows: list[dict[str, Any]] = []
    turn_rows: list[dict[str, Any]] = []
    diag_rows: list[dict[str, Any]] = []
    for n in range(conversations):
        started = START + timedelta(seconds=rng.random() * span)
        ended = started + timedelta(seconds=rng.randint(20, 900))
        identified = rng.random() < 0.6
        customer, asset = rng.choice(assets) if identified else (None, None)
        escalated = rng.random() < 0.22
        reason = rng.choice(REASONS) if escalated else None
        messages = rng.randint(1, 8)
        helped = rng.random()
        cid = f"synthetic-bench-{n:05d}"
        conv_rows.append({
            "conversation_id": cid, "started_at": started, "last_event_at": ended,
            "channel": "rest", "language": rng.choice(LANGUAGES),
            "customer_id": customer.customer_id if customer else None,
            "asset_serial": asset.serial if asset else None,
            "asset_model": asset.model if asset else None,
            "asset_family": asset.family if asset else None, "events": messages * 6,
            "user_messages": messages, "fallbacks": rng.randint(0, 1), "intents": {},
            "flows": [], "diagnosis_sessions": 0, "manual_answers": rng.randint(0, 2),
            "helped_yes": int(helped < 0.4), "helped_no": int(0.4 <= helped < 0.55),
            "rating": rng.randint(1, 5) if rng.random() < 0.2 else None,
            "escalated": escalated, "escalation_reason": reason,
            "escalations": int(escalated), "ticket_number": None, "tickets": []})
        for seq in range(1, messages + 1):
            gap = rng.choice(("fallback", "not_helped", "low_score", "no_answer",
                              "out_of_domain")) if rng.random() < 0.12 else None
            turn_rows.append({
                "conversation_id": cid, "seq": seq,
                "at": started + timedelta(seconds=seq * 10), "language": "en",
                "intent": "ask_how_to", "confidence": 0.9,
                "action": "action_urgent_safety" if reason == "critical" and seq == 1 else None,
                "flows": [], "reply_kinds": [], "fallback": gap == "fallback",
                "escalation_reason": reason if seq == messages else None,
                "gap": gap, "text": rng.choice(GAP_TEXTS) if gap else None,
                "response_ms": rng.randint(80, 900)})
        if asset is not None and rng.random() < 0.35:
            outcome = rng.choice(("concluded", "concluded", "escalated", "open"))
            diag_rows.append({
                "conversation_id": cid, "session_id": f"{cid}:1", "started_at": started,
                "ended_at": ended, "asset_serial": asset.serial, "asset_model": asset.model,
                "asset_family": asset.family, "error_code": None,
                "questions": rng.randint(1, 6), "outcome": outcome,
                "fault_id": f"fault_{rng.randint(1, 6)}" if outcome == "concluded" else None,
                "confidence": 0.8, "helped": None, "escalation_reason": None,
                "ticket_number": None})
    ticket_rows: list[dict[str, Any]] = []
    for _ in range(tickets):
        customer, asset = rng.choice(assets)
        created = START + timedelta(seconds=rng.random() * span)
        priority = rng.choice(("P1", "P2", "P2", "P3", "P3", "P4"))
        due = sla.deadlines(catalog=catalog, customer=customer, site_id=asset.site_id,
                            priority=priority, created_at=created)
        responded = created + timedelta(hours=rng.uniform(0.2, 30)) \
            if rng.random() < 0.95 else None
        resolved = responded + timedelta(hours=rng.uniform(1, 150)) \
            if responded and rng.random() < 0.85 else None
        status = "resolved" if resolved else "in_progress" if responded else "new"
        ticket_rows.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "status": status,
            "priority": priority, "type": rng.choice(("incident", "incident", "question",
                                                      "service_request")),
            "customer_id": customer.customer_id, "site_id": asset.site_id,
            "serial": asset.serial, "model": asset.model, "family": asset.family,
            "language": customer.language,
            "channel": "monitoring" if rng.random() < 0.2 else "chat",
            "conversation_id": None, "subject": "synthetic bench ticket",
            "description": "synthetic bench data", "escalation_reason": rng.choice(REASONS),
            "error_code": None, "assignee": None, "contract_tier": due.tier,
            "time_zone": due.time_zone, "transcript": [], "diagnosis": None, "citations": [],
            "created_by": "bench", "idempotency_scope": None, "idempotency_key": None,
            "request_hash": None, "created_at": created, "updated_at": resolved or created,
            "first_response_at": responded, "resolved_at": resolved, "closed_at": None,
            "response_due_at": due.response_due_at, "resolution_due_at": due.resolution_due_at,
            "next_due_at": None if resolved else due.resolution_due_at,
            "breach_notified_at": None, "sla_paused_at": None, "sla_paused_seconds": 0,
            "human_active": False, "version": 1})
    with engine.begin() as connection:
        for table, rows in ((AnalyticsConversation, conv_rows), (AnalyticsTurn, turn_rows),
                            (AnalyticsDiagnosis, diag_rows), (Ticket, ticket_rows)):
            for start in range(0, len(rows), 1000):
                connection.execute(insert(table), rows[start:start + 1000])
    analyze(engine)
    return {"conversations": len(conv_rows), "turns": len(turn_rows),
            "diagnoses": len(diag_rows), "tickets": len(ticket_rows),
            "gap turns": sum(1 for t in turn_rows if t["gap"])}


def analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of such inserts in a running system.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


# -- the demo quarter (analytics/demo.py) -----------------------------------------------------
def demo_progress(stage: str, total: int) -> Any:
    """Progress of the demo generator on stderr: a line per quarter of each stage."""
    done = [0]
    print(f"   demo {stage}: {total}", file=sys.stderr, flush=True)

    def step(n: int) -> None:
        before, done[0] = done[0], done[0] + n
        if total and before * 4 // total != done[0] * 4 // total:
            print(f"   demo {stage}: {done[0]}/{total}", file=sys.stderr, flush=True)

    return step


def fill_demo(engine: Engine, url: str, data_dir: str, conversations: int, end: datetime
              ) -> tuple[dict[str, int], datetime, datetime]:
    """The demo quarter through the real stores; row counts and its first and last day."""
    from analytics import demo  # lazy: the knowledge pack and the expert system, demo only

    result = demo.generate(engine, settings=Settings(data_dir=Path(data_dir), database_url=url),
                           conversations=conversations, end=end, progress=demo_progress)
    if not result.created or result.first is None or result.last is None:
        raise RuntimeError("the demo generator made no quarter in the scratch database")
    analyze(engine)
    with engine.connect() as connection:
        def count(table: Any, *where: Any) -> int:
            return int(connection.scalar(select(func.count()).select_from(table)
                                         .where(*where)) or 0)

        counts = {"conversations": count(AnalyticsConversation),
                  "events": count(AnalyticsEvent), "turns": count(AnalyticsTurn),
                  "diagnoses": count(AnalyticsDiagnosis), "tickets": count(Ticket),
                  "gap turns": count(AnalyticsTurn, AnalyticsTurn.gap.is_not(None))}
    return counts, result.first, result.last


# -- the measurement --------------------------------------------------------------------------
def timed(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def run_backend(backend: str, pg_server: str, args: argparse.Namespace) -> dict[str, Any]:
    with scratch_database(backend, pg_server, "kpis") as url, \
            tempfile.TemporaryDirectory(prefix="bench-kpis-data-") as data_dir:
        upgrade(url)
        engine = create_store_engine(url)
        began = time.perf_counter()
        if args.data == "demo":
            counts, first, last = fill_demo(engine, url, data_dir, args.conversations,
                                            args.demo_end)
        else:
            counts = fill(engine, args.conversations, args.tickets)
            first, last = START, END - timedelta(days=1)
        fill_s = time.perf_counter() - began
        key, _ = key_store.create_key(engine, role="engineer", name="kpi-bench")
        engine.dispose()
        period = f"from={first.date()}&to={last.date()}"
        cases: dict[str, list[float]] = {}
        with api_server(url, data_dir) as base, httpx.Client(
                base_url=base, timeout=300, headers={"Authorization": f"Bearer {key}"}) as client:
            for _ in range(3):  # warm-up: imports, catalog, connection pool
                timed(client, f"/api/v1/kpis?{period}")
            for group in GROUPS:
                suffix = f"&group_by={group}" if group else ""
                cases[f"kpis group_by={group or '-'}"] = [
                    timed(client, f"/api/v1/kpis?{period}{suffix}") for _ in range(args.requests)]
            cases["kpis csv group_by=week"] = [
                timed(client, f"/api/v1/kpis?{period}&group_by=week&format=csv")
                for _ in range(args.requests)]
            gaps_first = timed(client, f"/api/v1/kpis/gaps?{period}")
            cases["gaps (cached clustering)"] = [
                timed(client, f"/api/v1/kpis/gaps?{period}") for _ in range(args.requests // 2)]
            sample = client.get(f"/api/v1/kpis/gaps?{period}").json()
        everything = [v for name, values in cases.items() if name.startswith("kpis")
                      for v in values]
        return {"backend": backend, "counts": counts, "fill_s": fill_s, "cases": cases,
                "first": first.date(), "last": last.date(),
                "load": os.getloadavg(),
                "all_kpis": everything, "gaps_first_ms": gaps_first,
                "gap_clusters": len(sample["clusters"]), "gap_questions": sample["questions"]}


def row(name: str, values: list[float]) -> str:
    return (f"| {name} | {len(values)} | {percentile(values, 50):.1f} | "
            f"{percentile(values, 95):.1f} | {percentile(values, 99):.1f} | {max(values):.1f} |")


def report(results: list[dict[str, Any]], args: argparse.Namespace,
           skipped: dict[str, str]) -> str:
    if args.data == "demo":
        periods = sorted({f"{r['first']} to {r['last']}" for r in results}) or ["-"]
        title = "# KPI endpoint latency (`bench/kpis_api.py`), demo quarter"
        data = ("**Demo data** (`--data demo`, marked demo): the demo quarter of "
                "`analytics/demo.py` (`generate`: "
                f"{args.conversations} conversations over the 13 weeks to "
                f"{args.demo_end:%Y-%m-%d %H:%M} UTC, seed 7, replayed as Rasa's events "
                "through the real analytics store; the tickets their escalations open, through "
                "the real ticket store), made in a scratch database; the requests ask for the "
                f"demo quarter's own period ({', '.join(periods)}, its first to its last "
                "day)")
    else:
        title = "# KPI endpoint latency (`bench/kpis_api.py`)"
        data = (f"**Synthetic bench data**: a made-up quarter ({START.date()} to "
                f"{(END - timedelta(days=1)).date()}) written straight into the tables of a "
                "scratch database")
    lines = [title, "",
             f"One run, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}. {data}; the real API server (uvicorn, one "
             f"worker), one client, one request at a time, {args.requests} requests per case "
             "after a warm-up. Target: p95 <= 200 ms.", ""]
    for name, reason in skipped.items():
        lines += [f"- {name}: skipped ({reason})", ""]
    for result in results:
        counts = ", ".join(f"{v} {k}" for k, v in result["counts"].items())
        everything = result["all_kpis"]
        kind = "demo quarter" if args.data == "demo" else "synthetic quarter"
        lines += [f"## {result['backend']}", "",
                  f"Data ({kind}, {result['first']} to {result['last']}): {counts} "
                  f"({'generated' if args.data == 'demo' else 'written'} in "
                  f"{result['fill_s']:.1f} s). Machine load "
                  f"average at the end (1/5/15 min): "
                  f"{' / '.join(f'{x:.1f}' for x in result['load'])} on {os.cpu_count()} cores "
                  "(other work shares them: the tails are mostly waiting for a core).", "",
                  "| case | n | p50 ms | p95 ms | p99 ms | max ms |", "|---|---|---|---|---|---|"]
        lines += [row(name, values) for name, values in result["cases"].items()]
        lines += [row("**all KPI requests**", everything), "",
                  f"`/api/v1/kpis` p95 over all group_by values: "
                  f"**{percentile(everything, 95):.1f} ms** "
                  f"({'meets' if percentile(everything, 95) <= 200 else 'MISSES'} the 200 ms "
                  "target).", "",
                  f"Gaps: the first call (loads the embedding model if this process has not, "
                  f"embeds the distinct gap texts and clusters them) took "
                  f"{result['gaps_first_ms']:.0f} ms; {result['gap_questions']} gap questions "
                  f"in {result['gap_clusters']} clusters.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("synthetic", "demo"), default="synthetic",
                        help="synthetic rows written into the tables (default), or the demo "
                             "quarter of analytics/demo.py")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--tickets", type=int, default=500,
                        help="synthetic data only (the demo's tickets are its escalations)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-server", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"))
    parser.add_argument("--out", type=Path, default=None,
                        help="default bench/out/kpis_api.md (--data demo: kpis_api_demo.md)")
    args = parser.parse_args()
    if args.out is None:
        args.out = OUT / ("kpis_api_demo.md" if args.data == "demo" else "kpis_api.md")
    # One demo quarter for every backend: the end of the generator's default, now to the hour.
    args.demo_end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    results, skipped = [], {}
    for backend in args.backends.split(","):
        if backend == "postgresql":
            reason = pg_available(args.pg_server)
            if reason:
                skipped[backend] = reason
                continue
        print(f"-- {backend} ({args.data} data)", flush=True)
        results.append(run_backend(backend, args.pg_server, args))
    text = report(results, args, skipped)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
