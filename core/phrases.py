"""Finding the knowledge pack's phrasings (lay symptoms, the wording of choice answers) in free
text, in the five languages: one way to turn words into terms and one matcher, used by the
expert system (a symptom sets observations and raises hazards) and by the search (a symptom
points to the manual sections about its faults).

A term is a word with its accents folded and then stemmed (Snowball), so a word typed without
its accents gets the stem of the accented one; every negation word of a language becomes the
one term NEG, so "fördert nicht" and "kein Wasser" keep what they deny, and "no water" never
matches "water dripping".

The two users want different strictness, and say so when they build their matcher:
- `in_order=True`: the terms of a phrasing in its own order, next to each other, each the
  same. The expert system acts on what it finds (an answered question, a hazard that opens a
  P1), so "the valve is stuck" must not be found in "is the valve stuck open or closed?".
- `in_order=False`: every term of a phrasing anywhere in the text, a stem also matching one
  that differs only in a short ending (see `occurs`). Search only ranks with what it finds,
  and recall matters more: "fördert aber kein Wasser" is "fördert nicht" + "kein Wasser".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

from core.languages import LANGUAGES
from core.stemming import stemmer
from core.text import strip_accents

NEG = "<neg>"
# Negation words per language (accent-folded, lower case); each becomes the term NEG.
NEGATIONS = {
    "en": frozenset("no not nothing none never cannot doesn don won isn aren wasn".split()),
    "de": frozenset("nicht kein keine keinen keinem keiner keines nichts nie niemals".split()),
    "fr": frozenset("ne n pas aucun aucune rien jamais plus".split()),
    "es": frozenset("no sin ningun ninguno ninguna nada nunca".split()),
    # Not "ποτέ" (never): without its accent it is "πότε" (when), as customers type it.
    "el": frozenset(strip_accents(w) for w in "δεν δε μη μην καθόλου τίποτα".split()),
}
assert set(NEGATIONS) == set(LANGUAGES)
# Stems that differ by at most this many letters at the end are one word (`occurs`).
MAX_ENDING = 3

_WORD = re.compile(r"\w+", re.UNICODE)
# (word, language) -> term; the five analyzers each kept 200,000 before they shared this one.
_cache: dict[tuple[str, str], str] = {}
_CACHE_SIZE = 1_000_000


def term(word: str, language: str) -> str:
    """The term of one lower-case word: accents folded, then stemmed; numbers as written."""
    key = (word, language)
    found = _cache.get(key)
    if found is None:
        found = word if word.isdigit() else stemmer(language).stemWord(strip_accents(word))
        if len(_cache) < _CACHE_SIZE:
            _cache[key] = found
    return found


def terms(text: str, language: str) -> list[str]:
    """The terms of a text in order, negation words as NEG (no stop words are dropped: "no"
    and "not" carry the meaning of a symptom)."""
    negations = NEGATIONS[language]
    out = []
    for word in _WORD.findall(text.casefold().replace("_", " ")):
        out.append(NEG if strip_accents(word) in negations else term(word, language))
    return out


def occurs(word: str, found: set[str]) -> bool:
    """A term among a text's terms: the same, or the same stem but for an ending of a few
    letters (the Snowball stemmers are not always consistent across inflections: Greek
    "μηχανικός" -> "μηχανικ", "μηχανικό" -> "μηχαν")."""
    if word in found:
        return True
    if len(word) < 5:
        return False
    # Endings differ by a few letters; a word much longer is another word ("under" is not
    # "undervoltage", "Motor" not "Motorüberlast").
    return any(len(t) >= 5 and abs(len(t) - len(word)) <= MAX_ENDING
               and (t.startswith(word) or word.startswith(t)) for t in found)


def contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """The words `needle` next to each other, in order, in `haystack` (never an empty one)."""
    hay, sought, n = tuple(haystack), tuple(needle), len(needle)
    return n > 0 and any(hay[i:i + n] == sought for i in range(len(hay) - n + 1))


Key = TypeVar("Key")


class PhraseMatcher(Generic[Key]):
    """Which of a set of phrasings (each under a key: a symptom id, an entry index) a text
    contains, in the languages asked for. The phrasings are turned into terms once."""

    def __init__(self, phrasings: Iterable[tuple[Key, str, str]], *, in_order: bool) -> None:
        """`phrasings`: (key, language, text) triples; a phrasing without a word other than a
        negation is left out (it would be found in every denial)."""
        self.in_order = in_order
        self._variants: dict[str, list[tuple[Key, tuple[str, ...]]]] = {
            language: [] for language in LANGUAGES}
        for key, language, text in phrasings:
            seq = tuple(terms(text, language))
            if any(t != NEG for t in seq):
                self._variants[language].append((key, seq))

    def find(self, text: str, languages: Iterable[str] = LANGUAGES) -> list[Key]:
        """The keys whose phrasing occurs in the text in one of the languages, in the order
        they were given (first language first), each once."""
        found: list[Key] = []
        for language in languages:
            variants = self._variants.get(language)
            if not variants:
                continue
            words = terms(text, language)
            if not words:
                continue
            present = set(words)
            for key, seq in variants:
                if key in found:
                    continue
                if self.in_order:
                    hit = set(seq) <= present and contains(words, seq)
                else:
                    hit = all(t in present if t == NEG else occurs(t, present) for t in seq)
                if hit:
                    found.append(key)
        return found
