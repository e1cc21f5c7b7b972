"""The multilingual glossary (`knowledge/glossary.yml`): each term's preferred form and synonyms
per language, and which terms belong to the safety domain. Read here for the expert system, the
dialogue and the search alike."""

from __future__ import annotations

from pathlib import Path

from core.knowledge.errors import KnowledgeError
from core.knowledge.reading import read_yaml, require
from core.languages import LANGUAGES

Terms = dict[str, dict[str, tuple[str, ...]]]  # term id -> language -> preferred form, synonyms


def load_glossary(path: Path) -> tuple[Terms, frozenset[str]]:
    """term id -> language -> preferred term and synonyms; and the ids of safety terms. A
    missing file is an empty glossary."""
    if not path.exists():
        return {}, frozenset()
    data = read_yaml(path, path.name) or {}
    terms: Terms = {}
    safety: set[str] = set()
    for raw in data.get("terms") or []:
        entry = f"term {raw.get('id', '?')}"
        tid = require(raw, "id", str, path.name, entry)
        synonyms = raw.get("synonyms") or {}
        terms[tid] = {lang: tuple([raw[lang]] + list(synonyms.get(lang) or []))
                      for lang in LANGUAGES if raw.get(lang)}
        if "en" not in terms[tid]:
            raise KnowledgeError(path.name, entry, "missing English term 'en'")
        if "safety" in (raw.get("domains") or []):
            safety.add(tid)
    return terms, frozenset(safety)
