"""The trace of a diagnosis: the rules that fired and the evidence for and against the
conclusion, as data (for the ticket) and as one short sentence in the session's language."""

from __future__ import annotations

from typing import Any

from core.knowledge.model import Value
from rules.engine import EngineResult
from rules.i18n import Texts


def trace(result: EngineResult, fault_id: str | None, answers: dict[str, Value],
          unknown: list[str], contradictions: list[dict[str, Any]],
          symptom: dict[str, Any] | None) -> dict[str, Any]:
    """Rules fired, evidence for/against `fault_id`, don't-knows and contradictions."""
    evidence_for: list[dict[str, Any]] = []
    evidence_against: list[dict[str, Any]] = []
    for hit in result.hits:
        if hit.fault != fault_id:
            continue
        item = {"observation": hit.observation, "value": answers.get(hit.observation),
                "condition": hit.condition, "weight": hit.weight}
        (evidence_for if hit.holds else evidence_against).append(item)
    return {
        "rules_fired": list(result.fired),
        "critical_conditions": list(result.critical),
        "critical_codes": list(result.critical_codes),
        "evidence_for": evidence_for,
        "evidence_against": evidence_against,
        "answers": dict(answers),
        "unknown": list(unknown),
        "contradictions": list(contradictions),
        "symptom": symptom,
    }


def percent(confidence: float) -> int:
    return int(round(confidence * 100))


def sentence(texts: Texts, kind: str, **values: Any) -> str:
    """The explanation sentence of a conclusion `kind` (a key of the engine's catalogue)."""
    return texts.own(kind, **values)
