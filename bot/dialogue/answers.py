"""Answers from the service data: maintenance schedules, spare parts, contract and warranty.

Texts of the knowledge pack (task descriptions, part names) come in the customer's language
from the translated catalogues (knowledge/i18n), English where a translation is missing."""

from __future__ import annotations

import math
import os
import re
from datetime import date
from functools import lru_cache
from typing import Any

from bot.dialogue.dates import day_text
from bot.dialogue.extract import strip_ids
from bot.dialogue.messages import say
from bot.dialogue.replies import Reply
from bot.dialogue.service import AssetInfo, PartInfo, ServiceData
from bot.dialogue.text import zipf
from core.languages import LANGUAGES
from core.text import fold

Catalogues = dict[str, dict[str, dict[str, Any]]]  # language -> family -> catalogue
# Another part is shown as a close alternative when it matches at least this share as well.
ALTERNATIVE_SHARE = 0.6
# Words at least this frequent in the language at large ("for", "the", "need", "water") say
# nothing about which part; the rarer words of a message are what it is about.
COMMON_ZIPF = 4.6
# A maintenance task is what a question asks about when its words score this much, and this
# many times the next task's (chosen on the how-to questions of the validation sets).
TASK_MIN_SCORE = 1.5
TASK_CLEAR_WIN = 1.5
LABEL_WEIGHT = 2.0
# ... and at or above this, a function word ("for", "für", "para", "pour", "με").
FUNCTION_ZIPF = 5.8
STEM_MATCH = 0.95  # the same first five letters, not the same word
ABBREVIATION = 0.85  # four letters that begin the word ("mech" for "mechanical")
COMPOUND = 8  # letters of the shorter of two words that may share a compound's head noun
HEAD = 6  # letters of the shared head, at least ("riemensatz", not "satz")
INNER_HEAD = 0.7  # a compound's head noun inside another compound, not at its end
DICE_MIN = 0.55  # the share of letter triples two words must have in common to be alike
# A part whose name has a word the message says it does not want ("the coil, not the body")
# keeps this share of its score.
UNWANTED = 0.5


def _translated(catalogues: Catalogues, language: str, family: str, section: str, key: str,
                field: str, english: str) -> str:
    entry = (((catalogues.get(language) or {}).get(family) or {}).get(section) or {}).get(key)
    value = entry.get(field) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and value.strip() else english


def _interval(task: dict[str, Any], language: str) -> str:
    parts = []
    if task.get("interval_hours"):
        parts.append(say("every_hours", language, hours=task["interval_hours"]))
    if task.get("interval_months"):
        parts.append(say("every_months", language, months=task["interval_months"]))
    return " / ".join(parts)


def maintenance_answer(asset: AssetInfo, language: str, *, service: ServiceData,
                       catalogues: Catalogues) -> Reply:
    lines = [say("maintenance_header", language, model=asset.model)]
    for task in service.maintenance.get(asset.family, []):
        if task.get("models") and asset.model not in task["models"]:
            continue
        lines.append("- " + task_line(task, asset, language, catalogues))
    if asset.running_hours:
        lines.append(say("running_hours", language, hours=f"{asset.running_hours:,}".replace(
            ",", " ")))
    return Reply("\n".join(lines), custom={"kind": "maintenance", "model": asset.model})


def task_line(task: dict[str, Any], asset: AssetInfo, language: str,
              catalogues: Catalogues) -> str:
    """ "2000 h (every 2000 h / every 6 months): Replace intake filter element and ..." """
    label = _translated(catalogues, language, asset.family, "maintenance_schedule",
                        task["id"], "label", str(task.get("label", "")))
    text = _translated(catalogues, language, asset.family, "maintenance_schedule",
                       task["id"], "task", str(task.get("task", "")))
    interval = _interval(task, language)
    return f"{label}{f' ({interval})' if interval else ''}: {text}"


# Glossary terms that name the machines themselves ("for the pump ..."), not a part, and the
# schedule itself ("maintenance"), not one of its tasks.
MACHINE_TERMS = ("compressor", "screw_compressor", "centrifugal_pump", "chiller")
# ... per family: for a chiller, "pump" names a part ("chilled water pump"), not the machine.
FAMILY_MACHINE_TERMS = {"rotary_screw_compressor": ("compressor", "screw_compressor"),
                        "centrifugal_process_pump": ("centrifugal_pump",),
                        "air_cooled_water_chiller": ("chiller",)}
