"""Rasa's endpoints.yml and credentials.yml, generated from the settings at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url

from core.settings import Settings

TRACKER_STORE = "bot.tracker_store.DurableSQLTrackerStore"


def tracker_store_config(settings: Settings) -> dict[str, Any]:
    """Rasa's SQL tracker store for a SQLAlchemy URL (SQLite by default, PostgreSQL in
    production), with a pinged connection pool (bot/tracker_store.py says why)."""
    return sql_database_config(settings, settings.tracker_store_url, TRACKER_STORE)


LOCK_STORE = "bot.lock_store.AtomicRedisLockStore"


def lock_store_config(settings: Settings) -> dict[str, Any] | None:
    """A Redis lock store, needed when several Rasa replicas serve one deployment: Rasa's own,
    with its changes of a lock made atomic (bot/lock_store.py says why)."""
    if not settings.lock_store_url:
        return None
    url = make_url(settings.lock_store_url)
    config: dict[str, Any] = {
        "type": LOCK_STORE, "url": url.host or "localhost", "port": url.port or 6379,
    }
    if url.database:
        config["db"] = int(url.database)
    if url.password:
        config["password"] = url.password
    return config


def sql_database_config(settings: Settings, url_text: str, store: str) -> dict[str, Any]:
    """Rasa's config of a SQL store (the tracker store, the SQL event broker) for a SQLAlchemy
    URL: a SQLite file (its folder made), or dialect, host, port, database and credentials."""
    url = make_url(settings.resolved_db_url(url_text))
    if url.get_backend_name() == "sqlite":
        path = settings.sqlite_path(url_text)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return {"type": store, "dialect": "sqlite", "db": url.database}
    config: dict[str, Any] = {
        "type": store,
        # Rasa's SQL stores take the dialect+driver, e.g. postgresql (psycopg2 in Rasa's env).
        "dialect": url.get_backend_name(),
        "url": url.host or "localhost",
        "db": url.database,
    }
    if url.port:
        config["port"] = url.port
    if url.username:
        config["username"] = url.username
    if url.password:
        config["password"] = url.password
    return config


def event_broker_config(settings: Settings) -> dict[str, Any]:
    """Rasa's event broker: every conversation event, for the analytics (analytics/).

    An amqp:// URL: Rasa's Pika broker on RabbitMQ (a durable queue). A SQLAlchemy URL, or
    nothing (a SQLite file in the data folder): Rasa's SQL broker, which adds each event as a
    row of its table `events`."""
    target = settings.resolved_event_broker_url
    url = make_url(target)
    if url.get_backend_name() in {"amqp", "amqps"}:
        return {
            "type": "pika", "url": url.host or "localhost", "port": url.port or 5672,
            "username": url.username or "guest", "password": url.password or "guest",
            "queues": [settings.event_broker_queue],
        }
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ValueError(f"ASSISTANT_EVENT_BROKER_URL must be an amqp:// URL or a SQLite or "
                         f"PostgreSQL URL, not {settings.event_broker_url!r}")
    config = sql_database_config(settings, target, "SQL")
    if config["dialect"] == "sqlite":
        # Rasa's SQL broker names the file `db`; its `url` would be taken as a host.
        return {"type": "SQL", "dialect": "sqlite", "db": config["db"]}
    return config


def endpoints(settings: Settings) -> dict[str, Any]:
    config: dict[str, Any] = {
        "action_endpoint": {"url": settings.action_webhook_url},
        "tracker_store": tracker_store_config(settings),
    }
    lock_store = lock_store_config(settings)
    if lock_store:
        config["lock_store"] = lock_store
    config["event_broker"] = event_broker_config(settings)
    return config


def credentials(settings: Settings) -> dict[str, Any]:
    # The REST channel, POST /webhooks/rest/webhook {"sender": ..., "message": ...}, with input
    # validation (bot/channels/rest.py) in place of Rasa's stock one.
    return {
        "bot.channels.rest.ValidatingRestInput": {
            "max_message_chars": settings.max_message_chars,
        }
    }


def write_rasa_config(settings: Settings, run_dir: Path) -> tuple[Path, Path]:
    run_dir.mkdir(parents=True, exist_ok=True)
    endpoints_file = run_dir / "endpoints.yml"
    credentials_file = run_dir / "credentials.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints(settings), sort_keys=False), "utf-8")
    credentials_file.write_text(yaml.safe_dump(credentials(settings), sort_keys=False), "utf-8")
    # The password may be in endpoints.yml: readable by the owner only.
    endpoints_file.chmod(0o600)
    return endpoints_file, credentials_file
