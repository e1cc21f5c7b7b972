"""A callback request from the web chat while the assistant cannot answer (Rasa restarting or
down): the customer leaves a name and a phone number or e-mail address, and the service desk
gets a ticket to call back. Framework-free; the chat API (api/routes/chat.py) files it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.languages import LANGUAGES
from tickets.domain import NewTicket

SUBJECT = "Callback request: "
MAX_NAME = 120
MAX_CONTACT = 200
MAX_MESSAGE = 2000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Control characters (NUL above all, which PostgreSQL cannot store) are never part of a name,
# a phone number or a short message; tabs and line breaks are, in the message.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")


class CallbackError(ValueError):
    """A callback request that cannot be filed; the message says which field and why."""


@dataclass(frozen=True)
class CallbackRequest:
    conversation_id: str
    name: str
    contact: str  # a phone number or an e-mail address
    message: str = ""
    language: str = "en"

    def validated(self) -> CallbackRequest:
        name, contact, message = self.name.strip(), self.contact.strip(), self.message.strip()
        if any(_CONTROL.search(v) for v in (name, contact, message)) or "\n" in name + contact:
            raise CallbackError("name, contact and message must not hold control characters")
        if not name or len(name) > MAX_NAME:
            raise CallbackError(f"name must be 1-{MAX_NAME} characters")
        if len(contact) > MAX_CONTACT or not (
                _EMAIL.match(contact) or (_PHONE.match(contact)
                                          and sum(c.isdigit() for c in contact) >= 6)):
            raise CallbackError("contact must be a phone number or an e-mail address")
        if len(message) > MAX_MESSAGE:
            raise CallbackError(f"message must be at most {MAX_MESSAGE} characters")
        language = self.language if self.language in LANGUAGES else "en"
        return CallbackRequest(self.conversation_id, name, contact, message, language)

    def idempotency_key(self) -> str:
        """One callback request per conversation: a double click, a retry after a timeout or
        a second request from the same chat is the same ticket (a public endpoint must not
        let one visitor open tickets at will)."""
        return f"callback:{self.conversation_id}"

    def ticket(self) -> NewTicket:
        # The customer is not identified (the chat could not ask); the engineer calls back and
        # identifies the machine then. A person waiting for help: P3, as an unanswered incident.
        lines = ["Callback requested in the web chat while the assistant was unavailable.",
                 f"Name: {self.name}", f"Phone or e-mail: {self.contact}"]
        if self.message:
            lines += ["", self.message]
        return NewTicket(
            customer_id=None, subject=f"{SUBJECT}{self.name}"[:200],
            description="\n".join(lines), type="service_request", priority="P3",
            language=self.language, escalation_reason="customer_request", channel="chat",
            conversation_id=self.conversation_id,
            transcript=[{"sender": "customer", "text": self.message, "at": None}]
            if self.message else [])
