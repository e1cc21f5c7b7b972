"""One of Rasa's events as the analytics keep it, and the key that makes it idempotent.

Rasa publishes each tracker event as a dict (`event`, `timestamp`, `sender_id`, ...). A user
event carries its whole NLU parse; only the intent, its confidence and the entities are kept
(not the ranking, nor the message's metadata but a satisfaction rating), so the stored event
stays small. A 1-5 rating comes either in the message's metadata (kept as `rating`) or as the
entity `rating` of a message with the intent `rate_conversation` (kept with the entities);
`rating_of` reads both. The key is a hash of the slimmed event's canonical JSON: the same event
delivered twice (a RabbitMQ redelivery, the SQL broker's table read again) has the same key."""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Events the analytics read; the others (user_featurization, active loops...) are dropped.
KEPT = {"user", "bot", "slot", "action", "session_started", "restart"}
SLOTS = {"language", "asset_serial", "asset_model", "asset_family", "customer_id",
         "diagnosis_session", "diagnosis_snapshot", "pending", "tickets", "awaiting",
         "last_answer"}


def slim(event: dict[str, Any]) -> dict[str, Any] | None:
    """The parts of a Rasa event the fold reads; None for an event it does not read."""
    kind = event.get("event")
    if kind not in KEPT or not event.get("sender_id"):
        return None
    out: dict[str, Any] = {"event": kind, "sender_id": str(event["sender_id"]),
                           "timestamp": float(event.get("timestamp") or 0.0)}
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        out["text"] = event.get("text") or ""
        out["intent"] = intent.get("name")
        out["confidence"] = intent.get("confidence")
        out["entities"] = [[str(e.get("entity")), e.get("value")]
                           for e in parse.get("entities") or [] if e.get("entity")]
        out["message_id"] = event.get("message_id")
        out["channel"] = event.get("input_channel")
        rating = (event.get("metadata") or {}).get("rating")
        if isinstance(rating, int | float) and not isinstance(rating, bool) \
                and 1 <= rating <= 5:
            out["rating"] = int(rating)
    elif kind == "bot":
        custom = (event.get("data") or {}).get("custom")
        out["custom"] = custom if isinstance(custom, dict) else None
        out["has_text"] = bool(event.get("text"))
    elif kind == "slot":
        if event.get("name") not in SLOTS:
            return None
        out["name"] = event["name"]
        out["value"] = _slot_value(event["name"], event.get("value"))
    elif kind == "action":
        out["name"] = event.get("name")
    return out


RATING_INTENT = "rate_conversation"


def _rating(value: Any) -> int | None:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool) \
            and 1 <= value <= 5 and float(value).is_integer():
        return int(value)
    return None


def rating_of(event: dict[str, Any]) -> int | None:
    """The 1-5 rating a slimmed user event gives: its metadata's, else the `rating` entity of
    a `rate_conversation` message ("4", 4 or 4.0); None if neither holds one."""
    rating = _rating(event.get("rating"))
    if rating is None and event.get("intent") == RATING_INTENT:
        rating = next((r for name, value in event.get("entities") or []
                       if name == "rating" and (r := _rating(value)) is not None), None)
    return rating


def _slot_value(name: str, value: Any) -> Any:
    if name == "diagnosis_snapshot" and isinstance(value, dict):
        conclusion = value.get("conclusion") or {}
        return {"status": value.get("status"), "error_code": value.get("error_code"),
                "fault_id": conclusion.get("fault_id"),
                "confidence": conclusion.get("confidence"),
                "answered": len(value.get("observations") or {})}
    if name == "pending" and isinstance(value, dict):
        return {k: value.get(k) for k in ("task", "reason", "priority") if value.get(k)}
    return value


def event_key(event: dict[str, Any]) -> str:
    """The event's identity: sender, time, type and content, hashed."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def order(event: dict[str, Any], key: str) -> tuple[float, str]:
    """How a conversation's events are sorted: by Rasa's timestamp (the key breaks ties, so
    the order never depends on the order of arrival)."""
    return float(event.get("timestamp") or 0.0), key
