"""The index folder: build, incremental update and loading.

Plain files only: `dense.faiss` (FAISS format), `vectors.npy`, `chunks.jsonl`, the lexical
arrays (`lexical_*.npy` + `lexical.json`), `glossary.json`, `symptoms.json` (lay symptom
phrasings -> fault ids, optional: an index without it searches without symptom expansion) and
`meta.json` (model, dimension,
normalisation, index kind, corpus hash, library versions, counts). Documents whose content hash
did not change keep their chunks and vectors; changed ones are re-embedded; removed ones leave.
A build is written to a sibling folder and swapped in, so a reader never sees half an index.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.chunking import DEFAULT_MAX_CHARS, chunk_document
from retrieval.dense_index import AnnParams, DenseIndex
from retrieval.documents import Chunk
from retrieval.encoder import Encoder, library_versions
from retrieval.errors import IndexMismatchError, IndexNotBuiltError, IngestError
from retrieval.glossary import Glossary
from retrieval.ingest import corpus_files, file_hash, ingest_file
from retrieval.lexical_index import FILES as LEXICAL_FILES
from retrieval.lexical_index import LexicalIndex
from retrieval.symptoms import SymptomLexicon

FORMAT_VERSION = 1
INDEX_FILES = ("meta.json", "chunks.jsonl", "vectors.npy", "dense.faiss", "glossary.json",
               *LEXICAL_FILES)
SYMPTOMS_FILE = "symptoms.json"
Progress = Callable[[str, int], Any]  # (description, total) -> context with .update(n)


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    embedded_documents: list[str] = field(default_factory=list)
    reused_documents: list[str] = field(default_factory=list)
    removed_documents: list[str] = field(default_factory=list)
    embedded_chunks: int = 0  # chunks given a vector (the dense languages only)
    problems: list[IngestError] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class LoadedIndex:
    folder: Path
    meta: dict[str, Any]
    chunks: list[Chunk]
    dense: DenseIndex
    lexical: LexicalIndex
    glossary: Glossary
    symptoms: SymptomLexicon = field(default_factory=SymptomLexicon.empty)


def read_meta(folder: Path) -> dict[str, Any]:
    meta_file = folder / "meta.json"
    if not meta_file.is_file():
        raise IndexNotBuiltError(str(folder))
    data: dict[str, Any] = json.loads(meta_file.read_text(encoding="utf-8"))
    return data


def check_compatible(meta: dict[str, Any], folder: Path, model: str,
                     dimension: int | None = None) -> None:
    """Refuse an index built with another model, dimension or file format."""
    rebuild = f"rebuild it: .venv/bin/python -m retrieval build --rebuild (index: {folder})"
    if meta.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index format {meta.get('format_version')} is not {FORMAT_VERSION}; {rebuild}")
    if meta.get("model") != model:
        raise IndexMismatchError(
            f"index was built with embedding model '{meta.get('model')}' but the settings ask for "
            f"'{model}' (ASSISTANT_EMBEDDING_MODEL); {rebuild}")
    if dimension is not None and meta.get("dimension") != dimension:
        raise IndexMismatchError(
            f"index vectors have dimension {meta.get('dimension')} but model '{model}' makes "
            f"{dimension}; {rebuild}")


def load_index(folder: Path, model: str, dimension: int | None = None) -> LoadedIndex:
    meta = read_meta(folder)
    check_compatible(meta, folder, model, dimension)
    missing = [name for name in INDEX_FILES if not (folder / name).is_file()]
    if missing:
        raise IndexMismatchError(f"index in {folder} lacks {', '.join(missing)}; rebuild it: "
                                 ".venv/bin/python -m retrieval build --rebuild")
    with (folder / "chunks.jsonl").open(encoding="utf-8") as handle:
        chunks = [Chunk.from_json(json.loads(line)) for line in handle if line.strip()]
    params = AnnParams(**meta.get("ann_params", {}))
    symptoms_file = folder / SYMPTOMS_FILE
    symptoms = (SymptomLexicon.from_json(symptoms_file.read_text(encoding="utf-8"))
                if symptoms_file.is_file() else SymptomLexicon.empty())
    return LoadedIndex(
        folder=folder, meta=meta, chunks=chunks,
        dense=DenseIndex.load(folder / "dense.faiss", meta["index_kind"], params),
        lexical=LexicalIndex.load(folder),
        glossary=Glossary.from_json((folder / "glossary.json").read_text(encoding="utf-8")),
        symptoms=symptoms,
    )


def _languages_value(dense_languages: tuple[str, ...] | None) -> list[str] | str:
    return "all" if dense_languages is None else sorted(dense_languages)


def embedded_languages(meta: dict[str, Any]) -> tuple[str, ...] | None:
    """The languages whose chunks the index embedded (None: all; older indexes embedded all)."""
    value = meta.get("dense_languages", "all")
    return None if value == "all" else tuple(value)


def _previous(folder: Path, model: str, dense_languages: tuple[str, ...] | None
              ) -> tuple[list[Chunk], np.ndarray | None]:
    try:
        meta = read_meta(folder)
        check_compatible(meta, folder, model)
        if meta.get("dense_languages", "all") != _languages_value(dense_languages):
            return [], None  # other languages embedded: nothing to reuse
        with (folder / "chunks.jsonl").open(encoding="utf-8") as handle:
            chunks = [Chunk.from_json(json.loads(line)) for line in handle if line.strip()]
        vectors = np.load(folder / "vectors.npy")
    except (IndexNotBuiltError, IndexMismatchError, OSError, ValueError, KeyError):
        return [], None
    if len(chunks) != len(vectors):
        return [], None
    return chunks, vectors


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None


def _no_progress(description: str, total: int) -> _NoProgress:
    return _NoProgress()


def build_index(corpus: Path, folder: Path, encoder: Encoder, *, incremental: bool = True,
                kind: str = "flat", glossary_path: Path | None = None,
                max_chars: int = DEFAULT_MAX_CHARS, params: AnnParams | None = None,
                symptoms: SymptomLexicon | None = None,
                dense_languages: tuple[str, ...] | None = None,
                progress: Progress = _no_progress) -> BuildReport:
    """(Re)build the index folder from the corpus folder; see the module docstring.
    `symptoms`: the lay symptom vocabulary for query expansion (none when not given).
    `dense_languages`: the languages whose chunks are embedded (None: all). The others get no
    vector in the dense index (a zero row in vectors.npy, kept for the incremental rebuild): an
    English-only model's vectors of Greek text are never read (the searcher
    reaches those chunks lexically and through the glossary's English paraphrase), and
    embedding them was most of a first start's index time."""
    started = time.perf_counter()
    report = BuildReport()
    if not corpus.is_dir():
        raise IngestError(str(corpus), "corpus folder does not exist")
    old_chunks, old_vectors = (_previous(folder, encoder.name, dense_languages) if incremental
                               else ([], None))
    old_by_source: dict[str, list[int]] = {}
    for row, chunk in enumerate(old_chunks):
        old_by_source.setdefault(chunk.source, []).append(row)

    files, report.problems = corpus_files(corpus)
    kept_chunks: list[Chunk] = []
    kept_rows: list[int] = []
    new_chunks: list[Chunk] = []
    seen_docs: dict[str, str] = {}
    with progress("reading documents", len(files)) as bar:
        for path in files:
            rel = path.relative_to(corpus).as_posix()
            rows = old_by_source.get(rel, [])
            if rows and old_chunks[rows[0]].content_hash == file_hash(path) \
                    and old_chunks[rows[0]].document not in seen_docs:
                kept_chunks.extend(old_chunks[r] for r in rows)
                kept_rows.extend(rows)
                seen_docs[old_chunks[rows[0]].document] = rel
                report.reused_documents.append(rel)
                bar.update(1)
                continue
            try:
                document = ingest_file(path, corpus)
                if document.doc_id in seen_docs:
                    raise IngestError(rel, f"doc_id '{document.doc_id}' is already used by "
                                           f"{seen_docs[document.doc_id]}")
            except IngestError as exc:
                report.problems.append(exc)
                bar.update(1)
                continue
            seen_docs[document.doc_id] = rel
            new_chunks.extend(chunk_document(document, max_chars))
            report.embedded_documents.append(rel)
            bar.update(1)
    current = {c.source for c in kept_chunks} | {c.source for c in new_chunks}
    report.removed_documents = sorted(set(old_by_source) - current)

    dimension = encoder.dimension
    new_vectors = np.zeros((0, dimension), dtype=np.float32)
    if new_chunks:
        new_vectors = np.zeros((len(new_chunks), dimension), dtype=np.float32)
        rows = [row for row, chunk in enumerate(new_chunks)
                if dense_languages is None or chunk.language in dense_languages]
        with progress("embedding chunks", len(rows)) as bar:
            for start in range(0, len(rows), 64):
                batch = rows[start:start + 64]
                new_vectors[batch] = encoder.encode([new_chunks[r].index_text() for r in batch])
                bar.update(len(batch))
        report.embedded_chunks = len(rows)
    kept_vectors = (old_vectors[kept_rows] if old_vectors is not None and kept_rows
                    else np.zeros((0, dimension), dtype=np.float32))
    chunks = kept_chunks + new_chunks
    vectors = np.concatenate([kept_vectors, new_vectors]).astype(np.float32)

    glossary = Glossary.from_yaml(glossary_path) if glossary_path and glossary_path.is_file() \
        else Glossary.empty()
    lexical = LexicalIndex.from_texts([(c.lexical_text(), c.language) for c in chunks])
    # Only the embedded rows go into the dense index (dense_index.py says why).
    embedded = np.array([row for row, chunk in enumerate(chunks)
                         if dense_languages is None or chunk.language in dense_languages],
                        dtype=np.int64)
    dense = DenseIndex.build(vectors[embedded], kind, params, rows=embedded)
    report.documents = len(seen_docs)
    report.chunks = len(chunks)
    symptoms = symptoms or SymptomLexicon.empty()
    meta = _meta(encoder, dense, chunks, glossary, symptoms, max_chars, kind)
    meta["dense_languages"] = _languages_value(dense_languages)
    _write(folder, meta, chunks, vectors, dense, lexical, glossary, symptoms)
    report.seconds = time.perf_counter() - started
    return report


