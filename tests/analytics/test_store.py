"""Events into the analytics tables (analytics/store.py) on SQLite and PostgreSQL: the rows of
the recorded conversations; a replay, another batching, another order or two consumers at once
give identical rows; a batch that fails leaves nothing, its cursor included; the migration
builds exactly the tables the models declare."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

import db.models  # noqa: F401  (every table on the metadata)
from analytics import store
from analytics.store import cursor_position, ingest
from db.analytics import (
    AnalyticsConversation,
    AnalyticsDiagnosis,
    AnalyticsEvent,
    AnalyticsTurn,
)
from db.base import Base
from db.migrate import alembic_config

TABLES = {"analytics_events", "analytics_conversations", "analytics_turns",
          "analytics_diagnoses", "analytics_cursors"}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The derived rows, without their surrogate ids."""
    out = {}
    with engine.connect() as connection:
        for table, order in ((AnalyticsConversation, "conversation_id"),
                             (AnalyticsTurn, "conversation_id, seq"),
                             (AnalyticsDiagnosis, "conversation_id, session_id")):
            columns = [c for c in table.__table__.columns if c.name != "id"]
            rows = connection.execute(select(*columns).order_by(
                *[table.__table__.c[name.strip()] for name in order.split(",")]))
            out[table.__tablename__] = [tuple(row) for row in rows]
    return out


def test_recorded_conversations_become_rows_and_a_replay_changes_nothing(engine, recorded):
    first = ingest(engine, recorded, cursor=("test", 262))
    assert first.new > 200 and first.conversations == 9
    rows = snapshot(engine)
    conversations = {r[0]: r for r in rows["analytics_conversations"]}
    assert set(conversations) >= {"c-manual", "c-diag2", "c-urgent"}
    with engine.connect() as connection:
        manual = connection.execute(select(AnalyticsConversation).where(
            AnalyticsConversation.conversation_id == "c-manual")).mappings().one()
        gaps = connection.execute(select(AnalyticsTurn.gap, AnalyticsTurn.text).where(
            AnalyticsTurn.gap.is_not(None)).order_by(AnalyticsTurn.conversation_id,
                                                     AnalyticsTurn.seq)).all()
        diagnosis = connection.execute(select(AnalyticsDiagnosis).where(
            AnalyticsDiagnosis.conversation_id == "c-diag2")).mappings().one()
    assert (manual["escalation_reason"], manual["ticket_number"], manual["helped_no"],
            manual["flows"], manual["language"]) == (
        "repeated_failure", 1, 2, ["manual", "escalation"], "de")
    assert ("fallback", "xqzv plorf") in gaps and ("not_helped",
                                                   "Wie wechsle ich die Gleitringdichtung?") in gaps
    assert (diagnosis["outcome"], diagnosis["fault_id"], diagnosis["helped"]) == (
        "concluded", "bearing_failure", True)
    assert cursor_position(engine, "test") == 262

    again = ingest(engine, recorded, cursor=("test", 262))
    assert (again.new, again.conversations) == (0, 0)
    assert snapshot(engine) == rows


def test_another_batching_and_order_give_identical_rows(engine, recorded, tmp_path):
    ingest(engine, recorded)
    expected = snapshot(engine)
    # A fresh store of the same backend, fed in shuffled batches with repeats.
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in TABLES:
                connection.execute(table.delete())
    shuffled = list(recorded)
    random.Random(3).shuffle(shuffled)
    for start in range(0, len(shuffled), 37):
        ingest(engine, shuffled[start:start + 37] + shuffled[:5])
    assert snapshot(engine) == expected


def test_a_failed_batch_leaves_nothing(engine, recorded, monkeypatch):
    original = store._refold
    calls = []

    def failing(session, insert, conversation_id):  # noqa: ANN001
        calls.append(conversation_id)
        if len(calls) == 3:
            raise RuntimeError("the process dies here")
        return original(session, insert, conversation_id)

    monkeypatch.setattr(store, "_refold", failing)
    with pytest.raises(RuntimeError):
        ingest(engine, recorded, cursor=("test", 262))
    monkeypatch.setattr(store, "_refold", original)
    with engine.connect() as connection:
        assert connection.execute(select(AnalyticsEvent.id)).first() is None
        assert connection.execute(select(AnalyticsConversation.conversation_id)).first() is None
    assert cursor_position(engine, "test") == 0
    ingest(engine, recorded, cursor=("test", 262))
    assert cursor_position(engine, "test") == 262


def test_two_consumers_at_once_give_the_rows_of_one(engine, recorded):
    # As two API replicas sharing a queue: each gets part of the events, some twice.
    shuffled = list(recorded)
    random.Random(11).shuffle(shuffled)
    halves = [shuffled[: 170], shuffled[100:]]
    errors: list[BaseException] = []

    def consume(events: list[dict[str, Any]]) -> None:
        try:
            for start in range(0, len(events), 10):
                ingest(engine, events[start:start + 10])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=consume, args=(half,)) for half in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    together = snapshot(engine)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in TABLES:
                connection.execute(table.delete())
    ingest(engine, recorded)
    assert together == snapshot(engine)


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table":
        return name in TABLES
    table = getattr(obj, "table", None)
    return table is None or table.name in TABLES


def test_the_migration_builds_the_declared_tables_and_goes_back(engine, db_url):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _ours})
        assert compare_metadata(context, Base.metadata) == []
    config = alembic_config(db_url)
    command.downgrade(config, "0008_alert_details")
    assert not TABLES & set(inspect(engine).get_table_names())
    command.upgrade(config, "heads")
    assert TABLES <= set(inspect(engine).get_table_names())
