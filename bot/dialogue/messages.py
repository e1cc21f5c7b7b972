"""The assistant's own sentences in the five languages (bot/dialogue/messages/<lang>.yml).

Every key exists in every language with the same placeholders (tests/bot/test_messages.py);
a missing key in one language falls back to English rather than failing a conversation."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.languages import LANGUAGES

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


class _Lenient(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> dict[str, str]:
    path = MESSAGES_DIR / f"{language}.yml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of message keys to texts")
    return {str(k): str(v) for k, v in data.items()}


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def language_or_default(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def say(key: str, language: str | None, **values: Any) -> str:
    """The sentence `key` in `language`, with its placeholders filled."""
    lang = language_or_default(language)
    template = catalogue(lang).get(key) or catalogue("en")[key]
    return template.format_map(_Lenient(values))
