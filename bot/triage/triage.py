"""The triage of one message, before any flow: danger -> language -> domain -> the flow.
(The language is told before the domain because the domain models know only the five
languages: a pump question in Italian would otherwise be called out of the domain.)

`Triage.route` answers where a message goes; the dialogue controller acts on it. Safety comes
first for every message, whatever the conversation waits for, so an emergency typed in the
middle of a diagnosis or after "Which machine is it?" still gets the safety instruction first."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import yaml

from bot.triage.corpus import SMALL_TALK, examples
from bot.triage.model import TextClassifier
from bot.triage.names import KnownNames
from bot.triage.other_languages import unsupported_language
from bot.triage.safety import Danger, SafetyThresholds, train_safety
from bot.triage.scope import train_scope
from bot.triage.vocabulary import DomainVocabulary, default_vocabulary
from core.knowledge.loader import default_knowledge

logger = logging.getLogger(__name__)

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yml"
SMALL_TALK_WORDS = 4
# P(out of domain) needed once the conversation has identified a machine. A design value, not
# chosen on the validation set (whose messages each open a conversation): in the scripted
# conversations of bench/conversation_eval.py, requests about contracts, visits and people
# after a serial scored 0.3-0.6, while general requests score above 0.9.
MACHINE_KNOWN_LIMIT = 0.8
SMALL_TALK_CONFIDENCE = 0.8
# P(out of domain) at or above which words of danger are not heard as danger. A design value
# with a wide margin: over the validation and study sets' 2215 emergencies P(out of domain)
# never passed 0.29 (median 0.01), while home fridges, laptop fans and pressure cookers that
# the safety model hears as danger score 0.7-0.98.
FOREIGN_DANGER = 0.5


class Route(StrEnum):
    DANGER = "danger"                  # safety instruction, then a P1 ticket
    DANGER_LIKELY = "danger_likely"    # safety instruction, then ask before the P1 ticket
    SAFETY_CHECK = "safety_check"      # ask whether anyone is in danger, keep the message
    OUT_OF_DOMAIN = "out_of_domain"    # say what the assistant does, offer a person
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    FLOW = "flow"                      # the intent's own flow


@dataclass(frozen=True)
class Verdict:
    route: Route
    danger: float
    out_of_domain: float | None = None


@dataclass(frozen=True)
class Thresholds:
    safety: SafetyThresholds
    out_of_domain: float  # P(out of domain) at or above: out of domain, whatever its words
    out_of_domain_bare: float  # the same for a message without a single domain word

    def __post_init__(self) -> None:
        if not 0.0 <= self.out_of_domain_bare <= self.out_of_domain <= 1.0:
            raise ValueError("scope thresholds must satisfy 0 <= out_of_domain_bare <= "
                             f"out_of_domain <= 1: {self}")

    @classmethod
    def load(cls, path: Path = THRESHOLDS) -> Thresholds:
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
            sure, coded = data["safety"].get("sure"), data["safety"].get("coded")
            return cls(SafetyThresholds(float(data["safety"]["now"]),
                                        float(data["safety"]["possible"]),
                                        None if sure is None else float(sure),
                                        None if coded is None else float(coded)),
                       float(data["scope"]["out_of_domain"]),
                       float(data["scope"]["out_of_domain_bare"]))
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: triage thresholds unreadable ({exc}); expected "
                             "safety.now, safety.possible (safety.sure and safety.coded "
                             "optional), "
                             "scope.out_of_domain and "
                             "scope.out_of_domain_bare") from exc


@dataclass
class Triage:
    safety: TextClassifier
    scope: TextClassifier
    vocabulary: DomainVocabulary
    thresholds: Thresholds
    names: KnownNames | None = None

    def route(self, text: str, *, intent: str = "", confidence: float = 1.0,
              awaiting: str | None = None, has_id: bool = False,
              machine_known: bool = False, known: Danger = Danger.NONE,
              explained: bool = False) -> Verdict:
        """Where the message goes. `intent` and `confidence` are the NLU's; `awaiting` is what
        the conversation waits for (an answer to a question is in context, whatever its
        words); `has_id` when it names a serial, model, error code, part or ticket number;
        `machine_known` when the conversation is already about an identified machine; `known`
        what the knowledge pack's critical conditions say of its readings and codes
        (rules/readings.py); `explained` when it names an alarm code the pack rates a warning
        or a fault and meets no critical condition (the code explains its alarming words)."""
        if not text.strip():  # a button's payload: the customer chose from our own offer
            return Verdict(Route.FLOW, 0.0)
        # Our engineers', customers' and products' names say whose the message is, as an id does.
        ours = has_id or (self.names is not None and self.names.found(text))
        danger = self.safety.probability([text])[0]
        level = _together(self.thresholds.safety.level(
            danger, explained=explained and known is Danger.NONE), known)
        if level is not Danger.NONE and known is Danger.NONE and not ours and \
                self.scope.probability([text])[0] >= FOREIGN_DANGER:
            # "My fridge at home ices up and water runs out", "laptop fan sounds like a jet":
            # alarming words about something that is not ours. No pack condition, no id.
            level = Danger.NONE
        if level is Danger.NOW:
            return Verdict(Route.DANGER, danger)
        if level is Danger.LIKELY:
            return Verdict(Route.DANGER_LIKELY, danger)
        if level is Danger.POSSIBLE:
            return Verdict(Route.SAFETY_CHECK, danger)
        ood = None
        if not ours and unsupported_language(text):
            # The domain models know the five languages only: a message in another one cannot
            # be judged in or out of the domain, only answered in the language we have.
            return Verdict(Route.UNSUPPORTED_LANGUAGE, danger)
        # No known word at all is gibberish, not another domain: the fallback's polite
        # "please rephrase" answers it.
        if not ours and awaiting is None and not _small_talk(text, intent, confidence) \
                and self.scope.known_words(text) > 0:
            ood = self.scope.probability([text])[0]
            limit = self.thresholds.out_of_domain if self.vocabulary.hits(text) else \
                self.thresholds.out_of_domain_bare
            if machine_known:
                # "Which contract are we on?" after a serial is about that machine; only a
                # clearly foreign request leaves the domain.
                limit = max(limit, MACHINE_KNOWN_LIMIT)
            if ood >= limit:
                return Verdict(Route.OUT_OF_DOMAIN, danger, ood)
        return Verdict(Route.FLOW, danger, ood)


def _together(heard: Danger, known: Danger) -> Danger:
    """The classifier's level and the pack's: a reading over a critical limit is danger now
    whatever the words; a code the pack calls critical (AL140) makes a possible (or likely)
    danger a danger now. On its own such a code goes to its flow, which escalates a critical
    code as the pack says."""
    if known is Danger.NOW or (known is Danger.POSSIBLE and heard is not Danger.NONE):
        return Danger.NOW
    return heard


def _small_talk(text: str, intent: str, confidence: float) -> bool:
    """Greetings, thanks, yes and no: short, or sure. A long message that NLU only guesses is
    "I don't know" ("where is my parcel, it says delivered") is not small talk."""
    return intent in SMALL_TALK and (len(text.split()) <= SMALL_TALK_WORDS
                                     or confidence >= SMALL_TALK_CONFIDENCE)


def train_triage(thresholds: Thresholds | None = None) -> Triage:
    data = examples()
    triage = Triage(train_safety(data), train_scope(data), default_vocabulary(),
                    thresholds or Thresholds.load(),
                    KnownNames.from_knowledge(default_knowledge()))
    logger.info("triage trained on %d examples", len(data))
    return triage


@lru_cache(maxsize=1)
def default_triage() -> Triage:
    return train_triage()
