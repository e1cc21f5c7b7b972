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


def launch(tmp_path, system_settings) -> tuple[subprocess.Popen, int, int]:
    """`python -m launcher` on free ports, its output in tmp_path/launcher.log."""
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
    with open(tmp_path / "launcher.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "launcher"], cwd=PROJECT_ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    return proc, api_port, rasa_port


def wait_until_ready(proc: subprocess.Popen, tmp_path, deadline: float) -> str:
    """The launcher's log once it says it is ready (both children up)."""
    while True:
        output = (tmp_path / "launcher.log").read_text()
        if "ready: chat on" in output:
            return output
        assert time.monotonic() < deadline and proc.poll() is None, output[-3000:]
        time.sleep(0.5)


def greet(rasa_port: int) -> list[dict]:
    return httpx.post(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                      json={"sender": "u1", "message": "Γεια σας"}, timeout=60).json()


def test_launcher_serves_and_ctrl_c_stops_both(tmp_path, system_settings):
    proc, api_port, rasa_port = launch(tmp_path, system_settings)
    try:
        output = wait_until_ready(proc, tmp_path, time.monotonic() + 600)
        assert "[api ]" in output and "[rasa]" in output  # prefixed logs of both children
        health = httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=30)
        assert health.status_code == 200, health.text
        reply = greet(rasa_port)
        assert reply and reply[0]["text"].startswith("Γεια σας!")

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert not port_open(api_port)
        assert not port_open(rasa_port)
    finally:
        shut_down(proc)


def shut_down(proc: subprocess.Popen) -> None:
    """Stop the launcher and, whatever state a failed assertion left it in, its children: each
    runs in a process group of its own, so killing the launcher alone would leave a Rasa
    server and an API running after the test."""
    if proc.poll() is not None:
        return
    groups = list(children(proc.pid))
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # already stopped by the launcher, as it should have been


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`, with their command lines."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if parent == pid:
            found[int(entry)] = command
    return found


def test_a_killed_rasa_is_started_again_while_the_api_keeps_serving(tmp_path, system_settings):
    """kill -9 of the Rasa server under the launcher: the API goes on answering (its health
    says Rasa is down meanwhile), the launcher starts Rasa again, and the chat answers again."""
    proc, api_port, rasa_port = launch(tmp_path, system_settings)
    try:
        deadline = time.monotonic() + 600
        wait_until_ready(proc, tmp_path, deadline)
        [rasa] = [pid for pid, command in children(proc.pid).items() if " run " in command
                  and "rasa" in command]
        os.kill(rasa, signal.SIGKILL)

        saw_down = False
        while True:
            health = httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=30)
            assert health.status_code in (200, 503)  # the API answers throughout
            saw_down |= health.json()["checks"]["rasa"]["status"] != "ok"
            if health.json()["checks"]["rasa"]["status"] == "ok" and saw_down:
                break
            assert time.monotonic() < deadline and proc.poll() is None, \
                (tmp_path / "launcher.log").read_text()[-3000:]
            time.sleep(1)
        reply = greet(rasa_port)
        assert reply and reply[0]["text"].startswith("Γεια σας!")
        output = (tmp_path / "launcher.log").read_text()
        assert "[rasa] exited with code -9" in output and "[rasa] started again" in output
        assert proc.poll() is None
    finally:
        shut_down(proc)


def test_launcher_fails_with_the_log_when_a_port_is_taken(tmp_path, system_settings):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        env = {**os.environ, "ASSISTANT_API_PORT": str(taken),
               "ASSISTANT_INDEX_DIR": str(system_settings.index_dir),
               "ASSISTANT_RASA_PORT": str(free_port()), "ASSISTANT_DATA_DIR": str(tmp_path),
               # The test's own stores, not the checkout's var/.
               "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp_path}/tickets.db",
               "ASSISTANT_TRACKER_STORE_URL": f"sqlite:///{tmp_path}/tracker.db"}
        proc = subprocess.run([sys.executable, "-m", "launcher"], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "api exited with code" in proc.stdout
    assert "address already in use" in proc.stdout.lower()
