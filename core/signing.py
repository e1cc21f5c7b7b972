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
        # Written whole under a name of its own (no permissions for others), then linked into
        # place, which fails if another start got there first: a concurrent first start reads
        # the winner's whole secret, never an empty file that is still being written.
        draft = path.with_name(f".link_secret.{os.getpid()}.{secrets.token_hex(6)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    value = path.read_text(encoding="utf-8").strip()
    if not value:  # an empty key would let anyone sign
        raise RuntimeError(f"the signing secret {path} is empty: delete the file (a new one is "
                           "made) or set ASSISTANT_LINK_SECRET")
    return value.encode()


def derived_key(secret: bytes, purpose: str) -> bytes:
    """The key for one purpose ("identity", ...): HMAC of the purpose under the secret."""
    return hmac.new(secret, f"helios:{purpose}".encode(), hashlib.sha256).digest()
