"""The domain's own words, per language: the words of the manuals, the knowledge pack's
translated texts and the glossary that are far more frequent there than in the language at
large (wordfreq's general frequency lists, offline, for all five languages).

"regrease", "Ölfilter", "φτερωτή", "garniture" are domain words; "the", "money", "weather" are
not, however often the manuals use "the". A message with none of them and no id says nothing
of the domain; the scope classifier gets their count as a feature."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from wordfreq import word_frequency

from core.languages import LANGUAGES
from rules.symptoms import stems

PROJECT = Path(__file__).resolve().parents[2]
_WORD = re.compile(r"[^\W\d_]{4,}")
MIN_COUNT = 2        # a word the manuals use once may be a name or a typo
MIN_LOG_RATIO = 1.3  # at least ~20x more frequent in the domain's texts than in general use
GENERAL_FLOOR = 1e-8  # wordfreq's frequency of a word it has never seen


@dataclass(frozen=True)
class DomainVocabulary:
    stems: dict[str, frozenset[str]]  # language -> stems of the domain's words

    def hits(self, text: str) -> int:
        """How many words of the message are domain words, in any of the five languages
        (customers mix languages: "reset", "inverter" in a Greek message)."""
        return sum(1 for word in _WORD.findall(text.casefold())
                   if any(s in self.stems[lang] for lang in LANGUAGES
                          for s in stems(word, lang)[:1]))


def _texts(language: str, corpus: Path, knowledge: Path) -> Iterable[str]:
    for path in sorted((corpus / language).glob("*.md")):
        yield path.read_text("utf-8")
    for path in sorted((knowledge / "i18n" / language).glob("*.yml")):
        yield path.read_text("utf-8")
    glossary = yaml.safe_load((knowledge / "glossary.yml").read_text("utf-8")) or {}
    for term in glossary.get("terms") or []:
        yield str(term.get(language) or "")
        yield " ".join((term.get("synonyms") or {}).get(language) or [])


def domain_words(language: str, corpus: Path, knowledge: Path) -> set[str]:
    counts = Counter(w for text in _texts(language, corpus, knowledge)
                     for w in _WORD.findall(text.casefold()))
    total = sum(counts.values()) or 1
    words = set()
    for word, count in counts.items():
        if count < MIN_COUNT:
            continue
        general = max(word_frequency(word, language), GENERAL_FLOOR)
        if math.log10(count / total / general) >= MIN_LOG_RATIO:
            words.add(word)
    return words


@lru_cache(maxsize=1)
def default_vocabulary(corpus: Path = PROJECT / "docs_corpus",
                       knowledge: Path = PROJECT / "knowledge") -> DomainVocabulary:
    return DomainVocabulary({
        lang: frozenset(s for w in domain_words(lang, corpus, knowledge)
                        for s in stems(w, lang)[:1])
        for lang in LANGUAGES})


__all__ = ["DomainVocabulary", "default_vocabulary", "domain_words"]
