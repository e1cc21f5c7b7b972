from __future__ import annotations

import numpy as np
import pytest

from retrieval.dense_index import DenseIndex
from retrieval.lexical_index import LexicalIndex


def _unit_vectors(n: int, dim: int, seed: int, clusters: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    if clusters:
        # Text embeddings cluster by topic; uniform noise is no model of them.
        centres = rng.standard_normal((clusters, dim)).astype(np.float32) * 3
        vectors += centres[rng.integers(0, clusters, n)]
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_ann_index_agrees_with_exact_search(kind, tmp_path):
    data = _unit_vectors(12_000, 32, seed=1, clusters=50)
    queries = data[:50] + _unit_vectors(50, 32, seed=2) * 0.3
    exact = DenseIndex.build(data, "flat")
    ann = DenseIndex.build(data, kind)
    assert ann.kind == kind
    _, truth = exact.search(queries, 10)
    ann.save(tmp_path / "ann.faiss")
    loaded = DenseIndex.load(tmp_path / "ann.faiss", kind, ann.params)
    _, found = loaded.search(queries, 10)
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    assert recall >= 0.9


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_rows_without_a_vector_are_not_in_the_index(kind, tmp_path):
    # Half the rows (the languages the model does not read) have no vector: the index holds
    # the others under their own row ids, and a search finds only them, as well as exactly.
    data = _unit_vectors(12_000, 32, seed=4, clusters=50)
    rows = np.arange(0, 24_000, 2, dtype=np.int64)  # the embedded rows of 24,000 chunks
    queries = data[:50] + _unit_vectors(50, 32, seed=5) * 0.3
    _, truth = DenseIndex.build(data, "flat").search(queries, 10)
    index = DenseIndex.build(data, kind, rows=rows)
    assert (index.kind, index.size) == (kind, 12_000)
    index.save(tmp_path / "dense.faiss")
    _, found = DenseIndex.load(tmp_path / "dense.faiss", kind, index.params).search(queries, 10)
    assert set(found.ravel()) <= set(rows)
    recall = np.mean([len(set(rows[t]) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    assert recall >= (1.0 if kind == "flat" else 0.9)


def test_small_corpus_falls_back_to_exact_search():
    data = _unit_vectors(100, 16, seed=3)
    index = DenseIndex.build(data, "hnsw")
    assert index.kind == "flat"
    scores, ids = index.search(data[7], 1)
    assert ids[0][0] == 7 and scores[0][0] == pytest.approx(1.0, abs=1e-5)


def test_bm25_ranks_rare_terms_higher_and_survives_a_round_trip(tmp_path):
    docs = [["oil", "filter", "replace"], ["oil", "level", "low", "oil"], ["fan", "motor"]]
    index = LexicalIndex.build(docs)
    scores = index.scores({"oil": 1.0, "level": 1.0})
    assert int(np.argmax(scores)) == 1
    assert scores[2] == 0
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert np.allclose(loaded.scores({"oil": 1.0, "level": 1.0}), scores)
    assert loaded.scores({"unknown": 1.0}).sum() == 0


def test_close_spellings_are_suggested_for_unknown_terms():
    index = LexicalIndex.build([["temperatur", "separator"], ["compressor"]])
    assert index.closest_terms("temprature"[:9]) in (["temperatur"], [])
    assert index.closest_terms("separater") == ["separator"]
    assert index.closest_terms("separator") == []


def test_default_ivf_list_count_follows_the_corpus_size():
    from retrieval.dense_index import default_nlist

    assert default_nlist(200_000) == 1788  # about 4 * sqrt(n)
    assert default_nlist(20_000) == 512  # at least 39 training vectors per list
    assert default_nlist(100) == 16
