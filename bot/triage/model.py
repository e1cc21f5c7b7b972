"""A linear model on word and character n-grams of the folded text, with the hazard lexicon as
extra features: the one kind of classifier both triage stages use.

Character n-grams absorb inflection, compounds and typos in all five languages (German
"Kältemittelaustritt", Greek forms with or without accents) where a word list would need every
form; the lexicon's hits are features, not verdicts, so a pattern that fires on ordinary words
("trapped air", "keine Luft") is outweighed by the rest of the message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from core.text import fold

Feature = Callable[[str], float]


@dataclass
class TextClassifier:
    """P(positive | text) from a logistic regression; trained in seconds on a few thousand
    examples, so it is trained when the assistant starts (no stored model to go stale)."""

    words: TfidfVectorizer
    chars: TfidfVectorizer
    extra: tuple[Feature, ...]
    model: LogisticRegression

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[bool], *,
              extra: tuple[Feature, ...] = (), c: float = 4.0) -> TextClassifier:
        words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1,
                                sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                sublinear_tf=True, max_features=120_000)
        folded = [fold(t) for t in texts]
        words.fit(folded)
        chars.fit(folded)
        self = cls(words, chars, extra, LogisticRegression(
            C=c, class_weight="balanced", max_iter=2000, solver="liblinear"))
        self.model.fit(self._features(texts, folded), np.asarray(labels, dtype=int))
        return self

    def _features(self, texts: Sequence[str], folded: Sequence[str] | None = None
                  ) -> csr_matrix:
        folded = folded if folded is not None else [fold(t) for t in texts]
        parts = [self.words.transform(folded), self.chars.transform(folded)]
        if self.extra:
            parts.append(csr_matrix([[f(t) for f in self.extra] for t in texts]))
        return hstack(parts).tocsr()

    def known_words(self, text: str) -> int:
        """How many of the message's words the model saw in training (0: keyboard mashing,
        a language it never saw, only numbers)."""
        vocabulary = self.words.vocabulary_
        return sum(1 for word in self._analyse(fold(text)) if word in vocabulary and
                   not word.isdigit())

    @cached_property
    def _analyse(self) -> Callable[[str], list[str]]:
        return self.words.build_analyzer()  # type: ignore[no-any-return]

    def probability(self, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        return [float(p) for p in self.model.predict_proba(self._features(texts))[:, 1]]
