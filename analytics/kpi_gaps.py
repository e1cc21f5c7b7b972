"""Knowledge gaps for the documentation team: the customers' questions the assistant could not
answer well in a period, grouped by meaning. Framework-free; the embedding function is given
(the API passes the retrieval's loaded sentence-transformers model).

A question is a turn of `analytics_turns` with a `gap` of the kinds asked (by default those the
manuals could fix: `fallback`, `not_helped`, `low_score`, `no_answer`; `out_of_domain` on
request), its `at` in [start, end). Texts are compared after trimming, collapsing blanks and
case-folding; each distinct text is embedded once (normalised vectors) and the distinct texts
are clustered by scikit-learn's AgglomerativeClustering, average linkage on the cosine
distance, cut at `distance` (no fixed number of clusters). Texts are sorted before clustering,
so the same set of questions always gives the same clusters, whatever order they were read
in. The clustering of a set of texts is cached (by a hash of the sorted texts, the model and
the threshold): a repeated request embeds nothing again."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine

from db.analytics import AnalyticsConversation, AnalyticsTurn

DOC_GAP_KINDS = ("fallback", "not_helped", "low_score", "no_answer")
ALL_GAP_KINDS = DOC_GAP_KINDS + ("out_of_domain",)
DISTANCE = 0.45  # cosine distance at which two groups of questions stop being merged
EXAMPLES = 3
CACHE_SIZE = 32

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class GapCluster:
    cluster: int  # 1 = the largest
    questions: int  # gap turns in the cluster (repeats included)
    distinct: int  # distinct texts
    label: str  # the text nearest the cluster's centre
    kinds: dict[str, int]  # gap kind -> turns
    languages: dict[str, int]  # language -> turns ("(none)": unknown)
    examples: list[str]  # up to EXAMPLES texts, most asked first
    last_at: datetime


@dataclass(frozen=True)
class GapReport:
    start: datetime
    end: datetime
    kinds: list[str]
    questions: int
    distinct: int
    clusters: list[GapCluster]
    model: str
    distance: float
    cached: bool  # the clustering came from the cache


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def cluster_labels(vectors: np.ndarray, distance: float) -> list[int]:
    """Cluster labels of normalised vectors (row order kept), deterministic."""
    count = len(vectors)
    if count == 0:
        return []
    if count == 1:
        return [0]
    from sklearn.cluster import AgglomerativeClustering  # lazy: heavy, the gaps only

    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=distance)
    return [int(label) for label in model.fit_predict(vectors)]


class _Cache:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, tuple[list[int], np.ndarray]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple[list[int], np.ndarray] | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: str, value: tuple[list[int], np.ndarray]) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_CACHE = _Cache(CACHE_SIZE)


def clear_cache() -> None:
    with _CACHE.lock:
        _CACHE.items.clear()


def _gap_turns(engine: Engine, start: datetime, end: datetime, kinds: Sequence[str],
               language: str | None) -> list[tuple[str, str, str | None, datetime]]:
    T, C = AnalyticsTurn, AnalyticsConversation
    query = (select(T.text, T.gap, T.language, C.language, T.at)
             .join(C, C.conversation_id == T.conversation_id, isouter=True)
             .where(T.at >= start, T.at < end, T.gap.in_(list(kinds)), T.text.is_not(None))
             .order_by(T.conversation_id, T.seq))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    out = []
    for text, gap, turn_language, conv_language, at in rows:
        lang = turn_language or conv_language
        if language is not None and lang != language:
            continue
        if text and text.strip():
            out.append((str(text), str(gap), lang, at))
    return out


def knowledge_gaps(engine: Engine, *, start: datetime, end: datetime, encode: Encode,
                   model: str = "", kinds: Sequence[str] = DOC_GAP_KINDS,
                   language: str | None = None, distance: float = DISTANCE,
                   limit: int | None = None) -> GapReport:
    """The gap questions of [start, end), clustered; the largest cluster first (ties: by
    label). `encode` gives normalised embeddings of a list of texts; `model` names it (part of
    the cache key)."""
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    unknown = [k for k in kinds if k not in ALL_GAP_KINDS]
    if unknown or not kinds:
        raise ValueError(f"gap kinds must be among {', '.join(ALL_GAP_KINDS)}")
    if not 0 < distance < 2:
        raise ValueError("distance must be between 0 and 2")
    turns = _gap_turns(engine, start, end, kinds, language)
    by_text: dict[str, list[tuple[str, str, str | None, datetime]]] = defaultdict(list)
    for turn in turns:
        by_text[normalise(turn[0])].append(turn)
    texts = sorted(by_text)
    key = hashlib.sha256("\x00".join([model, repr(distance), *texts]).encode()).hexdigest()
    found = _CACHE.get(key)
    cached = found is not None
    if found is None:
        vectors = encode([by_text[t][0][0] for t in texts]) if texts else np.zeros((0, 1))
        vectors = np.asarray(vectors, dtype=np.float64)
        found = (cluster_labels(vectors, distance), vectors)
        _CACHE.put(key, found)
    labels, vectors = found
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    clusters = [_cluster(indices, texts, by_text, vectors) for indices in members.values()]
    clusters.sort(key=lambda c: (-c["questions"], c["label"]))
    if limit is not None:
        clusters = clusters[:limit]
    return GapReport(start, end, list(kinds), len(turns), len(texts),
                     [GapCluster(cluster=n, **c) for n, c in enumerate(clusters, start=1)],
                     model, distance, cached)


def _cluster(indices: list[int], texts: list[str],
             by_text: dict[str, list[tuple[str, str, str | None, datetime]]],
             vectors: np.ndarray) -> dict[str, Any]:
    centre = vectors[indices].mean(axis=0)
    nearest = max(indices, key=lambda i: (round(float(vectors[i] @ centre), 6), -i))
    kinds: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    asked: list[tuple[int, str]] = []
    last: datetime | None = None
    for i in indices:
        turns = by_text[texts[i]]
        asked.append((len(turns), turns[0][0]))
        for _text, gap, lang, at in turns:
            kinds[gap] += 1
            languages[lang or "(none)"] += 1
            last = at if last is None or at > last else last
    asked.sort(key=lambda item: (-item[0], normalise(item[1])))
    assert last is not None
    return {"questions": sum(n for n, _ in asked), "distinct": len(indices),
            "label": by_text[texts[nearest]][0][0],
            "kinds": dict(sorted(kinds.items())), "languages": dict(sorted(languages.items())),
            "examples": [text for _, text in asked[:EXAMPLES]], "last_at": last}
