"""`kill -9` of the Rasa server under load, on the single-machine default (`make run`).

Starts `python -m launcher` (what `make run` runs) in its own process, on free ports with
throw-away state, puts N customers on it (the soak's load: think time 2-5 s, the
conversation benchmark's scenarios), kills the Rasa process with SIGKILL after --kill-after
seconds, and measures from outside, every half second:
- whether the API still answers (/healthz, any HTTP status) and what it says of Rasa;
- when the web chat (the API's /chat/api/messages, as the browser sends it) answers again;
- the customers' failed turns during the outage.
Writes bench/out/crash_recovery.md.

    .venv/bin/python -m bench.crash_recovery [--clients 20] [--kill-after 30] [--seconds 180]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import yaml

from bench.conversation_eval import DATA, scenarios
from bench.running import launched
from bench.soak import OUT, load
from core.settings import Settings
from launcher.ports import free_port

CHAT_PROBE = "Hello"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--kill-after", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    all_scenarios = scenarios(yaml.safe_load(DATA.read_text("utf-8")), random.Random(args.seed))
    state = Path(tempfile.mkdtemp(prefix="bench-crash-"))
    settings = Settings(api_port=free_port(), rasa_port=free_port(), data_dir=state,
                        database_url=f"sqlite:///{state}/tickets.db",
                        tracker_store_url=f"sqlite:///{state}/tracker.db")
    with launched(settings) as system:
        api = system.api
        probes: list[tuple[float, bool, str]] = []  # (t, API answered, what /healthz says of Rasa)
        chat: list[tuple[float, bool]] = []
        started = time.monotonic()
        killed_at: list[float] = []
        stop = threading.Event()

        def probe() -> None:
            conversation = uuid.uuid4().hex
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    at = time.monotonic() - started
                    try:
                        health = client.get(f"{api}/healthz")
                        rasa = health.json().get("checks", {}).get("rasa", {}).get("status", "?")
                        probes.append((at, True, rasa))
                    except (httpx.HTTPError, ValueError) as exc:
                        probes.append((at, False, f"no answer ({type(exc).__name__})"))
                    if killed_at:
                        try:
                            answer = client.post(f"{api}/chat/api/messages", json={
                                "conversation_id": conversation, "message": CHAT_PROBE})
                            chat.append((at, answer.status_code == 200))
                        except httpx.HTTPError:
                            chat.append((at, False))
                    time.sleep(0.5)

        def kill_when_due(at: float) -> None:
            if not killed_at and at >= args.kill_after:
                pid = system.rasa_pid()
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    killed_at.append(time.monotonic() - started)
                    print(f"killed Rasa (pid {pid}) at {killed_at[0]:.1f} s", file=sys.stderr)

        watcher = threading.Thread(target=probe, daemon=True)
        watcher.start()
        offset = time.monotonic() - started
        turns = load(system.rasa, all_scenarios, args.clients, args.seconds, args.seed,
                     f"{args.clients} customers, Rasa killed at {args.kill_after:.0f} s",
                     kill_when_due)
        stop.set()
        watcher.join(timeout=15)
    if not killed_at:
        print("Rasa was never killed", file=sys.stderr)
        return 1
    kill = killed_at[0]
    after = [(at, ok) for at, ok in chat if at >= kill]
    first_failure = next((at for at, ok in after if not ok), None)
    back = next((at for at, ok in after if ok and first_failure is not None
                 and at > first_failure), None)
    api_silent = [at for at, answered, _ in probes if not answered]
    said_down = [at for at, answered, rasa in probes if answered and at >= kill
                 and rasa != "ok"]
    failed = [t for t in turns if not t.ok and t.at + offset >= kill]
    silent_at = (" (at " + ", ".join(f"{at:.1f} s" for at in api_silent) + ")"
                 if api_silent else "")
    lines = [
        "# Crash recovery: kill -9 of Rasa under load (single machine)", "",
        f"One run, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores: {args.clients} customers "
        f"(think time 2-5 s) for {args.seconds:.0f} s; Rasa killed with SIGKILL at "
        f"{kill:.1f} s; the launcher's supervisor starts it again (backoff 1 s) and it loads "
        "its model. `python -m launcher` in its own process, as `make run` starts it; measured "
        "from outside every 0.5 s.", "",
        "| measure | result |", "|---|---|",
        f"| API probes without an HTTP answer (/healthz, 10 s timeout) | {len(api_silent)} of "
        f"{len(probes)}{silent_at} |",
        f"| /healthz reporting Rasa not ok after the kill | "
        f"{(said_down[-1] - said_down[0]) if said_down else 0:.1f} s "
        f"({len(said_down)} probes) |",
        f"| web chat answers again after the kill | "
        f"{(back - kill) if back is not None else float('nan'):.1f} s (target <= 90 s) |",
        f"| customers' turns failed after the kill | {len(failed)} of "
        f"{sum(1 for t in turns if t.at + offset >= kill)} |", "",
        "While Rasa was down the chat page shows the 'briefly unavailable' notice with the "
        "hotline and a callback request (tests/e2e/test_chat_browser.py).", ""]
    timeline = [f"{at:6.1f} s  /healthz: {rasa if answered else rasa}" for at, answered, rasa
                in probes if kill - 2 <= at <= (back or kill) + 2]
    lines += ["/healthz around the outage (what it said of Rasa):", "", "```", *timeline, "```",
              ""]
    report = OUT / "crash_recovery.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"written to {report}")
    return 0 if back is not None and not api_silent else 1


if __name__ == "__main__":
    sys.exit(main())
