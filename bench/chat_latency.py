"""Chat latency of the foundation: Rasa's /model/parse and whole turns over the REST channel.

Starts the real system (as `make run` does, on free ports, with a throw-away state folder) unless
--rasa-url is given, then measures, one request at a time:
  - POST /model/parse;
  - a turn answered by a fixed response (greeting) and a turn answered by a custom action over
    the webhook (low-confidence fallback); their ratio is what the action round trip costs;
and a closed-loop load (no think time) with 1, 5 and 20 clients (see bench/README.md).
Prints a table and writes it to bench/out/chat_latency.md.

    .venv/bin/python -m bench.chat_latency [--turns 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from tqdm import tqdm

from bench.running import percentile, start_bench_system

OUT = Path(__file__).resolve().parent / "out"
GREETINGS = ["Hello", "Γεια σας", "Guten Morgen", "Bonjour", "Hola"]
MISSES = ["qwpz xkcd", "zzvb plokm", "asdf jklö"]


def summary(values_ms: list[float]) -> str:
    return (f"{statistics.median(values_ms):7.1f} | {percentile(values_ms, 95):7.1f} | "
            f"{percentile(values_ms, 99):7.1f}")


def timed(client: httpx.Client, url: str, body: dict) -> float:
    start = time.perf_counter()
    response = client.post(url, json=body)
    response.raise_for_status()
    return (time.perf_counter() - start) * 1000


def sequential(rasa: str, turns: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"parse": [], "greeting turn": [], "action turn": []}
    with httpx.Client(timeout=60) as client:
        for i in range(10):  # warm-up
            timed(client, f"{rasa}/model/parse", {"text": GREETINGS[i % 5]})
        for i in tqdm(range(turns), desc="sequential", unit="turn"):
            results["parse"].append(timed(client, f"{rasa}/model/parse",
                                          {"text": GREETINGS[i % 5]}))
            sender = f"bench-{uuid.uuid4().hex[:10]}"
            results["greeting turn"].append(timed(
                client, f"{rasa}/webhooks/rest/webhook",
                {"sender": sender, "message": GREETINGS[i % 5]}))
            results["action turn"].append(timed(
                client, f"{rasa}/webhooks/rest/webhook",
                {"sender": sender, "message": MISSES[i % 3]}))
    return results


def closed_loop(rasa: str, clients: int, seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def customer(n: int) -> None:
        nonlocal errors
        sender = f"load-{clients}-{n}-{uuid.uuid4().hex[:6]}"
        i = 0
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop_at:
                message = GREETINGS[i % 5] if i % 2 == 0 else MISSES[i % 3]
                try:
                    ms = timed(client, f"{rasa}/webhooks/rest/webhook",
                               {"sender": sender, "message": message})
                    with lock:
                        latencies.append(ms)
                except httpx.HTTPError:
                    with lock:
                        errors += 1
                i += 1

    threads = [threading.Thread(target=customer, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", help="measure a running system instead of starting one")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0, help="per closed-loop level")
    parser.add_argument("--clients", default="1,5,20")
    args = parser.parse_args()

    supervisor = None
    rasa = args.rasa_url
    if not rasa:
        supervisor, rasa = start_bench_system("bench-chat-")
    try:
        seq = sequential(rasa, args.turns)
        lines = ["| measurement | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|"]
        lines += [f"| {name} (n={len(v)}) | {summary(v)} |" for name, v in seq.items()]
        ratio = statistics.median(seq["action turn"]) / statistics.median(seq["greeting turn"])
        lines.append(f"\naction turn / greeting turn, p50 ratio: {ratio:.2f}\n")
        lines += ["| closed-loop clients | turns/s | p50 ms | p95 ms | p99 ms | errors |",
                  "|---|---|---|---|---|---|"]
        for clients in [int(c) for c in args.clients.split(",")]:
            latencies, errors, elapsed = closed_loop(rasa, clients, args.seconds)
            lines.append(f"| {clients} | {len(latencies) / elapsed:6.1f} | {summary(latencies)} |"
                         f" {errors} |")
            print(lines[-1], file=sys.stderr)
    finally:
        if supervisor:
            supervisor.stop()
    table = "\n".join(lines)
    print(table)
    OUT.mkdir(exist_ok=True)
    (OUT / "chat_latency.md").write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
