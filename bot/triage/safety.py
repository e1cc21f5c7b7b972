"""Is someone or something in danger right now? Three answers, from one probability:

- NOW: the safety instruction first, then a P1 ticket;
- POSSIBLE: one question with buttons ("Is anyone hurt or in danger right now ...?"); the
  message is kept and goes on to its flow when the answer is no;
- NONE: the normal flow.

The thresholds between them are chosen on a validation set (bench/triage_thresholds.py), never
on the evaluation set, and live in bot/triage/thresholds.yml."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.triage.corpus import Example
from bot.triage.model import TextClassifier


class Danger(StrEnum):
    NOW = "now"
    POSSIBLE = "possible"
    NONE = "none"


@dataclass(frozen=True)
class SafetyThresholds:
    now: float       # P(danger) at or above: the emergency path without a question
    possible: float  # at or above (and under `now`): ask whether anyone is in danger

    def __post_init__(self) -> None:
        if not 0.0 <= self.possible <= self.now <= 1.0:
            raise ValueError(f"safety thresholds must satisfy 0 <= possible <= now <= 1: {self}")

    def level(self, probability: float) -> Danger:
        if probability >= self.now:
            return Danger.NOW
        if probability >= self.possible:
            return Danger.POSSIBLE
        return Danger.NONE


def train_safety(examples: tuple[Example, ...] | list[Example]) -> TextClassifier:
    """P(danger now | message), from emergencies against everything else (routine messages
    that sound alarming, questions about safety procedures, other domains).

    The old hazard lexicon (bot/dialogue/hazards.py) is not a feature: on the validation set
    the model without it caught more emergencies at the same rate of routine messages on the
    emergency path (bench/out/triage_thresholds.md), because its patterns fire on ordinary
    words and the model learnt to trust them."""
    return TextClassifier.train([e.text for e in examples], [e.danger for e in examples],
                                c=16.0)
