"""Query expansion from the knowledge pack's symptom vocabulary.

Lay people describe what they see ("Pumpe läuft, fördert aber kein Wasser"), the manuals
describe faults. The knowledge pack links the two: `rules/data/symptoms.yml` maps lay phrasings
in the five languages to observation values (and sometimes faults), and each family file
(`knowledge/<family>.yml`) lists the evidence - observation and condition - of each fault. A
symptom found in a query therefore names candidate faults, and the manual sections whose
`topics` carry those fault ids (the troubleshooting section, the alarm codes that point to it)
get a score of their own in the fusion; the symptom's phrasings in the other languages join
the glossary expansion.

Matching keeps negations, which the lexical analysis drops as stop words: every negation word
of a language becomes one token, so "fördert nicht" matches "fördert aber kein Wasser" and
"no water" does not match "water dripping".

Built from the data files at index time and stored in the index folder (`symptoms.json`), so
search needs neither the rules package nor the knowledge files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from wordfreq import zipf_frequency

from core.languages import LANGUAGES
from core.text import strip_accents
from retrieval.analysis import analyzer
from retrieval.errors import KnowledgeDataError
from retrieval.glossary import occurs

NEG = "<neg>"
# Negation words per language (accent-folded, lower case); each becomes the token NEG.
NEGATIONS = {
    "en": frozenset("no not nothing none never cannot doesn don won isn aren wasn".split()),
    "de": frozenset("nicht kein keine keinen keinem keiner keines nichts nie niemals".split()),
    "fr": frozenset("ne n pas aucun aucune rien jamais plus".split()),
    "es": frozenset("no sin ningun ninguno ninguna nada nunca".split()),
    "el": frozenset(strip_accents(w) for w in "δεν δε μη μην καθόλου τίποτα ποτέ".split()),
}
# How much one piece of evidence tells about its fault.
EVIDENCE_WEIGHTS = {"strong": 1.0, "moderate": 0.6, "weak": 0.3}
HINT_FACTOR = 0.5  # a hinted observation (a reading worth taking) says less than a set value
# A choice's label ("Milky (emulsified)", "Dunkel, verbrannt") is a lay phrasing of that answer
# when one of its words is this rare in the language at large; "Normal", "Dry or low", "None"
# say nothing a routine question would not say.
RARE_ZIPF = 4.0
# "Discoloured or milky": each alternative is a phrasing of its own.
_OR = {"en": "or", "de": "oder", "fr": "ou", "es": "o", "el": "ή"}
_ID_LABEL = re.compile(r"^[A-Z]{1,2}\d{3}$")
_WORD = re.compile(r"\w+", re.UNICODE)
_COMPARE = re.compile(r"^(==|!=|>=|<=|>|<)\s*(.+)$")
_IN = re.compile(r"^in\s*\[(.*)\]$")


def symptom_terms(text: str, language: str) -> list[str]:
    """Stemmed, accent-folded words of a text with negation words kept as one token."""
    stem = analyzer(language).term
    negations = NEGATIONS[language]
    terms = []
    for word in _WORD.findall(text.casefold()):
        if word == "_":
            continue
        terms.append(NEG if strip_accents(word) in negations else stem(word))
    return terms


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
        # language -> [(entry index, terms of one phrasing)]
        self._variants: dict[str, list[tuple[int, list[str]]]] = {}
        for language in LANGUAGES:
            variants = []
            for i, entry in enumerate(entries):
                for phrase in entry.phrases.get(language, []):
                    terms = symptom_terms(phrase, language)
                    if terms and any(t != NEG for t in terms):
                        variants.append((i, terms))
            self._variants[language] = variants

    @classmethod
    def empty(cls) -> SymptomLexicon:
        return cls([])

    def __len__(self) -> int:
        return len(self.entries)

    # -- building ----------------------------------------------------------------------
    @classmethod
    def from_files(cls, symptoms_path: Path, knowledge_dir: Path) -> SymptomLexicon:
        """Read the symptom phrasings and the families' fault evidence; a symptom that points
        to no fault (a hazard only, e.g. fire) is left out."""
        faults = _fault_evidence(knowledge_dir)
        data = _read_yaml(symptoms_path)
        entries = []
        for raw in [*(data.get("symptoms") or []), *_choice_symptoms(knowledge_dir)]:
            if not isinstance(raw, dict) or "id" not in raw:
                raise KnowledgeDataError(str(symptoms_path), str(raw)[:40],
                                         "every symptom needs an id")
            phrases = {lang: [str(p) for p in values or []]
                       for lang, values in (raw.get("phrases") or {}).items()
                       if lang in LANGUAGES}
            weights: dict[str, float] = {}

            def add(fault: str, weight: float, weights: dict[str, float] = weights) -> None:
                weights[fault] = max(weights.get(fault, 0.0), weight)

            for fault in raw.get("faults") or []:
                add(str(fault), 1.0)
            for oid, value in (raw.get("sets") or {}).items():
                for fault, evidence in faults.items():
                    for obs, condition, weight in evidence:
                        if obs == oid and satisfies(condition, value):
                            add(fault, EVIDENCE_WEIGHTS.get(weight, 0.3))
            for oid in raw.get("hints") or []:
                for fault, evidence in faults.items():
                    for obs, _, weight in evidence:
                        if obs == oid:
                            add(fault, HINT_FACTOR * EVIDENCE_WEIGHTS.get(weight, 0.3))
            if weights and phrases:
                entries.append(SymptomEntry(str(raw["id"]), phrases, weights))
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
        found: list[int] = []
        for lang in [language] if language in LANGUAGES else list(LANGUAGES):
            terms = set(symptom_terms(query, lang))
            if not terms:
                continue
            for index, seq in self._variants[lang]:
                if index not in found and all(_occurs(t, terms) for t in seq):
                    found.append(index)
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


def satisfies(condition: str, value: Any) -> bool:
    """Whether an observation value meets an evidence condition ("== true", "in [a, b]",
    "> 105"); a value of another type never does."""
    condition = str(condition).strip()
    inside = _IN.match(condition)
    if inside:
        options = [o.strip().strip("'\"") for o in inside.group(1).split(",")]
        return not isinstance(value, bool) and str(value) in options
    compare = _COMPARE.match(condition)
    if not compare:
        return False
    op, literal = compare.group(1), _literal(compare.group(2).strip())
    if isinstance(literal, bool) or isinstance(value, bool):
        if not (isinstance(literal, bool) and isinstance(value, bool)):
            return False
        return (value == literal) if op == "==" else (value != literal) if op == "!=" else False
    if isinstance(literal, float) and isinstance(value, int | float):
        return {"==": value == literal, "!=": value != literal, ">": value > literal,
                ">=": value >= literal, "<": value < literal, "<=": value <= literal}[op]
    if isinstance(literal, str) and isinstance(value, str):
        return (value == literal) if op == "==" else (value != literal) if op == "!=" else False
    return False


def _literal(text: str) -> bool | float | str:
    lowered = text.strip("'\"").lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(lowered)
    except ValueError:
        return text.strip("'\"")


def _occurs(word: str, terms: set[str]) -> bool:
    """As in the glossary, but a negation matches only itself."""
    return word in terms if word == NEG else occurs(word, terms)


def _choice_symptoms(knowledge_dir: Path) -> list[dict[str, Any]]:
    """The knowledge pack's own words for the answers of its choice questions, in each
    language (knowledge/i18n/<lang>/<family>.yml), as symptoms that give that answer: "the oil
    went milky" is what the diagnosis asks as "oil appearance: milky (emulsified)"."""
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    for language in LANGUAGES:
        for path in sorted((knowledge_dir / "i18n" / language).glob("*.yml")):
            observations = _read_yaml(path).get("observations") or {}
            for oid, observation in observations.items():
                choices = (observation or {}).get("choices") or {}
                for value, label in choices.items():
                    phrases = _label_phrases(str(label), language)
                    if phrases:
                        found.setdefault((str(oid), str(value)), {}).setdefault(
                            language, []).extend(phrases)
    return [{"id": f"choice:{oid}={value}", "phrases": phrases, "sets": {oid: value}}
            for (oid, value), phrases in found.items()]


