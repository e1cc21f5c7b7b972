"""FAISS inner-product index over normalised vectors: exact (flat) for small corpora, HNSW or
IVF selectable for large ones. Stored with FAISS's own file format (no pickle).

The index may hold vectors for some rows only (`rows`): the chunks of the languages the
embedding model understands. The other rows get no vector at all, rather than a zero vector:
in an HNSW graph thousands of identical zero vectors are nodes every search can wander into,
and in IVF they pull a centroid to the origin and fill its list; either way they took result
slots the searcher then threw away."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

KINDS = ("flat", "hnsw", "ivf")
# Below this many vectors an ANN index buys nothing and loses recall: flat is used instead.
MIN_ANN_VECTORS = 10_000


@dataclass
class AnnParams:
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 64
    ivf_nlist: int | None = None  # default: default_nlist(n), about 4 * sqrt(n)
    ivf_nprobe: int = 32


def default_nlist(n: int) -> int:
    """About 4 * sqrt(n) inverted lists, with the >= 39 training points per list FAISS asks
    for (n = 200,000 -> 1788)."""
    return max(16, min(int(4 * math.sqrt(n)), n // 39))


class DenseIndex:
    """Vectors in, (scores, row ids) out; rows are the chunk order of the index folder."""

    def __init__(self, index: Any, kind: str, params: AnnParams | None = None) -> None:
        self.index = index
        self.kind = kind
        self.params = params or AnnParams()
        self._apply_search_params()

    @property
    def size(self) -> int:
        """The number of vectors (rows without one are not counted)."""
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat",
              params: AnnParams | None = None, rows: np.ndarray | None = None) -> DenseIndex:
        """`rows`: the row id of each vector (default: 0, 1, 2 ...); searches answer them."""
        if kind not in KINDS:
            raise ValueError(f"unknown index kind '{kind}' (choose one of {', '.join(KINDS)})")
        params = params or AnnParams()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        if rows is not None and len(rows) != n:
            raise ValueError(f"{len(rows)} row ids for {n} vectors")
        effective = kind if n >= MIN_ANN_VECTORS else "flat"
        index: Any
        if effective == "hnsw":
            index = faiss.IndexHNSWFlat(dim, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = params.hnsw_ef_construction
        elif effective == "ivf":
            nlist = params.ivf_nlist or default_nlist(n)
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            index.train(vectors)
        else:
            index = faiss.IndexFlatIP(dim)
        if rows is not None and not np.array_equal(rows, np.arange(n)):
            index = faiss.IndexIDMap2(index)
            if n:
                index.add_with_ids(vectors, np.ascontiguousarray(rows, dtype=np.int64))
        elif n:
            index.add(vectors)
        return cls(index, effective, params)

    def _apply_search_params(self) -> None:
        # ParameterSpace reaches through the row-id map to the HNSW graph or the IVF lists.
        space = faiss.ParameterSpace()
        if self.kind == "hnsw":
            space.set_index_parameter(self.index, "efSearch", self.params.hnsw_ef_search)
        elif self.kind == "ivf":
            space.set_index_parameter(self.index, "nprobe", self.params.ivf_nprobe)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k inner products per query row, with the row ids of the vectors; ids of -1 pad
        when fewer vectors exist."""
        k = max(1, min(k, self.size)) if self.size else 1
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries[None, :]
        scores, ids = self.index.search(queries, k)
        return scores, ids

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str, params: AnnParams | None = None) -> DenseIndex:
        return cls(faiss.read_index(str(path)), kind, params)
