"""One family file (`knowledge/<family>.yml`): models, observations, error codes, parts,
maintenance schedule, faults with their evidence, and critical conditions, parsed and checked
into `core.knowledge.model` objects.

Every cross-reference is checked (observations named by evidence and triggers, error codes,
faults, parts); the first problem raises `KnowledgeError` naming the file, the entry and the
rule it breaks. Conditions ("> 105", "== true", "in [a, b]") are parsed here and only here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from core.knowledge.errors import KnowledgeError
from core.knowledge.model import (
    OPERATORS,
    PRIORITIES,
    WEIGHTS,
    Condition,
    CriticalCondition,
    ErrorCode,
    Evidence,
    Family,
    Fault,
    Observation,
    Part,
    Value,
    build_cells,
)
from core.knowledge.reading import ident as _ident
from core.knowledge.reading import read_yaml as _read_yaml
from core.knowledge.reading import require as _require

_CONDITION = re.compile(r"^\s*(==|!=|>=|<=|>|<|in)\s*(.+?)\s*$")
_CLAUSE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*([^\s,()]+)\s*(\(.*\))?\s*$")
_CODE_ACTIVE = re.compile(r"^\s*([A-Z]{1,3}\d{2,4})\s+(active|shown|displayed)\s*$")

def _parse_value(text: str, obs: Observation, file: str, entry: str) -> Value:
    text = text.strip().strip("\"'")
    if obs.type == "boolean":
        if text not in ("true", "false"):
            raise KnowledgeError(file, entry, f"{obs.id} is boolean; '{text}' is not true/false")
        return text == "true"
    if obs.type == "choice":
        if text not in obs.choices:
            raise KnowledgeError(file, entry, f"'{text}' is not a choice of {obs.id}")
        return text
    try:
        return float(text)
    except ValueError as exc:
        raise KnowledgeError(file, entry, f"{obs.id} is a number; '{text}' is not") from exc


def parse_condition(obs: Observation, text: str, file: str, entry: str) -> Condition:
    """Parse an evidence condition such as "> 105", "== true" or "in [a, b]"."""
    match = _CONDITION.match(str(text))
    if not match:
        raise KnowledgeError(file, entry, f"condition '{text}' does not parse")
    op, rest = match.groups()
    if op == "in":
        if obs.type != "choice" or not (rest.startswith("[") and rest.endswith("]")):
            raise KnowledgeError(file, entry, f"'in' needs a choice list, got '{text}'")
        items = tuple(str(_parse_value(v, obs, file, entry)) for v in rest[1:-1].split(","))
        return Condition(obs.id, "in", items)
    if op not in OPERATORS or (obs.type != "number" and op not in ("==", "!=")):
        raise KnowledgeError(file, entry, f"operator {op} does not apply to {obs.type} {obs.id}")
    return Condition(obs.id, op, _parse_value(rest, obs, file, entry))


def _parse_observation(raw: Any, file: str) -> Observation:
    entry = f"observation {_ident(raw, 'id')}"
    oid = _require(raw, "id", str, file, entry)
    kind = _require(raw, "type", str, file, entry)
    if kind not in ("boolean", "choice", "number"):
        raise KnowledgeError(file, entry, f"type '{kind}' is not boolean, choice or number")
    choices: tuple[str, ...] = ()
    if kind == "choice":
        choices = tuple(str(c) for c in _require(raw, "choices", list, file, entry))
        if len(set(choices)) != len(choices) or len(choices) < 2:
            raise KnowledgeError(file, entry, "choices must be at least two distinct ids")
    return Observation(
        id=oid, type=kind, question=_require(raw, "question", str, file, entry),
        unit=raw.get("unit"), choices=choices, how_to_check=raw.get("how_to_check") or "",
        safety_note=raw.get("safety_note"), skill=raw.get("skill") or "operator",
    )


def _parse_trigger(cc_id: str, trigger: str, family: Family, file: str
                   ) -> tuple[tuple[tuple[Condition, ...], ...], tuple[str, ...]]:
    """Split a trigger on "or" into clauses; parse "obs op value [and ...]" and "CODE active";
    keep the rest as free-text phrases."""
    entry = f"critical condition {cc_id}"
    clauses: list[tuple[Condition, ...]] = []
    phrases: list[str] = []
    for part in re.split(r",\s*or\s+|\s+or\s+|,\s*", re.sub(r"\([^)]*\)", "", trigger)):
        part = part.strip()
        if not part:
            continue
        conjunction: list[Condition] = []
        for piece in re.split(r"\s+and\s+", part):
            clause = _CLAUSE.match(piece)
            code = _CODE_ACTIVE.match(piece)
            if clause:
                name, op, value, _note = clause.groups()
                if name not in family.observations:
                    raise KnowledgeError(file, entry, f"trigger names unknown observation '{name}'")
                obs = family.observations[name]
                conjunction.append(parse_condition(obs, f"{op} {value}", file, entry))
            elif code and family.error_code_observation:
                if code.group(1) not in family.error_codes:
                    raise KnowledgeError(file, entry, f"trigger names unknown code {code.group(1)}")
                conjunction.append(Condition(family.error_code_observation, "==", code.group(1)))
            else:
                conjunction = []
                phrases.append(part)
                break
        if conjunction:
            clauses.append(tuple(conjunction))
    return tuple(clauses), tuple(phrases)


def _unique(items: list[Any], key: str, file: str, section: str) -> None:
    seen: set[str] = set()
    for item in items:
        ident = str(item.get(key)) if isinstance(item, dict) else repr(item)
        if ident in seen:
            raise KnowledgeError(file, f"{section} {ident}", f"duplicate {key}")
        seen.add(ident)


def extra_clauses(rules_data: Path) -> dict[str, list[list[str]]]:
    """Clauses that `rules/data/critical.yml` adds to critical conditions, by condition id."""
    path = rules_data / "critical.yml"
    if not path.exists():
        return {}
    data = _read_yaml(path, "rules/data/critical.yml") or {}
    extra = data.get("critical_conditions") or {}
    if not isinstance(extra, dict):
        raise KnowledgeError("rules/data/critical.yml", "critical_conditions", "must be a mapping")
    return extra


def _add_clauses(family: Family, extra: dict[str, list[list[str]]]) -> None:
    name = "rules/data/critical.yml"
    for cc in family.critical.values():
        for clause in extra.get(cc.id) or []:
            conditions = []
            for text in clause:
                match = _CLAUSE.match(text)
                if not match or match.group(1) not in family.observations:
                    raise KnowledgeError(name, cc.id, f"condition '{text}' does not parse or "
                                         "names an unknown observation")
                obs = family.observations[match.group(1)]
                conditions.append(parse_condition(obs, f"{match.group(2)} {match.group(3)}",
                                                  name, cc.id))
            cc.clauses = cc.clauses + (tuple(conditions),)


def _telemetry_ranges(raw: Any, family: Family, file: str) -> dict[str, tuple[float, float]]:
    """`telemetry_ranges`: numeric observations of the family, each with [low, high]."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise KnowledgeError(file, "telemetry_ranges", "must be a mapping")
    ranges = {}
    for name, value in raw.items():
        obs = family.observations.get(str(name))
        if obs is None or obs.type != "number":
            raise KnowledgeError(file, "telemetry_ranges", f"{name} is no numeric observation")
        if not isinstance(value, list) or len(value) != 2 or \
                not all(isinstance(v, int | float) for v in value) or value[0] >= value[1]:
            raise KnowledgeError(file, "telemetry_ranges", f"{name} must be [low, high]")
        ranges[obs.id] = (float(value[0]), float(value[1]))
    return ranges


