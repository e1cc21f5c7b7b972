"""Ids and readings in a customer's message.

NLU entities come first; these patterns back them up, because a message that NLU sends to the
fallback (say "6,5 bar" or a bare serial number) still carries what the dialogue needs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.ids import ERROR_CODE, MODEL, PART, SERIAL
from rules.units import canonical

TICKET_NUMBER = re.compile(r"(?:#|\b(?:no\.?|nr\.?|n°|αρ\.?)\s*)?\b(\d{3,7})\b")
READING = re.compile(
    r"(?<![\w.,])([-+−]?\d+(?:[.,]\d+)?)\s*"
    r"(°\s?[CFK]|bar|mbar|kpa|mpa|psi|mm/s|m³/h|m3/h|%|v|a|hz|k|h|rpm|mω|mohm|"
    r"degrees?|grad|degrés?|degres?|grados?|βαθμούς|βαθμοί|βαθμους|"
    # Any other short unit-like word is kept, so that "12 kg" is refused as a unit, not taken
    # as 12 of the expected unit.
    r"[a-zµΩ°³/]{1,3})?(?![\w/])",
    re.IGNORECASE)
_UNIT_WORDS = {"degree": "°C", "degrees": "°C", "grad": "°C", "degré": "°C", "degrés": "°C",
               "degre": "°C", "degres": "°C", "grado": "°C", "grados": "°C",
               "βαθμούς": "°C", "βαθμοί": "°C", "βαθμους": "°C", "m3/h": "m³/h", "mohm": "MΩ",
               "mω": "MΩ"}


# Short words that follow a number in a sentence ("85 and falling", "6 y bajando").
_NOT_UNITS = {"and", "und", "et", "y", "e", "o", "ou", "or", "oder", "και", "to", "at", "in",
              "im", "en", "bei", "με", "σε", "is", "ist", "es", "est", "the", "der", "die",
              "das", "le", "la", "el", "of", "von", "de", "du", "on", "auf", "but", "mit",
              "con", "avec", "now", "jetzt", "ya", "so", "ok"}


def strip_ids(text: str) -> str:
    """The words of a message without the serials, models and part numbers it names: what it
    asks about that machine ("how do I vent the HCP-50?" -> "how do I vent the ?")."""
    for pattern in (SERIAL, PART, MODEL):
        text = pattern.sub(" ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Reading:
    value: float
    unit: str | None


@dataclass(frozen=True)
class Mentions:
    """What a message names: at most one of each, the NLU's entity first."""

    serial: str | None = None
    model: str | None = None
    error_code: str | None = None
    part_number: str | None = None
    reading: Reading | None = None
    choice: str | None = None


def _entity(entities: Iterable[Mapping[str, Any]], name: str) -> str | None:
    for entity in entities:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            return str(entity["value"]).strip()
    return None


def normalise_serial(text: str) -> str | None:
    match = SERIAL.search(text)
    if not match:
        return None
    return f"{match.group(1).upper()}-{match.group(2)}-{match.group(3)}"


def normalise_model(text: str) -> str | None:
    match = MODEL.search(text)
    return f"{match.group(1).upper()}-{match.group(2)}" if match else None


def normalise_code(text: str) -> str | None:
    match = ERROR_CODE.search(text)
    return match.group(1).upper() if match else None


def normalise_part(text: str) -> str | None:
    match = PART.search(text)
    return match.group(1).upper() if match else None


def parse_reading(text: str) -> Reading | None:
    """The first number of the message with the unit written after it, if any."""
    for match in READING.finditer(text.replace("−", "-")):
        number = match.group(1)
        start = match.start(1)
        # Skip digits that belong to an id such as F004 or P050-2019-00988.
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-") and \
                not (text[start - 1] == "-" and (start < 2 or not text[start - 2].isalnum())):
            continue
        unit = match.group(2)
        if unit:
            unit = unit.replace(" ", "")
            unit = _UNIT_WORDS.get(unit.lower(), unit)
            if canonical(unit) is None and unit.casefold() in _NOT_UNITS:
                unit = None
        return Reading(float(number.replace(",", ".")), unit or None)
    return None


def mentions(text: str, entities: Iterable[Mapping[str, Any]] = ()) -> Mentions:
    entities = list(entities)
    serial = _entity(entities, "serial_number")
    model = _entity(entities, "equipment_model")
    code = _entity(entities, "error_code")
    part = _entity(entities, "part_number")
    # Ids are re-read from the text so that "p050 2019 00988" and "hcp100" normalise too.
    serial = normalise_serial(serial or "") or normalise_serial(text)
    model = normalise_model(model or "") or normalise_model(text)
    code = normalise_code(code or "") or normalise_code(text)
    part = normalise_part(part or "") or normalise_part(text)
    reading = None
    value = _entity(entities, "reading_value")
    if value is not None:
        parsed = parse_reading(value)
        if parsed is not None:
            reading = Reading(parsed.value, _entity(entities, "reading_unit") or parsed.unit)
    if reading is None:
        stripped = text
        for found in (serial, part, model, code):
            if found:
                stripped = re.sub(re.escape(found), " ", stripped, flags=re.IGNORECASE)
        reading = parse_reading(stripped)
    return Mentions(serial=serial, model=model, error_code=code, part_number=part,
                    reading=reading, choice=_entity(entities, "choice"))


_TICKET_WORD = re.compile(
    r"#|\b(ticket|tickets|parte|dossier|demande|caso|incidencia|vorgang|auftrag|meldung|"
    r"referen\w*|r[ée]f[ée]rence|αιτημα\w*|αίτημα\w*|δελτι\w*)\b", re.IGNORECASE)


def names_ticket(text: str) -> bool:
    """The message refers to a ticket by its number ("#1042", "parte de avería 20554"), not
    just any number ("200 euros")."""
    return ticket_number(text) is not None and _TICKET_WORD.search(text) is not None


def ticket_number(text: str) -> int | None:
    for match in TICKET_NUMBER.finditer(text):
        start = match.start(1)
        if start > 0 and (text[start - 1].isalpha() or text[start - 1] == "-"):
            continue
        end = match.end(1)
        if end < len(text) and text[end] == "-":
            continue
        return int(match.group(1))
    return None
