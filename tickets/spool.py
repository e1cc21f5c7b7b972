"""Escalations that could not reach the ticket store, kept on disk until they can.

When the database is down, the assistant still promises the customer an engineer: the ticket
request is written to a spool directory (one JSON file per request, written to a temporary
name, flushed and renamed, so a crash never leaves half a request) and `drain` files it later
with the same Idempotency-Key, so a request that did reach the store before the failure is not
filed twice."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from tickets.catalog import Catalog
from tickets.domain import Actor, NewTicket
from tickets.errors import TicketError
from tickets.store import create_ticket

logger = logging.getLogger(__name__)

ASSISTANT = Actor(name="assistant", role="assistant", principal="assistant:chat")


def reference(idempotency_key: str) -> str:
    """A short reference the customer can quote for a spooled request."""
    return "Q-" + sha256(idempotency_key.encode("utf-8")).hexdigest()[:8].upper()


def enqueue(spool_dir: Path, *, new: NewTicket, idempotency_key: str) -> str:
    spool_dir.mkdir(parents=True, exist_ok=True)
    ref = reference(idempotency_key)
    record = {"idempotency_key": idempotency_key, "ticket": asdict(new)}
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=spool_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, spool_dir / f"{ref}.json")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ref


def pending(spool_dir: Path) -> list[Path]:
    if not spool_dir.is_dir():
        return []
    return sorted(p for p in spool_dir.glob("Q-*.json"))


def drain(spool_dir: Path, *, engine: Engine, catalog: Catalog, now: datetime) -> int:
    """File every spooled request; returns how many reached the store. A request the store
    refuses for good (unknown customer, ...) is moved aside as `.rejected` and logged."""
    filed = 0
    for path in pending(spool_dir):
        try:
            record: dict[str, Any] = json.loads(path.read_text("utf-8"))
            new = NewTicket(**record["ticket"])
        except FileNotFoundError:
            continue  # another API replica filed it meanwhile (they share the spool folder)
        except (OSError, ValueError, TypeError, KeyError):
            logger.exception("unreadable spooled escalation %s; moved aside", path.name)
            _aside(path)
            continue
        try:
            create_ticket(engine, new=new, actor=ASSISTANT, catalog=catalog, now=now,
                          idempotency_key=record["idempotency_key"])
        except (DataError, IntegrityError):
            # The store answers but refuses this record for good (e.g. a character the
            # database cannot store): set aside, so it does not hold up the others.
            logger.exception("the ticket store refused spooled escalation %s", path.name)
            _aside(path)
            continue
        except SQLAlchemyError:
            logger.warning("ticket store still unavailable; %d escalations wait in the spool",
                           len(pending(spool_dir)))
            return filed
        except TicketError:
            logger.exception("the ticket store refused spooled escalation %s", path.name)
            _aside(path)
            continue
        # A replica that filed the same record (same idempotency key: one ticket) may have
        # removed it first.
        path.unlink(missing_ok=True)
        filed += 1
    return filed


def _aside(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.rename(path.with_suffix(".rejected"))
