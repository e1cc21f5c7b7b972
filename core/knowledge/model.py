"""Typed model of the knowledge pack (built by `core.knowledge.loader`, never by hand): the
families with their observations, faults, error codes, hazards, parts and maintenance, the
symptom vocabulary, the glossary, the translation catalogues and the service organisation
(contract tiers, customers and their machines, warehouses, regions, warranty).

Observations are partitioned into *cells*: the outcomes a question can have that matter to some
condition. Booleans have the cells "true"/"false", choices one cell per choice, and numbers one
cell per interval between the thresholds that the conditions on them use. Engines, scoring and
questioning all work on cells, so every rule test is a literal test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Literal

from core.phrases import PhraseMatcher

Value = bool | float | str
ObservationType = Literal["boolean", "choice", "number"]
WEIGHTS = ("strong", "moderate", "weak")
PRIORITIES = ("P1", "P2", "P3", "P4")
OPERATORS = ("==", "!=", ">=", "<=", ">", "<", "in")


@dataclass(frozen=True)
class Condition:
    """`observation op value`; `in` takes a tuple of choice ids."""

    observation: str
    op: str
    value: Value | tuple[str, ...]

    def holds(self, value: Value) -> bool:
        target = self.value
        if self.op == "in":
            assert isinstance(target, tuple)
            return value in target
        if self.op == "==":
            return value == target
        if self.op == "!=":
            return value != target
        assert isinstance(target, float) and isinstance(value, int | float)
        number = float(value)
        return {
            ">": number > target, ">=": number >= target,
            "<": number < target, "<=": number <= target,
        }[self.op]

    def admits(self, value: Any) -> bool:
        """Whether a value of any type meets the condition; a value of another type than the
        observation's (a word for a number, a number for a yes/no) never does."""
        target = self.value
        if self.op == "in":
            return not isinstance(value, bool) and str(value) in target  # type: ignore[operator]
        if isinstance(target, bool) or isinstance(value, bool):
            return (isinstance(target, bool) and isinstance(value, bool)
                    and self.op in ("==", "!=") and self.holds(value))
        if isinstance(target, float):
            return isinstance(value, int | float) and self.holds(float(value))
        return isinstance(value, str) and self.op in ("==", "!=") and self.holds(value)

    def __str__(self) -> str:
        target = self.value
        if isinstance(target, tuple):
            shown = "[" + ", ".join(target) + "]"
        elif isinstance(target, bool):
            shown = str(target).lower()
        elif isinstance(target, float):
            shown = f"{target:g}"
        else:
            shown = str(target)
        return f"{self.observation} {self.op} {shown}"


@dataclass(frozen=True)
class Cell:
    """One outcome class of an observation; `value` is a representative value of it."""

    id: str
    value: Value
    label: str


@dataclass
class Observation:
    id: str
    type: ObservationType
    question: str
    unit: str | None = None
    choices: tuple[str, ...] = ()
    how_to_check: str = ""
    safety_note: str | None = None
    skill: str = "operator"
    cells: tuple[Cell, ...] = ()
    cuts: tuple[tuple[float, bool], ...] = ()  # numbers: (threshold, value at threshold goes up)
    implied_by_codes: tuple[str, ...] = ()  # a boolean that is true when one of these codes shows

    def cell_of(self, value: Value) -> str:
        """The cell an (already normalised) answer falls into."""
        if self.type == "boolean":
            return "true" if value else "false"
        if self.type == "choice":
            return str(value)
        assert isinstance(value, int | float) and not isinstance(value, bool)
        index = 0
        for threshold, at_threshold_goes_up in self.cuts:
            if value > threshold or (at_threshold_goes_up and value == threshold):
                index += 1
        return self.cells[index].id

    def cell(self, cell_id: str) -> Cell:
        for cell in self.cells:
            if cell.id == cell_id:
                return cell
        raise KeyError(cell_id)


