"""The service's signing secret, and keys derived from it per purpose.

One secret signs the chat links of alerts (monitoring/links.py) and the identities of signed-in
customers (core/identity.py); each use derives its own key, so a signature made for one purpose
is never valid for another. The secret is ASSISTANT_LINK_SECRET, or one made once and kept in
the data folder (every replica of a cluster must share one: set it there)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


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


def derived_key(secret: bytes, purpose: str) -> bytes:
    """The key for one purpose ("identity", ...): HMAC of the purpose under the secret."""
    return hmac.new(secret, f"helios:{purpose}".encode(), hashlib.sha256).digest()