SCHEDULE_TERMS = ("maintenance",)
SERVICE_WORDS = frozenset({"service", "servicing", "servicio", "σερβισ"})


def words_of(glossary: Glossary, terms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(fold(word) for term in terms for forms in (glossary.get(term) or {}).values()
                     for form in forms for word in form.split())


def schedule_words(glossary: Glossary) -> frozenset[str]:
    """Words that name the machines or the schedule itself, not one of its tasks."""
    return words_of(glossary, MACHINE_TERMS) | words_of(glossary, SCHEDULE_TERMS) | SERVICE_WORDS


def match_task(query: str, asset: AssetInfo, language: str, *, service: ServiceData,
               catalogues: Catalogues, ignore: frozenset[str] = frozenset(),
               min_score: float = TASK_MIN_SCORE) -> dict[str, Any] | None:
    """The one maintenance task of the machine's schedule a question is about ("what gets
    replaced at 8000 h?", "cleaning the suction strainer, what's the sequence?"), by the words
    of its label and its work (in the customer's language and English), each word asked
    weighed by how few tasks it names; None for a question about the schedule as a whole
    ("what maintenance does it need?") or when two tasks match alike."""
    tasks = [t for t in service.maintenance.get(asset.family, [])
             if not t.get("models") or asset.model in t["models"]]
    if not tasks:
        return None
    words, labels = {}, {}
    for task in tasks:
        def both(key: str, task: dict[str, Any] = task) -> str:
            return _translated(catalogues, language, asset.family, "maintenance_schedule",
                               task["id"], key, str(task.get(key, ""))) + " " + str(
                                   task.get(key, ""))
        labels[task["id"]] = set(_words(both("label")))
        words[task["id"]] = labels[task["id"]] | set(_words(both("task")))
    function = _function_words(query, language)
    # Words of the schedule itself ("Wartungsintervall") name no task.
    asked = [w for w in _words(_intervals(_hours(strip_ids(query)), language))
             if (len(w) >= 4 or w.isdigit()) and w not in function
             and not any(w[:5] == i[:5] for i in ignore if len(i) >= 5) and w not in ignore]
    if not asked:
        return None
    # Only a close match counts (the same stem, one word inside the other): a task is named,
    # not guessed from letters a word happens to share. The interval named ("8000 h",
    # "weekly") says more than the work: it names its task.
    sims = {tid: [max((_close(q, w) * (LABEL_WEIGHT if w in labels[tid] and _interval_word(q)
                                       else 1.0)
                       for w in ws), default=0.0) for q in asked]
            for tid, ws in words.items()}
    scores = sorted(((score, tid) for tid, score in _weighted(sims).items()), reverse=True)
    (best, tid), second = scores[0], (scores[1][0] if len(scores) > 1 else 0.0)
    if best < min_score or best < TASK_CLEAR_WIN * second:
        return None
    return next(t for t in tasks if t["id"] == tid)


# "Every day" is what "daily" names (the schedule's labels), in the five languages.
_EVERY = {
    "en": {"every day": "daily", "each day": "daily", "every week": "weekly",
           "every month": "monthly", "every year": "yearly", "once a year": "yearly"},
    "de": {"jeden tag": "täglich", "jede woche": "wöchentlich", "jeden monat": "monatlich",
           "jedes jahr": "jährlich", "einmal im jahr": "jährlich"},
    "fr": {"chaque jour": "quotidien", "tous les jours": "quotidien",
           "chaque semaine": "hebdomadaire", "toutes les semaines": "hebdomadaire",
           "chaque mois": "mensuel", "tous les mois": "mensuel", "chaque année": "annuel",
           "une fois par an": "annuel"},
    "es": {"cada día": "diario", "todos los días": "diario", "cada semana": "semanal",
           "cada mes": "mensual", "cada año": "anual", "una vez al año": "anual"},
    "el": {"κάθε μέρα": "καθημερινά", "καθε μερα": "καθημερινά",
           "κάθε εβδομάδα": "εβδομαδιαία", "καθε εβδομαδα": "εβδομαδιαία",
           "κάθε μήνα": "μηνιαία", "καθε μηνα": "μηνιαία", "κάθε χρόνο": "ετήσια",
           "καθε χρονο": "ετήσια"},
}


_INTERVAL_WORDS = frozenset(fold(w) for table in _EVERY.values() for w in table.values()) | {
    "quarterly", "annual", "half", "monthly"}


def _close(asked: str, word: str) -> float:
    """The same word but for an ending of at most two letters ("rodamientos", "correa"), or
    one inside the other (German compounds); not two words that merely begin alike
    ("nächstes" / "nachschmieren")."""
    if asked.isdigit() or word.isdigit():
        return 1.0 if asked == word else 0.0
    common = len(os.path.commonprefix([asked, word]))
    if common >= max(5, min(len(asked), len(word)) - 2) or asked == word:
        return 1.0
    shorter, longer = sorted((asked, word), key=len)
    return 0.8 if len(shorter) >= 5 and shorter in longer else 0.0


def _interval_word(word: str) -> bool:
    return word.isdigit() or word in _INTERVAL_WORDS


def _intervals(text: str, language: str) -> str:
    lowered = text.lower()
    for phrase, label in _EVERY.get(language, {}).items():
        lowered = lowered.replace(phrase, f"{phrase} {label}")
    return lowered


def task_text(task: dict[str, Any], asset: AssetInfo, language: str,
              catalogues: Catalogues) -> str:
    """A task's label and work in the customer's language: the query for its section."""
    return " ".join(_translated(catalogues, language, asset.family, "maintenance_schedule",
                                task["id"], key, str(task.get(key, "")))
                    for key in ("label", "task"))


def _hours(text: str) -> str:
    """ "8.000 h" and "8,000 hours" as 8000."""
    return re.sub(r"\b(\d{1,2})[.,\s](\d{3})\b", r"\1\2", text)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]{3,}|\d+(?:[.,]\d+)?", fold(text))


