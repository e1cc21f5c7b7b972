"""The lay symptom vocabulary (`rules/data/symptoms.yml`): phrasings in the five languages and
what each means (observation values, observations worth reading, faults, hazards), read and
checked against the loaded families."""

from __future__ import annotations

from pathlib import Path

import yaml

from core.knowledge.errors import KnowledgeError
from core.knowledge.model import Family, Symptom, SymptomEffect, Value
from core.languages import LANGUAGES


def load_symptoms(path: Path, families: dict[str, Family]) -> tuple[Symptom, ...]:
    """Read and check rules/data/symptoms.yml against the loaded families."""
    name = f"rules/data/{path.name}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(name, "-", f"cannot be read ({exc})") from exc
    observations = {o.id: o for f in families.values() for o in f.observations.values()}
    faults = {fid for f in families.values() for fid in f.faults}
    critical = {cid for f in families.values() for cid in f.critical}
    out: list[Symptom] = []
    for raw in data.get("symptoms") or []:
        entry = f"symptom {raw.get('id', '?')}" if isinstance(raw, dict) else repr(raw)[:40]
        if not isinstance(raw, dict) or not raw.get("id"):
            raise KnowledgeError(name, entry, "every symptom needs an id")
        phrases = raw.get("phrases") or {}
        if not phrases or any(lang not in LANGUAGES for lang in phrases):
            raise KnowledgeError(name, entry, "phrases must be given per language (en, el, ...)")
        sets: list[tuple[str, Value]] = []
        for oid, value in (raw.get("sets") or {}).items():
            obs = observations.get(oid)
            if obs is None:
                raise KnowledgeError(name, entry, f"observation '{oid}' does not exist")
            if (obs.type == "boolean" and not isinstance(value, bool)) or (
                    obs.type == "choice" and value not in obs.choices):
                raise KnowledgeError(name, entry, f"'{value}' is not a value of {oid}")
            sets.append((oid, value))
        for oid in raw.get("hints") or []:
            if oid not in observations:
                raise KnowledgeError(name, entry, f"observation '{oid}' does not exist")
        for fid in raw.get("faults") or []:
            if fid not in faults:
                raise KnowledgeError(name, entry, f"fault '{fid}' does not exist")
        for cid in raw.get("critical") or []:
            if cid not in critical:
                raise KnowledgeError(name, entry, f"critical condition '{cid}' does not exist")
        out.append(Symptom(
            id=str(raw.get("id")),
            phrases={lang: tuple(str(p) for p in items) for lang, items in phrases.items()},
            effect=SymptomEffect(sets=tuple(sets), hints=tuple(raw.get("hints") or []),
                                 faults=tuple(raw.get("faults") or []),
                                 critical=tuple(raw.get("critical") or []))))
    return tuple(out)
