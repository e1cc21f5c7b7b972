"""DEMO DATA: scripted conversations as the event streams Rasa's broker publishes
(analytics/demo.py stores them through the real analytics store and opens their tickets in the
real ticket store).

Each demo conversation is played from its own seed: a customer of the knowledge pack (or an
anonymous visitor) chats in its language (some in English) about one of its real units. The
customer's messages are the NLU training examples of that language (bot/data/nlu/<lang>.yml)
with the unit's serial, model, error code or part put in, or questions the manuals do not
answer (analytics/demo_texts.py); the assistant's replies are its own message catalogues
(bot/dialogue/messages/<lang>.yml, the responses of bot/domain.yml) with the `custom` payloads
its actions send. Guided diagnoses are run by the real expert system (rules.diagnosis) against
a simulated operator who answers from one fault's evidence (rules.simulate), so the questions,
conclusions, confidences and escalations are the ones the chat would show. Manual answers cite
real sections of docs_corpus/. Escalations open tickets through a `Desk` (the ticket store),
whose numbers the events then carry, exactly as in the chat.

The events have the shapes of tests/analytics/data/rasa_events.json (user events with
parse_data intent, confidence and entities; bot events with data.custom; slot and action
events), the input channel `demo`, and conversation ids `demo-...`."""

from __future__ import annotations

import json
import random
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from analytics.demo_texts import FALLBACK_TEXTS, GAP_QUESTIONS, TYPED
from core.knowledge.loader import knowledge_at
from core.knowledge.model import Family, KnowledgeBase
from rules.diagnosis import Diagnoser, DiagnosisState, snapshot
from rules.i18n import Texts
from rules.simulate import Operator, fault_error_code

DEMO_PREFIX = "demo-"
DEMO_CHANNEL = "demo"
LANGUAGES = ("en", "el", "de", "fr", "es")
META = {"model_id": "demo", "assistant_id": "helios-support"}
FAMILY_PREFIX = {"rotary_screw_compressor": "hsc", "centrifugal_process_pump": "hcp",
                 "air_cooled_water_chiller": "hwc"}
# Words that say which family a training example is about (accents and case folded).
FAMILY_WORDS = {
    "rotary_screw_compressor": ("compress", "kompress", "κομπρεσ", "συμπιεστ", "airend",
                                "druckluft", "compressed air"),
    "centrifugal_process_pump": ("pump", "pompe", "bomba", "αντλ", "impeller", "laufrad",
                                 "gleitring", "garniture", "cierre mecanico", "τσιμουχ",
                                 "στυπιοθλιπτ"),
    "air_cooled_water_chiller": ("chiller", "kaltwasser", "kalte", "ψυκτ", "τσιλερ",
                                 "groupe froid", "eau glacee", "refroid", "enfriadora",
                                 "refrigerant", "condenser", "condenseur", "condensador",
                                 "verflussiger", "evaporat", "verdampfer"),
}
_ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")
_SECTION = re.compile(r"<!-- section: ([\w.\-]+); topics: (.*?) -->")


# -- what the world holds --------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    serial: str
    model: str
    family: str
    site_id: str
    running_hours: int


@dataclass(frozen=True)
class DemoCustomer:
    customer_id: str
    name: str
    language: str
    tier: str
    region: str | None
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Example:
    """A training example: text pieces and (entity, value) pairs in order."""

    parts: tuple[str | tuple[str, str], ...]
    entities: frozenset[str]
    families: frozenset[str]
    codes: int


@dataclass(frozen=True)
class ManualSection:
    document: str
    section_id: str
    title: str
    topics: tuple[str, ...]
    language: str


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _example(line: str) -> Example:
    parts: list[str | tuple[str, str]] = []
    last = 0
    for match in _ANNOTATION.finditer(line):
        if match.start() > last:
            parts.append(line[last:match.start()])
        parts.append((match.group(2), match.group(1)))
        last = match.end()
    if last < len(line):
        parts.append(line[last:])
    plain = _fold(_ANNOTATION.sub(r"\1", line))
    families = frozenset(f for f, words in FAMILY_WORDS.items() if any(w in plain for w in words))
    entities = [p[0] for p in parts if isinstance(p, tuple)]
    return Example(tuple(parts), frozenset(entities), families, entities.count("error_code"))


def load_nlu(nlu_dir: Path) -> dict[str, dict[str, list[Example]]]:
    """language -> intent -> examples, from the training data."""
    out: dict[str, dict[str, list[Example]]] = {}
    for language in LANGUAGES:
        data = yaml.safe_load((nlu_dir / f"{language}.yml").read_text("utf-8"))
        intents: dict[str, list[Example]] = {}
        for item in data.get("nlu") or []:
            if "intent" not in item:
                continue
            lines = [line.strip()[2:].strip() for line in str(item["examples"]).splitlines()
                     if line.strip().startswith("- ")]
            intents.setdefault(item["intent"], []).extend(_example(x) for x in lines if x)
        out[language] = intents
    return out


