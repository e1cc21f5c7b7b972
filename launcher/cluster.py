"""`make cluster`: the assistant as a small cluster on one machine, built from the field's own
parts: two Rasa replicas and two API replicas behind HAProxy, PostgreSQL as the tracker and
ticket store, Redis as Rasa's lock store (one conversation is never handled by two replicas at
once) and RabbitMQ as Rasa's event broker. `make run` stays the embedded single-process default.

Where the settings still name the embedded stores (SQLite, no lock store, no broker), the local
services of this machine kind are used (DEFAULT_*); set the ASSISTANT_* variables to use others.
The balancer listens where `make run` does (the API on ASSISTANT_API_PORT, Rasa on
ASSISTANT_RASA_PORT); the replicas listen on the next ports (Layout.beside)."""

from __future__ import annotations

import shutil
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from core.settings import Settings
from launcher.ports import bindable
from launcher.supervisor import Service, Supervisor
from launcher.system import api_service, prepare, rasa_service

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/helios_tickets"
DEFAULT_TRACKER = "postgresql://postgres@127.0.0.1:5432/helios_tracker"
DEFAULT_LOCK_STORE = "redis://127.0.0.1:6379/1"
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672/"
# How the balancer notices a replica is gone: a health check every second, two failures.
CHECK = "check inter 1s fall 2 rise 2"


class ClusterError(RuntimeError):
    """A service the cluster needs is missing; the message says which and how to start it."""


@dataclass(frozen=True)
class Layout:
    api_ports: tuple[int, ...]
    rasa_ports: tuple[int, ...]

    @classmethod
    def beside(cls, settings: Settings, replicas: int = 2) -> Layout:
        """The replicas on the ports after the balancer's own: API 8001, 8002; Rasa 5006, 5007."""
        return cls(tuple(settings.api_port + i for i in range(1, replicas + 1)),
                   tuple(settings.rasa_port + i for i in range(1, replicas + 1)))


def cluster_settings(settings: Settings) -> Settings:
    """The settings with the cluster's shared stores where the embedded ones stand."""
    changes: dict[str, str] = {}
    if settings.sqlite_path(settings.database_url) is not None:
        changes["database_url"] = DEFAULT_DATABASE
    if settings.sqlite_path(settings.tracker_store_url) is not None:
        changes["tracker_store_url"] = DEFAULT_TRACKER
    if not settings.lock_store_url:
        changes["lock_store_url"] = DEFAULT_LOCK_STORE
    if not settings.event_broker_url or settings.sqlite_path(settings.event_broker_url):
        changes["event_broker_url"] = DEFAULT_BROKER
    return settings.model_copy(update=changes)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def check_services(settings: Settings) -> None:
    """Every shared service answers, or ClusterError naming the missing ones."""
    missing = []
    for what, url, default_port, start in (
            ("PostgreSQL (tickets)", settings.database_url, 5432, "pg_ctlcluster 15 main start"),
            ("PostgreSQL (conversations)", settings.tracker_store_url, 5432,
             "pg_ctlcluster 15 main start"),
            ("Redis (lock store)", settings.lock_store_url, 6379, "redis-server --daemonize yes"),
            ("RabbitMQ (event broker)", settings.event_broker_url, 5672,
             "rabbitmq-server -detached")):
        parsed = make_url(url or "")
        host, port = parsed.host or "127.0.0.1", parsed.port or default_port
        if not _reachable(host, port):
            missing.append(f"{what} at {host}:{port} (start it, e.g. `{start}`)")
    if shutil.which("haproxy") is None:
        missing.append("HAProxy (scripts/test_services.sh installs Debian's package)")
    if missing:
        raise ClusterError("the cluster needs: " + "; ".join(missing))


def check_ports(settings: Settings, layout: Layout) -> None:
    """The balancer's and the replicas' ports are free, or ClusterError naming the taken ones
    (the replicas take the ports after ASSISTANT_API_PORT and ASSISTANT_RASA_PORT)."""
    wanted = [("the API balancer (ASSISTANT_API_PORT)", settings.api_host, settings.api_port),
              ("the Rasa balancer (ASSISTANT_RASA_PORT)", settings.rasa_host,
               settings.rasa_port)]
    wanted += [(f"API replica {i}", "127.0.0.1", port)
               for i, port in enumerate(layout.api_ports, 1)]
    wanted += [(f"Rasa replica {i}", "127.0.0.1", port)
               for i, port in enumerate(layout.rasa_ports, 1)]
    taken = [f"{port} ({what})" for what, host, port in wanted if not bindable(port, host)]
    if taken:
        raise ClusterError("ports in use: " + ", ".join(taken) + "; set ASSISTANT_API_PORT "
                           "and ASSISTANT_RASA_PORT (the replicas take the next two of each)")


