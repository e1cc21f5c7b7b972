"""Simulated customers for tests and the conversation evaluation: they answer the assistant's
diagnosis questions from one fault's evidence (rules.simulate.Operator), the way a person in
the chat would: pressing the buttons, or typing a reading with its unit."""

from __future__ import annotations

from typing import Any

from rules.simulate import Operator

TYPED = {  # what customers type instead of pressing a button
    "en": {"yes": "yes", "no": "no", "dont_know": "I don't know"},
    "el": {"yes": "ναι", "no": "όχι", "dont_know": "δεν ξέρω"},
    "de": {"yes": "ja", "no": "nein", "dont_know": "weiß ich nicht"},
    "fr": {"yes": "oui", "no": "non", "dont_know": "je ne sais pas"},
    "es": {"yes": "sí", "no": "no", "dont_know": "no lo sé"},
}
DECIMAL_COMMA = {"el", "de", "fr", "es"}


def reading_text(value: float, unit: str | None, language: str) -> str:
    number = f"{value:g}"
    if language in DECIMAL_COMMA:
        number = number.replace(".", ",")
    return f"{number} {unit}".strip() if unit else number


def answer_message(operator: Operator, question: dict[str, Any],
                   buttons: list[dict[str, str]], language: str, *, typed: bool) -> str:
    """The customer's next message for a diagnosis question (custom data of the question and
    the buttons as the REST channel returns them)."""
    value = operator.answer(question["observation_id"])
    kind = question.get("type")
    words = TYPED[language]
    if value is None:
        return words["dont_know"] if typed else "/dont_know"
    if kind == "boolean":
        if typed:
            return words["yes"] if value else words["no"]
        return "/affirm" if value else "/deny"
    if kind == "choice":
        for button in buttons:
            if f'"choice":"{value}"' in button["payload"]:
                return button["payload"]
        raise ValueError(f"no button for choice {value!r}")
    unit = operator.family.observations[question["observation_id"]].unit
    return reading_text(float(value), unit, language)
