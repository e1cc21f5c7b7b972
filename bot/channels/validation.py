"""Validation of a chat request to the REST channel (pure: no Rasa imports, tested on its own)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Conversation ids end up in logs, URLs of the tracker API and ticket records: keep them plain.
SENDER_PATTERN = re.compile(r"^[\w.:@+-]{1,128}$")
DEFAULT_MAX_MESSAGE_CHARS = 5000
# Messages over the limit get a polite answer in the conversation (not an HTTP error, a customer
# pasting a log should not see a failure); only beyond this many characters is a body refused.
HARD_LIMIT_FACTOR = 20


class ChatRequestError(ValueError):
    """The request cannot be served; `status` is the HTTP code, the message is for the client."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.field:
            body["field"] = self.field
        return body


@dataclass(frozen=True)
class ChatRequest:
    sender: str
    message: str
    metadata: dict[str, Any] | None
    length: int = 0
    too_long: bool = False  # over the limit: the bot answers with `message_too_long`


def validate_chat_request(body: Any, *, max_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> ChatRequest:
    if not isinstance(body, dict):
        raise ChatRequestError(400, "the body must be a JSON object with 'sender' and 'message'")
    sender = body.get("sender")
    if sender is None:
        raise ChatRequestError(400, "'sender' is required: an id for the conversation", "sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        raise ChatRequestError(
            400,
            "'sender' must be 1-128 letters, digits or . _ : @ + - (no spaces or slashes)",
            "sender",
        )
    message = body.get("message")
    if not isinstance(message, str):
        raise ChatRequestError(400, "'message' is required and must be a string", "message")
    if not message.strip():
        raise ChatRequestError(400, "'message' is empty", "message")
    if len(message) > max_chars * HARD_LIMIT_FACTOR:
        raise ChatRequestError(
            413, f"'message' is too long: {len(message)} characters, at most {max_chars}", "message"
        )
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ChatRequestError(400, "'metadata' must be a JSON object", "metadata")
    return ChatRequest(sender=sender, message=message.strip(), metadata=metadata,
                       length=len(message), too_long=len(message) > max_chars)


def too_long_payload(request: ChatRequest, *, max_chars: int, language: str | None) -> str:
    """The intent message that replaces an over-long one (Rasa parses `/intent{entities}`
    without NLU); the language, detected from its beginning, keeps the reply in it."""
    entities: dict[str, Any] = {"length": request.length, "limit": max_chars}
    if language:
        entities["language"] = language
    return "/message_too_long" + json.dumps(entities, separators=(",", ":"))