def load_sections(docs_dir: Path) -> dict[tuple[str, str], list[ManualSection]]:
    """(family, language) -> the manual sections a how-to answer cites (faults, codes,
    maintenance tasks)."""
    out: dict[tuple[str, str], list[ManualSection]] = {}
    for path in sorted(docs_dir.glob("*/*.md")):
        text = path.read_text("utf-8")
        if not text.startswith("---"):
            continue
        front, _, body = text[3:].partition("\n---")
        meta = yaml.safe_load(front) or {}
        family, language, document = meta.get("family"), meta.get("language"), meta.get("doc_id")
        if not (family and language and document):
            continue
        title = ""
        for line in body.splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                title = stripped.lstrip("#").strip()
                continue
            match = _SECTION.match(stripped)
            if match and any(k in match.group(1) for k in (".fault.", ".maint.", ".code.")):
                topics = tuple(t.strip() for t in match.group(2).split(",") if t.strip())
                out.setdefault((family, language), []).append(ManualSection(
                    document, match.group(1), title, topics, language))
    return out


def _responses(domain_file: Path) -> dict[str, dict[str, str]]:
    """The domain's responses: name -> language -> text (English: the unconditioned one)."""
    data = yaml.safe_load(domain_file.read_text("utf-8"))
    out: dict[str, dict[str, str]] = {}
    for name, variants in (data.get("responses") or {}).items():
        texts: dict[str, str] = {}
        for variant in variants:
            conditions = variant.get("condition") or []
            language = next((c.get("value") for c in conditions
                             if c.get("name") == "language"), "en")
            texts.setdefault(str(language), str(variant.get("text") or ""))
        out[name] = texts
    return out


@dataclass
class World:
    """Everything a demo conversation draws on, loaded once."""

    kb: KnowledgeBase
    diagnoser: Diagnoser
    customers: list[DemoCustomer]
    nlu: dict[str, dict[str, list[Example]]]
    messages: dict[str, dict[str, str]]
    responses: dict[str, dict[str, str]]
    sections: dict[tuple[str, str], list[ManualSection]]
    tiers: dict[str, dict[str, Any]]
    _pools: dict[tuple[str, str, str | None, bool, bool], list[Example]] = field(
        default_factory=dict)

    @classmethod
    def load(cls, *, root: Path, knowledge_dir: Path, docs_dir: Path) -> World:
        kb = knowledge_at(knowledge_dir)
        model_family = {m: f.id for f in kb.families.values() for m in f.models}
        customers = []
        for entry in kb.service.customers:
            units = tuple(Unit(e.serial_no, e.model_id, model_family[e.model_id], site.site_id,
                               int(e.running_hours or 0))
                          for site in entry.sites for e in site.equipment
                          if e.model_id in model_family)
            region = next((s.region for s in entry.sites if s.region), None)
            customers.append(DemoCustomer(entry.customer_id, entry.name, entry.language,
                                          entry.contract_tier, region, units))
        messages = {lang: yaml.safe_load(
            (root / "bot" / "dialogue" / "messages" / f"{lang}.yml").read_text("utf-8"))
            for lang in LANGUAGES}
        tiers = {t.id: dict(t.fields, id=t.id, name=t.name) for t in kb.service.tiers.values()}
        return cls(kb, Diagnoser(kb), customers, load_nlu(root / "bot" / "data" / "nlu"),
                   messages, _responses(root / "bot" / "domain.yml"),
                   load_sections(docs_dir), tiers)

    def say(self, language: str, key: str, **values: Any) -> str:
        template = self.messages.get(language, {}).get(key) or self.messages["en"].get(key, key)
        return string.Formatter().vformat(str(template), (), _Blank(values))

    def response(self, name: str, language: str) -> str:
        texts = self.responses.get(name, {})
        return texts.get(language) or texts.get("en", "")

    def examples(self, language: str, intent: str, *, family: str | None = None,
                 serial: bool | None = None, code: bool = False) -> list[Example]:
        """The intent's examples about `family` (or no family), with or without a serial."""
        key = (language, intent, family, bool(serial), code)
        if key not in self._pools:
            every = self.nlu.get(language, {}).get(intent) or self.nlu["en"][intent]
            pool = [e for e in every
                    if (family is None or e.families <= {family})
                    and (serial is None or ("serial_number" in e.entities) == serial)
                    and (not code or e.codes == 1)]
            if not pool and serial is not None:
                pool = [e for e in every if family is None or e.families <= {family}]
            self._pools[key] = pool or every
        return self._pools[key]


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(example: Example, values: dict[str, str]) -> tuple[str, list[tuple[str, Any]]]:
    """The example's text with the entities of `values` put in; (text, [(entity, value)])."""
    text, entities = "", []
    for part in example.parts:
        if isinstance(part, str):
            text += part
            continue
        name, value = part
        value = values.get(name, value)
        text += value
        entities.append((name, value))
    return text, entities


# -- the ticket store as the conversations see it --------------------------------------------
@dataclass(frozen=True)
class TicketRequest:
    conversation_id: str
    at: datetime
    customer_id: str | None
    serial: str | None
    family: str | None
    language: str
    subject: str
    description: str
    type: str
    priority: str
    escalation_reason: str | None
    error_code: str | None
    transcript: list[dict[str, Any]]
    diagnosis: dict[str, Any] | None
    citations: list[dict[str, Any]]


@dataclass(frozen=True)
class OpenedTicket:
    ticket_id: str
    number: int
    priority: str
    response_due_at: datetime