def load_family(path: Path, severity_priority: dict[str, str],
                extra: dict[str, list[list[str]]] | None = None) -> Family:
    """One family file; `extra`: the clauses of `extra_clauses` to add to its hazards."""
    file = path.name
    data = _read_yaml(path, file)
    if not isinstance(data, dict):
        raise KnowledgeError(file, "-", "top level must be a mapping")
    fam_raw = _require(data, "family", dict, file, "family")
    for section in ("observations", "faults", "error_codes", "critical_conditions", "parts"):
        if not isinstance(data.get(section) or [], list):
            raise KnowledgeError(file, section, "must be a list")
    _unique(data["observations"], "id", file, "observation")
    _unique(data["faults"], "id", file, "fault")
    _unique(data.get("error_codes") or [], "code", file, "error code")
    _unique(data.get("parts") or [], "part_no", file, "part")
    family = Family(
        id=_require(fam_raw, "id", str, file, "family"), file=path.stem,
        name=_require(fam_raw, "name", str, file, "family"),
        models={m["id"]: m.get("serial_prefix", "") for m in data.get("models") or []},
        observations={}, faults={}, error_codes={}, critical={}, parts={},
        severity_priority=severity_priority,
        maintenance=tuple(dict(task) for task in data.get("maintenance_schedule") or []),
    )
    for raw in data["observations"]:
        obs = _parse_observation(raw, file)
        family.observations[obs.id] = obs
    family.telemetry = _telemetry_ranges(fam_raw.get("telemetry_ranges"), family, file)
    fault_ids = [f.get("id") for f in data["faults"] if isinstance(f, dict)]
    for raw in data.get("error_codes") or []:
        entry = f"error code {raw.get('code', '?')}"
        related = tuple(raw.get("related_faults") or [])
        for fid in related:
            if fid not in fault_ids:
                raise KnowledgeError(file, entry, f"related fault '{fid}' does not exist")
        severity = _require(raw, "severity", str, file, entry)
        if severity not in severity_priority and severity_priority:
            raise KnowledgeError(file, entry, f"severity '{severity}' is not known")
        code = ErrorCode(code=_require(raw, "code", str, file, entry), title=raw.get("title", ""),
                         severity=severity, related_faults=related,
                         immediate_action=raw.get("immediate_action") or "",
                         meaning=raw.get("meaning") or "")
        family.error_codes[code.code] = code
    codes = set(family.error_codes)
    for obs in family.observations.values():
        if obs.type == "choice" and codes and codes <= set(obs.choices):
            family.error_code_observation = obs.id
            for choice in obs.choices:
                if choice != "none" and choice not in codes:
                    raise KnowledgeError(file, f"observation {obs.id}", f"'{choice}' is no code")
    for obs in family.observations.values():
        if obs.type == "boolean":
            mentioned = re.findall(r"\b([A-Z]{1,3}\d{2,4})\b", obs.question)
            obs.implied_by_codes = tuple(c for c in mentioned if c in codes)
    for raw in data.get("parts") or []:
        entry = f"part {raw.get('part_no', '?')}"
        stock = _require(raw, "stock", dict, file, entry)
        if not all(isinstance(v, int) and v >= 0 for v in stock.values()):
            raise KnowledgeError(file, entry, "stock must be counts >= 0 per warehouse")
        part = Part(part_no=_require(raw, "part_no", str, file, entry),
                    name=_require(raw, "name", str, file, entry),
                    compatible_models=tuple(raw.get("compatible_models") or []),
                    stock=dict(stock),
                    lead_time_days=_require(raw, "lead_time_days", (int, float), file, entry),
                    price_eur=float(raw.get("unit_price_eur") or 0))
        for model in part.compatible_models:
            if model not in family.models:
                raise KnowledgeError(file, entry, f"compatible model '{model}' does not exist")
        family.parts[part.part_no] = part
    for raw in data["faults"]:
        fault = _parse_fault(raw, family, file)
        family.faults[fault.id] = fault
    for raw in data.get("critical_conditions") or []:
        entry = f"critical condition {raw.get('id', '?')}"
        priority = _require(raw, "priority", str, file, entry)
        if priority not in PRIORITIES:
            raise KnowledgeError(file, entry, f"priority '{priority}' is not P1..P4")
        cc_id = _require(raw, "id", str, file, entry)
        clauses, phrases = _parse_trigger(cc_id, _require(raw, "trigger", str, file, entry),
                                          family, file)
        family.critical[cc_id] = CriticalCondition(
            id=cc_id, trigger=raw["trigger"], action=_require(raw, "action", str, file, entry),
            priority=priority, clauses=clauses, phrases=phrases)
    _add_clauses(family, extra or {})
    build_cells(family)
    return family


