"""`make run`'s launcher as a user runs it: comes up, answers, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from core.settings import PROJECT_ROOT
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_launcher_serves_and_ctrl_c_stops_both(tmp_path, system_settings):
    api_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        # The session's index (built once by whichever test starts the system first).
        "ASSISTANT_INDEX_DIR": str(system_settings.index_dir),
        "ASSISTANT_API_PORT": str(api_port), "ASSISTANT_RASA_PORT": str(rasa_port),
        "ASSISTANT_DATA_DIR": str(tmp_path),
        "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp_path}/tickets.db",
        "ASSISTANT_TRACKER_STORE_URL": f"sqlite:///{tmp_path}/tracker.db",
    }
    log = open(tmp_path / "launcher.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "launcher"], cwd=PROJECT_ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 600
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=5)
                if health.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        output = (tmp_path / "launcher.log").read_text()
        assert health is not None and health.status_code == 200, output[-3000:]
        assert "[api ]" in output and "[rasa]" in output  # prefixed logs of both children

        reply = httpx.post(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                           json={"sender": "u1", "message": "Γεια σας"}, timeout=60).json()
        assert reply and reply[0]["text"].startswith("Γεια σας!")

        # Ctrl-C once the launcher says it is ready (before that it exits 130, interrupted).
        while "ready: chat on" not in (tmp_path / "launcher.log").read_text():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert not port_open(api_port)
        assert not port_open(rasa_port)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()


def test_launcher_fails_with_the_log_when_a_port_is_taken(tmp_path, system_settings):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        env = {**os.environ, "ASSISTANT_API_PORT": str(taken),
               "ASSISTANT_INDEX_DIR": str(system_settings.index_dir),
               "ASSISTANT_RASA_PORT": str(free_port()), "ASSISTANT_DATA_DIR": str(tmp_path)}
        proc = subprocess.run([sys.executable, "-m", "launcher"], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "api exited with code" in proc.stdout
    assert "address already in use" in proc.stdout.lower()
