"""API keys: minted by `python -m api.auth`, stored as a salted scrypt hash, checked per request.

A key reads `hk_<key id>_<secret>`. The key id is stored in clear to find the row; only the
secret's hash is stored. Verified keys are remembered in process for a short while so that the
deliberately slow hash is not paid on every request (revocation takes effect within that time).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from db.tickets import ApiKey
from tickets.database import reading, writing
from tickets.domain import ROLES, Actor

PREFIX = "hk"
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
CACHE_TTL_S = 30.0
_cache: dict[str, tuple[float, Actor]] = {}
_in_flight: dict[str, threading.Lock] = {}
_cache_lock = threading.Lock()


class InvalidKeyError(Exception):
    """A key that is malformed, unknown, revoked or wrong."""


def _hash(secret: str, salt: str) -> str:
    return hashlib.scrypt(secret.encode("utf-8"), salt=bytes.fromhex(salt), **SCRYPT).hex()


def create_key(engine: Engine, *, role: str, name: str | None = None,
               customer_id: str | None = None) -> tuple[str, ApiKey]:
    """Mint a key; returns (the key, shown once, and its stored row)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (role == "customer") != (customer_id is not None):
        raise ValueError("a customer key needs --customer, and only a customer key takes it")
    key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
    row = ApiKey(key_id=key_id, secret_hash=_hash(secret, salt), salt=salt, role=role,
                 customer_id=customer_id, name=name or f"{role}-{key_id[:6]}",
                 created_at=datetime.now(UTC))
    with writing(engine) as session:
        session.add(row)
    return f"{PREFIX}_{key_id}_{secret}", row


def revoke_key(engine: Engine, *, key_id: str) -> bool:
    with writing(engine) as session:
        row = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).one_or_none()
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = datetime.now(UTC)
    with _cache_lock:
        _cache.clear()
    return True


def list_keys(engine: Engine) -> list[ApiKey]:
    with reading(engine) as session:
        return list(session.scalars(select(ApiKey).order_by(ApiKey.id)).all())


def authenticate(engine: Engine, *, key: str) -> Actor:
    """The actor a key stands for; raises InvalidKeyError."""
    fingerprint = hashlib.sha256(key.encode("utf-8")).hexdigest()
    with _cache_lock:
        hit = _cache.get(fingerprint)
        if len(_in_flight) > 10_000:  # bounded, whatever keys callers make up
            _in_flight.clear()
        flight = _in_flight.setdefault(fingerprint, threading.Lock())
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    # Single flight: fifty requests arriving at once with one key pay the slow hash once.
    with flight:
        with _cache_lock:
            hit = _cache.get(fingerprint)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        actor = _verify(engine, key)
        with _cache_lock:
            if len(_cache) > 10_000:
                _cache.clear()
            _cache[fingerprint] = (time.monotonic() + CACHE_TTL_S, actor)
        return actor


def _verify(engine: Engine, key: str) -> Actor:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        raise InvalidKeyError("malformed key")
    with reading(engine) as session:
        row = session.scalars(select(ApiKey).where(ApiKey.key_id == parts[1])).one_or_none()
    if row is None or row.revoked_at is not None:
        raise InvalidKeyError("unknown or revoked key")
    if not hmac.compare_digest(_hash(parts[2], row.salt), row.secret_hash):
        raise InvalidKeyError("wrong key")
    return Actor(name=row.name, role=row.role, customer_id=row.customer_id, principal=row.key_id)
