"""Conversations against the dialogue controller (its dependencies: `deps` in tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.dialogue.controller import Controller, Outcome, Turn


@dataclass
class Chat:
    """One conversation against the controller; keeps slots and events as Rasa would."""

    controller: Controller
    language: str = "en"
    sender: str = "conv-test-1"
    slots: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    turns: int = 0
    verified_customer: str | None = None  # the customer a signed identity proves; None: anonymous

    def send(self, action: str, intent: str, text: str = "",
             entities: list[dict[str, Any]] | None = None,
             ranking: list[tuple[str, float]] | None = None) -> Outcome:
        self.turns += 1
        self.events.append({"event": "user", "text": text or f"/{intent}",
                            "timestamp": 1_700_000_000 + self.turns,
                            "parse_data": {"intent": {"name": intent}}})
        turn = Turn(self.sender, intent, text, self.language, entities or [],
                    {"language": self.language, **self.slots}, list(self.events),
                    message_id=f"m{self.turns}", ranking=ranking or [(intent, 1.0)],
                    verified_customer=self.verified_customer)
        out = self.controller.run(action, turn)
        self.slots.update(out.slots)
        for reply in out.replies:
            # As Rasa records a dispatcher's json_message: under the event's data.custom.
            self.events.append({"event": "bot", "text": reply.text or reply.response,
                                "data": {"custom": reply.custom} if reply.custom else {},
                                "timestamp": 1_700_000_000 + self.turns})
        return out


@pytest.fixture()
def chat(deps) -> Chat:
    return Chat(Controller(deps))


def kinds(out: Outcome) -> list[str | None]:
    return [(r.custom or {}).get("kind") for r in out.replies]


def custom_of(out: Outcome, kind: str) -> dict[str, Any]:
    return next(r.custom for r in out.replies if (r.custom or {}).get("kind") == kind)


def text_of(out: Outcome) -> str:
    return "\n".join(r.text for r in out.replies)


def answer_diagnosis(chat: Chat, operator: Any, out: Outcome, limit: int = 30
                     ) -> tuple[int, Outcome]:
    """Answer the diagnosis's questions as the customer with the operator's fault would
    (pressing the buttons, typing a reading with its unit) until it ends: the questions
    asked, and the last outcome."""
    from bot.dialogue.simulate import answer_message  # the tests that play a diagnosis

    asked = 0
    while chat.slots.get("awaiting") == "diagnosis":
        assert asked < limit, "the diagnosis does not end"
        question = custom_of(out, "diagnosis_question")
        reply = next(r for r in out.replies
                     if (r.custom or {}).get("kind") == "diagnosis_question")
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        message = answer_message(operator, question, buttons, chat.language, typed=False)
        if message.startswith("/provide_reading"):
            choice = message.split('"choice":"')[1].split('"')[0]
            out = chat.send("action_handle_answer", "provide_reading",
                            entities=[{"entity": "choice", "value": choice}])
        elif message.startswith("/"):
            out = chat.send("action_handle_answer", message[1:])
        else:
            out = chat.send("action_handle_answer", "provide_reading", message)
        asked += 1
    return asked, out