def numeric_cells(thresholds: list[tuple[float, bool]]) -> tuple[tuple[Cell, ...], tuple]:
    """Cells between sorted cuts. A cut (t, True) puts t itself in the upper cell (>=, <)."""
    cuts = sorted(set(thresholds), key=lambda c: (c[0], not c[1]))
    cells: list[Cell] = []
    bounds = [(-math.inf, False)] + cuts + [(math.inf, False)]
    for i in range(len(bounds) - 1):
        (low, low_up), (high, high_up) = bounds[i], bounds[i + 1]
        if low == high:  # a point cell: (t, True) then (t, False)
            rep, label = low, f"= {low:g}"
        elif math.isinf(low):
            rep = high - min(max(abs(high) * 0.25, 0.05), 0.5)
            label = f"{'<' if high_up else '<='} {high:g}"
        elif math.isinf(high):
            rep = low + max(abs(low) * 0.25, 1.0)
            label = f"{'>=' if low_up else '>'} {low:g}"
        else:
            rep = (low + high) / 2
            label = f"{low:g}..{high:g}"
        cells.append(Cell(id=f"n{i}", value=float(rep), label=label))
    return tuple(cells), tuple(cuts)


@dataclass(frozen=True)
class Evidence:
    condition: Condition
    weight: str


@dataclass
class Fault:
    id: str
    name: str
    description: str
    evidence: tuple[Evidence, ...]
    error_codes: tuple[str, ...]
    remedy_steps: tuple[str, ...]
    parts: tuple[str, ...]
    causes_ranked: tuple[str, ...] = ()
    safety_critical: bool = False
    escalate_when: str = ""


@dataclass
class ErrorCode:
    code: str
    title: str
    severity: str
    related_faults: tuple[str, ...]
    immediate_action: str
    meaning: str = ""


@dataclass
class CriticalCondition:  # clauses may be extended by rules/data/critical.yml
    """A hazard. `clauses` is a disjunction of conjunctions of parsed conditions; `phrases` are
    the parts of the trigger that are free text (matched against symptoms)."""

    id: str
    trigger: str
    action: str
    priority: str
    clauses: tuple[tuple[Condition, ...], ...]
    phrases: tuple[str, ...]


@dataclass
class Part:
    part_no: str
    name: str
    compatible_models: tuple[str, ...]
    stock: dict[str, int]
    lead_time_days: float
    price_eur: float = 0.0


@dataclass
class Family:
    id: str
    file: str  # file stem, e.g. "compressors"
    name: str
    models: dict[str, str]  # model id -> serial prefix
    observations: dict[str, Observation]
    faults: dict[str, Fault]
    error_codes: dict[str, ErrorCode]
    critical: dict[str, CriticalCondition]
    parts: dict[str, Part]
    severity_priority: dict[str, str] = field(default_factory=dict)
    error_code_observation: str | None = None
    # the maintenance schedule's tasks as written (id, label, task, intervals, parts, models)
    maintenance: tuple[dict[str, Any], ...] = ()
    # the numeric observations a unit's controller reports as telemetry, with their normal
    # range in operation (`telemetry_ranges` of the family file)
    telemetry: dict[str, tuple[float, float]] = field(default_factory=dict)

    def codes_of(self, fault_id: str) -> set[str]:
        """Error codes that point to a fault, from either side of the cross-reference."""
        codes = set(self.faults[fault_id].error_codes)
        codes.update(c.code for c in self.error_codes.values() if fault_id in c.related_faults)
        return codes


def build_cells(family: Family) -> None:
    """Give every observation its cells; numbers are cut at every threshold that is used."""
    conditions = [e.condition for f in family.faults.values() for e in f.evidence]
    conditions += [c for cc in family.critical.values() for cl in cc.clauses for c in cl]
    for obs in family.observations.values():
        if obs.type == "boolean":
            obs.cells = (Cell("true", True, "true"), Cell("false", False, "false"))
        elif obs.type == "choice":
            obs.cells = tuple(Cell(c, c, c) for c in obs.choices)
        else:
            cuts: list[tuple[float, bool]] = []
            for cond in conditions:
                if cond.observation == obs.id and isinstance(cond.value, float):
                    if cond.op in (">", "<="):
                        cuts.append((cond.value, False))
                    elif cond.op in (">=", "<"):
                        cuts.append((cond.value, True))
                    else:  # == / != on a number: a point cell
                        cuts += [(cond.value, True), (cond.value, False)]
            obs.cells, obs.cuts = numeric_cells(cuts)


