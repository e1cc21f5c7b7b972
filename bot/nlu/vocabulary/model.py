"""Does a message contain any word the assistant was trained on? (pure, no Rasa imports)

Intent classifiers built on n-grams give confident intents to keyboard mashing ("asdfgh" came out
as `goodbye` with high confidence). A message none of whose words is known, even allowing a typo,
is treated as not understood.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable

from core.text import fold

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-cased, accent-folded word tokens (letters and digits kept: codes like E101 count)."""
    return [w for w in _WORD.findall(fold(text)) if not w.isdigit()]


class Vocabulary:
    def __init__(self, known: Iterable[str], *, typo_cutoff: float = 0.8) -> None:
        self.known = frozenset(known)
        self.typo_cutoff = typo_cutoff
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in self.known:
            self._by_initial[word[0]].append(word)

    @classmethod
    def from_texts(cls, texts: Iterable[str], **kwargs: float) -> Vocabulary:
        return cls({w for text in texts for w in words(text)}, **kwargs)

    def is_known(self, word: str) -> bool:
        if word in self.known:
            return True
        if len(word) < 4:
            return False
        # One typo in a longer word ("thnaks", "Guten Morgn") still counts as known.
        return bool(difflib.get_close_matches(word, self._by_initial.get(word[0], []), n=1,
                                              cutoff=self.typo_cutoff))

    def known_share(self, text: str) -> float:
        tokens = words(text)
        if not tokens:
            return 0.0
        return sum(self.is_known(t) for t in tokens) / len(tokens)
