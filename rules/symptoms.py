"""Free-text symptoms in any of the five languages -> observation values, candidate faults and
hazards, through the synonyms of `rules/data/symptoms.yml` and the glossary.

The symptom phrasings are found by the knowledge model's matcher (`core.phrases`: on accent-free
stems, in their own word order), so "verliert Öl" and "verliert öl" match alike. A glossary term
found in the text (in any language) suggests the faults whose English name or description uses
the term and raises the hazard of a critical condition whose trigger uses it ("burning smell").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.knowledge.model import Family, KnowledgeBase, Value
from core.phrases import contains
from core.stemming import SNOWBALL, stemmer
from core.text import strip_accents

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=16384)
def stems(text: str, language: str) -> tuple[str, ...]:
    """Stems of a text's words with accents folded after stemming, for the glossary, the
    readings parser and the triage vocabulary (whose thresholds were chosen on these); the
    phrase matcher uses `core.phrases.terms`, which folds first."""
    words = _WORD.findall(text.casefold().replace("_", " "))
    return tuple(strip_accents(w) for w in stemmer(language).stemWords(words))


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
    found = set(kb.symptom_matcher.find(text))
    for symptom in kb.symptoms:  # in the vocabulary's order: a later phrasing may refine a value
        if symptom.id in found:
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
    _match_glossary(text, family, kb, result)
    return result


def _match_glossary(text: str, family: Family, kb: KnowledgeBase, result: SymptomMatch) -> None:
    # Glossary terms are matched on `stems` (folded after stemming): a French participle keeps
    # its stem ("glycolée" -> glycol), which the phrase matcher's exact terms would miss.
    by_language = {lang: stems(text, lang) for lang in SNOWBALL}
    for term_id, forms in kb.glossary.items():
        if not any(contains(by_language[lang], stems(form, lang))
                   for lang, words in forms.items() for form in words):
            continue
        english = [stems(form, "en") for form in forms.get("en", ())]
        faults = {f.id for f in family.faults.values()
                  if any(contains(stems(f"{f.name} {f.description}", "en"), e) for e in english)}
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
