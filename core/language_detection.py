"""Offline language identification for chat messages (no Rasa imports: used by the NLU component
and testable on its own).

Statistical detectors are unreliable on the one- or two-word messages that open most chats
("Hallo", "Merci", "Hello"), so identification combines three sources, most specific first:

1. a phrase lexicon learnt from the NLU training data: a whole message that was seen in exactly one
   language's training examples is that language;
2. lingua's detector restricted to the supported languages, trusted when it is confident;
3. a vote of the words of the message that occur in only one language's training data.

When none of them is sure, the result has no language and the conversation keeps the one it had.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from core.languages import LANGUAGES
from core.text import fold

_NON_WORD = re.compile(r"[^\w\s]+")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case-fold, strip accents, punctuation, digits and extra spaces (the lexicon's key)."""
    text = _DIGITS.sub(" ", _NON_WORD.sub(" ", fold(text)))
    return _SPACES.sub(" ", text).strip()


def letter_count(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


@dataclass(frozen=True)
class Detection:
    """`language` is None when the message does not tell (too short, gibberish, mixed)."""

    language: str | None
    confidence: float
    method: str


@dataclass
class LanguageLexicon:
    """Phrases and words that occur in exactly one language of the training data."""

    phrases: dict[str, str]
    words: dict[str, str]

    @classmethod
    def from_examples(cls, examples: Iterable[tuple[str, str]]) -> LanguageLexicon:
        phrase_langs: dict[str, set[str]] = defaultdict(set)
        word_langs: dict[str, set[str]] = defaultdict(set)
        for text, language in examples:
            if language not in LANGUAGES:
                continue
            key = normalise(text)
            if not key:
                continue
            phrase_langs[key].add(language)
            for word in key.split():
                if len(word) >= 3:  # short words ("de", "la", "a") are shared across languages
                    word_langs[word].add(language)
        return cls(
            phrases={k: next(iter(v)) for k, v in phrase_langs.items() if len(v) == 1},
            words={k: next(iter(v)) for k, v in word_langs.items() if len(v) == 1},
        )

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {"phrases": self.phrases, "words": self.words}

    @classmethod
    def from_dict(cls, data: dict[str, dict[str, str]]) -> LanguageLexicon:
        return cls(phrases=dict(data.get("phrases", {})), words=dict(data.get("words", {})))


@lru_cache(maxsize=1)
def _lingua_detector():  # type: ignore[no-untyped-def]
    # Built lazily: it loads language models (~100 ms) and must not run at import time.
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


class LanguageIdentifier:
    """Decides the language of one message, or that it cannot tell."""

    def __init__(
        self,
        lexicon: LanguageLexicon | None = None,
        *,
        min_confidence: float = 0.6,
        short_text_letters: int = 12,
        short_text_min_confidence: float = 0.85,
        min_letters: int = 2,
        min_word_votes: int = 1,
    ) -> None:
        self.lexicon = lexicon or LanguageLexicon({}, {})
        self.min_confidence = min_confidence
        # lingua is often confidently wrong on a single short word ("Hello" -> es 0.49, "Moin" ->
        # fr 0.65), so short texts need a higher confidence before they switch the language.
        self.short_text_letters = short_text_letters
        self.short_text_min_confidence = short_text_min_confidence
        self.min_letters = min_letters
        self.min_word_votes = min_word_votes

    def detect(self, text: str) -> Detection:
        if letter_count(text) < self.min_letters:
            return Detection(None, 0.0, "too_short")
        key = normalise(text)
        if key in self.lexicon.phrases:
            return Detection(self.lexicon.phrases[key], 1.0, "lexicon")

        language, confidence = self._statistical(text)
        threshold = (
            self.short_text_min_confidence
            if letter_count(text) < self.short_text_letters
            else self.min_confidence
        )
        if language is not None and confidence >= threshold:
            return Detection(language, confidence, "lingua")

        votes = Counter(self.lexicon.words[w] for w in key.split() if w in self.lexicon.words)
        if votes:
            (best, count), *rest = votes.most_common()
            if count >= self.min_word_votes and (not rest or rest[0][1] < count):
                # Unanimous or clear majority among the words that are specific to one language.
                share = count / sum(votes.values())
                if share >= 0.75:
                    return Detection(best, share, "words")
        return Detection(None, confidence, "uncertain")

    @staticmethod
    def _statistical(text: str) -> tuple[str | None, float]:
        values = _lingua_detector().compute_language_confidence_values(text)
        if not values or values[0].value <= 0.0:
            return None, 0.0
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)
