"""Retrieval quality on the labelled query set bench/data/retrieval_queries.yml.

Reports Recall@1, Recall@5 and MRR@10 per language for dense-only, lexical-only and hybrid
search (RRF and a convex score combination side by side), plus the cross-lingual queries,
which run against the English manuals only (content that exists in another language than the
question). Writes bench/out/retrieval_eval.md.

    .venv/bin/python -m retrieval build          # the demo index first
    .venv/bin/python bench/retrieval_eval.py [--index var/index]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.languages import LANGUAGES as LANGS  # noqa: E402
from core.settings import get_settings  # noqa: E402
from retrieval.dense_index import DenseIndex  # noqa: E402
from retrieval.encoder import Encoder, get_encoder  # noqa: E402
from retrieval.lexical_index import LexicalIndex  # noqa: E402
from retrieval.search import SYMPTOM_WEIGHT, Searcher  # noqa: E402
from retrieval.store import LoadedIndex, load_index  # noqa: E402

QUERIES = ROOT / "bench" / "data" / "retrieval_queries.yml"
# Lay-symptom queries written before the symptom-vocabulary expansion and never used to tune it.
HOLDOUT = ROOT / "bench" / "data" / "retrieval_queries_holdout.yml"
OUT = ROOT / "bench" / "out" / "retrieval_eval.md"


class CachedEncoder:
    """The real encoder with a memo: every configuration embeds the same queries."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self._memo: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        missing = [t for t in texts if t not in self._memo]
        if missing:
            for text, vector in zip(missing, self._encoder.encode(missing), strict=True):
                self._memo[text] = vector
        return np.stack([self._memo[t] for t in texts])


def english_only(index: LoadedIndex) -> LoadedIndex:
    """The same index restricted to English chunks (the cross-lingual condition)."""
    rows = [i for i, c in enumerate(index.chunks) if c.language == "en"]
    vectors = np.load(index.folder / "vectors.npy", mmap_mode="r")[rows]
    chunks = [index.chunks[i] for i in rows]
    lexical = LexicalIndex.from_texts([(c.lexical_text(), c.language) for c in chunks])
    return LoadedIndex(index.folder, index.meta, chunks, DenseIndex.build(vectors, "flat"),
                       lexical, index.glossary, index.symptoms)


