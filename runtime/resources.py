"""Shared resources, cached per setting values and created on first use."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import Engine

from core.knowledge.loader import knowledge_at
from core.settings import Settings
from retrieval.errors import IndexNotBuiltError
from retrieval.search import Searcher
from rules.diagnosis import Diagnoser
from rules.questioning import Policy
from tickets.database import create_store_engine


@lru_cache(maxsize=4)
def _engine_for_url(url: str) -> Engine:
    return create_store_engine(url)


def engine_for(settings: Settings) -> Engine:
    """The project database's engine (tickets, diagnostic sessions, health), one per URL
    (SQLite tuned for concurrent writers; see tickets.database)."""
    sqlite_path = settings.sqlite_path(settings.database_url)
    if sqlite_path is not None:
        with contextlib.suppress(OSError):
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return _engine_for_url(settings.resolved_db_url(settings.database_url))


@lru_cache(maxsize=2)
def _searcher(index_dir: str, model: str, built: int,
              dense_languages: tuple[str, ...] | None) -> Searcher:
    # `built` (meta.json's mtime) is part of the key: a rebuilt index is picked up on the
    # next request, without a restart. The model loads on first use, not at import.
    from retrieval.encoder import get_encoder
    from retrieval.store import check_compatible, read_meta

    folder = Path(index_dir)
    check_compatible(read_meta(folder), folder, model)  # before loading a model for nothing
    return Searcher.open(folder, get_encoder(model), dense_languages=dense_languages)


def searcher_for(settings: Settings) -> Searcher:
    """The loaded index of the settings' folder and model; raises IndexNotBuiltError or
    IndexMismatchError."""
    meta = settings.index_dir / "meta.json"
    try:
        built = meta.stat().st_mtime_ns
    except OSError as exc:
        raise IndexNotBuiltError(str(settings.index_dir)) from exc
    return _searcher(str(settings.index_dir), settings.embedding_model, built,
                     settings.dense_languages)


@lru_cache(maxsize=4)
def _diagnoser(knowledge_dir: str, policy: Policy) -> Diagnoser:
    return Diagnoser(knowledge_at(Path(knowledge_dir)), policy)


def diagnoser_for(settings: Settings) -> Diagnoser:
    """The expert system on the settings' knowledge pack, loaded and validated once; raises
    KnowledgeError naming the file and entry of a broken pack."""
    policy = Policy(threshold=settings.diagnosis_threshold,
                    accept_floor=settings.diagnosis_accept_floor,
                    max_questions=settings.diagnosis_max_questions,
                    min_gain=settings.diagnosis_min_gain_bits)
    return _diagnoser(str(settings.knowledge_dir), policy)
