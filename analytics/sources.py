"""Where the events come from: Rasa's SQL broker's table, or Rasa's Pika broker's queue.

Rasa's SQL broker (rasa/core/brokers/sql.py) adds each event as a row of its table `events`
(id, sender_id, data: the event as JSON) in the database of ASSISTANT_EVENT_BROKER_URL (by
default a SQLite file in the data folder). The Pika broker publishes each event as a
persistent JSON message to a fanout exchange, and so to the durable queue
ASSISTANT_EVENT_BROKER_QUEUE."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

BROKER_TABLE = "events"  # the SQL broker's table name (fixed by Rasa)
# An id missing below newer ones (PostgreSQL hands out ids before the commit) is waited for
# this long, then taken for a rolled-back insert and passed.
GAP_WAIT_S = 10.0


def _broker_table() -> Table:
    return Table(BROKER_TABLE, MetaData(), Column("id", Integer, primary_key=True),
                 Column("sender_id", String(255)), Column("data", Text))


def broker_engine(url: str) -> Engine:
    """An engine on the SQL broker's database, with this environment's drivers (Rasa's
    `postgresql://` means psycopg2, which this environment has not: psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


@dataclass(frozen=True)
class Row:
    id: int
    event: dict[str, Any] | None  # None: not JSON


class SqlBrokerSource:
    """Reads the SQL broker's rows after a cursor."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.table = _broker_table()
        self._gap_since: tuple[int, float] | None = None

    def read(self, after: int, limit: int) -> list[Row]:
        query = select(self.table.c.id, self.table.c.data).where(
            self.table.c.id > after).order_by(self.table.c.id).limit(limit)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except (OperationalError, ProgrammingError) as exc:
            if "events" in str(exc) and ("no such table" in str(exc)
                                         or "does not exist" in str(exc)):
                return []  # Rasa has not created its table yet
            raise
        return [Row(int(id_), _json(data)) for id_, data in rows]

    def advance(self, after: int, rows: list[Row], now: float | None = None) -> int:
        """The new cursor: the last id of the run without a gap after `after`; past a gap
        once it has stayed open GAP_WAIT_S (the rows after it are stored meanwhile, and
        read again until then: they add nothing twice)."""
        position = after
        ids = [row.id for row in rows]
        for id_ in ids:
            if id_ != position + 1:
                break
            position = id_
        else:
            self._gap_since = None
            return position
        now = time.monotonic() if now is None else now
        if self._gap_since is None or self._gap_since[0] != position:
            self._gap_since = (position, now)
            return position
        if now - self._gap_since[1] >= GAP_WAIT_S:
            self._gap_since = None
            return ids[-1]
        return position


def _json(data: Any) -> dict[str, Any] | None:
    try:
        value = json.loads(data) if isinstance(data, str | bytes) else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_message(body: bytes) -> dict[str, Any] | None:
    """A RabbitMQ message of Rasa's Pika broker: the event as JSON; None if it is not."""
    return _json(body)
