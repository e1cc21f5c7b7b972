"""How long the staff console's KPI dashboard takes to render a quarter of data in headless
chromium (target: <= 2 s).

Fills a scratch SQLite database with the demo quarter (analytics/demo.py: about 5,000
conversations and 500 tickets through the real analytics and ticket stores), starts the real
API, signs in on the console and opens `/console/kpis.html` (the default: the last 90 days, no
grouping, then grouped by week and by customer) --runs times each, measuring from navigation
to the moment the page says it has drawn every chart and the gaps list. Prints p50/p95/p99 per
case and writes bench/out/kpi_dashboard.md.

    .venv/bin/python -m bench.kpi_dashboard [--runs 10] [--conversations 5000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from api.auth import key_store
from bench.running import api_server, percentile
from core.settings import Settings
from db.migrate import upgrade
from tickets.database import create_store_engine

OUT = Path(__file__).resolve().parent / "out" / "kpi_dashboard.md"
CASES = ("", "?group_by=week", "?group_by=customer")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    from analytics import demo
    from tests.conftest import require_chromium

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--conversations", type=int, default=5000)
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="kpi-dashboard-"))
    url = f"sqlite:///{scratch / 'store.db'}"
    upgrade(url)
    engine = create_store_engine(url)
    print(f"filling {scratch} with the demo quarter ...", file=sys.stderr)
    started = time.monotonic()
    summary = demo.generate(engine, settings=Settings(data_dir=scratch, database_url=url),
                            conversations=args.conversations, end=datetime.now(UTC))
    filled = time.monotonic() - started
    key, _ = key_store.create_key(engine, role="engineer", name="bench")
    timings: dict[str, list[float]] = {case: [] for case in CASES}
    with api_server(url, str(scratch)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require_chromium(), args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{base}/console/")
        page.evaluate(f"sessionStorage.setItem('helios-key', '{key}')")
        for run in range(args.runs + 1):
            for case in CASES:
                began = time.monotonic()
                page.goto(f"{base}/console/kpis.html{case}")
                page.wait_for_selector("body[data-rendered=true]", timeout=60_000)
                if run:  # the first round warms the API (caches, the embedding model)
                    timings[case].append((time.monotonic() - began) * 1000)
            print(f"run {run}/{args.runs}", file=sys.stderr)
        browser.close()
    lines = ["# KPI dashboard: navigation to every chart drawn, headless chromium", "",
             f"Data: the demo quarter ({summary.conversations} conversations, "
             f"{summary.tickets} tickets; filled in {filled:.0f} s), SQLite, the real API once "
             "warm (/readyz). "
             f"{args.runs} runs per case after one warm-up round; load average at the end "
             f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.", "",
             "| page | p50 ms | p95 ms | p99 ms | max ms |", "|---|---|---|---|---|"]
    for case, values in timings.items():
        lines.append(f"| kpis.html{case or ' (no grouping)'} | {percentile(values, 50):.0f} | "
                     f"{percentile(values, 95):.0f} | {percentile(values, 99):.0f} | "
                     f"{max(values):.0f} |")
    every = [v for values in timings.values() for v in values]
    lines += ["", f"All: p95 {percentile(every, 95):.0f} ms (target <= 2000 ms: "
              f"{'met' if percentile(every, 95) <= 2000 else 'MISSED'})."]
    report = "\n".join(lines) + "\n"
    print(report)
    OUT.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
