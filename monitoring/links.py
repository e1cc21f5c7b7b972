"""Links to the chat opened from an alert: `/chat/?alert=<id>.<signature>`.

The signature (HMAC-SHA256 of the alert id, 16 hex digits) keeps a guessed id from opening
somebody else's alert in an anonymous chat: only the link the alert's ticket carries works. The
secret is ASSISTANT_LINK_SECRET, or one made once and kept in the data folder."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SIGNATURE_HEX = 16


def secret_for(data_dir: Path, configured: str | None) -> bytes:
    if configured:
        return configured.encode()
    path = data_dir / "link_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created with no permissions for others, written once; a concurrent first start
        # that loses the race reads the winner's.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode()


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
    return hmac.new(secret, str(alert_id).encode(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]
