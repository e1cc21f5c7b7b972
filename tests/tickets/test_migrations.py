"""The migrations build exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import db.models  # noqa: F401  (every table on the metadata)
from db.base import Base

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
