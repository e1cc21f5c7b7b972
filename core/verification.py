"""One-time codes that verify a chat: the assistant sends a code to the customer's contact on
file, and whoever types it back in the same conversation is that customer's (the way support
desks verify a caller).

A code is derived, not stored: HMAC of the conversation, the customer and a ten-minute window
under a key derived from the service's secret (core/signing.py), so every replica checks it
alone and a code is worth nothing in another conversation or for another customer. It is
valid in its window and the next (10 to 20 minutes). The attempts are counted by the caller
(the conversation's state): six digits and a handful of tries leave a guesser a chance of
about one in 200,000."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from core.signing import derived_key

DIGITS = 6
WINDOW_S = 600
MAX_ATTEMPTS = 5
# Six digits, possibly grouped ("482 913", "482-913"), alone in the message or nearly so.
_CODE = re.compile(r"(?<!\d)(\d{3})[ \-]?(\d{3})(?!\d)")


def code_for(secret: bytes, *, conversation_id: str, customer_id: str, at: datetime,
             windows_back: int = 0) -> str:
    """The code of the conversation and customer for the window holding `at`."""
    if not secret:
        raise ValueError("no signing secret: an empty key would let anyone make codes")
    window = int(at.timestamp()) // WINDOW_S - windows_back
    digest = hmac.new(derived_key(secret, "chat-code"),
                      f"{conversation_id}\n{customer_id}\n{window}".encode(),
                      hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10 ** DIGITS).zfill(DIGITS)


def check(secret: bytes, code: str, *, conversation_id: str, customer_id: str,
          now: datetime) -> bool:
    """Whether `code` is this conversation's code for the customer, sent in the last window
    or this one."""
    if not secret or not code:
        return False
    return any(hmac.compare_digest(code, code_for(secret, conversation_id=conversation_id,
                                                  customer_id=customer_id, at=now,
                                                  windows_back=back))
               for back in (0, 1))


def typed_code(text: str) -> str | None:
    """The six digits a message that answers "type the code" holds, or None: a message with
    more to say than the code (three words or more beside it) is not an answer."""
    found = _CODE.findall(text)
    if len(found) != 1:
        return None
    rest = _CODE.sub(" ", text)
    if len(re.findall(r"[^\W\d_]{2,}", rest)) > 3:
        return None
    return "".join(found[0])


def masked_email(email: str) -> str:
    """"maintenance@aegean-bottling.example" -> "m***@aegean-bottling.example": enough for
    the right person to recognise, too little to learn the address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def masked_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f"*** {digits[-3:]}" if len(digits) >= 6 else "***"
