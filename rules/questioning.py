"""Guided questioning: which observation to ask next, and when to stop.

The next question is the one with the highest expected information gain (in bits) over the
remaining candidates (faults with a posterior of at least `candidate_floor`, at most the
`max_candidates` most probable, plus "other").
Observations that are answered, answered "don't know", or implied by other answers (e.g. the
error code shown) are never asked; neither is one that cannot change any candidate's
likelihood. Questions an operator can answer come before technician checks of equal value.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from core.knowledge.model import Family
from rules.scoring import FamilyModel, expected_information_gain


@dataclass(frozen=True)
class Policy:
    """When to stop: `threshold` confidence concludes; below `min_gain` bits or after
    `max_questions` questions the session concludes (at `accept_floor` or more) or escalates."""

    threshold: float = 0.8
    accept_floor: float = 0.6  # when no question helps, conclude at or above this
    max_questions: int = 10
    min_gain: float = 0.02
    candidate_floor: float = 1e-3
    max_candidates: int = 64  # bounds the cost per step on large knowledge bases
    technician_penalty: float = 0.9


def candidates(post: np.ndarray, floor: float, limit: int) -> np.ndarray:
    """Indices of the faults (and "other", the last index) still worth separating: those at or
    above `floor`, at most the `limit` most probable (plus "other")."""
    index = np.flatnonzero(post >= floor)
    if not len(index):
        index = np.arange(len(post))
    if len(index) > limit:
        index = index[np.argsort(-post[index], kind="stable")[:limit]]
    return np.union1d(index, [len(post) - 1])


def next_question(family: Family, model: FamilyModel, post: np.ndarray,
                  settled: Collection[str], policy: Policy) -> tuple[str | None, float]:
    """The best question to ask now and its expected gain; (None, 0) when none helps."""
    keep = candidates(post, policy.candidate_floor, policy.max_candidates)
    fault_rows = keep[keep < len(model.fault_ids)]
    best, best_score, best_gain = None, 0.0, 0.0
    for oid, obs_model in model.observations.items():
        if oid in settled or not obs_model.relevant[fault_rows].any():
            continue
        gain = expected_information_gain(obs_model, post, keep)
        score = gain
        if family.observations[oid].skill != "operator":
            score *= policy.technician_penalty
        if score > best_score:
            best, best_score, best_gain = oid, score, gain
    if best is None or best_gain < policy.min_gain:
        return None, 0.0
    return best, best_gain
