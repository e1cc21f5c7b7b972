from __future__ import annotations

import io
import sys
import time

import pytest

from launcher.supervisor import Service, StartupError, Supervisor

PY = sys.executable


def test_child_dying_at_start_fails_with_its_log():
    supervisor = Supervisor(io.StringIO())
    service = Service("boom", [PY, "-c", "print('loading model'); print('bad config'); exit(3)"],
                      ready=lambda: False)
    with pytest.raises(StartupError) as info:
        supervisor.start(service, timeout=30, poll=0.05)
    message = str(info.value)
    assert "boom exited with code 3" in message
    assert "bad config" in message
    supervisor.stop()


def test_child_never_ready_times_out_and_is_stopped():
    supervisor = Supervisor(io.StringIO())
    service = Service("slow", [PY, "-c", "import time; time.sleep(60)"], ready=lambda: False)
    with pytest.raises(StartupError, match="not ready after"):
        supervisor.start(service, timeout=0.5, poll=0.05)
    supervisor.stop(grace=5)


def test_logs_are_prefixed_and_stop_ends_the_process_group(tmp_path):
    out = io.StringIO()
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "print('hello from child', flush=True)\n"
        "time.sleep(60)\n"
    )
    supervisor = Supervisor(out)
    supervisor.start(Service("api", [PY, "-c", script], ready=pid_file.exists), timeout=30,
                     poll=0.05)
    deadline = time.monotonic() + 10
    while "hello from child" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "[api ] hello from child" in out.getvalue()
    grandchild = int(pid_file.read_text())
    assert alive(grandchild)
    supervisor.stop(grace=5)
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_wait_reports_which_child_exited():
    supervisor = Supervisor(io.StringIO())
    supervisor.start(Service("short", [PY, "-c", "import time; time.sleep(0.5); exit(7)"],
                             ready=lambda: True), timeout=10, poll=0.05)
    assert supervisor.wait(poll=0.05) == ("short", 7)
    supervisor.stop()