def _trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def _similar(asked: str, name_word: str) -> float:
    """How well a word of the question names a word of a part name: the same stem (five
    letters absorb plurals and most inflection), one inside the other (German compounds:
    "Ölfilter" in "Ölfilterpatrone"), or most of their letter triples shared (typos, Greek
    endings)."""
    if asked.isdigit() or name_word.isdigit():
        return 1.0 if asked == name_word else 0.0
    if asked == name_word:
        return 1.0
    if asked[:5] == name_word[:5]:
        # The same stem, or only the same first part of a compound ("Lageröl" / "Lagersatz"):
        # the word itself, when a part's name has it, names that part better.
        return STEM_MATCH
    shorter, longer = sorted((asked, name_word), key=len)
    if len(shorter) >= 4 and longer.startswith(shorter) and len(longer) - len(shorter) <= 2:
        # An ending of inflection on a short word: "belts" / "belt", "seals" / "seal".
        return STEM_MATCH
    if len(asked) == 4 and name_word.startswith(asked):
        # An abbreviation ("mech seal", "temp sensor", "cond fan").
        return ABBREVIATION
    if len(shorter) >= 5 and shorter in longer:
        # A word inside a compound: the more of it, the better ("Filtereinsatz" names
        # "Luftfiltereinsatz" better than "Filter" does).
        return 0.8 + 0.15 * len(shorter) / len(longer)
    a, b = _trigrams(asked), _trigrams(name_word)
    dice = 2 * len(a & b) / (len(a) + len(b))
    head = _common_tail(asked, name_word)
    if len(shorter) >= COMPOUND and head >= HEAD and (head >= len(shorter) / 2 or
                                                      dice >= DICE_MIN):
        # Two compounds with the same head noun, the last part, which says what the thing is
        # ("Keilriemensatz" / "Antriebsriemensatz"); the more letters they share besides, the
        # closer ("Abscheiderpatrone" is the "Ölabscheidepatrone", not the "Ölfilterpatrone").
        return 0.8 + 0.15 * dice
    if len(asked) >= COMPOUND and _head_inside(asked, name_word):
        # The asked compound's head noun inside the name's compound, before what groups it
        # ("Keilriemen" / "Antriebsriemensatz": a set of belts): weaker than the same head.
        return INNER_HEAD
    return dice if dice >= DICE_MIN else 0.0


