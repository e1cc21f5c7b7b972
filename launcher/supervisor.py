"""A small process supervisor: prefixed logs, readiness probes, one stop for all children."""

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
            with self._lock:
                self._out.write(f"[{name:<{self._width}}] {line}\n")
                self._out.flush()

    def start(self, service: Service, *, timeout: float, poll: float = 0.5) -> None:
        """Start a child and wait until its probe answers; StartupError if it dies or times out."""
        self._width = max(self._width, len(service.name))
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
        child = _Child(service, process, tail, reader)
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

    @staticmethod
    def _failure(child: _Child, what: str) -> str:
        log = "\n".join(f"    {line}" for line in child.tail) or "    (no output)"
        return f"{child.service.name} {what}; its last log lines:\n{log}"

    def wait(self, poll: float = 0.5) -> tuple[str, int]:
        """Block until a child exits; return its name and exit code."""
        while True:
            for child in self._children:
                code = child.process.poll()
                if code is not None:
                    child.reader.join(timeout=2)
                    return child.service.name, code
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