def _label_phrases(label: str, language: str) -> list[str]:
    """A choice label's alternatives that name something ("Milky", "emulsified"); not ids
    ("AL101") nor common words alone."""
    if _ID_LABEL.match(label.strip()):
        return []
    parts = re.split(r"[,;/()]|\s" + re.escape(_OR[language]) + r"\s", label, flags=re.I)
    phrases = []
    for part in (p.strip() for p in parts):
        words = _WORD.findall(part.casefold())
        if words and any(len(w) >= 4 and zipf_frequency(w, language) < RARE_ZIPF
                         for w in words):
            phrases.append(part)
    return phrases


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeDataError(str(path), "-", f"cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise KnowledgeDataError(str(path), "-", "must be a mapping")
    return data


def _fault_evidence(knowledge_dir: Path) -> dict[str, list[tuple[str, str, str]]]:
    """fault id -> [(observation, condition, weight)] from every family file."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for path in sorted(knowledge_dir.glob("*.yml")):
        data = _read_yaml(path)
        for fault in data.get("faults") or []:
            if not isinstance(fault, dict) or "id" not in fault:
                raise KnowledgeDataError(str(path), str(fault)[:40], "every fault needs an id")
            out[str(fault["id"])] = [
                (str(e.get("observation")), str(e.get("condition", "")), str(e.get("weight", "")))
                for e in fault.get("evidence") or [] if isinstance(e, dict)]
    return out
