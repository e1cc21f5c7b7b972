"""The analytics tests' data: events recorded from the real Rasa server (its SQL broker's
rows: a diagnosis concluded and one left open, manual
answers that helped and that did not, fallbacks, a request for a person, an emergency), and
the store on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.tickets.fixtures import (  # noqa: F401
    api_settings,
    db_url,
    engine,
    keys,
    pg_server,
    postgres_url,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def recorded() -> list[dict[str, Any]]:
    """Every event as Rasa's SQL broker stored it, in its order."""
    return json.loads((DATA / "rasa_events.json").read_text("utf-8"))


def of(events: list[dict[str, Any]], sender: str) -> list[dict[str, Any]]:
    return [e for e in events if e["sender_id"] == sender]
