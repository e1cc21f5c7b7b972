"""Shared by the benchmarks: the real system on free ports with a throw-away state folder (as
`make run` starts it), the API alone against a scratch database (SQLite or a PostgreSQL
database made and dropped for the run), and percentiles of latency samples."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from core.settings import PROJECT_ROOT, Settings
from launcher.ports import free_port
from launcher.supervisor import Supervisor


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile of the samples (numpy's, linear between the closest ranks); 0 of
    none."""
    return float(np.percentile(values, q)) if len(values) else 0.0


@contextmanager
def scratch_database(backend: str, pg_server: str, name: str) -> Iterator[str]:
    """A database URL for one run: a SQLite file in a temporary folder, or a PostgreSQL
    database `<name>_<random>` on `pg_server` (a SQLAlchemy URL without the database), dropped
    after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
            yield f"sqlite:///{folder}/{name}.db"
        return
    import psycopg  # only for the PostgreSQL half of a run

    admin = pg_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    database = f"{name}_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        yield f"{pg_server}/{database}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def api_server(url: str, data_dir: str | None = None) -> Iterator[str]:
    """The API alone (uvicorn, one worker) against the database `url`; yields its base URL once
    it is ready as a balancer sees it (GET /readyz): the warm-up (expert system, triage, index)
    has loaded, so it does not share the cores with the measured requests."""
    port = free_port()
    # No telemetry consumer: what else publishes on the machine's broker is not this bench's.
    env = {**os.environ, "ASSISTANT_DATABASE_URL": url, "ASSISTANT_TICKETS_WORKER_INTERVAL_S": "0",
           "ASSISTANT_LOG_LEVEL": "WARNING", "ASSISTANT_MQTT_URL": ""}
    if data_dir is not None:
        env["ASSISTANT_DATA_DIR"] = data_dir
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", "--port", str(port),
         "--log-level", "warning", "--no-access-log"], cwd=PROJECT_ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API did not start")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def bench_settings(prefix: str) -> Settings:
    """Settings of a benchmark's own system: free ports, a throw-away state folder."""
    from launcher.ports import free_port

    state = Path(tempfile.mkdtemp(prefix=prefix))
    return Settings(api_port=free_port(), rasa_port=free_port(), data_dir=state,
                    database_url=f"sqlite:///{state}/tickets.db",
                    tracker_store_url=f"sqlite:///{state}/tracker.db")


def start_bench_system(prefix: str, settings: Settings | None = None
                       ) -> tuple[Supervisor, str]:
    """Start API and Rasa for a benchmark; returns the supervisor and Rasa's base URL.

    State (tickets, trackers) is thrown away; the search index is `make run`'s own (var/index),
    rebuilt only when its inputs changed (launcher/index.py), so repeated runs start in seconds.
    """
    from launcher.system import start_system, wait_until_warm

    settings = settings or bench_settings(prefix)
    state = settings.data_dir
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