class Desk(Protocol):
    def open(self, request: TicketRequest) -> OpenedTicket: ...

    def identify(self, ticket: OpenedTicket, serial: str, at: datetime) -> None: ...

    def recent_numbers(self, customer_id: str, at: datetime) -> list[int]: ...


# -- one conversation -----------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """What one demo conversation is about; its events follow from this and its seed."""

    index: int
    conversation_id: str
    start: datetime
    language: str
    customer: DemoCustomer | None
    unit: Unit | None
    scenario: str
    seed: str


@dataclass
class Played:
    spec: Spec
    events: list[dict[str, Any]]
    tickets: list[OpenedTicket]


class Chat:
    """The event stream of one conversation, written turn by turn."""

    def __init__(self, world: World, desk: Desk, spec: Spec) -> None:
        self.world, self.desk, self.spec = world, desk, spec
        self.rng = random.Random(spec.seed)
        self.lang = spec.language
        self.sender = spec.conversation_id
        self.t = spec.start.timestamp()
        self.events: list[dict[str, Any]] = []
        self.transcript: list[dict[str, Any]] = []
        self.slots: dict[str, Any] = {}
        self.known: Unit | None = None  # the unit identified in the chat
        self.tickets: list[OpenedTicket] = []
        self.mood = 0  # what went well (+) or badly (-): the rating at the end follows it
        self.escalated = False
        self.left = False  # the customer stopped answering
        self._raw("action", name="action_session_start")
        self._raw("session_started")
        self._raw("action", name="action_listen")

    # -- writing events ------------------------------------------------------------------------
    def _tick(self, seconds: float = 0.0005) -> float:
        self.t += seconds
        return self.t

    def _raw(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"sender_id": self.sender, "event": kind, "timestamp": round(self._tick(), 6),
                 "metadata": dict(META), **fields}
        self.events.append(event)
        return event

    def _id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def user(self, text: str, intent: str, *, entities: list[tuple[str, Any]] | None = None,
             confidence: float | None = None, typed: bool = True) -> str:
        """The customer's message; returns its message id."""
        if self.events and self.events[-1].get("name") != "action_listen":
            self._raw("action", name="action_listen")
        self._tick(self.rng.uniform(6, 45) if typed else self.rng.uniform(2, 12))
        message_id = self._id()
        if confidence is None:
            confidence = 1.0 if not typed else round(
                min(0.9995, 0.4 + 0.6 * self.rng.betavariate(6, 1.3)), 4)
        parsed = [{"entity": name, "value": value, "extractor": "RegexEntityExtractor"
                   if name in ("serial_number", "error_code", "part_number") else
                   "DIETClassifier"} for name, value in entities or []]
        if typed:
            parsed.insert(0, {"entity": "language", "value": self.lang,
                              "extractor": "LanguageDetector",
                              "confidence": round(self.rng.uniform(0.7, 1.0), 3)})
        self._raw("user", text=text, parse_data={
            "intent": {"name": intent, "confidence": confidence}, "entities": parsed,
            "text": text, "message_id": message_id, "metadata": {}},
            input_channel=DEMO_CHANNEL, message_id=message_id)
        at = datetime.fromtimestamp(self.t, UTC).isoformat()
        self.transcript.append({"sender": "customer", "text": text, "at": at})
        if typed:
            self.slot("language", self.lang)
        # The assistant's time to answer: NLU, the action, the search or the expert system.
        self._tick(self.rng.lognormvariate(-0.9, 0.6))
        return message_id

    def button(self, payload: str, intent: str, **entities: Any) -> str:
        return self.user(payload, intent, entities=list(entities.items()), typed=False)

    def typed(self, intent: str, *, family: str | None = None, serial: bool | None = None,
              values: dict[str, str] | None = None, code: bool = False) -> tuple[str, str]:
        """A training example of the intent, with this conversation's ids; (text, id)."""
        unit = self.spec.unit
        if unit is None:
            serial = False  # an anonymous visitor names no customer's machine
        pool = self.world.examples(self.lang, intent, family=family, serial=serial, code=code)
        text, entities = render(self.rng.choice(pool), {**self.ids(unit), **(values or {})})
        message_id = self.user(text, intent, entities=entities)
        if unit is not None and any(name == "serial_number" for name, _ in entities):
            self.identify(unit)
        return text, message_id

    def action(self, name: str) -> None:
        self._raw("action", name=name)

    def bot(self, text: str, custom: dict[str, Any] | None = None,
            buttons: list[dict[str, str]] | None = None) -> None:
        self._raw("bot", text=text, data={"elements": None, "quick_replies": None,
                                          "buttons": buttons, "attachment": None,
                                          "image": None, "custom": custom})
        if text:
            self.transcript.append({"sender": "assistant", "text": text,
                                    "at": datetime.fromtimestamp(self.t, UTC).isoformat()})

    def slot(self, name: str, value: Any) -> None:
        self.slots[name] = value
        self._raw("slot", name=name, value=value)

    def say(self, key: str, **values: Any) -> str:
        return self.world.say(self.lang, key, **values)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    # -- the machine -----------------------------------------------------------------------------
    def identify(self, unit: Unit) -> None:
        """The unit named: the slots the asset lookup sets."""
        if self.known == unit:
            return
        self.known = unit
        self.slot("asset_serial", unit.serial)
        self.slot("asset_model", unit.model)
        self.slot("asset_family", unit.family)
        if self.spec.customer is not None:
            self.slot("customer_id", self.spec.customer.customer_id)

    def asset_reply(self, unit: Unit) -> None:
        customer = self.spec.customer
        tier = self.world.tiers.get(customer.tier if customer else "basic", {})
        self.bot(self.say("asset_identified", model=unit.model, serial=unit.serial,
                          site=unit.site_id, customer=customer.name if customer else "",
                          tier=tier.get("name", "")),
                 {"kind": "asset", "serial": unit.serial, "model": unit.model})
        self.identify(unit)

    def give_serial(self) -> bool:
        """The customer answers "which machine?" with its serial (the customer's unit); False
        when it leaves or has none to give."""
        unit = self.spec.unit
        if unit is None or not self.chance(0.7):
            self.left = True
            return False
        self.typed("identify_asset", serial=True, values=self.ids(unit))
        self.action("action_identify_asset")
        self.asset_reply(unit)
        return True

    def ids(self, unit: Unit | None, code: str | None = None) -> dict[str, str]:
        values: dict[str, str] = {}
        if unit is not None:
            values.update(serial_number=unit.serial, equipment_model=unit.model)
            parts = self.unit_parts(unit)
            if parts:
                values["part_number"] = self.rng.choice(parts)
        if code:
            values["error_code"] = code
        return values

    def unit_parts(self, unit: Unit) -> list[str]:
        family = self.world.kb.families[unit.family]
        return sorted(p.part_no for p in family.parts.values()
                      if not p.compatible_models or unit.model in p.compatible_models)

    # -- tickets -------------------------------------------------------------------------------
    def escalate(self, reason: str, priority: str, ticket_type: str = "incident", *,
                 booking: bool = False, urgent: bool = False, text: str = "",
                 message_id: str = "") -> bool:
        """Open the escalation's ticket (asking for the serial first, unless an emergency);
        False when the customer never gave the serial."""
        if self.known is None and not urgent:
            self.bot(self.say("ask_serial_for_ticket"))
            self.slot("awaiting", "asset")
            self.slot("pending", {"task": "escalate", "text": text, "message_id": message_id,
                                  "reason": reason, "priority": priority,
                                  "ticket_type": ticket_type})
            self.escalated = not booking
            if not self.give_serial():
                return False
        self.open_ticket(reason, priority, ticket_type, booking=booking, text=text)
        return True

    def open_ticket(self, reason: str, priority: str, ticket_type: str, *, booking: bool,
                    text: str) -> OpenedTicket:
        unit, customer = self.known, self.spec.customer
        identified = unit is not None and customer is not None
        what = {"critical": "Urgent safety report", "customer_request":
                "Customer asks for an engineer", "low_confidence": "Assistant could not resolve",
                "repeated_failure": "Assistant answers did not help"}.get(reason, reason)
        if booking:
            what = "Service visit requested"
        machine = f"{unit.model} {unit.serial}" if unit else "machine not identified yet"
        snapshot = self.slots.get("diagnosis_snapshot")
        code = (snapshot or {}).get("error_code") if isinstance(snapshot, dict) else None
        family = unit.family if unit else None
        if code and (family is None or code not in self.world.kb.families[family].error_codes):
            code = None
        request = TicketRequest(
            conversation_id=self.sender, at=self.at,
            customer_id=customer.customer_id if identified and customer else None,
            serial=unit.serial if identified and unit else None, family=family,
            language=self.lang, subject=f"[demo] {what}: {machine}"[:200],
            description=(text or reason)[:4000], type=ticket_type, priority=priority,
            escalation_reason=None if booking else reason, error_code=code,
            transcript=list(self.transcript[-500:]),
            diagnosis=_ticket_diagnosis(snapshot if isinstance(snapshot, dict) else None),
            citations=list(self.slots.get("citations") or []))
        ticket = self.desk.open(request)
        self.tickets.append(ticket)
        tier = self.world.tiers.get(customer.tier if customer and identified else
                                    "premium_24_7", {})
        hours = (tier.get("response_time_h") or {}).get(ticket.priority, "")
        due = ticket.response_due_at.strftime("%Y-%m-%d %H:%M")
        key = "booking_opened" if booking else "urgent_ticket_opened" if not identified \
            else "ticket_opened"
        self.bot(self.say(key, number=ticket.number, priority=ticket.priority, hours=hours,
                          due=due, tier=tier.get("name", "")),
                 {"kind": "ticket", "ticket_number": ticket.number, "priority": ticket.priority,
                  "reason": None if booking else reason})
        self.slot("tickets", [t.number for t in self.tickets])
        self.slot("awaiting", None)
        self.slot("pending", None)
        if not booking:
            self.escalated = True
            self.mood -= 1
        return ticket


