"""Is the message about the domain at all? A message with nothing of equipment, faults, parts,
maintenance, contracts or service in it must not enter a business flow on a guess.

The classifier learns the domain from the NLU data and the triage examples of every in-domain
kind, and the open world from many general requests per language (banking, travel, cooking,
cars, smart home, ...). Ids (serials, models, error codes, part numbers) always make a message
in-domain, and small talk is left to its own intents.

A message with domain words (bot/triage/vocabulary.py) needs a higher probability to be called
out of domain than one without any: "how often to grease?" is a maintenance question, "my car's
A/C compressor" shares a word and is not (bench/triage_thresholds.py chooses both limits)."""

from __future__ import annotations

from bot.triage.corpus import Example
from bot.triage.model import TextClassifier


def train_scope(examples: tuple[Example, ...] | list[Example]) -> TextClassifier:
    """P(out of domain | message), from the examples that tell (not small talk)."""
    told = [e for e in examples if e.in_domain is not None]
    return TextClassifier.train([e.text for e in told], [not e.in_domain for e in told])
