"""Texts in the session's language.

Knowledge texts (questions, safety notes, fault names, remedy steps, actions, part names, choice
labels) come from the translation catalogues `knowledge/i18n/<lang>/<family file>.yml`, falling
back to English (the knowledge files themselves) entry by entry. The engine's own sentences
(explanations, unit messages) come from `rules/data/i18n/<lang>.yml`, which exist for all five
languages.
"""

from __future__ import annotations

from typing import Any

from core.knowledge.model import (
    CriticalCondition,
    ErrorCode,
    Family,
    Fault,
    KnowledgeBase,
    Observation,
)
from core.languages import LANGUAGES


class Texts:
    """Look-ups for one session: its language and family, English as the fallback."""

    def __init__(self, kb: KnowledgeBase, family: Family, language: str) -> None:
        self.kb, self.family = kb, family
        self.language = language if language in LANGUAGES else "en"
        self._catalogue = kb.catalogues.get(self.language, {}).get(family.id, {})
        self._english = kb.catalogues.get("en", {}).get(family.id, {})

    def _entry(self, section: str, key: str, field: str, catalogue: dict | None = None) -> Any:
        source = self._catalogue if catalogue is None else catalogue
        entry = (source.get(section) or {}).get(key) or {}
        return entry.get(field) if isinstance(entry, dict) else None

    def _text(self, section: str, key: str, field: str, english: str) -> str:
        value = self._entry(section, key, field)
        return value if isinstance(value, str) and value.strip() else english

    def _list(self, section: str, key: str, field: str, english: tuple[str, ...]) -> list[str]:
        value = self._entry(section, key, field)
        if isinstance(value, list) and len(value) == len(english) and all(
                isinstance(v, str) and v for v in value):
            return list(value)
        return list(english)

    def question(self, obs: Observation) -> str:
        return self._text("observations", obs.id, "question", obs.question)

    def how_to_check(self, obs: Observation) -> str:
        return self._text("observations", obs.id, "how_to_check", obs.how_to_check)

    def safety_note(self, obs: Observation) -> str | None:
        if not obs.safety_note:
            return None
        return self._text("observations", obs.id, "safety_note", obs.safety_note)

    def choice_label(self, obs: Observation, choice: str) -> str:
        for catalogue in (self._catalogue, self._english):
            labels = self._entry("observations", obs.id, "choices", catalogue) or {}
            if isinstance(labels, dict) and isinstance(labels.get(choice), str):
                return str(labels[choice])
        return choice.replace("_", " ")

    def fault_name(self, fault: Fault) -> str:
        return self._text("faults", fault.id, "name", fault.name)

    def remedy_steps(self, fault: Fault) -> list[str]:
        return self._list("faults", fault.id, "remedy_steps", fault.remedy_steps)

    def critical_action(self, cc: CriticalCondition) -> str:
        return self._text("critical_conditions", cc.id, "action", cc.action)

    def critical_trigger(self, cc: CriticalCondition) -> str:
        return self._text("critical_conditions", cc.id, "trigger", cc.trigger)

    def code_action(self, code: ErrorCode) -> str:
        return self._text("error_codes", code.code, "immediate_action", code.immediate_action)

    def code_title(self, code: ErrorCode) -> str:
        return self._text("error_codes", code.code, "title", code.title)

    def part_name(self, part_no: str) -> str:
        return self._text("parts", part_no, "name", self.family.parts[part_no].name)

    def own(self, key: str, **values: Any) -> str:
        """One of the engine's own sentences, formatted."""
        template = self.kb.texts.get(self.language, {}).get(key) or self.kb.texts["en"][key]
        return str(template).format(**values)
