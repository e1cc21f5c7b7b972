"""Cross-lingual query expansion through the multilingual glossary.

A glossary term found in the query (in any of its five languages, preferred term or synonym,
matched on analysed terms so inflection and accents do not matter) adds its equivalents in the
other languages to the lexical query, and its English term to an English paraphrase that the
(English) embedding model can read. So a Greek or Spanish question also finds English-only
content.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.knowledge.glossary import Terms, load_glossary
from core.languages import LANGUAGES
from core.phrases import occurs
from retrieval.analysis import analyzer

_CODE = re.compile(r"\b(?:[A-Za-z]{1,4}\d{2,}|[A-Z]{2,4}-[A-Z0-9]+(?:-[A-Z0-9]+)*)\b")


@dataclass
class Expansion:
    """Terms to add, per language, and an English paraphrase for the dense query."""

    terms: dict[str, list[str]] = field(default_factory=dict)  # language -> texts
    matched: list[str] = field(default_factory=list)  # glossary ids
    english: str = ""


class Glossary:
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries  # {"id", "terms": {lang: [variants, preferred first]}}
        # language -> [(entry index, analysed terms of one variant)]
        self._variants: dict[str, list[tuple[int, list[str]]]] = {}
        for language in LANGUAGES:
            variants = []
            for i, entry in enumerate(entries):
                for variant in entry["terms"].get(language, []):
                    seq = analyzer(language).analyze(variant)
                    seq = [t for t in seq if "-" not in t] or seq
                    if seq:
                        variants.append((i, seq))
            self._variants[language] = variants

    @classmethod
    def from_terms(cls, terms: Terms) -> Glossary:
        """From the knowledge model's glossary (term id -> language -> forms, preferred first)."""
        return cls([{"id": term_id, "terms": {language: list(forms)
                                              for language, forms in by_language.items()}}
                    for term_id, by_language in terms.items()])

    @classmethod
    def from_yaml(cls, path: Path) -> Glossary:
        """Read a glossary file (knowledge/glossary.yml) with the knowledge pack's reader."""
        terms, _safety = load_glossary(path)
        return cls.from_terms(terms)

    @classmethod
    def empty(cls) -> Glossary:
        return cls([])

    def to_json(self) -> str:
        return json.dumps({"entries": self.entries}, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Glossary:
        return cls(json.loads(text)["entries"])

    def find(self, query: str) -> list[int]:
        """Indices of the glossary entries whose term occurs in the query, in any language.

        Every word of a term must occur in the query, in any order; stems match on a common
        prefix of 5+ letters too, because the Snowball stemmers are not always consistent
        across cases (Greek "μηχανικός" -> "μηχανικ", "μηχανικό" -> "μηχαν")."""
        found: list[int] = []
        for language in LANGUAGES:
            terms = set(analyzer(language).analyze(query))
            if not terms:
                continue
            for index, seq in self._variants[language]:
                if index not in found and all(occurs(word, terms) for word in seq):
                    found.append(index)
        return found

    def expand(self, query: str, query_language: str | None) -> Expansion:
        expansion = Expansion()
        english: list[str] = []
        for index in self.find(query):
            entry = self.entries[index]
            expansion.matched.append(entry["id"])
            for language, variants in entry["terms"].items():
                if language != query_language:
                    expansion.terms.setdefault(language, []).extend(variants)
            if "en" in entry["terms"]:
                english.append(entry["terms"]["en"][0])
        if english and query_language != "en":
            codes = _CODE.findall(query)
            expansion.english = " ".join(dict.fromkeys([*codes, *english]))
        return expansion
