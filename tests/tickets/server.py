"""Run the real API (uvicorn, its own process) on a free port against a given database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

from core.settings import PROJECT_ROOT
from tests.conftest import free_port


@contextlib.contextmanager
def running_api(database_url: str, **settings: str) -> Iterator[str]:
    """Start the API with `database_url` (already migrated); yields its base URL."""
    port = free_port()
    # No telemetry consumer unless asked: the machine's broker carries whatever other tests
    # and benches publish, which would open alerts and tickets in this database.
    env = {**os.environ, "ASSISTANT_DATABASE_URL": database_url,
           "ASSISTANT_TICKETS_WORKER_INTERVAL_S": "0", "ASSISTANT_MQTT_URL": "",
           **{f"ASSISTANT_{k.upper()}": v for k, v in settings.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                raise RuntimeError(f"the API exited during start-up:\n{output[-3000:]}")
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API did not start within 90 s")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
