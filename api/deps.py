"""FastAPI dependencies over the shared resources (runtime/resources.py), replaceable in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from rasa_sdk.executor import ActionExecutor
from sqlalchemy.engine import Engine

from core.settings import Settings, get_settings
from core.signing import secret_for
from retrieval.search import Searcher
from rules.diagnosis import Diagnoser
from runtime.resources import diagnoser_for, engine_for, searcher_for
from tickets.catalog import Catalog, default_catalog

__all__ = ["get_settings", "get_engine", "engine_for", "EngineDep", "get_action_executor",
           "get_catalog", "get_now", "searcher_for", "get_searcher_provider", "diagnoser_for",
           "get_diagnoser", "get_signing_secret", "SigningSecret"]


@lru_cache(maxsize=1)
def get_action_executor() -> ActionExecutor:
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    return executor


def get_engine(settings: Annotated[Settings, Depends(get_settings)]) -> Engine:
    return engine_for(settings)


# The one engine dependency of every router.
EngineDep = Annotated[Engine, Depends(get_engine)]


def get_catalog() -> Catalog:
    """The service data (customers, sites, assets, contract tiers), loaded once."""
    return default_catalog()


def get_now() -> datetime:
    """The current time (UTC); tests replace it to pin SLA clocks."""
    return datetime.now(UTC)


def get_signing_secret(settings: Annotated[Settings, Depends(get_settings)]) -> bytes:
    """The service's signing secret (core/signing.py): alert links, customers' identities."""
    return _signing_secret(settings.data_dir, settings.link_secret)


@lru_cache(maxsize=4)
def _signing_secret(data_dir: Path, configured: str | None) -> bytes:
    # Read once per process: the file is written once and never changes.
    return secret_for(data_dir, configured)


SigningSecret = Annotated[bytes, Depends(get_signing_secret)]


# --- search -------------------------------------------------------------------------------
def get_searcher_provider(
    settings: Annotated[Settings, Depends(get_settings)],
) -> Callable[[], Searcher]:
    """A function that loads the searcher: called by the route after the request is validated,
    so that a bad request is a 422 even when no index is built."""
    return partial(searcher_for, settings)


# --- diagnosis ----------------------------------------------------------------------------
def get_diagnoser(settings: Annotated[Settings, Depends(get_settings)]) -> Diagnoser:
    return diagnoser_for(settings)