@dataclass(frozen=True)
class SymptomEffect:
    """What a recognised phrase means: observation values, suggested faults, or a hazard."""

    sets: tuple[tuple[str, Value], ...] = ()
    hints: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()
    critical: tuple[str, ...] = ()


@dataclass(frozen=True)
class Symptom:
    id: str
    phrases: dict[str, tuple[str, ...]]  # language -> phrases
    effect: SymptomEffect


@dataclass(frozen=True)
class ContractTier:
    """A contract tier of service.yml. The ticket catalogue checks its SLA clock and hours;
    `fields` keeps every field as written, for the answers that quote the contract."""

    id: str
    name: str
    sla_clock: str
    coverage_window: str
    response_time_h: dict[str, Any]
    resolution_target_h: dict[str, Any]
    fields: dict[str, Any]


@dataclass(frozen=True)
class Equipment:
    """An installed machine."""

    serial_no: str
    model_id: str
    install_date: date | None = None
    running_hours: int | None = None


@dataclass(frozen=True)
class CustomerSite:
    site_id: str
    name: str
    region: str | None
    equipment: tuple[Equipment, ...]


@dataclass(frozen=True)
class Contact:
    """Whom the service desk reaches at a customer: alerts, reminders, one-time codes."""

    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ServiceCustomer:
    customer_id: str
    name: str
    country: str
    language: str
    contract_tier: str
    sites: tuple[CustomerSite, ...]
    contact: Contact | None = None  # the contact on file


@dataclass(frozen=True)
class Technician:
    """A field engineer of the service organisation."""

    id: str
    name: str
    region: str | None = None
    languages: tuple[str, ...] = ()
    email: str | None = None
    on_call: bool = False  # paged for the region's P1 tickets


@dataclass(frozen=True)
class Service:
    """The service organisation of service.yml."""

    company: str = ""  # the service organisation's own name (meta.company)
    tiers: dict[str, ContractTier] = field(default_factory=dict)
    customers: tuple[ServiceCustomer, ...] = ()
    technicians: tuple[Technician, ...] = ()
    warehouses: dict[str, str] = field(default_factory=dict)  # id -> name
    region_warehouse: dict[str, str] = field(default_factory=dict)  # service region -> warehouse
    warranty: dict[str, Any] = field(default_factory=dict)


@dataclass
class KnowledgeBase:
    families: dict[str, Family]
    symptoms: tuple[Symptom, ...]
    glossary: dict[str, dict[str, tuple[str, ...]]]  # term id -> language -> forms
    catalogues: dict[str, dict[str, dict]]  # language -> family id -> catalogue
    texts: dict[str, dict[str, str]]  # language -> key -> own text of the engine
    safety_terms: frozenset[str] = frozenset()  # glossary terms of the safety domain
    service: Service = field(default_factory=Service)

    @cached_property
    def symptom_matcher(self) -> PhraseMatcher[str]:
        """The lay symptom phrasings, found in their own word order (the expert system acts on
        what it finds: an answered question, a hazard), by symptom id."""
        return PhraseMatcher(((s.id, language, phrase) for s in self.symptoms
                              for language, phrases in s.phrases.items() for phrase in phrases),
                             in_order=True)

    def family_for(self, *, family: str | None = None, model: str | None = None,
                   serial: str | None = None, error_code: str | None = None) -> Family | None:
        """The family named, or the one a model, serial prefix or error code belongs to."""
        for fam in self.families.values():
            if family and family in (fam.id, fam.file):
                return fam
        for fam in self.families.values():
            if model and model in fam.models:
                return fam
            if serial and any(p and serial.upper().startswith(p) for p in fam.models.values()):
                return fam
            if error_code and error_code.upper() in fam.error_codes:
                return fam
        return None
