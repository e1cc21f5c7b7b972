"""Simulated operators for tests and evaluation: they answer from one fault's evidence.

For an observation in the fault's evidence the operator gives a value where the fault's
condition holds; for any other observation the most usual ("normal") value. Values that would
raise a critical condition are avoided unless the fault's own evidence needs them. Variants
answer "don't know" at a rate, or give one wrong answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from core.knowledge.model import Cell, Family, Value
from rules.diagnosis import Diagnoser, DiagnosisState
from rules.scoring import FamilyModel


def critical_cells(family: Family) -> dict[str, set[str]]:
    """Cells that on their own satisfy a single-condition critical clause."""
    out: dict[str, set[str]] = {}
    for cc in family.critical.values():
        for clause in cc.clauses:
            if len(clause) == 1:
                cond = clause[0]
                obs = family.observations[cond.observation]
                out.setdefault(obs.id, set()).update(
                    c.id for c in obs.cells if cond.holds(c.value))
    return out


def truthful_cell(family: Family, model: FamilyModel, fault_id: str, oid: str) -> Cell:
    """Where the fault's evidence holds (hazardous or not); else the most usual safe value."""
    obs = family.observations[oid]
    row = model.observations[oid].likelihood[model.index[fault_id]]
    risky = critical_cells(family).get(oid, set())
    evidence = [e.condition for e in family.faults[fault_id].evidence
                if e.condition.observation == oid]

    def rank(k: int) -> tuple[bool, bool, float]:
        cell = obs.cells[k]
        holds = all(c.holds(cell.value) for c in evidence)
        return (not holds, cell.id in risky, -row[k])

    return obs.cells[min(range(len(obs.cells)), key=rank)]


def needs_critical_answer(family: Family, fault_id: str) -> bool:
    """Does some evidence of the fault hold only where a hazard is raised (e.g. a safety valve
    blowing)? Then a truthful session may rightly end in a P1 escalation."""
    risky = critical_cells(family)
    for ev in family.faults[fault_id].evidence:
        obs = family.observations[ev.condition.observation]
        holding = {c.id for c in obs.cells if ev.condition.holds(c.value)}
        if holding and holding <= risky.get(obs.id, set()):
            return True
    return False


def reached(family: Family, fault_id: str, out: dict[str, Any]) -> bool:
    """The right end of a session: the fault, or the P1 escalation its own evidence calls for."""
    if out.get("escalation", {}).get("reason") == "critical":
        return needs_critical_answer(family, fault_id)
    return outcome_fault(out) == fault_id


def fault_error_code(family: Family, fault_id: str) -> str | None:
    """The code an operator would report for a fault: its first code that is not P1."""
    for code in family.faults[fault_id].error_codes:
        if family.severity_priority.get(family.error_codes[code].severity) != "P1":
            return code
    return None


@dataclass
class Operator:
    family: Family
    model: FamilyModel
    fault_id: str
    dont_know_rate: float = 0.0
    wrong_at: int | None = None  # index of the question answered wrongly
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    answered: int = 0

    def answer(self, oid: str) -> Value | None:
        truth = truthful_cell(self.family, self.model, self.fault_id, oid)
        index, self.answered = self.answered, self.answered + 1
        if self.wrong_at is not None and index == self.wrong_at:
            obs = self.family.observations[oid]
            risky = critical_cells(self.family).get(oid, set())
            others = [c for c in obs.cells if c.id != truth.id and c.id not in risky]
            if others:
                return self.rng.choice(others).value
        if self.dont_know_rate and self.rng.random() < self.dont_know_rate:
            return None
        return truth.value


def run_session(diagnoser: Diagnoser, operator: Operator, *, language: str = "en",
                report_code: bool = True) -> tuple[DiagnosisState, dict[str, Any], int]:
    """Play one session to its end; returns the state, the last outcome and questions asked."""
    code = fault_error_code(operator.family, operator.fault_id) if report_code else None
    state, out = diagnoser.start(family=operator.family.id, language=language, error_code=code)
    questions = 0
    while out["status"] == "question":
        oid = out["question"]["observation_id"]
        questions += 1
        out = diagnoser.answer(state, oid, operator.answer(oid))
        if questions > 50:
            raise RuntimeError("session does not end")
    return state, out, questions


def outcome_fault(out: dict[str, Any]) -> str | None:
    """The fault a session ended with: the conclusion's, else the top candidate's."""
    if out.get("conclusion"):
        return str(out["conclusion"]["fault_id"])
    return str(out["candidates"][0]["fault_id"]) if out.get("candidates") else None