def ensure_databases(settings: Settings) -> None:
    """The ticket and tracker databases exist on their PostgreSQL servers (created if not)."""
    import psycopg  # the main environment's PostgreSQL driver
    from psycopg import sql

    for url in (settings.database_url, settings.tracker_store_url):
        parsed = make_url(url)
        if not parsed.get_backend_name().startswith("postgresql") or not parsed.database:
            continue
        admin = parsed.set(drivername="postgresql", database="postgres")
        try:
            with psycopg.connect(admin.render_as_string(hide_password=False),
                                 autocommit=True, connect_timeout=5) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                      (parsed.database,)).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(
                        sql.Identifier(parsed.database)))
        except psycopg.Error as exc:
            raise ClusterError(f"cannot create the database {parsed.database!r} on "
                               f"{parsed.host}: {str(exc).strip().splitlines()[0]}") from exc


def haproxy_config(settings: Settings, layout: Layout) -> str:
    api = "\n".join(f"    server api{i} 127.0.0.1:{port} {CHECK}"
                    for i, port in enumerate(layout.api_ports, 1))
    rasa = "\n".join(f"    server rasa{i} 127.0.0.1:{port} {CHECK}"
                     for i, port in enumerate(layout.rasa_ports, 1))
    # A turn may take long (several actions); a refused connection is tried on the other
    # replica (redispatch), a request already sent is never sent twice. No reuse of idle
    # server connections: a request sent on one whose replica was killed would fail (502)
    # where a fresh connection is refused and tried on the other replica.
    return f"""global
    maxconn 4096

defaults
    mode http
    http-reuse never
    timeout connect 3s
    timeout client 120s
    timeout server 120s
    timeout check 2s
    retries 3
    option redispatch 1
    option forwardfor

frontend api_front
    bind {settings.api_host}:{settings.api_port}
    default_backend api

backend api
    balance roundrobin
    option httpchk GET /readyz
{api}

frontend rasa_front
    bind {settings.rasa_host}:{settings.rasa_port}
    default_backend rasa

backend rasa
    balance roundrobin
    option httpchk GET /version
{rasa}
"""


def haproxy_service(settings: Settings, layout: Layout, run_dir: Path) -> Service:
    run_dir.mkdir(parents=True, exist_ok=True)
    config = run_dir / "haproxy.cfg"
    config.write_text(haproxy_config(settings, layout), "utf-8")
    return Service(
        name="lb",
        command=[shutil.which("haproxy") or "haproxy", "-db", "-f", str(config)],
        ready=lambda: _reachable(settings.api_host, settings.api_port)
        and _reachable(settings.rasa_host, settings.rasa_port),
    )


def start_cluster(settings: Settings, layout: Layout | None = None,
                  out: IO[str] | None = None) -> tuple[Supervisor, Settings]:
    """Prepare (schema, index, model), then start the balancer, the API replicas and the Rasa
    replicas; returns the supervisor and the settings the cluster runs with. Raises
    ClusterError when a shared service is missing, StartupError (all stopped) on failure."""
    settings = cluster_settings(settings)
    layout = layout or Layout.beside(settings)
    check_services(settings)
    check_ports(settings, layout)
    ensure_databases(settings)
    model = prepare(settings, out)
    supervisor = Supervisor(out or sys.stdout)
    try:
        supervisor.start(haproxy_service(settings, layout, settings.data_dir / "run"),
                         timeout=30)
        supervisor.start_together(
            [api_service(settings.model_copy(update={"api_port": port}), f"api{i}",
                         ready_path="/readyz")  # as the balancer checks it
             for i, port in enumerate(layout.api_ports, 1)], timeout=240)
        # One after the other: the first creates the tracker store's tables.
        for i, port in enumerate(layout.rasa_ports, 1):
            supervisor.start(rasa_service(settings.model_copy(update={"rasa_port": port}),
                                          model, f"rasa{i}"),
                             timeout=settings.startup_timeout_s)
    except BaseException:
        supervisor.stop()
        raise
    return supervisor, settings
