"""Which of the knowledge pack's critical conditions a unit's latest telemetry meets.

The same parsed clauses the expert system and the chat's triage use (core.knowledge: a
condition is a disjunction of conjunctions of `observation op value`), evaluated on readings
instead of answers: no second copy of the facts. A clause holds when every one of its
conditions has a value in the telemetry and meets it; an active code counts as the value of
the family's code observation ("active_alarm_code == AL140") and makes true the boolean
observations the pack says it implies. Triggers in words only ("flames", "a bulge") are for
people to report; telemetry cannot meet them."""

from __future__ import annotations

from dataclasses import dataclass

from core.knowledge.model import Condition, CriticalCondition
from monitoring.telemetry import Telemetry


@dataclass(frozen=True)
class Fired:
    condition: CriticalCondition
    evidence: dict[str, bool | float | str]  # the readings (and code) that met it

    @property
    def id(self) -> str:
        return self.condition.id


def critical(telemetry: Telemetry) -> list[Fired]:
    family = telemetry.unit.family
    values: dict[str, list[bool | float | str]] = {
        name: [value] for name, value in telemetry.readings.items()}
    if family.error_code_observation:
        values.setdefault(family.error_code_observation, []).extend(telemetry.active_codes)
    for observation in family.observations.values():
        if observation.implied_by_codes and set(observation.implied_by_codes) & set(
                telemetry.active_codes) and observation.id not in telemetry.readings:
            values[observation.id] = [True]
    fired = []
    for condition in family.critical.values():
        for clause in condition.clauses:
            evidence = _meets(clause, values)
            if evidence is not None:
                fired.append(Fired(condition, evidence))
                break
    return fired


def _meets(clause: tuple[Condition, ...],
           values: dict[str, list[bool | float | str]]) -> dict[str, bool | float | str] | None:
    if not clause:
        return None
    evidence: dict[str, bool | float | str] = {}
    for condition in clause:
        met = next((v for v in values.get(condition.observation, []) if condition.admits(v)),
                   None)
        if met is None:
            return None
        evidence[condition.observation] = met
    return evidence
