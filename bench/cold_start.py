"""First start and retrain, measured as a newcomer meets them.

1. A fresh clone of this repository's HEAD, with its own empty model cache
   (ASSISTANT_MODELS_DIR) and no index: `make run`, timed to the first answer of the chat (a
   message through Rasa's REST channel), with the time of each phase read off the output.
2. In that clone, one NLU example added: `make train`, timed (Rasa's training cache keeps the
   components the edit does not touch).

Package caches (uv's, pip's) are left as they are: downloading the packages is the registry's
speed, not the project's. Writes bench/out/cold_start.md.

    .venv/bin/python -m bench.cold_start
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from launcher.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "cold_start.md"
# Lines of `make run` that end a phase (the first line that matches each).
PHASES = [
    ("setup", re.compile(r"^\[setup\] ready")),
    ("training", re.compile(r"Your Rasa model is trained and saved|Rasa model up to date")),
    ("index", re.compile(r"^\[index\] (index |search index up to date)")),
    ("servers ready", re.compile(r"\bready: chat on ")),
]
TARGET_FIRST_ANSWER_S = 360
TARGET_RETRAIN_S = 90


def _stamp(start: float) -> str:
    return f"{time.monotonic() - start:6.1f}s"


def first_start(clone: Path, env: dict[str, str], rasa_port: int) -> dict[str, float]:
    start = time.monotonic()
    marks: dict[str, float] = {}
    proc = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert proc.stdout is not None
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            for name, pattern in PHASES:
                if name not in marks and pattern.search(line):
                    marks[name] = time.monotonic() - start
                    print(f"[{_stamp(start)}] {name} done", file=sys.stderr, flush=True)
                    if name == "servers ready":
                        ready.set()
        ready.set()  # the process ended

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(timeout=3600) or "servers ready" not in marks:
            raise SystemExit(f"make run did not get ready (exit {proc.poll()})")
        response = httpx.post(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                              json={"sender": "cold-start", "message": "hello"}, timeout=120)
        response.raise_for_status()
        if not response.json():
            raise SystemExit("the first message got no answer")
        marks["first answer"] = time.monotonic() - start
        print(f"[{_stamp(start)}] first answer", file=sys.stderr, flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return marks


def retrain(clone: Path, env: dict[str, str]) -> float:
    nlu = clone / "bot" / "data" / "nlu" / "en.yml"
    text = nlu.read_text(encoding="utf-8")
    marker = "- intent: thank\n"
    head, tail = text.split(marker, 1)
    meta, examples = tail.split("  examples: |\n", 1)
    nlu.write_text(head + marker + meta + "  examples: |\n    - cheers, that did the trick\n"
                   + examples, encoding="utf-8")
    start = time.monotonic()
    subprocess.run(["make", "train"], cwd=clone, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return time.monotonic() - start


def report(marks: dict[str, float], retrain_s: float, commit: str) -> str:
    lines = ["# First start and retrain", "",
             f"`bench/cold_start.py` on commit {commit}: a fresh clone with an empty model cache "
             "and no index, `make run` to the first answer of the chat; then one NLU example "
             "added and `make train`. Package caches warm (downloads are the registry's speed). "
             "2 cores, one run.", "",
             "| phase | ends at | takes |", "|---|---|---|"]
    previous = 0.0
    for name in [*(n for n, _ in PHASES), "first answer"]:
        if name in marks:
            lines.append(f"| {name} | {marks[name]:.0f} s | {marks[name] - previous:.0f} s |")
            previous = marks[name]
    first = marks["first answer"]
    first_met = "met" if first <= TARGET_FIRST_ANSWER_S else "missed"
    retrain_met = "met" if retrain_s <= TARGET_RETRAIN_S else "missed"
    lines += ["",
              f"- first answer after **{first:.0f} s** ({first / 60:.1f} min; target <= "
              f"{TARGET_FIRST_ANSWER_S // 60} min: {first_met})",
              f"- retrain after one NLU edit: **{retrain_s:.0f} s** (target <= "
              f"{TARGET_RETRAIN_S} s: {retrain_met})", ""]
    return "\n".join(lines)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="cold-start-"))
    clone = work / "clone"
    try:
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, check=True,
                                capture_output=True, text=True).stdout.strip()
        rasa_port = free_port()
        env = {**os.environ, "ASSISTANT_MODELS_DIR": str(work / "models"),
               "ASSISTANT_RASA_PORT": str(rasa_port), "ASSISTANT_API_PORT": str(free_port())}
        marks = first_start(clone, env, rasa_port)
        retrain_s = retrain(clone, env)
        text = report(marks, retrain_s, commit)
        OUT.write_text(text, encoding="utf-8")
        print(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
