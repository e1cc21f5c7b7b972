"""Language-aware text analysis for the lexical index: tokenising, case folding, stemming and
accent folding for en, el, de, fr, es.

Accents are folded before stemming, so a word typed without its accents (Greek users often
drop the tonos, French users on an English keyboard drop the accents) gets the same stem as
the accented word in the manual; the stemmers lose a few accent-based suffix rules, which
costs less than the mismatch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from core.languages import LANGUAGES
from core.phrases import term
from core.text import strip_accents

_WORD = re.compile(r"\w+", re.UNICODE)
# Codes and part numbers are kept whole as well: E101, AL103, HSC-OF-015, F004.
_CODE = re.compile(r"\b[A-Za-z]{1,4}-?\d{2,}(?:-[A-Za-z0-9]+)*\b"
                   r"|\b[A-Za-z]+(?:-[A-Za-z0-9]+){1,3}\b")

# Short function words; BM25's idf discounts the rest.
_STOPWORDS = {
    "en": "a an and are as at be by do does for from has have how i if in is it its my of on or "
          "the this to was what when where which why with you your can should not no",
    "el": "ο η το οι τα του της των τον την στο στη στον στην στα στις και να με σε για από "
          "που πως τι είναι δεν μη θα ένα μια ή αν ότι μου σας",
    "de": "der die das den dem des ein eine einer eines einem einen und oder ist sind zu im "
          "in am an auf mit von für bei wie was wenn nicht kein keine es ich sie wir mein",
    "fr": "le la les l un une des du de d et ou est sont à au aux en dans sur pour par avec "
          "que qui quoi comment ne pas se sa son ses mon ma je il elle on",
    "es": "el la los las un una unos unas de del y o es son a al en con por para que qué "
          "cómo no se su sus mi me lo le",
}


@lru_cache(maxsize=8)
def _stopwords(language: str) -> frozenset[str]:
    return frozenset(strip_accents(w) for w in _STOPWORDS[language].split())


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported analysis language '{language}' (supported: {LANGUAGES})")
    return language


class Analyzer:
    """Turns text into index terms for one language."""

    def __init__(self, language: str) -> None:
        self.language = check_language(language)
        self._stop = _stopwords(language)

    def term(self, word: str) -> str:
        """Index term of one lower-case word."""
        return term(word, self.language)

    def tokens(self, text: str) -> list[str]:
        """Case-folded words in order, stop words removed (no stemming)."""
        words = [w for w in _WORD.findall(text.casefold()) if w != "_"]
        return [w for w in words if strip_accents(w) not in self._stop]

    def analyze(self, text: str, splitter: Decompounder | None = None) -> list[str]:
        """Index terms of a text: stems of its words plus whole codes (e101, hsc-of-015), and
        with a splitter the parts of German compounds."""
        words = self.tokens(text)
        terms = [self.term(w) for w in words]
        if splitter is not None and self.language == "de":
            for word in words:
                terms.extend(splitter.split(strip_accents(word)))
        terms.extend(code.casefold() for code in _CODE.findall(text) if "-" in code)
        return terms


class Decompounder:
    """Splits German compounds into parts that the corpus also uses as words of their own
    ("Kältemittelüberfüllung" -> kaltemittel + uberfullung), so that a query that writes the
    parts apart, or only one of them, still matches. A linking s (Fugen-s) is dropped."""

    MIN_PART = 4
    MIN_WORD = 9

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = frozenset(vocabulary)
        self._stem = analyzer("de").term
        self._cache: dict[str, list[str]] = {}

    def split(self, word: str) -> list[str]:
        """Stems of the parts of a folded lower-case word; [] when it is no known compound."""
        if len(word) < self.MIN_WORD or not word.isalpha():
            return []
        cached = self._cache.get(word)
        if cached is None:
            cached = self._split(word) or []
            if len(self._cache) < 100_000:
                self._cache[word] = cached
        return cached

    def _split(self, word: str) -> list[str] | None:
        for cut in range(len(word) - self.MIN_PART, self.MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            heads = [head] + ([head[:-1]] if head.endswith("s") and cut > self.MIN_PART else [])
            for candidate in heads:
                head_stem = self._stem(candidate)
                if candidate not in self.vocabulary and head_stem not in self.vocabulary:
                    continue
                tail_stem = self._stem(tail)
                if tail_stem in self.vocabulary or tail in self.vocabulary:
                    return [head_stem, tail_stem]
                rest = self._split(tail) if len(tail) >= 2 * self.MIN_PART else None
                if rest:
                    return [head_stem, *rest]
        return None

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Decompounder:
        """Known parts: the stems (and forms) of the German words of 4 to 12 letters."""
        german = analyzer("de")
        vocabulary: set[str] = set()
        for text in texts:
            for word in german.tokens(text):
                folded = strip_accents(word)
                if cls.MIN_PART <= len(folded) <= 12 and folded.isalpha():
                    vocabulary.add(folded)
                    vocabulary.add(german.term(word))
        return cls(vocabulary)


@lru_cache(maxsize=8)
def analyzer(language: str) -> Analyzer:
    """Shared analyzer per language (terms are cached by `core.phrases.term`; the stemmers are
    per thread, core/stemming.py)."""
    return Analyzer(language)


def analyze_all(texts: Iterable[tuple[str, str]],
                splitter: Decompounder | None = None) -> list[list[str]]:
    """Terms of (text, language) pairs; unknown languages fall back to English analysis."""
    return [analyzer(lang if lang in LANGUAGES else "en").analyze(text, splitter)
            for text, lang in texts]
