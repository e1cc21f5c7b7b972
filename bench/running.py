"""Shared by the conversation benchmarks: the real system on free ports with a throw-away state
folder (as `make run` starts it), and percentiles of latency samples."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.settings import PROJECT_ROOT, Settings
from launcher.supervisor import Supervisor


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile of the samples (numpy's, linear between the closest ranks); 0 of
    none."""
    return float(np.percentile(values, q)) if len(values) else 0.0


def start_bench_system(prefix: str) -> tuple[Supervisor, str]:
    """Start API and Rasa for a benchmark; returns the supervisor and Rasa's base URL.

    State (tickets, trackers) is thrown away; the search index is `make run`'s own (var/index),
    rebuilt only when its inputs changed (launcher/index.py), so repeated runs start in seconds.
    """
    from launcher.ports import free_port
    from launcher.system import start_system, wait_until_warm

    state = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings(api_port=free_port(), rasa_port=free_port(), data_dir=state,
                        database_url=f"sqlite:///{state}/tickets.db",
                        tracker_store_url=f"sqlite:///{state}/tracker.db")
    print("starting the system (log:", state / "system.log", ")", file=sys.stderr)
    # Left open: the supervisor's reader threads write the children's output here until exit.
    log = open(state / "system.log", "w", buffering=1)  # noqa: SIM115
    supervisor = start_system(settings, log)
    if not wait_until_warm(settings):
        print("the API did not report warm (/readyz); measuring anyway", file=sys.stderr)
    return supervisor, f"http://{settings.rasa_host}:{settings.rasa_port}"


@dataclass
class Launched:
    """`python -m launcher` running in its own process group, as a person starts it."""

    process: subprocess.Popen[bytes]
    settings: Settings
    log: Path

    @property
    def api(self) -> str:
        return f"http://{self.settings.api_host}:{self.settings.api_port}"

    @property
    def rasa(self) -> str:
        return f"http://{self.settings.rasa_host}:{self.settings.rasa_port}"

    def children(self) -> dict[str, int]:
        """The launcher's children by role: api, rasa (or api1, rasa1, ... and lb)."""
        found: dict[str, int] = {"launcher": self.process.pid}
        listed = subprocess.run(["pgrep", "-a", "-P", str(self.process.pid)],
                                capture_output=True, text=True, check=False).stdout
        for line in listed.splitlines():
            pid, _, command = line.partition(" ")
            port = re.search(r"--port (\d+)", command)
            if "haproxy" in command:
                found["lb"] = int(pid)
            elif port and "uvicorn" in command:
                found[f"api:{port.group(1)}"] = int(pid)
            elif port and "rasa" in command:
                found[f"rasa:{port.group(1)}"] = int(pid)
        return found

    def rasa_pid(self) -> int | None:
        return next((pid for name, pid in self.children().items()
                     if name == f"rasa:{self.settings.rasa_port}"), None)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@contextmanager
def launched(settings: Settings, *, cluster: bool = False,
             timeout: float = 900) -> Iterator[Launched]:
    """`python -m launcher [--cluster]` with `settings` (as ASSISTANT_* variables) in its own
    process: the load generator measures it from outside, and the supervisor's log readers do
    not share a process with the load. Stopped with Ctrl-C (SIGINT) at the end."""
    from launcher.system import settings_env

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = settings.data_dir / "launcher.log"
    env = {**os.environ, **settings_env(settings)}
    print("starting python -m launcher", "--cluster" if cluster else "", "(log:", log, ")",
          file=sys.stderr)
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "launcher", *(["--cluster"] if cluster else [])],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while "ready:" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the launcher did not start; see {log}")
            time.sleep(1)
        yield Launched(process, settings, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
