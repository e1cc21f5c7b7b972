"""When the assistant hands a conversation to a human engineer: the one place that decides.

Every signal the dialogue sees goes through `EscalationPolicy.decide`, which answers with an
`Escalation` (reason, priority, ticket type) or None. Thresholds come from the settings
(ASSISTANT_ESCALATION_*), so a service organisation tunes them without touching code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Signal(StrEnum):
    NLU_MISS = "nlu_miss"                    # intent confidence under the fallback threshold
    RETRIEVAL_SCORE = "retrieval_score"      # the best manual passage scored this much
    DIAGNOSIS = "diagnosis"                  # the expert system escalated or concluded
    URGENT_SAFETY = "urgent_safety"          # smoke, fire, shock, dangerous leak, injury
    CUSTOMER_REQUEST = "customer_request"    # "let me talk to a person"
    NOT_HELPED = "not_helped"                # "that didn't help"


@dataclass(frozen=True)
class Escalation:
    reason: str      # the ticket's escalation_reason
    priority: str    # P1..P4 (the ticket service may raise it, never lower it)
    ticket_type: str = "incident"
    safety_first: bool = False  # say the safety instruction before anything else
    offer_only: bool = False    # ask the customer first instead of opening the ticket


@dataclass(frozen=True)
class EscalationPolicy:
    nlu_misses: int = 2                  # fallbacks in a row before a human takes over
    retrieval_min_score: float = 0.35    # best hybrid score under this: manuals don't know
    diagnosis_min_confidence: float = 0.6  # a conclusion less sure than this goes to a human
    not_helped_limit: int = 2            # "that didn't help" this many times
    request_priority: str = "P3"         # a customer asking for a person
    low_confidence_priority: str = "P3"

    def decide(self, signal: Signal, *, count: int = 0, score: float | None = None,
               diagnosis_status: str | None = None, diagnosis_priority: str | None = None,
               diagnosis_reason: str | None = None,
               diagnosis_confidence: float | None = None) -> Escalation | None:
        if signal is Signal.URGENT_SAFETY:
            return Escalation("critical", "P1", safety_first=True)
        if signal is Signal.CUSTOMER_REQUEST:
            return Escalation("customer_request", self.request_priority)
        if signal is Signal.NLU_MISS:
            if count >= self.nlu_misses:
                return Escalation("low_confidence", self.low_confidence_priority, "question")
            return None
        if signal is Signal.NOT_HELPED:
            if count >= self.not_helped_limit:
                return Escalation("repeated_failure", self.low_confidence_priority)
            return None
        if signal is Signal.RETRIEVAL_SCORE:
            if score is None or score < self.retrieval_min_score:
                return Escalation("low_confidence", self.low_confidence_priority, "question")
            return None
        if signal is Signal.DIAGNOSIS:
            return self._diagnosis(diagnosis_status, diagnosis_reason, diagnosis_priority,
                                   diagnosis_confidence)
        raise ValueError(f"unknown signal {signal!r}")

    def _diagnosis(self, status: str | None, reason: str | None, priority: str | None,
                   confidence: float | None) -> Escalation | None:
        if status == "escalated":
            if reason == "critical":
                return Escalation("critical", "P1", safety_first=True)
            if reason == "safety_critical_fault":
                # The cause is known but its repair is hazardous: offer an engineer (P2).
                return Escalation("customer_request", priority or "P2", offer_only=True)
            return Escalation("low_confidence", priority or "P3")
        if status == "concluded" and confidence is not None and \
                confidence < self.diagnosis_min_confidence:
            return Escalation("low_confidence", priority or "P3")
        return None
