"""Free-text symptoms in any of the five languages -> observation values, candidate faults and
hazards, through the synonyms of `rules/data/symptoms.yml` and the glossary.

Matching is on stemmed, accent-free word sequences (snowball stemmers of the five languages), so
"verliert Öl", "Es verliert viel Öl" and "verliert öl" match alike. A glossary term found in the
text (in any language) suggests the faults whose English name or description uses the term and
raises the hazard of a critical condition whose trigger uses it ("burning smell").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer
import yaml

from core.languages import LANGUAGES
from core.text import strip_accents
from rules.errors import KnowledgeError
from rules.knowledge import Family, KnowledgeBase, Symptom, SymptomEffect, Value

_STEMMERS = {"en": "english", "el": "greek", "de": "german", "fr": "french", "es": "spanish"}
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(_STEMMERS[language])


@lru_cache(maxsize=16384)
def stems(text: str, language: str) -> tuple[str, ...]:
    words = _WORD.findall(text.casefold().replace("_", " "))
    return tuple(strip_accents(w) for w in _stemmer(language).stemWords(words))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


@dataclass
class SymptomMatch:
    """What a symptom text told: values to take as answered, faults to favour, hazards."""

    sets: dict[str, Value] = field(default_factory=dict)
    faults: set[str] = field(default_factory=set)
    critical: set[str] = field(default_factory=set)
    matched: list[str] = field(default_factory=list)


def match_symptom(text: str, family: Family, kb: KnowledgeBase) -> SymptomMatch:
    """Map a free-text symptom to the family's observations, faults and critical conditions."""
    result = SymptomMatch()
    if not text or not text.strip():
        return result
    by_language = {lang: stems(text, lang) for lang in _STEMMERS}
    for symptom in kb.symptoms:
        if any(_contains(by_language[lang], stems(p, lang))
               for lang, phrases in symptom.phrases.items() for p in phrases):
            effect = symptom.effect
            applied = False
            for oid, value in effect.sets:
                if oid in family.observations:
                    result.sets[oid] = value
                    applied = True
            for oid in effect.hints:
                hinted = {f.id for f in family.faults.values()
                          if any(e.condition.observation == oid for e in f.evidence)}
                applied |= bool(hinted)
                result.faults |= hinted
            faults = {f for f in effect.faults if f in family.faults}
            critical = {c for c in effect.critical if c in family.critical}
            result.faults |= faults
            result.critical |= critical
            if applied or faults or critical:
                result.matched.append(symptom.id)
    _match_glossary(by_language, family, kb, result)
    return result


def _match_glossary(by_language: dict[str, tuple[str, ...]], family: Family,
                    kb: KnowledgeBase, result: SymptomMatch) -> None:
    for term_id, forms in kb.glossary.items():
        if not any(_contains(by_language[lang], stems(form, lang))
                   for lang, words in forms.items() for form in words):
            continue
        english = [stems(form, "en") for form in forms.get("en", ())]
        faults = {f.id for f in family.faults.values()
                  if any(_contains(stems(f"{f.name} {f.description}", "en"), e) for e in english)}
        if 0 < len(faults) <= max(1, len(family.faults) // 4):  # generic terms tell nothing
            result.faults |= faults
            result.matched.append(f"glossary:{term_id}")
        # A hazard that the term *is*: the observation it names (burning smell) comes true.
        if term_id in kb.safety_terms and term_id in family.observations \
                and family.observations[term_id].type == "boolean":
            result.sets[term_id] = True
        # A safety term raises a hazard when it *is* the trigger: a free-text phrase of it, or
        # the observation it names ("burning smell"), not a mere mention ("safety valve").
        for cc in family.critical.values() if term_id in kb.safety_terms else ():
            named = {c.observation for clause in cc.clauses for c in clause}
            if term_id in named or any(stems(p, "en") in english for p in cc.phrases):
                result.critical.add(cc.id)
                result.matched.append(f"glossary:{term_id}")


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
        entry = f"symptom {raw.get('id', '?')}"
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
