"""The migrations build exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, create_engine, insert, select

import db.models  # noqa: F401  (every table on the metadata)
from db.base import Base
from db.migrate import alembic_config
from tickets.catalog import default_catalog
from tickets.domain import NewTicket, build_ticket

CREATED = datetime(2026, 11, 27, 12, tzinfo=UTC)
PAUSED = datetime(2026, 11, 27, 13)  # naive UTC, as the tables store it

TICKET_TABLES = {"tickets", "ticket_comments", "ticket_outbox", "api_keys"}


def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Compare only the ticket service's tables (other features own the rest)."""
    if type_ == "table":
        return name in TICKET_TABLES
    table = getattr(obj, "table", None)
    return table is None or table.name in TICKET_TABLES


def test_no_difference_between_models_and_migrated_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": ours})
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tickets.db'}"
    return request.getfixturevalue("postgres_url")


def test_sla_pause_migration_pauses_tickets_already_waiting(empty_url):
    """0003 takes a ticket waiting for the customer as paused since its last update, and
    takes it off the deadline it had not missed yet; the downgrade puts it back."""
    config = alembic_config(empty_url)
    command.upgrade(config, "0002_tickets")
    values = build_ticket(NewTicket(customer_id="CUST-001", subject="s", description="d",
                                    type="incident"),
                          catalog=default_catalog(), created_by="t", now=CREATED)
    row = {key: value.replace(tzinfo=None) if isinstance(value, datetime) else value
           for key, value in values.items() if not key.startswith("sla_paused")}
    answered = {"first_response_at": CREATED.replace(tzinfo=None),
                "next_due_at": row["resolution_due_at"]}
    rows = [{**row, **answered, "id": "waiting", "status": "waiting_customer",
             "updated_at": PAUSED},
            {**row, **answered, "id": "running", "status": "in_progress"}]
    engine = create_engine(empty_url)
    try:
        table = Table("tickets", MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(insert(table), rows)
        command.upgrade(config, "heads")
        table = Table("tickets", MetaData(), autoload_with=engine)
        query = select(table.c.id, table.c.sla_paused_at, table.c.sla_paused_seconds,
                       table.c.next_due_at).order_by(table.c.id)
        with engine.connect() as connection:
            assert [tuple(r) for r in connection.execute(query)] == [
                ("running", None, 0, row["resolution_due_at"]),
                ("waiting", PAUSED, 0, None)]
        command.downgrade(config, "0002_tickets")
        table = Table("tickets", MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            due = connection.execute(select(table.c.next_due_at)
                                     .where(table.c.id == "waiting")).scalar_one()
        assert due == row["resolution_due_at"]
    finally:
        engine.dispose()
