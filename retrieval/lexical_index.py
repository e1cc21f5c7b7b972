"""BM25 over analysed terms, on a scipy sparse matrix of precomputed term weights.

Stored as plain `.npy` arrays (the CSC matrix) plus JSON (vocabulary and parameters) and
memory-mapped on load.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from scipy import sparse

from retrieval.analysis import Decompounder, analyze_all

FILES = ("lexical_data.npy", "lexical_indices.npy", "lexical_indptr.npy", "lexical.json")


class LexicalIndex:
    """Okapi BM25: score(d, q) = sum over q's terms of idf * tf*(k1+1) / (tf + k1*norm(d))."""

    def __init__(self, matrix: sparse.csc_matrix, vocabulary: list[str], *, k1: float,
                 b: float, splitter: Decompounder | None = None) -> None:
        self.matrix = matrix
        self.splitter = splitter  # German compound parts known to this corpus
        self.vocabulary = vocabulary
        self.term_ids = {term: i for i, term in enumerate(vocabulary)}
        self.k1 = k1
        self.b = b
        self._by_initial: dict[str, list[str]] | None = None

    @property
    def size(self) -> int:
        return int(self.matrix.shape[0])

    @classmethod
    def from_texts(cls, texts: list[tuple[str, str]]) -> LexicalIndex:
        """Index (text, language) pairs, German compounds split with this corpus's words."""
        splitter = Decompounder.from_texts(t for t, lang in texts if lang == "de")
        index = cls.build(analyze_all(texts, splitter))
        index.splitter = splitter
        return index

    @classmethod
    def build(cls, documents: list[list[str]], *, k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.array([len(terms) for terms in documents], dtype=np.float64)
        for row, terms in enumerate(documents):
            for term, count in Counter(terms).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                tfs.append(count)
        n_docs, n_terms = len(documents), len(vocabulary)
        tf = np.array(tfs, dtype=np.float64)
        row_ids = np.array(rows, dtype=np.int64)
        col_ids = np.array(cols, dtype=np.int64)
        df = np.bincount(col_ids, minlength=n_terms).astype(np.float64)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if n_docs else 1.0
        norm = 1 - b + b * lengths[row_ids] / max(avgdl, 1e-9)
        weights = idf[col_ids] * tf * (k1 + 1) / (tf + k1 * norm)
        matrix = sparse.csc_matrix((weights.astype(np.float32), (row_ids, col_ids)),
                                   shape=(n_docs, n_terms))
        ordered = sorted(vocabulary, key=vocabulary.__getitem__)
        return cls(matrix, ordered, k1=k1, b=b)

    def idf(self) -> dict[str, float]:
        """Each term's inverse document frequency, as in the BM25 weights."""
        df = np.diff(self.matrix.indptr).astype(np.float64)  # rows per term (CSC columns)
        n_docs = self.matrix.shape[0]
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        return {term: float(idf[i]) for i, term in enumerate(self.vocabulary)}

    def scores(self, terms: dict[str, float]) -> np.ndarray:
        """BM25 score of every row for weighted query terms (unknown terms are ignored)."""
        ids = [self.term_ids[t] for t in terms if t in self.term_ids]
        if not ids or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        weights = np.array([terms[self.vocabulary[i]] for i in ids], dtype=np.float32)
        sub = self.matrix[:, ids]
        return np.asarray(sub @ weights, dtype=np.float32).ravel()

    def closest_terms(self, term: str, *, cutoff: float = 0.8, limit: int = 2) -> list[str]:
        """Index terms spelled like an unknown query term (typos: 'temprature')."""
        if term in self.term_ids or len(term) < 5 or term.isdigit():
            return []
        if self._by_initial is None:
            grouped: dict[str, list[str]] = defaultdict(list)
            for candidate in self.vocabulary:
                if len(candidate) >= 4 and candidate.isalpha():
                    grouped[candidate[0]].append(candidate)
            self._by_initial = dict(grouped)
        pool = [c for c in self._by_initial.get(term[0], []) if abs(len(c) - len(term)) <= 2]
        return difflib.get_close_matches(term, pool, n=limit, cutoff=cutoff)

    def save(self, folder: Path) -> None:
        matrix = self.matrix.tocsc()
        np.save(folder / "lexical_data.npy", matrix.data.astype(np.float32))
        np.save(folder / "lexical_indices.npy", matrix.indices.astype(np.int32))
        np.save(folder / "lexical_indptr.npy", matrix.indptr.astype(np.int64))
        info = {"k1": self.k1, "b": self.b, "shape": list(matrix.shape),
                "vocabulary": self.vocabulary,
                "compound_parts": sorted(self.splitter.vocabulary) if self.splitter else []}
        (folder / "lexical.json").write_text(json.dumps(info, ensure_ascii=False),
                                             encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        info = json.loads((folder / "lexical.json").read_text(encoding="utf-8"))
        data = np.load(folder / "lexical_data.npy", mmap_mode="r")
        indices = np.load(folder / "lexical_indices.npy", mmap_mode="r")
        indptr = np.load(folder / "lexical_indptr.npy", mmap_mode="r")
        matrix = sparse.csc_matrix((data, indices, indptr), shape=tuple(info["shape"]))
        parts = info.get("compound_parts") or []
        return cls(matrix, list(info["vocabulary"]), k1=float(info["k1"]), b=float(info["b"]),
                   splitter=Decompounder(parts) if parts else None)