def _ticket_diagnosis(snap: dict[str, Any] | None) -> dict[str, Any] | None:
    if not snap:
        return None
    return {"observations": snap.get("observations") or {},
            "candidates": snap.get("candidates") or [],
            "trace": snap.get("trace") or [], "conclusion": snap.get("conclusion")}


# -- the scenarios ---------------------------------------------------------------------------
def _greet(chat: Chat) -> None:
    chat.typed("greet")
    chat.action("action_greet")
    chat.bot(chat.world.response("utter_greet", chat.lang))


def _feedback(chat: Chat, *, helped: float) -> bool | None:
    """The answer to "did this help?": True, False, or None (no answer)."""
    roll = chat.rng.random()
    if roll > 0.9:
        chat.left = True
        return None
    yes = roll < helped
    if chat.chance(0.75):
        chat.button("/affirm" if yes else "/deny", "affirm" if yes else "deny")
    else:
        chat.user(TYPED[chat.lang]["yes" if yes else "no"], "affirm" if yes else "deny")
    chat.action("action_handle_answer")
    chat.slot("awaiting", None)
    if yes:
        chat.bot(chat.say("glad_it_helped"))
        chat.slot("not_helped", 0)
        chat.mood += 2
    else:
        chat.mood -= 1
    return yes


def _diagnosis(chat: Chat, *, by_code: bool) -> None:
    unit = chat.spec.unit
    if unit is None:
        return _manual(chat, gap=False)
    world = chat.world
    family = world.kb.families[unit.family]
    fault = _pick_fault(chat, family)
    code: str | None = None
    if by_code:
        critical = [c for c, e in family.error_codes.items()
                    if family.severity_priority.get(e.severity) == "P1"]
        if critical and chat.chance(0.04):
            code = chat.rng.choice(sorted(critical))
        else:
            code = fault_error_code(family, fault) or chat.rng.choice(sorted(family.error_codes))
    name_serial = chat.known is None and chat.chance(0.6)
    intent = "report_error_code" if code else "report_problem"
    text, message_id = chat.typed(intent, family=unit.family, serial=name_serial,
                                  values=chat.ids(unit, code), code=bool(code))
    chat.action("action_start_diagnosis")
    if chat.known is None and not name_serial:
        chat.bot(chat.say("ask_asset"))
        chat.slot("awaiting", "asset")
        chat.slot("pending", {"task": "start_diagnosis", "text": text,
                              "message_id": message_id})
        if not chat.give_serial():
            return None
        chat.slot("pending", None)
    texts = Texts(world.kb, family, chat.lang)
    state, outcome = world.diagnoser.start(
        family=family.id, model=unit.model, serial=unit.serial, language=chat.lang,
        error_code=code, symptom=None if code else text)
    chat.slot("diagnosis_session", f"{chat.sender}:{message_id}")
    if code:
        chat.bot(chat.say("code_info", code=code,
                          title=texts.code_title(family.error_codes[code])))
    operator = Operator(family, world.diagnoser.models[family.id], fault,
                        dont_know_rate=chat.rng.choice((0.0, 0.0, 0.0, 0.0, 0.1, 0.2)),
                        wrong_at=chat.rng.choice((None,) * 10 + (0, 1)), rng=chat.rng)
    give_up = chat.rng.randint(1, 4) if chat.chance(0.09) else None
    asked = 0
    while outcome["status"] == "question":
        question = outcome["question"]
        lines = [question["text"]]
        if question.get("how_to_check"):
            lines.append(chat.say("how_to_check", how=question["how_to_check"]))
        chat.bot("\n".join(lines), {"kind": "diagnosis_question",
                                    "observation_id": question["observation_id"],
                                    "type": question["type"]})
        chat.slot("diagnosis_snapshot", snapshot(outcome))
        chat.slot("awaiting", "diagnosis")
        if give_up is not None and asked >= give_up:
            chat.left = True
            return None
        asked += 1
        oid = question["observation_id"]
        value = operator.answer(oid)
        _answer(chat, question, value, family)
        chat.action("action_handle_answer")
        outcome = world.diagnoser.answer(state, oid, value)
    _diagnosis_end(chat, state, outcome, family, texts)
    return None


