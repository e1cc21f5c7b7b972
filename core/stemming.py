"""Snowball stemmers for the five languages, one per thread.

A snowballstemmer stemmer keeps the word it is stemming in the instance (`current`, `cursor`),
so one instance shared by threads mixes two words up: under concurrent chat turns (the API runs
each turn in a worker thread) a shared stemmer raised IndexError mid-word and failed the turn.
Each thread gets its own instance instead; building one costs microseconds."""

from __future__ import annotations

import threading
from typing import Any

import snowballstemmer

from core.languages import LANGUAGES

SNOWBALL = {"en": "english", "el": "greek", "de": "german", "fr": "french", "es": "spanish"}
assert set(SNOWBALL) == set(LANGUAGES)

_local = threading.local()


def stemmer(language: str) -> Any:
    """This thread's stemmer for one of the five languages (KeyError for another)."""
    stemmers: dict[str, Any] = _local.__dict__.setdefault("stemmers", {})
    found = stemmers.get(language)
    if found is None:
        found = stemmers[language] = snowballstemmer.stemmer(SNOWBALL[language])
    return found
