"""A small process supervisor: prefixed logs, readiness probes, restarts with backoff, one stop
for all children."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


class StartupError(RuntimeError):
    """A child exited or never became ready; the message carries the tail of its log."""


@dataclass
class Service:
    name: str
    command: list[str]
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path | None = None


@dataclass
class _Child:
    service: Service
    process: subprocess.Popen[str]
    tail: collections.deque[str]
    reader: threading.Thread
    started: float = field(default_factory=time.monotonic)
    crashes: int = 0  # exits in a row, each after less than `stable_after` seconds up
    restart_at: float | None = None  # when it exited: when it is started again


@dataclass(frozen=True)
class Backoff:
    """How long a crashed child waits before it is started again: `first` seconds, doubled
    with each crash in a row up to `most`; a child that stayed up `stable_after` seconds
    starts the count again."""

    first: float = 1.0
    most: float = 30.0
    stable_after: float = 60.0

    def delay(self, crashes: int) -> float:
        return min(self.most, self.first * 2 ** max(0, crashes - 1))


class Supervisor:
    def __init__(self, out: IO[str] | None = None, *, tail_lines: int = 60) -> None:
        self._out = out or sys.stdout
        self._tail_lines = tail_lines
        self._children: list[_Child] = []
        self._lock = threading.Lock()
        self._width = 4

    def _pump(self, name: str, stream: IO[str], tail: collections.deque[str]) -> None:
        for line in stream:
            line = line.rstrip("\n")
            tail.append(line)
            self._say(name, line)

    def _say(self, name: str, line: str) -> None:
        with self._lock:
            self._out.write(f"[{name:<{self._width}}] {line}\n")
            self._out.flush()

    def _spawn(self, service: Service) -> _Child:
        process = subprocess.Popen(
            service.command, cwd=service.cwd, env=service.env, text=True, bufsize=1,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: Ctrl-C is handled here, once
        )
        tail: collections.deque[str] = collections.deque(maxlen=self._tail_lines)
        assert process.stdout is not None
        reader = threading.Thread(target=self._pump, args=(service.name, process.stdout, tail),
                                  daemon=True)
        reader.start()
        return _Child(service, process, tail, reader)

    def start(self, service: Service, *, timeout: float, poll: float = 0.5) -> None:
        """Start a child and wait until its probe answers; StartupError if it dies or times out."""
        self._width = max(self._width, len(service.name))
        child = self._spawn(service)
        process, reader = child.process, child.reader
        self._children.append(child)

        deadline = time.monotonic() + timeout
        while True:
            code = process.poll()
            if code is not None:
                reader.join(timeout=2)
                raise StartupError(self._failure(child, f"exited with code {code} during start-up"))
            if service.ready():
                return
            if time.monotonic() > deadline:
                raise StartupError(self._failure(child, f"not ready after {timeout:.0f} s"))
            time.sleep(poll)

    def start_together(self, services: list[Service], *, timeout: float,
                       poll: float = 0.5) -> None:
        """Start several children at once (replicas of one service) and wait until every probe
        answers; StartupError if one dies or is not ready in time."""
        children = []
        for service in services:
            self._width = max(self._width, len(service.name))
            child = self._spawn(service)
            self._children.append(child)
            children.append(child)
        deadline = time.monotonic() + timeout
        waiting = list(children)
        while waiting:
            for child in list(waiting):
                code = child.process.poll()
                if code is not None:
                    child.reader.join(timeout=2)
                    raise StartupError(self._failure(
                        child, f"exited with code {code} during start-up"))
                if child.service.ready():
                    waiting.remove(child)
            if waiting and time.monotonic() > deadline:
                raise StartupError(self._failure(waiting[0], f"not ready after {timeout:.0f} s"))
            if waiting:
                time.sleep(poll)

    def pids(self) -> dict[str, int]:
        """The running children's processes by name."""
        return {c.service.name: c.process.pid for c in list(self._children)
                if c.restart_at is None and c.process.poll() is None}

    def pid(self, name: str) -> int | None:
        """The running process of the child called `name` (None while it waits for a restart)."""
        for child in list(self._children):
            if child.service.name == name and child.restart_at is None \
                    and child.process.poll() is None:
                return child.process.pid
        return None

    @staticmethod
    def _failure(child: _Child, what: str) -> str:
        log = "\n".join(f"    {line}" for line in child.tail) or "    (no output)"
        return f"{child.service.name} {what}; its last log lines:\n{log}"

    def supervise(self, *, backoff: Backoff = Backoff(), poll: float = 0.5,
                  until: Callable[[], bool] = lambda: False) -> None:
        """Keep the children up: one that exits is started again after its backoff, with
        its last log lines shown, and the others go on untouched (the API keeps serving
        tickets and the console while Rasa reloads its model). Returns when `until()` is
        true; otherwise only an exception (Ctrl-C) ends it."""
        while not until():
            now = time.monotonic()
            for i, child in enumerate(self._children):
                if child.restart_at is None:
                    code = child.process.poll()
                    if code is None:
                        continue
                    child.reader.join(timeout=2)
                    up = now - child.started
                    child.crashes = 1 if up >= backoff.stable_after else child.crashes + 1
                    delay = backoff.delay(child.crashes)
                    child.restart_at = now + delay
                    self._say(child.service.name, f"exited with code {code} after {up:.0f} s; "
                              f"starting it again in {delay:.0f} s. Its last log lines:")
                    for line in list(child.tail)[-10:]:
                        self._say(child.service.name, f"    {line}")
                elif now >= child.restart_at:
                    again = self._spawn(child.service)
                    again.crashes = child.crashes
                    self._children[i] = again
                    self._say(child.service.name, f"started again (pid {again.process.pid})")
            time.sleep(poll)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM each child's process group (newest first); SIGKILL what is left after `grace`."""
        for child in reversed(self._children):
            if child.process.poll() is None:
                try:
                    os.killpg(child.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for child in reversed(self._children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(child.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.process.wait(timeout=5)
            child.reader.join(timeout=2)
        self._children.clear()

    def tail(self, name: str) -> list[str]:
        return [line for c in self._children if c.service.name == name for line in c.tail]