def _head_inside(asked: str, name_word: str) -> bool:
    """The last HEAD letters or more of `asked` (at least half of it) stand inside
    `name_word` after its first letters: not at its start, where they would be the name's
    first part ("Riemenscheibe" is a pulley, not a belt)."""
    for size in range(len(asked) - 1, max(HEAD, len(asked) // 2) - 1, -1):
        at = name_word.find(asked[-size:], 1)
        if at > 0:
            return True
    return False


def _common_tail(a: str, b: str) -> int:
    return len(os.path.commonprefix([a[::-1], b[::-1]]))


Glossary = dict[str, dict[str, tuple[str, ...]]]  # term id -> language -> forms
# Words after which a message says what it does not want ("the coil, not the valve body").
_NEGATION = re.compile(
    r"\b(not|without|nicht|ohne|kein\w*|οχι|χωρισ|pas|sans|sin|no (el|la|los|las|todo|toda))\b"
    r"[^,.;:!?()]*")


def own_name_words(part: PartInfo, language: str, catalogues: Catalogues) -> set[str]:
    """The words of the part's own name, in the customer's language and in English."""
    translated = _translated(catalogues, language, part.family, "parts", part.part_no, "name",
                             part.name)
    return set(_words(translated)) | set(_words(part.name))


def part_words(part: PartInfo, language: str, catalogues: Catalogues,
               glossary: Glossary | None = None) -> set[str]:
    """The words a customer may name the part by: its name in their language and in English,
    and the glossary's terms (all languages, synonyms: "déshuileur", "rodete", "κόπλερ")
    for the terms its name holds in any language."""
    words = own_name_words(part, language, catalogues)
    if glossary:
        names = tuple((code, _translated(catalogues, code, part.family, "parts", part.part_no,
                                         "name", part.name)) for code in LANGUAGES)
        words |= _glossary_words(names, _term_index(glossary))
    return words


# Term indexes by glossary; each entry keeps its glossary alive, so an id is never reused.
_TERM_INDEXES: dict[int, tuple[Glossary, tuple[tuple[str, tuple[str, ...], frozenset[str]],
                                                  ...]]] = {}


def _term_index(glossary: Glossary) -> int:
    """The glossary as (language, words of one of its forms there, words of all its forms)
    triples, worked out once per glossary (the key of `_glossary_words`' cache)."""
    if id(glossary) not in _TERM_INDEXES:
        triples = []
        for forms in glossary.values():
            every = frozenset(w for variants in forms.values() for form in variants
                              for w in _words(form))
            for code, variants in forms.items():
                for form in variants:
                    if _words(form):
                        triples.append((code, tuple(_words(form)), every))
        _TERM_INDEXES[id(glossary)] = (glossary, tuple(triples))
    return id(glossary)


@lru_cache(maxsize=4096)
def _glossary_words(names: tuple[tuple[str, str], ...], index: int) -> frozenset[str]:
    """The words of every glossary term that the part's name holds in some language, each of
    the term's words inflected as it may be ("σύνδεσμος αξόνων" in "Ελαστικό στοιχείο
    συνδέσμου αξόνων"), so a part whose English name lacks the term ("Coupling element")
    still gets its synonyms ("κόπλερ")."""
    words = {code: set(_words(name)) for code, name in names}
    return frozenset().union(*(
        every for code, form, every in _TERM_INDEXES[index][1]
        if code in words and all(any(_inflected(w, n) for n in words[code]) for w in form)))


# Words that differ only by their endings, this many letters at most: inflections
# ("συνδέσμου" / "σύνδεσμος", "válvula" / "válvulas"), not compounds that share a first part
# ("Ansaugfilter" / "Ansaugregler", "Wartung" / "Wartungssatz").
INFLECTION_ENDING = 3


def _inflected(word: str, other: str) -> bool:
    if word == other:
        return True
    common = len(os.path.commonprefix([word, other]))
    return common >= 4 and max(len(word), len(other)) - common <= INFLECTION_ENDING


def match_parts(query: str, candidates: list[PartInfo], language: str,
                catalogues: Catalogues, glossary: Glossary | None = None, *,
                machine_words: frozenset[str] = frozenset()) -> list[tuple[float, PartInfo]]:
    """Parts scored by how well their names (in the customer's language and in English, and
    the glossary's terms for them) match the words asked, best first. Words that many part
    names share ("kit", "set", "valve") count less than the words that tell parts apart; what
    the message says it does not want is left out, and counts against a part whose own name
    it is ("the coil, not the valve body"); a rating in the question (10 bar, 35 mm) that
    contradicts the part's counts against it; equal scores go to the part named by the rarer
    words."""
    folded = fold(query)
    wanted = _NEGATION.sub(" ", folded)
    unwanted = [w for span in _NEGATION.finditer(folded) for w in _words(span.group(0))[1:]
                if len(w) >= 4 and not _function_word(w, language)]
    function = _function_words(query, language)
    # Function words ("für", "para", "pour") name no part but are in some translated names
    # ("Filtertrockner für ..." matched "Schrittmotorspule mit Kabel für EXV"), and the names
    # of the machines ("for our big compressor") name none either.
    asked = [w for w in _words(wanted) if (len(w) >= 3 or w.isdigit())
             and w not in function and w not in machine_words]
    names = {part.part_no: part_words(part, language, catalogues, glossary)
             for part in candidates}
    if not asked or not names:
        return []
    # How well each part names each word asked; a word that names many parts ("filter",
    # "φίλτρο") tells less than one that names few ("Öl", "λαδιού"), whatever the spelling
    # of the name it matches.
    sims = {part.part_no: [max((_similar(q, w) for w in names[part.part_no]), default=0.0)
                           for q in asked] for part in candidates}
    if language == "el":
        # Greek shop-floor words are often loanwords ("σεπαρατέρ", "πρεσοστάτης",
        # "κοντάκτορας"): written in Latin letters they may match the English name.
        latin = [_latin(q) for q in asked]
        for part in candidates:
            english = [w for w in names[part.part_no] if w.isascii()]
            sims[part.part_no] = [
                max(sim, LOANWORD * max((_similar(t, w) for w in english), default=0.0))
                if t else sim for sim, t in zip(sims[part.part_no], latin, strict=True)]
    scores = _weighted(sims)
    asked_ratings = _ratings(query)
    scored = []
    for part in candidates:
        score = scores[part.part_no]
        rated = _ratings(part.name)
        if any(unit in rated and not values & rated[unit]
               for unit, values in asked_ratings.items()):
            score *= 0.5
        if unwanted and any(_names(w, own_name_words(part, language, catalogues))
                            for w in unwanted):
            score *= UNWANTED
        if score > 0:
            scored.append((score, _rarity(asked, sims[part.part_no], language), part))
    # Equal scores: the part named by the rarer words ("separator cartridge": the separator,
    # not any cartridge).
    scored.sort(key=lambda triple: (-triple[0], -triple[1]))
    return [(score, part) for score, _, part in scored]


# A rating with its unit ("10 bar", "10-bar-Ausführung", "14,5 bar", "35 mm"): what tells
# similar parts apart. A number without one may say how many ("5 Liter", "3 Flaschen").
_RATING = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*-?\s*(bar|bars|bares|mm|kw)\b",
                     re.IGNORECASE)


def _ratings(text: str) -> dict[str, set[float]]:
    found: dict[str, set[float]] = {}
    for value, unit in _RATING.findall(strip_ids(text)):
        unit = unit.lower()
        found.setdefault("bar" if unit.startswith("bar") else unit, set()).add(
            float(value.replace(",", ".")))
    return found


def _rarity(asked: list[str], sims: list[float], language: str) -> float:
    return sum(sim * (8.0 - zipf(word, language))
               for word, sim in zip(asked, sims, strict=True) if sim >= 0.5)


def part_coverage(query: str, part: PartInfo, language: str, catalogues: Catalogues, *,
                  machine_words: frozenset[str] = frozenset(),
                  glossary: Glossary | None = None) -> float:
    """The share of the message's telling words (its rarer words; ids and the names of the
    machines, "for the pump ...", left out) that name the part: 1.0 for "mechanical seal kit
    for the pump W120-2022-00031", far less for "the seal leaks badly", a fault."""
    names = part_words(part, language, catalogues, glossary)
    # What the message says it does not want ("the coil, not the body") is not asked for.
    tokens = re.findall(r"[^\W\d_]{3,}", _NEGATION.sub(" ", fold(strip_ids(query))))
    # A word of the part's name tells, however common ("wear rings", "oil"); other common
    # words ("for", "please") do not.
    telling = [w for w in tokens if (zipf(w, language) < COMMON_ZIPF or _names(w, names))
               and not _names(w, PACKAGING)
               and not any(w[:5] == m[:5] or (len(w) >= 5 and w in m) for m in machine_words)]
    if not telling:
        return 0.0
    covered = sum(1 for w in telling if _names(w, names))
    # A single word of a part's name is a topic ("the motor sounds odd"), unless the message
    # is hardly more than that word ("Gleitringdichtung für die Pumpe P100-2021-00542").
    enough = covered >= 2 or (covered == 1 and len(tokens) <= 5)
    return covered / len(telling) if enough else 0.0


# How parts come (a can of oil, "4 bidons de glycol", "ein Kanister"): what is ordered is
# what is inside.
PACKAGING = {fold(w) for w in (
    "can canister drum bottle jerrycan pail bucket tub pack box carton cartridges "
    "kanister fass flasche eimer dose packung karton gebinde "
    "bidon bidons bouteille seau boite fut "
    "bidón garrafa botella cubo lata caja bote envase "
    "δοχείο δοχεία μπιτόνι μπιτόνια μπουκάλι κουτί συσκευασία").split()}


LOANWORD = 0.9  # a Greek word that reads, in Latin letters, like a word of the English name
_GREEK_PAIRS = {"μπ": "mp", "ντ": "nt", "γκ": "nk", "γγ": "ng", "ου": "u", "αι": "e", "ει": "i",
                "οι": "i", "τσ": "ts", "τζ": "dz"}
_GREEK_INITIAL = {"μπ": "b", "ντ": "d", "γκ": "g"}
_GREEK = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
                  ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o",
                   "p", "r", "s", "s", "t", "i", "f", "ch", "ps", "o"], strict=True))