def evaluate(searcher: Searcher, queries: list[dict[str, Any]], mode: str) -> dict[str, float]:
    r1 = r5 = mrr = 0.0
    for query in queries:
        hits = searcher.search(query["q"], language=query["lang"], k=10, mode=mode).hits
        ids = [h.section_id for h in hits]
        ranks = [i for i, sid in enumerate(ids, 1) if sid in set(query["rel"])]
        first = ranks[0] if ranks else None
        r1 += first == 1
        r5 += first is not None and first <= 5
        mrr += 1.0 / first if first else 0.0
    n = max(len(queries), 1)
    return {"n": len(queries), "R@1": r1 / n, "R@5": r5 / n, "MRR@10": mrr / n}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--holdout", type=Path, default=HOLDOUT,
                        help="held-out query file, reported separately (hybrid/dense/lexical)")
    args = parser.parse_args(argv)
    settings = get_settings()
    folder = args.index or settings.index_dir
    encoder = CachedEncoder(get_encoder(settings.embedding_model))
    full = load_index(folder, encoder.name, encoder.dimension)
    english = english_only(full)
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["queries"]
    same = [q for q in queries if q["kind"] != "crosslingual"]
    cross = [q for q in queries if q["kind"] == "crosslingual"]
    configs = [("dense", "dense", "rrf", 0.5, 0.0), ("lexical", "lexical", "rrf", 0.5, 0.0),
               ("hybrid RRF", "hybrid", "rrf", 0.5, SYMPTOM_WEIGHT),
               ("hybrid convex 0.3", "hybrid", "convex", 0.3, SYMPTOM_WEIGHT),
               ("hybrid convex 0.5, no symptom expansion", "hybrid", "convex", 0.5, 0.0),
               ("hybrid convex 0.5 (default)", "hybrid", "convex", 0.5, SYMPTOM_WEIGHT),
               ("hybrid convex 0.7", "hybrid", "convex", 0.7, SYMPTOM_WEIGHT)]
    rows: list[tuple[str, str, str, dict[str, float]]] = []
    started = time.perf_counter()
    for label, mode, fusion, alpha, symptom_weight in configs:
        on_full = Searcher(full, encoder, fusion=fusion, alpha=alpha,  # type: ignore[arg-type]
                           symptom_weight=symptom_weight)
        on_english = Searcher(english, encoder, fusion=fusion,  # type: ignore[arg-type]
                              alpha=alpha, symptom_weight=symptom_weight)
        for lang in LANGS:
            rows.append((label, lang, "same-language",
                         evaluate(on_full, [q for q in same if q["lang"] == lang], mode)))
        for lang in LANGS[1:]:
            rows.append((label, lang, "cross-lingual (English-only index)",
                         evaluate(on_english, [q for q in cross if q["lang"] == lang], mode)))
        rows.append((label, "all", "cross-lingual (English-only index)",
                     evaluate(on_english, cross, mode)))
    by_kind: dict[str, dict[str, float]] = {}
    hybrid = Searcher(full, encoder)  # type: ignore[arg-type]
    kinds = defaultdict(list)
    for q in same:
        kinds[q["kind"]].append(q)
    for kind, items in sorted(kinds.items()):
        by_kind[kind] = evaluate(hybrid, items, "hybrid")
    held_out = (yaml.safe_load(args.holdout.read_text(encoding="utf-8"))["queries"]
                if args.holdout.is_file() else [])
    held_rows: list[tuple[str, str, dict[str, float]]] = []
    for label, mode, symptom_weight in (
            ("dense", "dense", 0.0), ("lexical", "lexical", 0.0),
            ("hybrid convex 0.5, no symptom expansion", "hybrid", 0.0),
            ("hybrid convex 0.5 (default)", "hybrid", SYMPTOM_WEIGHT)):
        searcher = Searcher(full, encoder,  # type: ignore[arg-type]
                            fusion="convex" if mode == "hybrid" else "rrf",
                            symptom_weight=symptom_weight)
        for lang in LANGS:
            items = [q for q in held_out if q["lang"] == lang]
            if items:
                held_rows.append((label, lang, evaluate(searcher, items, mode)))
        if held_out:
            held_rows.append((label, "all", evaluate(searcher, held_out, mode)))
    seconds = time.perf_counter() - started

    lines = ["# Retrieval evaluation", "",
             f"Index: {full.meta['chunks']} chunks, {full.meta['documents']} documents, "
             f"languages {', '.join(full.meta['languages'])}; model `{full.meta['model']}`; "
             f"{len(queries)} labelled queries ({len(same)} same-language, {len(cross)} "
             "cross-lingual). A hit is relevant when its section id (shared by all language "
             "versions of a section) is labelled for the query. The query's language is passed "
             "as the reader's language, as the bot does. The packaged model reads English only "
             "(ASSISTANT_EMBEDDING_LANGUAGES=en): dense search covers the English chunks, with a "
             "non-English query embedded as typed plus its glossary paraphrase in English; in "
             "hybrid mode a non-English query reaches the vectors through the paraphrase only. "
             "Hybrid rows include the symptom expansion (a lay symptom from rules/data/"
             "symptoms.yml -> the sections about the faults it is evidence for, weight "
             f"{SYMPTOM_WEIGHT}) unless marked 'no symptom expansion'.",
             "",
             "| configuration | language | condition | n | Recall@1 | Recall@5 | MRR@10 |",
             "|---|---|---|---|---|---|---|"]
    for label, lang, condition, m in rows:
        lines.append(f"| {label} | {lang} | {condition} | {m['n']:.0f} | {m['R@1']:.2f} | "
                     f"{m['R@5']:.2f} | {m['MRR@10']:.2f} |")
    lines += ["", "Hybrid (default: convex 0.5) by query kind, same-language:", "",
              "| kind | n | Recall@1 | Recall@5 | MRR@10 |", "|---|---|---|---|---|"]
    for kind, m in by_kind.items():
        lines.append(f"| {kind} | {m['n']:.0f} | {m['R@1']:.2f} | {m['R@5']:.2f} | "
                     f"{m['MRR@10']:.2f} |")
    if held_rows:
        lines += ["", f"Held-out lay-symptom queries ({args.holdout.name}, {len(held_out)} "
                  "queries written before the symptom-vocabulary expansion and not used to "
                  "choose it; one look at them preceded the change of the symptom score's "
                  "scaling, which the main set also preferred), "
                  "same-language, full index:", "",
                  "| configuration | language | n | Recall@1 | Recall@5 | MRR@10 |",
                  "|---|---|---|---|---|---|"]
        for label, lang, m in held_rows:
            lines.append(f"| {label} | {lang} | {m['n']:.0f} | {m['R@1']:.2f} | "
                         f"{m['R@5']:.2f} | {m['MRR@10']:.2f} |")
    lines += ["", f"Evaluation time {seconds:.1f} s."]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
