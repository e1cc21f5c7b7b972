"""Database fixtures of the ticket tests: the same tests run on SQLite and on a real
PostgreSQL server (a database created for the test and dropped after it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from db.migrate import upgrade
from tests.conftest import unavailable
from tickets.database import create_store_engine

PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _pg_admin_dsn() -> str:
    return PG_SERVER.replace("postgresql+psycopg://", "postgresql://") + "/postgres"


def postgres_available() -> str | None:
    """None when the server answers; otherwise why not."""
    import psycopg

    try:
        with psycopg.connect(_pg_admin_dsn(), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"


def _skip_loudly(reason: str) -> None:
    message = (f"NO POSTGRESQL SERVER at {PG_SERVER} ({reason}): the PostgreSQL half of the "
               "ticket store tests is SKIPPED. Start it with scripts/test_services.sh.")
    print(f"\n*** {message}")
    unavailable(message)


@pytest.fixture(scope="session")
def pg_server() -> str | None:
    return postgres_available()


@pytest.fixture()
def postgres_url(pg_server: str | None) -> Iterator[str]:
    """A fresh PostgreSQL database (unique name), dropped after the test."""
    import psycopg

    if pg_server is not None:
        _skip_loudly(pg_server)
    name = f"tickets_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty ticket database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tickets.db'}"
        upgrade(url)
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    upgrade(url)
    yield url


@pytest.fixture()
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_store_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def api_settings(db_url: str, tmp_path: Path):
    from core.settings import Settings

    # No telemetry consumer: the machine's broker carries whatever other tests and benches
    # publish, which would open alerts and tickets in this test's database.
    return Settings(database_url=db_url, data_dir=tmp_path, index_dir=tmp_path / "index",
                    tickets_worker_interval_s=0, tickets_max_body_bytes=64 * 1024, mqtt_url="")


@pytest.fixture()
def keys(api_settings) -> dict[str, str]:
    """One API key per role (and a second customer), minted in the test's database."""
    from api.auth import key_store
    from api.deps import engine_for

    engine = engine_for(api_settings)
    minted = {}
    for label, role, customer in [("admin", "admin", None), ("engineer", "engineer", None),
                                  ("assistant", "assistant", None),
                                  ("customer", "customer", "CUST-001"),
                                  ("other_customer", "customer", "CUST-002")]:
        minted[label], _ = key_store.create_key(engine, role=role, customer_id=customer,
                                                name=f"{label}-name")
    return minted


@pytest.fixture()
def app(api_settings):
    from api.deps import get_settings
    from api.main import create_app

    application = create_app()
    application.dependency_overrides[get_settings] = lambda: api_settings
    return application
