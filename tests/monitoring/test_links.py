"""The chat links of alerts: only a link this service signed for an alert opens it."""

from __future__ import annotations

import hashlib
import hmac

from monitoring import links

SECRET = b"a test secret of the service"


def test_a_signed_link_names_its_alert():
    assert links.alert_id_of(links.alert_token(42, SECRET), SECRET) == 42
    assert links.chat_url(42, SECRET) == f"/chat/?alert={links.alert_token(42, SECRET)}"


def test_a_guessed_or_altered_link_opens_nothing():
    token = links.alert_token(42, SECRET)
    assert links.alert_id_of(token, b"another service's secret") is None
    assert links.alert_id_of(token.replace("42.", "43.", 1), SECRET) is None
    assert links.alert_id_of("42." + "0" * links.SIGNATURE_HEX, SECRET) is None
    assert links.alert_id_of("not-a-number.abc", SECRET) is None
    assert links.alert_id_of("1" * 13 + ".abc", SECRET) is None


def test_the_key_is_the_links_own_not_the_raw_secret():
    """A signature made with the service's secret itself (or another purpose's key) is not a
    link's: each use of the secret signs with a key derived for it (core/signing.py)."""
    raw = hmac.new(SECRET, b"42", hashlib.sha256).hexdigest()[:links.SIGNATURE_HEX]
    assert links.alert_id_of(f"42.{raw}", SECRET) is None
