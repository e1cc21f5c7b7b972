"""The languages the assistant speaks: its answers, manuals, training data and knowledge pack."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "el", "de", "fr", "es"]
# The order is the knowledge pack's and the reports' (English first, the fallback).
LANGUAGES: tuple[Language, ...] = ("en", "el", "de", "fr", "es")
DEFAULT_LANGUAGE: Language = "en"
