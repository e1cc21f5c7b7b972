"""Text normalisation shared by the dialogue's matchers."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents ("Ψύκτης" -> "ψυκτης", "Gerät" -> "gerat")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
