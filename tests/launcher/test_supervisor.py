from __future__ import annotations

import io
import sys
import time

import pytest

from launcher.supervisor import Backoff, Service, StartupError, Supervisor

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


def test_a_crashed_child_is_started_again_with_backoff_and_the_others_stay_up(tmp_path):
    """The crashing child is started again after 0.2 s, then 0.4 s (crashes in a row double
    the delay); the steady one keeps its process throughout."""
    out = io.StringIO()
    runs = tmp_path / "runs"
    crash = f"open({str(runs)!r}, 'a').write('x'); print('oops', flush=True); exit(3)"
    supervisor = Supervisor(out)
    supervisor.start(Service("steady", [PY, "-c", "import time; time.sleep(60)"],
                             ready=lambda: True), timeout=10, poll=0.05)
    steady = supervisor._children[0].process
    supervisor.start(Service("crash", [PY, "-c", crash], ready=lambda: True), timeout=10,
                     poll=0.05)
    started = time.monotonic()
    try:
        supervisor.supervise(backoff=Backoff(first=0.2, most=0.4, stable_after=60), poll=0.02,
                             until=lambda: runs.exists() and len(runs.read_text()) >= 4
                             or time.monotonic() - started > 20)
        assert len(runs.read_text()) >= 4, out.getvalue()
        # 0.2 + 0.4 + 0.4 s of backoff at least between the first and the fourth run.
        assert time.monotonic() - started >= 1.0
        assert steady.poll() is None and supervisor._children[0].process is steady
        log = out.getvalue()
        assert "[crash ] exited with code 3" in log and "starting it again in" in log
        assert "[crash ]     oops" in log and "started again" in log
    finally:
        supervisor.stop(grace=5)
    assert steady.poll() is not None


def test_backoff_doubles_up_to_its_limit():
    backoff = Backoff(first=1, most=30)
    assert [backoff.delay(n) for n in (1, 2, 3, 5, 6, 10)] == [1, 2, 4, 16, 30, 30]
