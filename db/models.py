"""Imports every module that defines tables, so Alembic sees the whole metadata.
Add one import line per module that declares tables on `db.base.Base`."""

from __future__ import annotations

import db.analytics  # noqa: F401  (analytics_*: conversation analytics)
import db.diagnostics  # noqa: F401  (diagnostic_sessions)
import db.late_turns  # noqa: F401  (late_turns)
import db.telemetry  # noqa: F401  (telemetry, alerts)
import db.tickets  # noqa: F401  (tickets, comments, outbox, API keys)
from db.base import Base

__all__ = ["Base"]