def _latin(word: str) -> str | None:
    """A folded Greek word of five letters or more in Latin letters ("σεπαρατερ" ->
    "separater"); None for other words."""
    if len(word) < 5 or not all(c in _GREEK for c in word):
        return None
    out, i = [], 0
    while i < len(word):
        pair = word[i:i + 2]
        if pair in _GREEK_PAIRS:
            # Word-initial "μπ", "ντ", "γκ" are b, d, g ("μπιτόνι"); inside, mp, nt, nk
            # ("κομπρεσέρ", "κοντάκτορας").
            out.append(_GREEK_INITIAL.get(pair, _GREEK_PAIRS[pair]) if i == 0
                       else _GREEK_PAIRS[pair])
            i += 2
        else:
            out.append(_GREEK[word[i]])
            i += 1
    return "".join(out)


def _weighted(sims: dict[str, list[float]]) -> dict[str, float]:
    """Per candidate, the sum over the words asked of how well it names each word, times how
    few candidates name that word: log(1 + candidates / candidates naming it)."""
    total = len(sims)
    asked = len(next(iter(sims.values()), []))
    weights = [math.log(1 + total / max(1, sum(1 for v in sims.values() if v[i] >= 0.5)))
               for i in range(asked)]
    return {key: sum(sim * weight for sim, weight in zip(values, weights, strict=True))
            for key, values in sims.items()}