def _meta(encoder: Encoder, dense: DenseIndex, chunks: list[Chunk], glossary: Glossary,
          symptoms: SymptomLexicon, max_chars: int, requested_kind: str) -> dict[str, Any]:
    digest = hashlib.sha256()
    for source, content in sorted({(c.source, c.content_hash) for c in chunks}):
        digest.update(f"{source}\0{content}\n".encode())
    digest.update(glossary.to_json().encode())
    digest.update(symptoms.to_json().encode())
    digest.update(f"max_chars={max_chars}".encode())
    documents = sorted({c.document for c in chunks})
    return {
        "format_version": FORMAT_VERSION,
        "model": encoder.name,
        "dimension": dense.dimension,
        "normalised": True,
        "metric": "inner_product",
        "index_kind": dense.kind,
        "requested_index_kind": requested_kind,
        "ann_params": dense.params.__dict__,
        "corpus_hash": digest.hexdigest(),
        "chunks": len(chunks),
        "documents": len(documents),
        "languages": sorted({c.language for c in chunks}),
        "families": sorted({c.family for c in chunks if c.family}),
        "models": sorted({m for c in chunks for m in c.models}),
        "max_chars": max_chars,
        "symptoms": len(symptoms),
        "library_versions": library_versions(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": [*INDEX_FILES, SYMPTOMS_FILE],
    }


def _write(folder: Path, meta: dict[str, Any], chunks: list[Chunk], vectors: np.ndarray,
           dense: DenseIndex, lexical: LexicalIndex, glossary: Glossary,
           symptoms: SymptomLexicon) -> None:
    staging = folder.with_name(folder.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with (staging / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
    np.save(staging / "vectors.npy", vectors)
    dense.save(staging / "dense.faiss")
    lexical.save(staging)
    (staging / "glossary.json").write_text(glossary.to_json(), encoding="utf-8")
    (staging / SYMPTOMS_FILE).write_text(symptoms.to_json(), encoding="utf-8")
    # meta.json last: its presence marks a complete index.
    (staging / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False),
                                       encoding="utf-8")
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