def _pick_fault(chat: Chat, family: Family) -> str:
    faults = sorted(family.faults)
    # A fixed "popularity" per family: some faults are far more common than others.
    order = random.Random(f"faults:{family.id}").sample(faults, len(faults))
    weights = [1.0 / (1 + 0.45 * i) for i in range(len(order))]
    return chat.rng.choices(order, weights)[0]


def _answer(chat: Chat, question: dict[str, Any], value: Any, family: Family) -> None:
    words = TYPED[chat.lang]
    kind = question.get("type")
    if value is None:
        if chat.chance(0.8):
            chat.button("/dont_know", "dont_know")
        else:
            chat.user(words["dont_know"], "dont_know")
    elif kind == "boolean":
        if chat.chance(0.7):
            chat.button("/affirm" if value else "/deny", "affirm" if value else "deny")
        else:
            chat.user(words["yes" if value else "no"], "affirm" if value else "deny")
    elif kind == "choice":
        chat.button(f'/provide_reading{{"choice":"{value}"}}', "provide_reading",
                    choice=str(value))
    else:
        unit = family.observations[question["observation_id"]].unit
        number = f"{float(value):g}"
        if chat.lang != "en":
            number = number.replace(".", ",")
        text = f"{number} {unit}".strip() if unit else number
        entities: list[tuple[str, Any]] = [("reading_value", number)]
        if unit:
            entities.append(("reading_unit", unit))
        chat.user(text, "provide_reading", entities=entities)


