"""What a message's readings and codes say about the knowledge pack's critical conditions.

A customer types what the instruments show: "bearing housing at 115 °C", "vibration 14 mm/s",
"third AL111 since midnight". The pack calls some of these critical (cc_hcp_bearing_overtemp:
`bearing_temp_c > 100`; cc_hwc_repeated_freeze: "AL111 more than once in 24 h") whatever the
words around them, and a classifier of words cannot compare numbers. So:

- a number with a unit is given to the observation of that unit the message names (the words
  it shares with the observation's id and question, in the message's language or English, and
  with the glossary's terms for them), or to the only observation with that unit; a
  single-condition critical clause it meets is a hazard now;
- a code that a trigger calls critical when it comes back ("E102 returns after one reset"),
  written with words of repetition ("again", "zum dritten Mal"), is a hazard now;
- a code that a clause calls critical on its own (`active_alarm_code == AL140`) is a possible
  hazard: the code alone does not say whether anyone is at risk right now (the triage makes it
  danger now when the words too say possible danger; alone, its flow escalates it).

Pure domain logic over the knowledge base: no framework, no model."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from core.ids import ERROR_CODE
from core.knowledge.model import Family, KnowledgeBase, Observation
from rules.i18n import Texts
from rules.symptoms import stems
from rules.units import RangeError, UnitError, canonical, normalise

# A number and the unit written after it; the units of the pack's readings as people type them.
_READING = re.compile(
    r"(?<![\w.,-])(\d+(?:[.,]\d+)?)\s*"
    r"(°\s?[CF]|mbar|bar|psi|kpa|mpa|mm/s|in/s|"
    r"degrees?|grad|degrés?|degres?|grados?|βαθμούς|βαθμοί|βαθμους|βαθμ)(?![\w/])",
    re.IGNORECASE)
# How much the words of one observation must outweigh the next one's for a reading to be given
# to it (a word weighs 1 / the number of observations using it): one word of at most ten
# observations ("bearing", "discharge"), not "pump" or "what".
MARGIN = 0.1
AGAIN_WINDOW = 4
_DEGREES = {"degree", "degrees", "grad", "degré", "degrés", "degre", "degres", "grado",
            "grados", "βαθμούς", "βαθμοί", "βαθμους", "βαθμ"}

# Severities of the pack's error codes that say the machine diagnosed a fault of its own.
EXPLAINING_SEVERITIES = frozenset({"warning", "fault"})
# "Comes back", "more than once": the words of a trigger that asks for a repeated code.
_REPEAT_TRIGGER = re.compile(r"more than once|returns|again|repeated", re.IGNORECASE)
# The same said by a customer, per language (folded to lower case; accents as typed and not).
_AGAIN = {
    "en": r"again|twice|\d+(?:st|nd|rd|th)? times?|second\b|third\b|fourth\b|(?:2nd|3rd|4th)\b|"
          r"keeps? (?:coming|tripping|showing)|came back|comes back|back again|repeated(?:ly)?"
          r"|another one",
    "de": r"wieder|erneut|zweimal|dreimal|mehrmals|\d+\s*mal|zweite[nrs]?|dritte[nrs]?|"
          r"st[äa]ndig|schon wieder",
    "fr": r"encore|de nouveau|[àa] nouveau|deux fois|trois fois|\d+\s*fois|deuxi[èe]me|"
          r"troisi[èe]me|revient|revenue?|re-?d[ée]clench",
    "es": r"otra vez|de nuevo|dos veces|tres veces|\d+\s*veces|segunda|tercera|vuelve|"
          r"volvi[óo]|repetid",
    # Ordinals by their endings: "δευτέρα" (Monday) and "τρίτη" (Tuesday, unless "τρίτη
    # φορά") are days of the week.
    "el": r"ξαν[άα]|π[άα]λι|δε[ύυ]τερ(?:η|ο|ος|ης|ου)\b|τρ[ίι]τ(?:ο|ος|ου|ης)\b|"
          r"τρ[ίι]τη φορ[άα]|δυο φορ[έε]ς|δ[ύυ]ο φορ[έε]ς|"
          r"τρεις φορ[έε]ς|επανειλημμ[έε]να|ξαναβγ|ξαναχτ",
}


@dataclass(frozen=True)
class Hazards:
    """Critical conditions (ids) a message meets: `now` by a reading or a repeated code,
    `possible` by a code the pack calls critical on its own."""

    now: frozenset[str] = frozenset()
    possible: frozenset[str] = frozenset()
    families: dict[str, str] = field(default_factory=dict)  # condition id -> family id
    # Codes the message names that the pack documents as a warning or a fault and that meet
    # no critical condition here: the machine has diagnosed itself ("a fan stopped, AL120").
    explained: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.now or self.possible)


def readings_in(text: str) -> list[tuple[float, str]]:
    """Every number of the message written with a unit of pressure, temperature or vibration,
    as (value, canonical unit)."""
    found = []
    for match in _READING.finditer(text.replace("−", "-")):
        raw = match.group(2).replace(" ", "")
        unit = "°C" if raw.lower() in _DEGREES else canonical(raw)
        if unit is not None:
            found.append((float(match.group(1).replace(",", ".")), unit))
    return found


class HazardReader:
    """Reads hazards out of messages for one knowledge base (what it needs is built once)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._numbers = {f.id: _critical_numbers(f) for f in kb.families.values()}
        self._repeated = {f.id: _repeated_codes(f) for f in kb.families.values()}
        self._codes = {f.id: _critical_codes(f) for f in kb.families.values()}
        self._own: dict[tuple[str, str, str], frozenset[str]] = {}
        self._weight: dict[str, dict[str, float]] = {}

    def hazards(self, text: str, language: str, family: str | None = None) -> Hazards:
        """The critical conditions the message's readings and codes meet, in `family` when
        the conversation knows the machine, else in every family."""
        kb = self.kb
        families = [kb.families[family]] if family in kb.families else \
            list(kb.families.values())
        now: set[str] = set()
        possible: set[str] = set()
        where: dict[str, str] = {}
        for value, unit in readings_in(text):
            found = self._observation_of(text, language, unit, families)
            if found is None:
                continue
            fam, obs = found
            for cc_id in self._numbers[fam.id].get(obs.id, ()):
                cond = next(c[0] for c in fam.critical[cc_id].clauses
                            if len(c) == 1 and c[0].observation == obs.id)
                try:
                    if cond.holds(normalise(value, unit, obs.unit)):
                        now.add(cc_id)
                        where[cc_id] = fam.id
                except (UnitError, RangeError):
                    continue
        codes = {c.upper() for c in ERROR_CODE.findall(text)}
        explained: set[str] = set()
        for fam in families:
            for code in codes & set(fam.error_codes):
                critical = False
                for cc_id in self._repeated[fam.id].get(code, ()):
                    if _says_again(text, code, language):
                        now.add(cc_id)
                        where[cc_id] = fam.id
                        critical = True
                for cc_id in self._codes[fam.id].get(code, ()):
                    possible.add(cc_id)
                    where[cc_id] = fam.id
                    critical = True
                if not critical and fam.error_codes[code].severity in EXPLAINING_SEVERITIES:
                    explained.add(code)
        return Hazards(frozenset(now), frozenset(possible - now), where,
                       frozenset() if now or possible else frozenset(explained))

    def _observation_of(self, text: str, language: str, unit: str,
                        families: list[Family]) -> tuple[Family, Observation] | None:
        """The observation a reading in `unit` belongs to: the only one with a compatible
        unit, or the one whose words the message uses, each word weighed by how few of all
        the pack's observations use it ("bearing" tells more than "pump" or "what"); None
        when no candidate clearly wins."""
        candidates = [(fam, obs) for fam in families for obs in fam.observations.values()
                      if obs.type == "number" and obs.unit and _compatible(unit, obs.unit)]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        words = set(stems(text, language)) | set(stems(text, "en"))
        weights = self._weights(language)
        scores = sorted(((sum(weights[w] for w in self._words(fam, obs, language) & words), i)
                         for i, (fam, obs) in enumerate(candidates)), reverse=True)
        (best, i), (second, _) = scores[0], scores[1]
        if best - second < MARGIN:
            return None
        return candidates[i]

    def _words(self, fam: Family, obs: Observation, language: str) -> frozenset[str]:
        """An observation's words: its id's and its question's, in the language and English,
        and the glossary's terms for the English ones ("bearing" -> "Lager", "Wälzlager")."""
        key = (fam.id, obs.id, language)
        if key not in self._own:
            english = stems(f"{obs.id.replace('_', ' ')} {obs.question}", "en")
            words: set[str] = set(english)
            words |= set(stems(Texts(self.kb, fam, language).question(obs), language))
            for forms in self.kb.glossary.values():
                if any(_holds(english, stems(f, "en")) for f in forms.get("en", ())):
                    for form in forms.get(language, ()):
                        words |= set(stems(form, language))
            self._own[key] = frozenset(w for w in words if len(w) > 2 and not w.isdigit())
        return self._own[key]

    def _weights(self, language: str) -> dict[str, float]:
        """1 / the number of the pack's observations whose words hold the stem."""
        if language not in self._weight:
            counts: Counter[str] = Counter()
            for fam in self.kb.families.values():
                for obs in fam.observations.values():
                    counts.update(self._words(fam, obs, language))
            self._weight[language] = {w: 1.0 / n for w, n in counts.items()}
        return self._weight[language]


