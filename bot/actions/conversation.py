"""Pure helpers over a tracker's event list (no rasa_sdk imports, unit-tested on plain dicts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def user_intents(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """Intent names of the user messages of a conversation, oldest first."""
    names: list[str] = []
    for event in events:
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            names.append(intent.get("name") or "")
    return names


def consecutive_intents(events: Iterable[Mapping[str, Any]], intent: str) -> int:
    """How many of the latest user messages, counting back from the last, had `intent`."""
    count = 0
    for name in reversed(user_intents(events)):
        if name != intent:
            break
        count += 1
    return count