def _function_words(query: str, language: str) -> set[str]:
    """The function words of a message, judged as written ("für", not "fur"), folded."""
    return {fold(t) for t in re.findall(r"[^\W\d_]+", query.lower())
            if _function_word(t, language)}


def _names(word: str, names: set[str]) -> bool:
    return any(_similar(word, n) >= 0.8 for n in names)


@lru_cache(maxsize=8192)
def _function_word(word: str, language: str) -> bool:
    return zipf(word, language) >= FUNCTION_ZIPF


def part_answer(part: PartInfo, language: str, *, service: ServiceData,
                catalogues: Catalogues, asset: AssetInfo | None) -> str:
    name = _translated(catalogues, language, part.family, "parts", part.part_no, "name",
                       part.name)
    warehouse = service.warehouse_for(asset.region) if asset else None
    if warehouse and part.stock.get(warehouse, 0) > 0:
        availability = say("part_in_stock_at", language, count=part.stock[warehouse],
                           warehouse=service.warehouse_name(warehouse))
    elif sum(part.stock.values()) > 0:
        availability = say("part_in_stock_elsewhere", language, count=sum(part.stock.values()))
    else:
        availability = say("part_out_of_stock", language, days=f"{part.lead_time_days:g}")
    price = f"{part.price_eur:,.2f}".replace(",", " ")
    text = say("part_answer", language, part_no=part.part_no, name=name, price=price,
               availability=availability, days=f"{part.lead_time_days:g}",
               models=", ".join(part.compatible_models))
    if asset and asset.tier:
        discount = service.tier(asset.tier).get("parts_discount_pct") or 0
        if discount:
            text += " " + say("part_discount", language, discount=discount,
                              tier=service.tier(asset.tier)["name"])
    return text


