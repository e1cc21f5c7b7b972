"""`python -m retrieval build|update|stats|search`: the index from the command line, with
progress bars. Paths and the model come from the API settings (ASSISTANT_INDEX_DIR,
ASSISTANT_EMBEDDING_MODEL, ASSISTANT_EMBEDDING_LANGUAGES, ASSISTANT_DOCS_DIR,
ASSISTANT_INDEX_KIND, ASSISTANT_GLOSSARY_PATH)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from core.knowledge.loader import knowledge_at
from retrieval.errors import RetrievalError


def _progress(description: str, total: int) -> Any:
    from tqdm import tqdm  # only the commands that show progress

    return tqdm(total=total, desc=description, unit="item", file=sys.stderr, leave=True)


def _settings() -> Any:
    from core.settings import get_settings  # pydantic-settings only; no FastAPI import

    return get_settings()


def default_symptoms(knowledge_dir: Path) -> Any:
    """The lay symptom vocabulary of the knowledge model (rules/data/symptoms.yml linked to the
    fault evidence of the pack); empty when there is no pack."""
    from retrieval.symptoms import SymptomLexicon  # word frequencies: only when building

    if not knowledge_dir.is_dir():
        return SymptomLexicon.empty()
    return SymptomLexicon.from_knowledge(knowledge_at(knowledge_dir))


def _build(args: argparse.Namespace, incremental: bool) -> int:
    from retrieval.encoder import get_encoder  # the embedding model: only when building
    from retrieval.store import build_index

    settings = _settings()
    corpus = Path(args.corpus) if args.corpus else settings.docs_dir
    folder = Path(args.index) if args.index else settings.index_dir
    print(f"loading embedding model {settings.embedding_model} ...", file=sys.stderr)
    encoder = get_encoder(settings.embedding_model)
    report = build_index(corpus, folder, encoder, incremental=incremental,
                         kind=args.kind or settings.index_kind,
                         glossary_path=settings.glossary_path,
                         symptoms=default_symptoms(settings.knowledge_dir),
                         dense_languages=settings.dense_languages, progress=_progress)
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    print(f"index {folder}: {report.documents} documents, {report.chunks} chunks; "
          f"embedded {len(report.embedded_documents)} documents ({report.embedded_chunks} "
          f"chunks), reused {len(report.reused_documents)}, removed "
          f"{len(report.removed_documents)}; {report.seconds:.1f} s")
    return 1 if report.problems and args.strict else 0


def _stats(args: argparse.Namespace) -> int:
    from retrieval.store import read_meta  # FAISS: only for the subcommands that read an index

    settings = _settings()
    folder = Path(args.index) if args.index else settings.index_dir
    meta = read_meta(folder)
    chunks = folder / "chunks.jsonl"
    per_language: Counter[str] = Counter()
    per_family: Counter[str] = Counter()
    with chunks.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            per_language[row["language"]] += 1
            per_family[row["family"] or "-"] += 1
    shown = {k: v for k, v in meta.items() if k not in {"files"}}
    shown["chunks_per_language"] = dict(sorted(per_language.items()))
    shown["chunks_per_family"] = dict(sorted(per_family.items()))
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return 0


def _search(args: argparse.Namespace) -> int:
    from retrieval.encoder import get_encoder  # the embedding model: only when searching
    from retrieval.search import Searcher

    settings = _settings()
    folder = Path(args.index) if args.index else settings.index_dir
    searcher = Searcher.open(folder, get_encoder(settings.embedding_model),
                             dense_languages=settings.dense_languages)
    result = searcher.search(" ".join(args.query), language=args.language, family=args.family,
                             model=args.model, k=args.k, mode=args.mode)
    print(f"query language: {result.query_language or '?'}; glossary: "
          f"{', '.join(result.expanded_with) or '-'}")
    for n, hit in enumerate(result.hits, 1):
        page = f" p.{hit.page}" if hit.page else ""
        print(f"{n}. [{hit.score:.4f}] {hit.document}{page} #{hit.section_id} "
              f"({hit.language}) {hit.section_title}")
        print("   " + hit.text[:200].replace("\n", " "))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retrieval", description=__doc__)
    parser.add_argument("--index", help="index folder (default: ASSISTANT_INDEX_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("build", "build the index (re-embeds only changed documents unless "
                                 "--rebuild)"),
                       ("update", "bring the index up to date with the corpus")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--corpus", help="manuals folder (default: ASSISTANT_DOCS_DIR)")
        cmd.add_argument("--kind", choices=["flat", "hnsw", "ivf"],
                         help="vector index kind (default: ASSISTANT_INDEX_KIND)")
        cmd.add_argument("--strict", action="store_true", help="exit 1 if a file was skipped")
        if name == "build":
            cmd.add_argument("--rebuild", action="store_true",
                             help="re-embed everything (e.g. after changing the model)")
    sub.add_parser("stats", help="what the index holds")
    search = sub.add_parser("search", help="search the index")
    search.add_argument("query", nargs="+")
    search.add_argument("--language")
    search.add_argument("--family")
    search.add_argument("--model")
    search.add_argument("-k", type=int, default=5)
    search.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args, incremental=not args.rebuild)
        if args.command == "update":
            return _build(args, incremental=True)
        if args.command == "stats":
            return _stats(args)
        return _search(args)
    except RetrievalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
