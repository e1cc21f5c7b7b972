"""A PostgreSQL server of the test's own, from the machine's PostgreSQL binaries, so that a test
can stop and start it under load without touching the machine's server (which the rest of the
suite and the cluster's tracker store use).

initdb and the server refuse to run as root: as root, they run as the `postgres` user that
Debian's package creates, in a folder under the system's temporary directory (the pytest
folders are private to root)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class PostgresServerError(RuntimeError):
    pass


def _bindir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parts[-3]))  # the newest major version
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """initdb, start, stop, start again, remove: a throwaway server on 127.0.0.1:`port`."""

    def __init__(self, port: int) -> None:
        bindir = _bindir()
        if bindir is None:
            raise PostgresServerError("PostgreSQL's server programs (pg_ctl, initdb) are missing")
        self.bindir, self.port = bindir, port
        self.root = Path(tempfile.mkdtemp(prefix="helios-pg-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)
        if done.returncode != 0:
            raise PostgresServerError(f"{args[0]} failed: {done.stderr.strip() or done.stdout}")

    def init(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start", timeout=90)

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as when the server restarts."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop",
                  timeout=90)

    def remove(self) -> None:
        try:
            self.stop()
        except PostgresServerError:
            pass  # not running
        shutil.rmtree(self.root, ignore_errors=True)
