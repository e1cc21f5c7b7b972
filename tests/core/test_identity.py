"""Signed identities (core/identity.py): what the service signed verifies until it expires;
anything changed, forged with another secret or signed for another purpose does not."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from core import identity
from core.signing import derived_key

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def test_a_token_says_who_until_it_expires():
    token, issued = identity.issue("CUST-004", SECRET, now=NOW, ttl=timedelta(hours=8))
    assert identity.verify(token, SECRET, now=NOW + timedelta(hours=7, minutes=59)) == issued
    assert issued.customer_id == "CUST-004" and issued.expires_at == NOW + timedelta(hours=8)
    with pytest.raises(identity.InvalidIdentityError, match="expired"):
        identity.verify(token, SECRET, now=NOW + timedelta(hours=8))
    assert identity.verified_customer(token, SECRET, now=NOW) == "CUST-004"
    assert identity.verified_customer(token, SECRET, now=NOW + timedelta(days=1)) is None
    assert identity.verified_customer(None, SECRET, now=NOW) is None
    assert identity.verified_customer(token, b"", now=NOW) is None  # no secret: nobody


def test_a_changed_or_forged_token_is_refused():
    token, _ = identity.issue("CUST-004", SECRET, now=NOW, ttl=timedelta(hours=8))
    prefix, payload, signature = token.split(".")
    # Another customer in the same envelope: the signature no longer matches.
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["c"] = "CUST-001"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged, _ = identity.issue("CUST-001", b"guessed secret", now=NOW, ttl=timedelta(hours=8))
    for bad in (f"{prefix}.{changed}.{signature}", forged, token[:-1], token + "0",
                "hid1..", "hid1", "", "x" * 600, f"hid2.{payload}.{signature}"):
        with pytest.raises(identity.InvalidIdentityError):
            identity.verify(bad, SECRET, now=NOW)


def test_the_identity_key_is_its_own():
    """A signature made with the raw secret (the alert links' scheme) or another purpose's key
    is not an identity's."""
    assert derived_key(SECRET, "identity") != derived_key(SECRET, "alerts") != SECRET


@pytest.mark.parametrize(("customer_id", "ttl", "via"), [
    ("CUST 1; drop", timedelta(hours=1), "key"), ("CUST-1", timedelta(0), "key"),
    ("CUST-1", timedelta(hours=1), "guess")])
def test_bad_requests_for_a_token_are_refused(customer_id, ttl, via):
    with pytest.raises(ValueError):
        identity.issue(customer_id, SECRET, now=NOW, ttl=ttl, via=via)


def test_an_empty_secret_signs_and_verifies_nothing():
    """An empty key is known to everyone: nothing is issued or verified with it."""
    with pytest.raises(ValueError):
        identity.issue("CUST-004", b"", now=NOW, ttl=timedelta(hours=1))
    token, _ = identity.issue("CUST-004", SECRET, now=NOW, ttl=timedelta(hours=1))
    with pytest.raises(identity.InvalidIdentityError):
        identity.verify(token, b"", now=NOW)


def test_concurrent_first_starts_share_one_whole_secret(tmp_path):
    """Many threads (the API's lifespan, the routes, the actions) reading the secret while it
    is first made all get the same whole secret, never the empty file of a writer."""
    import threading

    from core.signing import secret_for

    for round_ in range(20):
        folder = tmp_path / f"round{round_}"
        found: list[bytes] = []
        barrier = threading.Barrier(8)

        def read(folder=folder, found=found, barrier=barrier) -> None:
            barrier.wait()
            found.append(secret_for(folder, None))

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(found)) == 1 and len(found[0]) == 64, found
        assert [p.name for p in folder.iterdir()] == ["link_secret"]  # no draft left
