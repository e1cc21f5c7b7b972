"""The experta engine of one family, generated from its knowledge (no equipment knowledge here).

Facts: `Answer(observation=<id>, cell=<cell id>)` for every answered observation and
`Hazard(condition=<id>)` for a hazard recognised in a free-text symptom. Generated rules:

* one rule per critical condition clause (and per hazard), salience 100: records the
  condition and halts - a critical condition concludes at once;
* one rule per error code whose severity maps to P1, salience 90: records and halts;
* one rule per (observation, cell) that some fault's evidence looks at, salience 10: records the
  evidence it gives for and against each fault.

Every test is literal (cells are precomputed), which keeps experta's cost per step low. Rule
bodies only record results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from experta import AND, OR, Fact, KnowledgeEngine, Rule

from core.knowledge.model import Condition, Family

CRITICAL_SALIENCE = 100
CRITICAL_CODE_SALIENCE = 90
EVIDENCE_SALIENCE = 10


class Answer(Fact):
    """An answered observation, by cell."""


class Hazard(Fact):
    """A critical condition named by a free-text symptom."""


@dataclass(frozen=True)
class Hit:
    fault: str
    observation: str
    condition: str
    weight: str
    holds: bool


@dataclass
class EngineResult:
    critical: list[str] = field(default_factory=list)
    critical_codes: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)


def _cells_where(family: Family, condition: Condition) -> list[str]:
    obs = family.observations[condition.observation]
    return [c.id for c in obs.cells if condition.holds(c.value)]


def _answer_pattern(family: Family, condition: Condition) -> Any:
    cells = _cells_where(family, condition)
    patterns = [Answer(observation=condition.observation, cell=c) for c in cells]
    if not patterns:
        return None
    return patterns[0] if len(patterns) == 1 else OR(*patterns)


def _recorder(name: str, kind: str, payload: Any, halt: bool) -> Callable[..., None]:
    def body(self: Any) -> None:
        self.result.fired.append(name)
        if kind == "hits":
            self.result.hits.extend(payload)
        else:
            getattr(self.result, kind).append(payload)
        if halt:
            self.halt()

    body.__name__ = name
    return body


def generate_rules(family: Family) -> dict[str, Any]:
    """The rules of a family as class attributes for `type()`."""
    rules: dict[str, Any] = {}
    for cc in family.critical.values():
        for i, clause in enumerate(cc.clauses):
            patterns = [_answer_pattern(family, cond) for cond in clause]
            if any(p is None for p in patterns):
                continue
            lhs = patterns[0] if len(patterns) == 1 else AND(*patterns)
            name = f"critical_{cc.id}_{i}"
            rules[name] = Rule(lhs, salience=CRITICAL_SALIENCE)(
                _recorder(name, "critical", cc.id, True))
        name = f"critical_{cc.id}_hazard"
        rules[name] = Rule(Hazard(condition=cc.id), salience=CRITICAL_SALIENCE)(
            _recorder(name, "critical", cc.id, True))
    if family.error_code_observation:
        for code in family.error_codes.values():
            if family.severity_priority.get(code.severity) == "P1":
                name = f"critical_code_{code.code}"
                rules[name] = Rule(Answer(observation=family.error_code_observation,
                                          cell=code.code), salience=CRITICAL_CODE_SALIENCE)(
                    _recorder(name, "critical_codes", code.code, True))
    hits: dict[tuple[str, str], list[Hit]] = {}
    for fault in family.faults.values():
        for ev in fault.evidence:
            obs = family.observations[ev.condition.observation]
            for cell in obs.cells:
                hits.setdefault((obs.id, cell.id), []).append(Hit(
                    fault.id, obs.id, str(ev.condition), ev.weight,
                    ev.condition.holds(cell.value)))
    for (oid, cell_id), cell_hits in hits.items():
        name = f"evidence_{oid}_{cell_id}"
        rules[name] = Rule(Answer(observation=oid, cell=cell_id), salience=EVIDENCE_SALIENCE)(
            _recorder(name, "hits", tuple(cell_hits), False))
    return rules


class FamilyEngine:
    """One generated experta engine per family; `evaluate` is thread-safe."""

    def __init__(self, family: Family) -> None:
        self.family = family
        rules = generate_rules(family)
        self.rule_count = len(rules)
        cls = type(f"{family.id.title().replace('_', '')}Engine", (KnowledgeEngine,), rules)
        self._engine: Any = cls()
        self._lock = threading.Lock()

    def evaluate(self, cells: dict[str, str], hazards: Iterable[str] = ()) -> EngineResult:
        """Declare the answers (by cell) and hazards, run, and return what the rules recorded."""
        with self._lock:
            engine = self._engine
            engine.reset()
            engine.result = EngineResult()
            facts = [Hazard(condition=cc_id) for cc_id in hazards]
            facts += [Answer(observation=oid, cell=cell) for oid, cell in cells.items()]
            if facts:  # one declaration: experta matches once per call, not once per fact
                engine.declare(*facts)
            engine.run()
            result: EngineResult = engine.result
            return result
