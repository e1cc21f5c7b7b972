"""The shapes of the knowledge pack's ids, written once. The dialogue's extractors and the NLU
regexes (bot/data/nlu/entities.yml, checked against `NLU_REGEXES` by the tests) come from here.

- serial number: the model's serial prefix, the year, a running number: H37S-2019-00412,
  P100-2021-00542, W120-2020-00012;
- error code: AL + 3 digits (chillers), E (compressors), F and A (pumps): AL140, E101, F004;
- part number: a family or drive prefix and two segments: HSC-OF-015, HWC-STR-S, HSC-TS-PT1000;
- model: a family and its size: HSC-37, HCP-50, HWC-120.

All of them are matched without regard to case: people type "h37s-2019-00412" and "e101"."""

from __future__ import annotations

import re

_SERIAL_PREFIX = r"[PHW]\d{2,3}S?"
_ERROR_CODE = r"(?:AL|E|F|A)\d{3}"
_PART = r"(?:HCP|HSC|HWC|HVD)-[A-Z0-9]{1,4}-[A-Z0-9]{1,6}"
_FAMILY = r"HCP|HSC|HWC"

# As written in the knowledge pack (and asked of NLU).
SERIAL_SHAPE = rf"{_SERIAL_PREFIX}-\d{{4}}-\d{{5}}"
ERROR_CODE_SHAPE = _ERROR_CODE
PART_SHAPE = _PART
MODEL_SHAPE = rf"(?:{_FAMILY})-\d{{2,3}}"

# As customers type them: a serial's parts may be run together or spaced ("H37S 2019 00412"),
# a model's family and size too ("HSC37", "HSC 37"). Groups: the parts to rejoin.
SERIAL = re.compile(rf"\b({_SERIAL_PREFIX})[-\s]?(\d{{4}})[-\s]?(\d{{5}})\b", re.IGNORECASE)
MODEL = re.compile(rf"\b({_FAMILY})[-\s]?(\d{{2,3}})\b", re.IGNORECASE)
ERROR_CODE = re.compile(rf"\b({_ERROR_CODE})\b", re.IGNORECASE)
PART = re.compile(rf"\b({_PART})\b", re.IGNORECASE)

# The NLU pipeline's regex entities (RegexFeaturizer and RegexEntityExtractor, both case-
# insensitive in config.yml), keyed by entity name.
NLU_REGEXES = {
    "serial_number": rf"\b{SERIAL_SHAPE}\b",
    "error_code": rf"\b{ERROR_CODE_SHAPE}\b",
    "part_number": rf"\b{PART_SHAPE}\b",
}


def is_serial(text: str) -> bool:
    return re.fullmatch(SERIAL_SHAPE, text, re.IGNORECASE) is not None


def is_error_code(text: str) -> bool:
    return re.fullmatch(ERROR_CODE_SHAPE, text, re.IGNORECASE) is not None


def is_part_number(text: str) -> bool:
    return re.fullmatch(PART_SHAPE, text, re.IGNORECASE) is not None


def is_model(text: str) -> bool:
    return re.fullmatch(MODEL_SHAPE, text, re.IGNORECASE) is not None
