"""Imports every module that defines tables, so Alembic sees the whole metadata.
Add one import line per module that declares tables on `db.base.Base`."""

from __future__ import annotations

from db.base import Base

__all__ = ["Base"]