def _parse_fault(raw: Any, family: Family, file: str) -> Fault:
    entry = f"fault {_ident(raw, 'id')}"
    evidence: list[Evidence] = []
    for i, ev in enumerate(_require(raw, "evidence", list, file, entry)):
        where = f"{entry} evidence #{i + 1}"
        oid = _require(ev, "observation", str, file, where)
        if oid not in family.observations:
            raise KnowledgeError(file, where, f"observation '{oid}' does not exist")
        weight = _require(ev, "weight", str, file, where)
        if weight not in WEIGHTS:
            raise KnowledgeError(file, where, f"weight '{weight}' is not one of {WEIGHTS}")
        condition = parse_condition(family.observations[oid],
                                    str(_require(ev, "condition", str, file, where)), file, where)
        evidence.append(Evidence(condition, weight))
    for code in raw.get("error_codes") or []:
        if code not in family.error_codes:
            raise KnowledgeError(file, entry, f"error code '{code}' does not exist")
    for part in raw.get("parts") or []:
        if part not in family.parts:
            raise KnowledgeError(file, entry, f"part '{part}' does not exist")
    steps = _require(raw, "remedy_steps", list, file, entry)
    return Fault(id=_require(raw, "id", str, file, entry),
                 name=_require(raw, "name", str, file, entry),
                 description=raw.get("description") or "", evidence=tuple(evidence),
                 error_codes=tuple(raw.get("error_codes") or []),
                 remedy_steps=tuple(str(s) for s in steps),
                 parts=tuple(raw.get("parts") or []),
                 causes_ranked=tuple(raw.get("causes_ranked") or []),
                 safety_critical=bool(raw.get("safety_critical")),
                 escalate_when=raw.get("escalate_when") or "")
