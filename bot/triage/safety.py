"""Is someone or something in danger right now? Four answers, from one probability:

- NOW: the safety instruction first, then a P1 ticket;
- LIKELY: the safety instruction first, then one question ("is anyone hurt or in danger right
  now?"); yes -> the P1 ticket, no -> the message's own flow. A routine message the model is
  less sure of gets advice it did not need, not an urgent ticket nobody asked for;
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
    LIKELY = "likely"
    POSSIBLE = "possible"
    NONE = "none"


@dataclass(frozen=True)
class SafetyThresholds:
    now: float       # P(danger) at or above: the safety instruction, without a question first
    possible: float  # at or above (and under `now`): ask whether anyone is in danger
    sure: float | None = None  # at or above: the P1 ticket at once (None: the same as `now`)
    # For a message whose alarm code the pack rates a warning or a fault (not critical) and
    # that meets no critical condition: the instruction only at or above this (None: `now`).
    # The code explains the alarming words ("red LED on, AL120, a fan stopped"); below it the
    # message gets the safety question instead, so a real emergency is still one click away.
    coded: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.possible <= self.now <= self.p1 <= 1.0:
            raise ValueError("safety thresholds must satisfy 0 <= possible <= now <= sure <= 1: "
                             f"{self}")
        if self.coded is not None and not self.now <= self.coded <= 1.0:
            raise ValueError(f"safety threshold coded must lie between now and 1: {self}")

    @property
    def p1(self) -> float:
        return self.now if self.sure is None else self.sure

    def level(self, probability: float, *, explained: bool = False) -> Danger:
        """`explained`: the message names an alarm code that explains it (see `coded`)."""
        now = max(self.now, self.coded or 0.0) if explained else self.now
        if probability >= max(self.p1, now):
            return Danger.NOW
        if probability >= now:
            return Danger.LIKELY
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
