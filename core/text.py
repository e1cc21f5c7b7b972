"""Text folding: how the matchers, analyzers and classifiers compare words regardless of case and
accents ("Ψύκτης" = "ψυκτης", "Gerät" = "gerat"), the way customers type them."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    """The text without combining marks (é -> e, ά -> α, ü -> u), and the Greek final sigma as
    the plain one (ς -> σ): a stemmed or split word may end where the written one did not."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ς", "σ")


def fold(text: str) -> str:
    """Lower case without accents ("Ψύκτης" -> "ψυκτησ", "Gerät" -> "gerat")."""
    return strip_accents(text.casefold())