def _diagnosis_end(chat: Chat, state: DiagnosisState, outcome: dict[str, Any], family: Family,
                   texts: Texts) -> None:
    kept = snapshot(outcome)
    chat.slot("diagnosis_snapshot", kept)
    chat.slot("awaiting", None)
    status = outcome["status"]
    escalation = outcome.get("escalation") or {}
    conclusion = outcome.get("conclusion")
    if status == "escalated" and escalation.get("reason") == "critical":
        chat.bot(chat.say("safety_specific", action=escalation.get("action", "")),
                 {"kind": "safety"})
        chat.bot(escalation.get("explanation") or "")
        chat.open_ticket("critical", "P1", "incident", booking=False, text=state.symptom or "")
        return
    if conclusion and (status == "concluded" or escalation.get("reason") ==
                       "safety_critical_fault"):
        confidence = float(conclusion["confidence"])
        if status == "concluded" and confidence < 0.6:
            chat.bot(conclusion.get("explanation") or chat.say("diagnosis_uncertain"))
            chat.open_ticket("low_confidence", escalation.get("priority") or "P3", "incident",
                             booking=False, text=state.symptom or "")
            return
        section = f"{FAMILY_PREFIX.get(family.id, family.id)}.fault.{conclusion['fault_id']}"
        cited = [s for s in chat.world.sections.get((family.id, chat.lang), [])
                 if s.section_id == section]
        if cited:
            chat.slot("citations", [{"document": cited[0].document,
                                     "section_id": cited[0].section_id,
                                     "section_title": cited[0].title,
                                     "language": chat.lang}])
        steps = "\n".join(f"{i}. {s}" for i, s in
                          enumerate(conclusion.get("remedy_steps") or [], 1))
        chat.bot("\n\n".join(t for t in (conclusion.get("explanation"), steps) if t),
                 {"kind": "diagnosis_conclusion", "fault_id": conclusion["fault_id"],
                  "confidence": conclusion["confidence"]})
        if status == "escalated":  # a hazardous repair: an engineer, if they agree
            chat.bot(chat.say("safety_critical_offer"))
            chat.slot("awaiting", "offer")
            chat.slot("pending", {"task": "escalate", "reason": "customer_request",
                                  "priority": escalation.get("priority") or "P2"})
            if chat.chance(0.45):
                chat.button("/affirm", "affirm")
                chat.action("action_handle_answer")
                chat.open_ticket("customer_request", escalation.get("priority") or "P2",
                                 "incident", booking=False, text=state.symptom or "")
            elif chat.chance(0.8):
                chat.button("/deny", "deny")
                chat.action("action_handle_answer")
                chat.bot(chat.say("offer_declined"))
                chat.slot("awaiting", None)
                chat.slot("pending", None)
            return
        chat.bot(chat.say("did_this_help"), {"kind": "feedback_request"})
        chat.slot("awaiting", "feedback")
        chat.slot("last_answer", "diagnosis")
        helped = _feedback(chat, helped=0.8 if confidence >= 0.85 else 0.6)
        if helped is False:
            chat.bot(chat.say("not_helped_retry"))
            chat.slot("not_helped", 1)
            if chat.chance(0.45):
                _human(chat)
        return
    # No cause found: an engineer takes the case.
    chat.bot(escalation.get("explanation") or chat.say("diagnosis_uncertain"))
    chat.open_ticket("low_confidence", escalation.get("priority") or "P3", "incident",
                     booking=False, text=state.symptom or "")


def _section_for(chat: Chat, family: str | None, text: str) -> ManualSection | None:
    if family is None:
        named = _example(text).families
        family = next(iter(sorted(named)), None) or chat.rng.choice(sorted(FAMILY_PREFIX))
    sections = chat.world.sections.get((family, chat.lang)) or \
        chat.world.sections.get((family, "en")) or []
    return chat.rng.choice(sections) if sections else None


def _manual(chat: Chat, *, gap: bool, attempt: int = 1) -> None:
    unit = chat.spec.unit
    family = unit.family if unit else None
    if gap:
        text = chat.rng.choice(GAP_QUESTIONS[chat.lang])
        message_id = chat.user(text, "ask_how_to")
    else:
        name_serial = unit is not None and chat.known is None and chat.chance(0.15)
        text, message_id = chat.typed("ask_how_to", family=family, serial=name_serial)
    chat.action("action_answer_manual")
    low_score = chat.chance(0.4 if gap else 0.04)
    section = None if low_score else _section_for(chat, family, text)
    if section is None:
        chat.bot(chat.say("manual_nothing"))
        chat.escalate("low_confidence", "P3", "question", text=text, message_id=message_id)
        return
    score = round(chat.rng.uniform(0.36, 0.62) if gap else
                  min(1.6, chat.rng.lognormvariate(-0.1, 0.3)), 4)
    chat.bot(chat.say("manual_answer", excerpt=section.title),
             {"kind": "manual_answer", "document": section.document,
              "section_id": section.section_id, "topics": list(section.topics),
              "score": max(score, 0.36)})
    chat.bot(chat.say("did_this_help"), {"kind": "feedback_request"})
    chat.slot("awaiting", "feedback")
    chat.slot("pending", None)
    chat.slot("last_answer", "manual")
    chat.slot("citations", [{"document": section.document, "section_id": section.section_id,
                             "section_title": section.title, "language": section.language}])
    helped = _feedback(chat, helped=0.25 if gap else 0.72)
    if helped is not False:
        return
    if attempt >= 2:  # "that didn't help" twice: an engineer
        chat.escalate("repeated_failure", "P3", text=text, message_id=message_id)
        return
    chat.bot(chat.say("not_helped_retry"))
    chat.slot("not_helped", 1)
    if chat.chance(0.6):
        _manual(chat, gap=chat.chance(0.4), attempt=attempt + 1)
    elif chat.chance(0.3):
        _human(chat)


