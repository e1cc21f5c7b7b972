"""Faults made likely by a unit's telemetry: the candidates and the expert system's next
question, from the same fault evidence the chat's guided diagnosis uses.

The readings outside their normal cell (monitoring/baseline.py) and the active codes are the
signs. Each fault is scored by the evidence the telemetry settles: the weight of every
condition of its evidence that a reading or code meets, less the weight of every condition on
a reported reading that the reading contradicts; the faults with a sign among their evidence
are the candidates, best first, and the expert system's posterior on the same answers breaks
ties. The expert system (rules.diagnosis.Diagnoser) then takes the readings as answered
observations, the candidates as hints, and gives the question it would ask next: the first
thing a person has to look at. Pure domain logic: no broker, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.knowledge.model import Family
from monitoring.baseline import signs
from monitoring.telemetry import Telemetry
from rules.diagnosis import AnswerError, Diagnoser

WEIGHTS = {"strong": 3.0, "moderate": 2.0, "weak": 1.0}
TOP = 3  # candidates an alert names


@dataclass(frozen=True)
class Likely:
    signs: dict[str, float | str]  # the readings (and codes) that point to a fault
    candidates: list[dict[str, Any]]  # fault_id, name, score, safety_critical; best first
    question: dict[str, Any] | None  # the expert system's next question, if any
    priority: str
    codes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def top(self) -> str:
        return str(self.candidates[0]["fault_id"])


def answers_of(message: Telemetry) -> tuple[dict[str, Any], str | None]:
    """The telemetry as answered observations for the expert system, and the code to start
    with (the most severe active one)."""
    family = message.unit.family
    observations: dict[str, Any] = {
        oid: value for oid, value in message.readings.items()
        if oid in family.observations and oid != family.error_code_observation}
    codes = sorted(message.active_codes, key=lambda c: _severity_rank(family, c))
    code_obs = family.observations.get(family.error_code_observation or "")
    if not codes and code_obs is not None and "none" in code_obs.choices:
        # The controller reports its codes: none active is an answer, not a question.
        observations[code_obs.id] = "none"
    return observations, (codes[0] if codes else None)


def likely_faults(diagnoser: Diagnoser, message: Telemetry) -> Likely | None:
    """The faults the telemetry points to, or None when it shows no sign of one."""
    family = message.unit.family
    abnormal: dict[str, float | str] = dict(signs(family, message.readings))
    coded = [c for c in message.active_codes
             if family.severity_priority.get(family.error_codes[c].severity) != "P1"]
    if not abnormal and not coded:
        return None
    values: dict[str, Any] = dict(message.readings)
    if family.error_code_observation and coded:
        values[family.error_code_observation] = coded[0]
    scored = []
    for fault in family.faults.values():
        score, signed = 0.0, False
        for ev in fault.evidence:
            oid = ev.condition.observation
            weight = WEIGHTS.get(ev.weight, 1.0)
            if oid == family.error_code_observation:
                if any(ev.condition.holds(code) for code in coded):
                    score, signed = score + weight, True
                continue
            if oid not in values:
                continue
            if ev.condition.holds(values[oid]):
                score += weight
                signed = signed or oid in abnormal
            else:
                score -= weight
        if set(coded) & family.codes_of(fault.id):
            score, signed = score + WEIGHTS["strong"], True
        if signed:
            scored.append((score, fault.id))
    if not scored:
        return None
    observations, code = answers_of(message)
    posterior: dict[str, float] = {}
    question = None
    try:
        state, out = diagnoser.start(family=family.id, model=message.unit.model,
                                     serial=message.serial, error_code=code,
                                     observations=observations)
        state.hinted = [fid for _, fid in sorted(scored, reverse=True)[:TOP]]
        out = diagnoser.evaluate(state)
        posterior = {c["fault_id"]: c["confidence"] for c in out.get("candidates", [])}
        question = out.get("question")
    except AnswerError:
        pass  # a reading the expert system does not take: the candidates stand alone
    ranked = sorted(scored, key=lambda s: (-s[0], -posterior.get(s[1], 0.0), s[1]))
    candidates = [{"fault_id": fid, "name": family.faults[fid].name, "score": round(score, 2),
                   "safety_critical": family.faults[fid].safety_critical}
                  for score, fid in ranked[:TOP]]
    for code_id in coded:
        abnormal[family.error_code_observation or "code"] = code_id
    return Likely(abnormal, candidates, question, _priority(family, coded, candidates),
                  tuple(coded))


def _severity_rank(family: Family, code: str) -> int:
    order = ["P1", "P2", "P3", "P4"]
    priority = family.severity_priority.get(family.error_codes[code].severity, "P4")
    return order.index(priority) if priority in order else len(order)


def _priority(family: Family, codes: list[str], candidates: list[dict[str, Any]]) -> str:
    """The priority the rules give: the most severe active code's (service.yml's severity
    priorities), P2 when the likeliest fault is safety-critical, else P3 (an incident)."""
    found = ["P3"]
    found += [family.severity_priority.get(family.error_codes[c].severity, "P3") for c in codes]
    if candidates and candidates[0]["safety_critical"]:
        found.append("P2")
    return min(found)
