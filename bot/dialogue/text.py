"""How common a word is in a language, however it is accented (folding: core.text)."""

from __future__ import annotations

import math
from functools import lru_cache

from core.text import fold


@lru_cache(maxsize=8)
def _folded_frequencies(language: str) -> dict[str, float]:
    # Imported here: the Rasa components fold text too, in an environment without wordfreq.
    from wordfreq import get_frequency_dict

    table: dict[str, float] = {}
    for word, frequency in get_frequency_dict(language).items():
        key = fold(word)
        table[key] = max(table.get(key, 0.0), frequency)
    return table


def zipf(word: str, language: str) -> float:
    """How common a word is in the language at large (wordfreq's Zipf scale: 0 unknown, ~7
    "the"), however it is accented: people type "θελω", "debit", "electrico" for "θέλω",
    "débit", "eléctrico", which wordfreq alone takes for rare words."""
    frequency = _folded_frequencies(language).get(fold(word), 0.0)
    return round(math.log10(frequency) + 9, 2) if frequency > 0 else 0.0
