"""Factories for shared resources (cached, created on first use, replaceable in tests)."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from rasa_sdk.executor import ActionExecutor
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from api.settings import Settings, get_settings

__all__ = ["get_settings", "get_engine", "engine_for", "get_action_executor"]


@lru_cache(maxsize=4)
def _engine_for_url(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True)


def engine_for(settings: Settings) -> Engine:
    """The database engine of the ticket store; a SQLite file's folder is created if it can be."""
    sqlite_path = settings.sqlite_path(settings.database_url)
    if sqlite_path is not None:
        # If the folder cannot be made, connecting fails and /healthz reports why.
        with contextlib.suppress(OSError):
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return _engine_for_url(settings.resolved_db_url(settings.database_url))


def get_engine(settings: Annotated[Settings, Depends(get_settings)]) -> Engine:
    return engine_for(settings)


@lru_cache(maxsize=1)
def get_action_executor() -> ActionExecutor:
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    return executor