def _needs_unit(chat: Chat, action: str, message: str = "ask_asset") -> bool:
    """The unit the answer is about: named already, or asked for (False: never given)."""
    if chat.known is not None:
        return True
    chat.bot(chat.say(message))
    chat.slot("awaiting", "asset")
    chat.slot("pending", {"task": action.removeprefix("action_")})
    if not chat.give_serial():
        return False
    chat.slot("pending", None)
    return True


def _maintenance(chat: Chat) -> None:
    unit = chat.spec.unit
    name = unit is not None and chat.known is None and chat.chance(0.5)
    chat.typed("ask_maintenance", family=unit.family if unit else None, serial=name,
               values=chat.ids(unit))
    chat.action("action_answer_maintenance")
    if not _needs_unit(chat, "action_answer_maintenance", "ask_model_for_maintenance") \
            or chat.known is None:
        return
    chat.bot(chat.say("maintenance_header", model=chat.known.model),
             {"kind": "maintenance", "model": chat.known.model})
    chat.mood += 1


def _spare_part(chat: Chat) -> None:
    unit = chat.spec.unit
    name = unit is not None and chat.known is None and chat.chance(0.25)
    chat.typed("ask_spare_part", family=unit.family if unit else None, serial=name,
               values=chat.ids(unit))
    chat.action("action_answer_spare_part")
    target = chat.known or unit
    parts = chat.unit_parts(target) if target else []
    if not parts or chat.chance(0.12):
        chat.bot(chat.say("part_not_found"))
        chat.mood -= 1
        return
    chosen = chat.rng.sample(parts, min(len(parts), chat.rng.choice((1, 1, 2, 3))))
    assert target is not None
    family = chat.world.kb.families[target.family]
    texts = Texts(chat.world.kb, family, chat.lang)
    lines = []
    for part_no in chosen:
        part = family.parts[part_no]
        lines.append(chat.say("part_answer", part_no=part_no, name=texts.part_name(part_no),
                              price=f"{part.price_eur:.2f}",
                              availability=chat.say("part_in_stock_elsewhere",
                                                    count=sum(part.stock.values())),
                              days=f"{part.lead_time_days:g}",
                              models=", ".join(part.compatible_models)))
    chat.bot("\n".join(lines), {"kind": "spare_part", "part_numbers": chosen})
    chat.mood += 1


def _contract(chat: Chat) -> None:
    customer = chat.spec.customer
    chat.typed("ask_contract")
    chat.action("action_answer_contract")
    if customer is None:
        chat.bot(chat.say("verify_for_customer_data"))
        return
    if not _needs_unit(chat, "action_answer_contract"):
        return
    tier = chat.world.tiers.get(customer.tier, {})
    chat.bot(chat.say("contract_header", customer=customer.name, tier=tier.get("name", ""),
                      window=tier.get("coverage_window", "")),
             {"kind": "contract", "tier": customer.tier})
    chat.mood += 1


def _ticket_status(chat: Chat) -> None:
    customer = chat.spec.customer
    chat.typed("ticket_status")
    chat.action("action_ticket_status")
    numbers = chat.desk.recent_numbers(customer.customer_id, chat.at) if customer else []
    if not numbers:
        chat.bot(chat.say("ticket_status_none" if customer else "ticket_status_guest_none"))
        return
    chat.bot(chat.say("ticket_status_header"), {"kind": "ticket_status",
                                                "ticket_numbers": numbers[:5]})


def _booking(chat: Chat) -> None:
    unit = chat.spec.unit
    name = unit is not None and chat.known is None and chat.chance(0.5)
    text, _ = chat.typed("book_service_visit", family=unit.family if unit else None,
                         serial=name, values=chat.ids(unit))
    chat.action("action_book_visit")
    if not _needs_unit(chat, "action_book_visit"):
        return
    chat.open_ticket("customer_request", "P4", "service_request", booking=True, text=text)
    chat.mood += 1


def _human(chat: Chat) -> None:
    unit = chat.spec.unit
    text, message_id = chat.typed("talk_to_human", family=unit.family if unit else None,
                                  serial=False, values=chat.ids(unit))
    chat.action("action_talk_to_human")
    chat.escalate("customer_request", "P3", text=text, message_id=message_id)


def _urgent(chat: Chat) -> None:
    unit = chat.spec.unit
    name = unit is not None and chat.known is None and chat.chance(0.45)
    text, _ = chat.typed("urgent_safety", family=unit.family if unit else None, serial=name,
                         values=chat.ids(unit))
    chat.action("action_urgent_safety")
    chat.bot(chat.say("safety_generic"), {"kind": "safety"})
    ticket = chat.open_ticket("critical", "P1", "incident", booking=False, text=text)
    if chat.known is None:
        chat.bot(chat.say("urgent_ticket_ask_serial"))
        chat.slot("awaiting", "asset")
        chat.slot("pending", {"task": "identify_ticket", "ticket_id": ticket.ticket_id})
        if unit is not None and chat.chance(0.75):
            chat.typed("identify_asset", serial=True, values=chat.ids(unit))
            chat.action("action_identify_asset")
            chat.asset_reply(unit)
            chat.desk.identify(ticket, unit.serial, chat.at)
            chat.bot(chat.say("ticket_identified", number=ticket.number, model=unit.model,
                              serial=unit.serial))
            chat.slot("pending", None)
            chat.slot("awaiting", None)


