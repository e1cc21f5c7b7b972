"""The examples the triage classifiers learn from.

Two sources, both plain data a service organisation can extend:
- bot/triage/data/<lang>*.yml: messages written for the triage (real emergencies, routine
  messages that sound alarming, requests from outside the domain), by people who did not write
  the evaluation sets;
- the NLU training data (bot/data/nlu/<lang>.yml): every in-domain intent is an example of "no
  danger" and "in domain", `urgent_safety` of danger, `out_of_scope` of "out of domain".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from core.languages import LANGUAGES

BOT = Path(__file__).resolve().parent.parent
TRIAGE_DIR = Path(__file__).resolve().parent / "data"
NLU_DIR = BOT / "data" / "nlu"

# Intents that say nothing about the domain either way: small talk and bare answers.
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "dont_know"})

_ANNOTATION = re.compile(r"\[([^\]]+)\]\((?:[^)]*)\)|\[([^\]]+)\]\{[^}]*\}")


class CorpusError(ValueError):
    """A triage data file that cannot be used (names the file and the problem)."""


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    danger: bool
    in_domain: bool | None  # None: small talk, which says nothing of the domain either way
    source: str  # "triage" or "nlu:<intent>"


def plain(example: str) -> str:
    """An NLU example without Rasa's entity annotations: "[HSC-37](model)" -> "HSC-37"."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example).strip()


def _nlu_examples(path: Path, language: str) -> list[Example]:
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    out: list[Example] = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        if not intent:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if not line.startswith("- "):
                continue
            # Small talk teaches the safety model what is not danger ("thanks, bye").
            in_domain = None if intent in SMALL_TALK else intent != "out_of_scope"
            out.append(Example(plain(line[2:]), language, danger=intent == "urgent_safety",
                               in_domain=in_domain, source=f"nlu:{intent}"))
    return out


def _triage_examples(path: Path, language: str) -> list[Example]:
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected a mapping of lists")
    kinds = {"danger_now": (True, True), "not_danger": (False, True),
             "out_of_domain": (False, False)}
    unknown = set(k for k, v in data.items() if isinstance(v, list)) - set(kinds)
    if unknown:
        raise CorpusError(f"{path}: unknown lists {sorted(unknown)}; expected {sorted(kinds)}")
    out = []
    for kind, (danger, in_domain) in kinds.items():
        for i, text in enumerate(data.get(kind) or []):
            if not isinstance(text, str) or not text.strip():
                raise CorpusError(f"{path}: {kind}[{i}] is not a non-empty string")
            out.append(Example(text.strip(), language, danger, in_domain, "triage"))
    return out


@lru_cache(maxsize=1)
def examples(triage_dir: Path = TRIAGE_DIR, nlu_dir: Path = NLU_DIR) -> tuple[Example, ...]:
    out: list[Example] = []
    for language in LANGUAGES:
        for path in sorted(triage_dir.glob(f"{language}*.yml")):
            out += _triage_examples(path, language)
        nlu = nlu_dir / f"{language}.yml"
        if nlu.is_file():
            out += _nlu_examples(nlu, language)
    if not out:
        raise CorpusError(f"no triage examples under {triage_dir} or {nlu_dir}")
    return tuple(out)
