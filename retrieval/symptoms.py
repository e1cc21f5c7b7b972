"""Query expansion from the knowledge pack's symptom vocabulary.

Lay people describe what they see ("Pumpe läuft, fördert aber kein Wasser"), the manuals
describe faults. The knowledge pack links the two: `rules/data/symptoms.yml` maps lay phrasings
in the five languages to observation values (and sometimes faults), and each family file
(`knowledge/<family>.yml`) lists the evidence - observation and condition - of each fault. A
symptom found in a query therefore names candidate faults, and the manual sections whose
`topics` carry those fault ids (the troubleshooting section, the alarm codes that point to it)
get a score of their own in the fusion; the symptom's phrasings in the other languages join
the glossary expansion.

The phrasings are found by the one phrase matcher (`core.phrases`), in any word order: search
only ranks with what it finds, so recall matters more than for the expert system. Matching keeps
negations, which the lexical analysis drops as stop words, so "fördert nicht" matches "fördert
aber kein Wasser" and "no water" does not match "water dripping".

Built at index time from the knowledge model (`core.knowledge`, which parses the conditions)
and stored in the index folder (`symptoms.json`), so search needs neither the rules package nor
the knowledge files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from wordfreq import zipf_frequency

from core.ids import is_error_code
from core.knowledge.model import KnowledgeBase, SymptomEffect
from core.languages import LANGUAGES
from core.phrases import PhraseMatcher

# How much one piece of evidence tells about its fault.
EVIDENCE_WEIGHTS = {"strong": 1.0, "moderate": 0.6, "weak": 0.3}
HINT_FACTOR = 0.5  # a hinted observation (a reading worth taking) says less than a set value
# A choice's label ("Milky (emulsified)", "Dunkel, verbrannt") is a lay phrasing of that answer
# when one of its words is this rare in the language at large; "Normal", "Dry or low", "None"
# say nothing a routine question would not say.
RARE_ZIPF = 4.0
# "Discoloured or milky": each alternative is a phrasing of its own.
_OR = {"en": "or", "de": "oder", "fr": "ou", "es": "o", "el": "ή"}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class SymptomEntry:
    id: str
    phrases: dict[str, list[str]]  # language -> lay phrasings
    faults: dict[str, float]  # fault id -> how strongly the symptom points to it (0..1]


@dataclass
class SymptomMatch:
    ids: list[str] = field(default_factory=list)
    faults: dict[str, float] = field(default_factory=dict)  # fault id -> summed weight
    phrases: dict[str, list[str]] = field(default_factory=dict)  # language -> phrasings
    english: list[str] = field(default_factory=list)  # first English phrasing of each symptom


class SymptomLexicon:
    """Lay symptom phrasings -> weighted fault ids."""

    def __init__(self, entries: list[SymptomEntry]) -> None:
        self.entries = entries
        self.fault_ids = frozenset(f for e in entries for f in e.faults)
        self._matcher = PhraseMatcher(((i, language, phrase) for language in LANGUAGES
                                       for i, entry in enumerate(entries)
                                       for phrase in entry.phrases.get(language, [])),
                                      in_order=False)

    @classmethod
    def empty(cls) -> SymptomLexicon:
        return cls([])

    def __len__(self) -> int:
        return len(self.entries)

    # -- building ----------------------------------------------------------------------
    @classmethod
    def from_knowledge(cls, knowledge: KnowledgeBase) -> SymptomLexicon:
        """The knowledge model's symptom phrasings (and its choice labels, see
        `_choice_symptoms`) with the faults whose evidence they meet; a symptom that points to
        no fault (a hazard only, e.g. fire) is left out."""
        entries = []
        symptoms = [(s.id, s.phrases, s.effect) for s in knowledge.symptoms]
        for symptom_id, phrases, effect in [*symptoms, *_choice_symptoms(knowledge)]:
            weights: dict[str, float] = {}

            def add(fault: str, weight: float, weights: dict[str, float] = weights) -> None:
                weights[fault] = max(weights.get(fault, 0.0), weight)

            for fault_id in effect.faults:
                add(fault_id, 1.0)
            for family in knowledge.families.values():
                for fault in family.faults.values():
                    for evidence in fault.evidence:
                        condition = evidence.condition
                        for oid, value in effect.sets:
                            if condition.observation == oid and condition.admits(value):
                                add(fault.id, EVIDENCE_WEIGHTS.get(evidence.weight, 0.3))
            for oid in effect.hints:
                for family in knowledge.families.values():
                    for fault in family.faults.values():
                        for evidence in fault.evidence:
                            if evidence.condition.observation == oid:
                                add(fault.id, HINT_FACTOR
                                    * EVIDENCE_WEIGHTS.get(evidence.weight, 0.3))
            written: dict[str, list[str]] = {
                lang: list(texts) for lang, texts in phrases.items() if lang in LANGUAGES}
            if weights and written:
                entries.append(SymptomEntry(symptom_id, written, weights))
        return cls(entries)

    # -- persistence -------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({"entries": [e.__dict__ for e in self.entries]},
                          ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SymptomLexicon:
        return cls([SymptomEntry(e["id"], e["phrases"], e["faults"])
                    for e in json.loads(text)["entries"]])

    # -- matching ----------------------------------------------------------------------
    def match(self, query: str, language: str | None) -> SymptomMatch:
        """The symptoms a query describes, in its language (every language when unknown):
        every word of one phrasing must occur in the query, in any order."""
        result = SymptomMatch()
        found = self._matcher.find(query, [language] if language in LANGUAGES else LANGUAGES)
        for index in found:
            entry = self.entries[index]
            result.ids.append(entry.id)
            for fault, weight in entry.faults.items():
                result.faults[fault] = result.faults.get(fault, 0.0) + weight
            for written_in, phrases in entry.phrases.items():
                result.phrases.setdefault(written_in, []).extend(phrases)
            if entry.phrases.get("en"):
                result.english.append(entry.phrases["en"][0])
        return result


def _choice_symptoms(knowledge: KnowledgeBase
                     ) -> list[tuple[str, dict[str, tuple[str, ...]], SymptomEffect]]:
    """The knowledge pack's own words for the answers of its choice questions, in each
    language (knowledge/i18n/<lang>/<family>.yml), as symptoms that give that answer: "the oil
    went milky" is what the diagnosis asks as "oil appearance: milky (emulsified)"."""
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    families = sorted(knowledge.families.values(), key=lambda family: f"{family.file}.yml")
    for language in LANGUAGES:
        for family in families:
            catalogue = knowledge.catalogues.get(language, {}).get(family.id) or {}
            observations = catalogue.get("observations") or {}
            for oid, observation in observations.items():
                choices = (observation or {}).get("choices") or {}
                for value, label in choices.items():
                    phrases = _label_phrases(str(label), language)
                    if phrases:
                        found.setdefault((str(oid), str(value)), {}).setdefault(
                            language, []).extend(phrases)
    return [(f"choice:{oid}={value}", {lang: tuple(texts) for lang, texts in phrases.items()},
             SymptomEffect(sets=((oid, value),)))
            for (oid, value), phrases in found.items()]


def _label_phrases(label: str, language: str) -> list[str]:
    """A choice label's alternatives that name something ("Milky", "emulsified"); not ids
    ("AL101") nor common words alone."""
    if is_error_code(label.strip()):
        return []
    parts = re.split(r"[,;/()]|\s" + re.escape(_OR[language]) + r"\s", label, flags=re.I)
    phrases = []
    for part in (p.strip() for p in parts):
        words = _WORD.findall(part.casefold())
        if words and any(len(w) >= 4 and zipf_frequency(w, language) < RARE_ZIPF
                         for w in words):
            phrases.append(part)
    return phrases
