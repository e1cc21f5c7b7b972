"""Who is chatting: a signed identity the API issues to a customer who has proved who they are,
and checks on every message, as support platforms verify their users (Intercom's identity
verification, Zendesk's signed JWTs).

A customer proves it with its own API key (the portal's sign-in), with a sign-in link the
service desk issues and sends to the contact it knows, or in the chat itself with a one-time
code sent to the contact on file. The token names the customer and when it
expires, signed with a key derived from the service's secret (core/signing.py); nothing is kept
on the server, so every replica verifies it alone. A chat without a valid one is anonymous: it
gets help, diagnosis, manuals and prices, and may open a ticket, but is shown no customer data
(company, site, contract, tickets other than its own)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.signing import derived_key

PREFIX = "hid1"
MAX_TOKEN_CHARS = 512
SIGNATURE_HEX = 32  # 128 bits of HMAC-SHA256
# Signed in with the customer's API key, a link from the service desk, or a one-time code sent
# to the contact on file (core/verification.py).
VIA = ("key", "link", "code")
_CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,60}$")


class InvalidIdentityError(ValueError):
    """A token that is malformed, not signed by this service, or expired."""


@dataclass(frozen=True)
class Identity:
    customer_id: str
    expires_at: datetime
    via: str


def issue(customer_id: str, secret: bytes, *, now: datetime, ttl: timedelta,
          via: str = "key") -> tuple[str, Identity]:
    """A token for the customer, valid for `ttl` from `now`; and what it says."""
    if not secret:
        raise ValueError("no signing secret: an empty key would let anyone sign")
    if not _CUSTOMER_ID.match(customer_id):
        raise ValueError(f"not a customer id: {customer_id!r}")
    if via not in VIA:
        raise ValueError(f"via must be one of {', '.join(VIA)}")
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    expires = int((now + ttl).timestamp())
    payload = _b64(json.dumps({"c": customer_id, "e": expires, "v": via},
                              separators=(",", ":")).encode())
    body = f"{PREFIX}.{payload}"
    identity = Identity(customer_id, datetime.fromtimestamp(expires, UTC), via)
    return f"{body}.{_signature(body, secret)}", identity


def verify(token: str, secret: bytes, *, now: datetime) -> Identity:
    """What a token says, if this service signed it and it has not expired; else raises
    InvalidIdentityError (its message says which, for the log, never the customer)."""
    if not secret:
        raise InvalidIdentityError("no signing secret")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise InvalidIdentityError("malformed")
    prefix, _, rest = token.strip().partition(".")
    payload, _, signature = rest.rpartition(".")
    if prefix != PREFIX or not payload or not signature:
        raise InvalidIdentityError("malformed")
    if not hmac.compare_digest(signature, _signature(f"{prefix}.{payload}", secret)):
        raise InvalidIdentityError("not signed by this service")
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        customer_id, expires, via = str(claims["c"]), int(claims["e"]), str(claims["v"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidIdentityError("malformed") from exc
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= now:
        raise InvalidIdentityError("expired")
    return Identity(customer_id, expires_at, via)


def verified_customer(token: object, secret: bytes, *, now: datetime) -> str | None:
    """The customer a token proves, or None (no token, or one that does not verify)."""
    if not token or not secret or not isinstance(token, str):
        return None
    try:
        return verify(token, secret, now=now).customer_id
    except InvalidIdentityError:
        return None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signature(body: str, secret: bytes) -> str:
    key = derived_key(secret, "identity")
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]
