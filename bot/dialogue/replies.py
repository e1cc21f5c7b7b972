"""What the assistant sends: text, optional buttons, and machine-readable `custom` data that the
web chat uses (the kind of message, a ticket number) and other clients may ignore."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    custom: dict[str, Any] | None = None
    response: str | None = None  # a response of the domain (bot/domain.yml) instead of text


def intent_payload(intent: str, **entities: Any) -> str:
    """A button payload that bypasses NLU: `/intent{"entity": "value"}`."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"