def _out_of_domain(chat: Chat) -> None:
    chat.typed("out_of_scope")
    chat.action("action_out_of_scope")
    chat.bot(chat.say("out_of_domain"), {"kind": "out_of_domain"})
    if chat.chance(0.12):
        _human(chat)


def _fallback(chat: Chat) -> None:
    texts = FALLBACK_TEXTS[chat.lang]
    message_id = chat.user(chat.rng.choice(texts), "nlu_fallback", confidence=0.35)
    chat.action("action_handle_fallback")
    chat.bot(chat.say("please_rephrase"))
    if chat.chance(0.3):
        text = chat.rng.choice(texts + GAP_QUESTIONS[chat.lang])
        message_id = chat.user(text, "nlu_fallback", confidence=0.35)
        chat.action("action_handle_fallback")
        chat.bot(chat.say("offer_human_after_misses"))
        chat.escalate("low_confidence", "P3", "question", text=text, message_id=message_id)
    elif chat.chance(0.5):
        SCENARIOS[chat.rng.choice(("manual", "diagnosis_problem", "spare_part"))](chat)


def _small_talk(chat: Chat) -> None:
    if not chat.events or all(e["event"] != "user" for e in chat.events):
        _greet(chat)


def _close(chat: Chat) -> None:
    if chat.left:
        return
    if chat.chance(0.35):
        chat.typed("thank")
        chat.action("action_thank")
        chat.bot(chat.world.response("utter_you_are_welcome", chat.lang))
    if chat.chance(0.4):
        chat.typed("goodbye")
        chat.action("action_goodbye")
        chat.bot(chat.world.response("utter_goodbye", chat.lang))
        chat.slot("awaiting", None)
        chat.slot("pending", None)
        buttons = [{"title": f"{n} \u2605",
                    "payload": f'/rate_conversation{{"rating":"{n}"}}'} for n in range(1, 6)]
        chat.bot(chat.say("rate_prompt"), {"kind": "rating_request"}, buttons)
        if chat.chance(0.5):
            base = 4.2 + 0.35 * chat.mood - (0.8 if chat.escalated else 0.0)
            rating = max(1, min(5, round(chat.rng.gauss(base, 0.8))))
            chat.button(f'/rate_conversation{{"rating":"{rating}"}}', "rate_conversation",
                        rating=str(rating))
            chat.action("action_rate_conversation")
            chat.bot(chat.say("rate_thanks"), {"kind": "rating", "rating": rating})
    if chat.events[-1].get("name") != "action_listen":
        chat.action("action_listen")


SCENARIOS: dict[str, Callable[[Chat], None]] = {
    "diagnosis_code": lambda chat: _diagnosis(chat, by_code=True),
    "diagnosis_problem": lambda chat: _diagnosis(chat, by_code=False),
    "manual": lambda chat: _manual(chat, gap=False),
    "manual_gap": lambda chat: _manual(chat, gap=True),
    "maintenance": _maintenance,
    "spare_part": _spare_part,
    "contract": _contract,
    "ticket_status": _ticket_status,
    "booking": _booking,
    "human": _human,
    "urgent": _urgent,
    "out_of_domain": _out_of_domain,
    "fallback": _fallback,
    "small_talk": _small_talk,
}
# How often each comes up: what a service desk's chat sees in a quarter.
WEIGHTS = {"diagnosis_code": 17, "diagnosis_problem": 12, "manual": 18, "manual_gap": 3,
           "maintenance": 8, "spare_part": 9, "contract": 3, "ticket_status": 6,
           "booking": 1.6, "human": 1.6, "urgent": 0.8, "out_of_domain": 6, "fallback": 5,
           "small_talk": 4}
# An anonymous visitor (no customer, no unit) asks only what needs no machine.
GUEST = {"manual": 5, "manual_gap": 3, "out_of_domain": 4, "fallback": 4, "small_talk": 2,
         "human": 1}
FOLLOW_UPS = ("manual", "maintenance", "spare_part", "ticket_status")


def play(world: World, desk: Desk, spec: Spec) -> Played:
    """The events of one conversation (tickets opened through `desk` on the way)."""
    chat = Chat(world, desk, spec)
    if spec.scenario == "small_talk" or chat.chance(0.55):
        _greet(chat)
    SCENARIOS[spec.scenario](chat)
    if not chat.left and not chat.escalated and spec.unit is not None and chat.chance(0.12):
        SCENARIOS[chat.rng.choice(FOLLOW_UPS)](chat)
    _close(chat)
    return Played(spec, chat.events, chat.tickets)


def event_line(event: dict[str, Any]) -> str:
    """One event as a line of JSON (for --dump)."""
    return json.dumps(event, ensure_ascii=False, sort_keys=True)
