"""Links to the chat opened from an alert: `/chat/?alert=<id>.<signature>`.

The signature (HMAC-SHA256 of the alert id, 16 hex digits) keeps a guessed id from opening
somebody else's alert in an anonymous chat: only the link the alert's ticket carries works. The
key is derived from the service's signing secret for this purpose alone (core/signing.py), so a
link's signature is never valid as anything else's."""

from __future__ import annotations

import hashlib
import hmac

from core.signing import derived_key, secret_for

__all__ = ["alert_id_of", "alert_token", "chat_url", "secret_for"]

SIGNATURE_HEX = 16


def alert_token(alert_id: int, secret: bytes) -> str:
    return f"{alert_id}.{_signature(alert_id, secret)}"


def alert_id_of(token: str, secret: bytes) -> int | None:
    """The alert a token names, or None when it is not one this service signed."""
    number, _, signature = token.strip().partition(".")
    if not number.isdigit() or len(number) > 12:
        return None
    if not hmac.compare_digest(signature, _signature(int(number), secret)):
        return None
    return int(number)


def chat_url(alert_id: int, secret: bytes) -> str:
    return f"/chat/?alert={alert_token(alert_id, secret)}"


def _signature(alert_id: int, secret: bytes) -> str:
    key = derived_key(secret, "alert-link")
    return hmac.new(key, str(alert_id).encode(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]
