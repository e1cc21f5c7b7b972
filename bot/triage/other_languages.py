"""Messages written in a language the assistant does not speak.

NLU only knows the five languages; an Italian or Dutch message gets a random intent or the
fallback. This detector also knows the languages customers of the region are likely to use
instead, so such a message gets an honest answer (and the offer of an engineer)."""

from __future__ import annotations

import re
import threading
from typing import Any

from wordfreq import zipf_frequency

SUPPORTED = {"ENGLISH", "GREEK", "GERMAN", "FRENCH", "SPANISH"}
OTHERS = ("ITALIAN", "PORTUGUESE", "DUTCH", "TURKISH", "POLISH", "RUSSIAN", "ROMANIAN",
          "SWEDISH", "DANISH", "CZECH", "HUNGARIAN", "BULGARIAN", "ARABIC", "CHINESE",
          "JAPANESE")
MIN_LETTERS = 15
MIN_CONFIDENCE = 0.9
# lingua's fast mode takes short plain sentences for a neighbour ("How often is the oil filter
# changed?" -> Danish at 0.9+): a message whose words are nearly all ordinary words of one of
# the five languages (wordfreq, offline) is in that language, whatever the detector says.
KNOWN_ZIPF = 3.0
KNOWN_SHARE = 0.8
CODES = {"ENGLISH": "en", "GREEK": "el", "GERMAN": "de", "FRENCH": "fr", "SPANISH": "es"}

_detector: Any = None
_lock = threading.Lock()


def _get_detector() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            from lingua import Language, LanguageDetectorBuilder  # loads models: on first use

            languages = [getattr(Language, name) for name in (*SUPPORTED, *OTHERS)]
            _detector = LanguageDetectorBuilder.from_languages(*languages) \
                .with_low_accuracy_mode().build()
    return _detector


def unsupported_language(text: str) -> str | None:
    """The (English) name of the language the text is clearly written in, when it is none of
    the five the assistant speaks; None when it is one of them or unclear."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    values = _get_detector().compute_language_confidence_values(text)
    if not values:
        return None
    top = values[0]
    name = top.language.name
    if name in SUPPORTED or top.value < MIN_CONFIDENCE or _ours(text):
        return None
    return str(name.title())


def _ours(text: str) -> bool:
    """Nearly every word is an ordinary word of one of the five languages."""
    words = re.findall(r"[^\W\d_]{2,}", text.lower())
    if not words:
        return False
    return any(sum(zipf_frequency(w, code) >= KNOWN_ZIPF for w in words) / len(words)
               >= KNOWN_SHARE for code in CODES.values())