def spare_part_answer(query: str, language: str, *, service: ServiceData,
                      catalogues: Catalogues, part_number: str | None,
                      asset: AssetInfo | None, glossary: Glossary | None = None,
                      machine_words: frozenset[str] = frozenset()) -> Reply | None:
    """The part asked about first, then up to two close alternatives, labelled as such; None
    when nothing matches. Parts that fit the customer's machine are the ones considered."""
    if part_number and part_number in service.parts:
        parts = [service.parts[part_number]]
    else:
        pool = service.parts_for(model=asset.model) if asset else list(service.parts.values())
        scored = match_parts(strip_ids(query), pool, language, catalogues, glossary,
                             machine_words=machine_words)
        if not scored:
            return None
        best = scored[0][0]
        parts = [scored[0][1]] + [p for score, p in scored[1:3]
                                  if score >= ALTERNATIVE_SHARE * best]
    lines = [part_answer(parts[0], language, service=service, catalogues=catalogues,
                         asset=asset)]
    if len(parts) > 1:
        lines.append(say("part_alternatives", language))
        lines += [part_answer(p, language, service=service, catalogues=catalogues, asset=asset)
                  for p in parts[1:]]
    return Reply("\n".join(lines), custom={"kind": "spare_part",
                                           "part_numbers": [p.part_no for p in parts]})


def contract_answer(asset: AssetInfo, language: str, *, service: ServiceData,
                    today: date) -> Reply:
    tier = service.tier(asset.tier or "basic")
    hours = tier["response_time_h"]
    lines = [say("contract_header", language, customer=asset.customer_name or "",
                 tier=tier["name"], window=tier.get("coverage_window", "")),
             say("contract_response_times", language, p1=hours["P1"], p2=hours["P2"],
                 p3=hours["P3"], p4=hours["P4"])]
    lines.append(say("contract_hotline_yes" if tier.get("hotline_24_7") else
                     "contract_hotline_no", language))
    lines.append(say("contract_visits", language,
                     visits=tier.get("preventive_visits_per_year", 0),
                     discount=tier.get("parts_discount_pct", 0)))
    if asset.install_date:
        end, months = warranty_end(asset.install_date, tier, service.warranty)
        key = "warranty_active" if end >= today else "warranty_expired"
        lines.append(say(key, language, serial=asset.serial or asset.model,
                         end=day_text(end, language), months=months))
    return Reply("\n".join(lines), custom={"kind": "contract", "tier": tier["id"]})


def warranty_end(install_date: date, tier: dict[str, Any],
                 warranty: dict[str, Any]) -> tuple[date, int]:
    """When a unit's warranty ends, and its months: the standard months from commissioning,
    60 on a contract tier with the extended warranty (the chat's answer and the portal's)."""
    months = int(warranty.get("standard_months_from_commissioning", 24))
    if tier.get("extended_warranty"):
        months = max(months, 60)
    return _add_months(install_date, months), months


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, 28))