def _says_again(text: str, code: str, language: str) -> bool:
    """Words of repetition next to the code (at most AGAIN_WINDOW words away): "third AL111
    tonight", "E102 again"; not "AL111 once, and now it runs again normally"."""
    words = text.casefold().split()
    pattern = re.compile(rf"\b(?:{_AGAIN.get(language, _AGAIN['en'])})")
    for i, word in enumerate(words):
        if code.casefold() in word:
            near = " ".join(words[max(0, i - AGAIN_WINDOW):i + AGAIN_WINDOW + 1])
            if pattern.search(near):
                return True
    return False


def _holds(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def _compatible(unit: str, target: str) -> bool:
    if canonical(target) == "K" and unit in ("°C", "°F"):
        return False  # a temperature written in °C is a temperature, not a difference
    try:
        normalise(1.0, unit, target)
    except UnitError:
        return False
    except RangeError:
        return True
    return True


def _critical_numbers(fam: Family) -> dict[str, tuple[str, ...]]:
    """Observation id -> the critical conditions one number of it can meet on its own."""
    found: dict[str, list[str]] = {}
    for cc in fam.critical.values():
        for clause in cc.clauses:
            if len(clause) == 1 and clause[0].op in (">", ">=", "<", "<="):
                found.setdefault(clause[0].observation, []).append(cc.id)
    return {k: tuple(v) for k, v in found.items()}


def _repeated_codes(fam: Family) -> dict[str, tuple[str, ...]]:
    """Code -> the critical conditions whose trigger asks for it to come back."""
    found: dict[str, list[str]] = {}
    for cc in fam.critical.values():
        for phrase in cc.phrases:
            if _REPEAT_TRIGGER.search(phrase):
                for code in ERROR_CODE.findall(phrase):
                    found.setdefault(code.upper(), []).append(cc.id)
    return {k: tuple(v) for k, v in found.items()}


def _critical_codes(fam: Family) -> dict[str, tuple[str, ...]]:
    """Code -> the critical conditions a clause meets on that code alone."""
    found: dict[str, list[str]] = {}
    for cc in fam.critical.values():
        for clause in cc.clauses:
            if len(clause) == 1 and clause[0].observation == fam.error_code_observation \
                    and clause[0].op == "==":
                found.setdefault(str(clause[0].value), []).append(cc.id)
    return {k: tuple(v) for k, v in found.items()}
