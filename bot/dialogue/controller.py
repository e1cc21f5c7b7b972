"""The conversation's decisions, one method per bot action: what to answer, which service to
call, when to hand over to an engineer. Free of Rasa: actions pass a `Turn` in and turn the
`Outcome` into messages and slot events (bot/actions/support.py).

State lives in slots (see bot/domain.yml): the identified machine, what the assistant is
waiting for (`awaiting`: asset, diagnosis, feedback or offer), a task put aside until the
machine is known (`pending`), the diagnostic session, counters, tickets opened."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.dialogue import answers, diagnosis_view
from bot.dialogue.escalation import Escalation, EscalationPolicy, Signal
from bot.dialogue.extract import Mentions, mentions, names_ticket, strip_ids, ticket_number
from bot.dialogue.messages import language_or_default, say
from bot.dialogue.questions import asks_for_part, asks_how
from bot.dialogue.replies import Button, Reply, intent_payload
from bot.dialogue.service import AssetInfo, ServiceData
from bot.triage.triage import Route, Triage, Verdict, default_triage
from db.diagnostics import SessionNotFoundError, create_session, get_session, save_session
from rules.diagnosis import AnswerError, Diagnoser, DiagnosisState
from rules.i18n import Texts
from rules.symptoms import match_symptom
from tickets import spool
from tickets.catalog import Catalog
from tickets.domain import Actor, NewTicket
from tickets.errors import TicketNotFoundError, UnknownReferenceError
from tickets.incidents import add_report, open_incident
from tickets.store import TicketFilter, create_ticket, identify_customer, list_tickets

logger = logging.getLogger(__name__)

ASSISTANT = spool.ASSISTANT
FEEDBACK_INTENTS = ("affirm", "deny")
# What a message that also names its machine may ask, and the handler that answers it.
QUESTION_HANDLERS = {
    "ask_how_to": "answer_manual", "ask_spare_part": "answer_spare_part",
    "ask_maintenance": "answer_maintenance", "ask_contract": "answer_contract",
    "report_problem": "start_diagnosis", "report_error_code": "start_diagnosis",
    "book_service_visit": "book_visit", "ticket_status": "ticket_status",
    "talk_to_human": "talk_to_human",
}
QUESTION_MIN_CONFIDENCE = 0.1
# Actions NLU may choose for a request to buy a part ("the solenoid is dead, can I order one?").
PART_TOPICS = frozenset({"action_start_diagnosis", "action_answer_maintenance",
                         "action_handle_fallback", "action_handle_answer",
                         "action_answer_manual"})
PART_MIN_SCORE = 2.0  # how well the part's name must match (answers.match_parts)
# Actions whose topic a "how do I" question may be about; it gets the manual's procedure.
HOW_TO_TOPICS = frozenset({"action_start_diagnosis", "action_answer_maintenance",
                           "action_answer_spare_part", "action_handle_fallback"})
OPEN = ("new", "triaged", "assigned", "in_progress", "waiting_customer")


@dataclass
class Turn:
    """The latest user message and what the conversation knows."""

    sender: str
    intent: str
    text: str
    language: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    message_id: str = ""  # stable per user message: the idempotency of its escalation
    ranking: list[tuple[str, float]] = field(default_factory=list)  # NLU's intents, best first

    def slot(self, name: str, default: Any = None) -> Any:
        value = self.slots.get(name)
        return default if value is None else value


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)

    def say(self, reply: Reply | str) -> None:
        self.replies.append(reply if isinstance(reply, Reply) else Reply(reply))


@dataclass
class Services:
    engine: Engine
    diagnoser: Diagnoser
    service: ServiceData
    catalog: Catalog
    policy: EscalationPolicy
    spool_dir: Path
    searcher: Callable[[], Any] | None = None  # loads the index; raises when none is built
    triage: Triage | None = None  # None: the one trained from bot/data (default_triage)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(ZoneInfo("UTC")))


class Controller:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- entry -------------------------------------------------------------------------------
    def run(self, action: str, turn: Turn) -> Outcome:
        turn.language = language_or_default(turn.language)
        out = Outcome()
        found = mentions(turn.text, turn.entities)
        handler = getattr(self, action.removeprefix("action_"), None)
        if handler is None:
            raise ValueError(f"no dialogue handler for {action}")
        if action == "action_message_too_long":
            handler(turn, found, out)
            return out
        if turn.slot("awaiting") == "safety_check" and self._safety_answer(turn, out):
            return out
        number = turn.intent == "ticket_status" and names_ticket(turn.text)
        confidence = next((c for i, c in turn.ranking if i == turn.intent), 1.0)
        verdict = self._triage().route(
            turn.text, intent=turn.intent, confidence=confidence,
            awaiting=turn.slot("awaiting"), has_id=bool(
                found.serial or found.model or found.error_code or found.part_number or number),
            machine_known=bool(turn.slot("asset_serial") or turn.slot("asset_model")))
        route = verdict.route
        if action == "action_urgent_safety" and route is not Route.DANGER:
            # NLU hears danger where the triage does not: ask rather than guess either way.
            route = Route.SAFETY_CHECK
        if route is Route.FLOW:
            action, handler = self._flow(action, handler, turn, found, verdict)
        if route is Route.DANGER:
            self.urgent_safety(turn, found, out)
        elif route is Route.SAFETY_CHECK:
            out.say(Reply(say("safety_check_question", turn.language),
                          [Button(say("button_yes", turn.language), intent_payload("affirm")),
                           Button(say("button_no", turn.language), intent_payload("deny"))],
                          custom={"kind": "safety_check"}))
            out.slots.update(awaiting="safety_check", pending={
                "task": "safety_check", "action": action, "intent": turn.intent,
                "text": turn.text, "message_id": turn.message_id,
                "awaiting": turn.slot("awaiting"), "pending": turn.slot("pending")})
        elif route is Route.OUT_OF_DOMAIN:
            self.out_of_scope(turn, found, out)
        elif route is Route.UNSUPPORTED_LANGUAGE:
            out.say(Reply(say("unsupported_language", turn.language),
                          [self._engineer_button(turn)]))
        else:
            handler(turn, found, out)
        return out

    def _triage(self) -> Triage:
        return self.s.triage or default_triage()

    def _flow(self, action: str, handler: Callable[..., None], turn: Turn, found: Mentions,
              verdict: Verdict) -> tuple[str, Callable[..., None]]:
        """The flow a message the triage let through goes to: NLU's choice, unless the
        message says otherwise."""
        if action == "action_out_of_scope" and (
                verdict.out_of_domain is None or
                verdict.out_of_domain < self._triage().thresholds.out_of_domain_bare):
            # NLU calls it out of scope, the triage hears the domain: ask, don't send away.
            action, handler = "action_handle_fallback", self.handle_fallback
        # A fallback that names a machine identifies it first (and answers the question then).
        free = turn.slot("awaiting") is None and not (
            action == "action_handle_fallback" and (found.serial or found.model))
        if free and action in HOW_TO_TOPICS and asks_how(turn.text):
            # "How do I ...?" about a fault, a maintenance task or a part wants the procedure.
            return action, self.answer_manual
        if free and action in PART_TOPICS and self._asks_for_part(turn, found):
            # "Price of the load solenoid for ...": NLU heard a fault; the customer buys a part.
            return action, self.answer_spare_part
        return action, handler

    def _safety_answer(self, turn: Turn, out: Outcome) -> bool:
        """The answer to "is anyone in danger right now?": yes -> the danger path with the
        message that raised the question; no -> that message's own flow. Anything else is a new
        message, and the question is dropped."""
        pending = turn.slot("pending") or {}
        out.slots.update(awaiting=pending.get("awaiting"), pending=pending.get("pending"))
        turn.slots.update(awaiting=pending.get("awaiting"), pending=pending.get("pending"))
        if turn.intent not in FEEDBACK_INTENTS or pending.get("task") != "safety_check":
            return False
        original = Turn(turn.sender, str(pending.get("intent") or ""),
                        str(pending.get("text") or ""), turn.language, [], turn.slots,
                        turn.events, str(pending.get("message_id") or turn.message_id))
        found = mentions(original.text)
        if turn.intent == "affirm":
            self.urgent_safety(original, found, out)
            return True
        action = str(pending.get("action") or "")
        handler = getattr(self, action.removeprefix("action_"), None)
        if handler is None or action == "action_urgent_safety":
            out.say(say("how_can_i_help", turn.language))
        else:
            handler(original, found, out)
        return True

    # -- machine identification ------------------------------------------------------------
    def _asset(self, turn: Turn, found: Mentions, out: Outcome) -> AssetInfo | None:
        """The machine the conversation is about: named now, or identified earlier."""
        serial = found.serial or turn.slot("asset_serial")
        model = found.model or turn.slot("asset_model")
        asset = self.s.service.asset(serial=serial, model=model)
        if found.serial and (asset is None or asset.serial is None):
            out.say(say("serial_unknown", turn.language, serial=found.serial))
            out.slots["asset_serial"] = None
            if asset is None and turn.slot("asset_serial"):
                asset = self.s.service.asset(serial=turn.slot("asset_serial"))
        if asset is not None:
            out.slots.update(asset_serial=asset.serial, asset_model=asset.model,
                             asset_family=asset.family, customer_id=asset.customer_id)
            turn.slots.update(out.slots)
        return asset

    def _ask_asset(self, turn: Turn, out: Outcome, task: dict[str, Any], *,
                   serial: bool = False) -> None:
        out.say(say("ask_serial_for_ticket" if serial else "ask_asset", turn.language))
        out.slots.update(awaiting="asset", pending={**task, "text": turn.text,
                                                   "message_id": turn.message_id})

    def identify_asset(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        if asset is None:
            if not found.serial:
                out.say(say("ask_asset", turn.language))
            return
        if asset.serial:
            tier = self.s.service.tier(asset.tier or "basic")["name"]
            out.say(Reply(say("asset_identified", turn.language, model=asset.model,
                              serial=asset.serial, site=asset.site_name or "",
                              customer=asset.customer_name or "", tier=tier),
                          custom={"kind": "asset", "serial": asset.serial,
                                  "model": asset.model}))
        else:
            out.say(Reply(say("asset_model_only", turn.language, model=asset.model),
                          custom={"kind": "asset", "model": asset.model}))
        pending = turn.slot("pending")
        question = self._question_beside_id(turn)
        if turn.slot("awaiting") == "asset" and isinstance(pending, dict):
            out.slots.update(awaiting=None, pending=None)
            turn.slots.update(awaiting=None, pending=None)
            self._resume(pending, turn, out)
        elif question is not None:
            # "How do I vent the pump P100-2021-00542?": the machine is known now; the
            # question is answered, not lost.
            getattr(self, question)(turn, mentions(turn.text, turn.entities), out)
        elif turn.slot("awaiting") is None:
            out.say(say("ask_problem", turn.language))

    def _question_beside_id(self, turn: Turn) -> str | None:
        """The handler of what a message asks besides naming its machine, when it asks
        something: the best NLU intent after `identify_asset`, if the words left without the
        ids are a sentence (a bare serial asks nothing)."""
        if len(strip_ids(turn.text).split()) < 3:
            return None
        if asks_how(turn.text):
            return "answer_manual"
        if self._asks_for_part(turn, mentions(turn.text, turn.entities)):
            return "answer_spare_part"
        for intent, confidence in turn.ranking:
            if intent in ("identify_asset", "nlu_fallback"):
                continue
            if confidence >= QUESTION_MIN_CONFIDENCE and intent in QUESTION_HANDLERS:
                return QUESTION_HANDLERS[intent]
            return None
        return None

    def _resume(self, pending: dict[str, Any], turn: Turn, out: Outcome) -> None:
        """Carry on with the task that waited for the machine to be known."""
        task = pending.get("task")
        if task == "identify_ticket":
            self._identify_ticket(pending, turn, out)
            return
        original = Turn(turn.sender, turn.intent, str(pending.get("text") or ""),
                        turn.language, [], turn.slots, turn.events,
                        str(pending.get("message_id") or turn.message_id))
        found = mentions(original.text)
        if task == "escalate":
            escalation = Escalation(pending["reason"], pending["priority"],
                                    pending.get("ticket_type", "incident"))
            self._escalate(original, out, escalation, subject_hint=pending.get("subject"))
        elif task in ("start_diagnosis", "answer_maintenance", "answer_contract",
                      "book_visit", "ticket_status", "answer_spare_part"):
            getattr(self, task)(original, found, out)

    # -- simple replies ----------------------------------------------------------------------
    def greet(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        out.say(Reply("", response="utter_greet"))

    def goodbye(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        out.say(Reply("", response="utter_goodbye"))
        out.slots.update(awaiting=None, pending=None)

    def thank(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        out.say(Reply("", response="utter_you_are_welcome"))

    def out_of_scope(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        """NLU's `out_of_scope`: the same honest answer as the triage's."""
        out.say(Reply(say("out_of_domain", turn.language), [self._engineer_button(turn)],
                      custom={"kind": "out_of_domain"}))

    def message_too_long(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        length = next((e.get("value") for e in turn.entities if e.get("entity") == "length"),
                      None)
        limit = next((e.get("value") for e in turn.entities if e.get("entity") == "limit"),
                     None)
        out.say(Reply(say("message_too_long", turn.language, length=length or "?",
                          limit=limit or "?"), [self._engineer_button(turn)]))

    def _engineer_button(self, turn: Turn) -> Button:
        return Button(say("button_talk_to_engineer", turn.language),
                      intent_payload("talk_to_human"))

    # -- low NLU confidence ------------------------------------------------------------------
    def handle_fallback(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        awaiting = turn.slot("awaiting")
        if awaiting == "diagnosis" and self._diagnosis_answer(turn, found, out, strict=True):
            return
        misses = consecutive_fallbacks(turn.events)
        if awaiting == "diagnosis" and self.s.policy.decide(Signal.NLU_MISS, count=misses) \
                is None and self._diagnosis_answer(turn, found, out):
            return  # not an answer: said so, and the question is asked again
        if awaiting == "asset" and (found.serial or found.model):
            self.identify_asset(turn, found, out)
            return
        if found.serial or found.model:
            self.identify_asset(turn, found, out)
            return
        if found.error_code:
            self.start_diagnosis(turn, found, out)
            return
        escalation = self.s.policy.decide(Signal.NLU_MISS, count=misses)
        if escalation is None:
            out.say(Reply(say("please_rephrase", turn.language),
                          [self._engineer_button(turn)]))
            return
        out.say(say("offer_human_after_misses", turn.language))
        self._escalate(turn, out, escalation)

    # -- guided diagnosis --------------------------------------------------------------------
    def start_diagnosis(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        code = found.error_code
        family = asset.family if asset else None
        kb = self.s.diagnoser.kb
        if family is None and code:
            fam = kb.family_for(error_code=code)
            family = fam.id if fam else None
        if family is None:
            self._ask_asset(turn, out, {"task": "start_diagnosis"})
            return
        fam = kb.families[family]
        if code and code not in fam.error_codes:
            code = None
        try:
            state, outcome = self.s.diagnoser.start(
                family=family, model=asset.model if asset else None,
                serial=asset.serial if asset else None, language=turn.language,
                error_code=code, symptom=turn.text)
        except AnswerError:
            logger.exception("diagnosis could not start for %s", turn.sender)
            out.say(say("ask_problem", turn.language))
            return
        if code:
            out.say(say("code_info", turn.language, code=code,
                        title=self._code_title(family, code, turn.language)))
        session_id = f"{turn.sender[:60]}:{turn.message_id[:60]}"
        try:
            create_session(self.s.engine, session_id=session_id, family=state.family,
                           language=state.language, status=outcome["status"],
                           state=state.to_dict())
        except SQLAlchemyError:
            # Retried delivery of the same message: the session exists already.
            logger.info("diagnostic session %s exists; reusing it", session_id)
        out.slots["diagnosis_session"] = session_id
        self._diagnosis_outcome(turn, out, outcome, family, asset)

    def _code_title(self, family: str, code: str, language: str) -> str:
        fam = self.s.diagnoser.kb.families[family]
        return Texts(self.s.diagnoser.kb, fam, language).code_title(fam.error_codes[code])

    def _diagnosis_outcome(self, turn: Turn, out: Outcome, outcome: dict[str, Any],
                           family: str, asset: AssetInfo | None) -> None:
        status = outcome["status"]
        out.slots["diagnosis_snapshot"] = snapshot(outcome)
        if status == "question":
            out.replies.extend(diagnosis_view.question_replies(outcome["question"],
                                                               turn.language))
            out.slots["awaiting"] = "diagnosis"
            return
        out.slots["awaiting"] = None
        conclusion = outcome.get("conclusion")
        escalation_info = outcome.get("escalation") or {}
        decision = self.s.policy.decide(
            Signal.DIAGNOSIS, diagnosis_status=status,
            diagnosis_reason=escalation_info.get("reason"),
            diagnosis_priority=escalation_info.get("priority"),
            diagnosis_confidence=conclusion.get("confidence") if conclusion else None)
        if decision is not None and decision.safety_first:
            out.say(Reply(say("safety_specific", turn.language,
                              action=escalation_info.get("action", "")),
                          custom={"kind": "safety"}))
            out.say(escalation_info.get("explanation") or "")
            self._escalate(turn, out, decision)
            return
        if conclusion and (decision is None or decision.offer_only):
            citation, cites = self._fault_citation(conclusion, family, asset, turn.language)
            replies = diagnosis_view.conclusion_replies(
                conclusion, turn.language, service=self.s.service,
                region=asset.region if asset else None, citation=citation)
            out.slots["citations"] = cites
            if decision is not None:  # safety-critical repair: an engineer, if they agree
                out.replies.append(replies[0])
                out.say(Reply(say("safety_critical_offer", turn.language),
                              [Button(say("button_yes", turn.language), intent_payload("affirm")),
                               Button(say("button_no", turn.language), intent_payload("deny"))]))
                out.slots.update(awaiting="offer", pending={
                    "task": "escalate", "reason": decision.reason,
                    "priority": decision.priority, "text": turn.text,
                    "message_id": turn.message_id})
                return
            out.replies.extend(replies)
            out.slots.update(awaiting="feedback", last_answer="diagnosis")
            return
        out.say(escalation_info.get("explanation") or say("diagnosis_uncertain", turn.language))
        if decision is not None:
            self._escalate(turn, out, decision)

    def _diagnosis_answer(self, turn: Turn, found: Mentions, out: Outcome, *,
                          strict: bool = False) -> bool:
        """Apply the customer's answer to the pending question; False if it is no answer."""
        session_id = turn.slot("diagnosis_session")
        if not session_id:
            return False
        try:
            row = get_session(self.s.engine, session_id=session_id)
        except SessionNotFoundError:
            return False
        state = DiagnosisState.from_dict(row.state)
        if not state.pending:
            return False
        fam = self.s.diagnoser.kb.families[state.family]
        obs = fam.observations[state.pending]
        value: Any
        unit = None
        if turn.intent == "dont_know":
            value = None
        elif obs.type == "boolean":
            if turn.intent not in FEEDBACK_INTENTS:
                if strict:
                    return False
                out.say(say("answer_not_understood", turn.language, problem=""))
                self._repeat_question(turn, out, state)
                return True
            value = turn.intent == "affirm"
        elif obs.type == "choice":
            value = found.choice or self._match_choice(turn.text, obs, state)
            if value is None:
                if strict:
                    return False
                out.say(say("answer_not_understood", turn.language, problem=""))
                self._repeat_question(turn, out, state)
                return True
        else:
            if found.reading is None:
                if strict:
                    return False
                out.say(say("answer_not_understood", turn.language, problem=""))
                self._repeat_question(turn, out, state)
                return True
            value, unit = found.reading.value, found.reading.unit
        try:
            outcome = self.s.diagnoser.answer(state, obs.id, value, unit)
        except AnswerError as exc:
            out.say(say("answer_not_understood", turn.language, problem=exc.message))
            self._repeat_question(turn, out, state)
            return True
        save_session(self.s.engine, session_id=session_id, expected_version=row.version,
                     status=outcome["status"], state=state.to_dict())
        asset = self.s.service.asset(serial=turn.slot("asset_serial"),
                                     model=turn.slot("asset_model"))
        self._diagnosis_outcome(turn, out, outcome, state.family, asset)
        return True

    def _repeat_question(self, turn: Turn, out: Outcome, state: DiagnosisState) -> None:
        outcome = self.s.diagnoser.evaluate(state)
        if outcome.get("question"):
            out.replies.extend(diagnosis_view.question_replies(outcome["question"],
                                                               turn.language))

    def _match_choice(self, text: str, obs: Any, state: DiagnosisState) -> str | None:
        texts = Texts(self.s.diagnoser.kb, self.s.diagnoser.kb.families[state.family],
                      state.language)
        folded = text.strip().casefold()
        for choice in obs.choices:
            if folded in (choice.casefold(), choice.replace("_", " ").casefold(),
                          texts.choice_label(obs, choice).casefold()):
                return str(choice)
        return None

    def _fault_citation(self, conclusion: dict[str, Any], family: str,
                        asset: AssetInfo | None, language: str
                        ) -> tuple[str | None, list[dict[str, Any]]]:
        """The manual section about the concluded fault (its `topics` name the fault id)."""
        hits = self._search(conclusion["fault_name"], language=language, family=family, k=10)
        for hit in hits:
            if conclusion["fault_id"] in (hit.topics or ()):
                return self._citation_text(hit, language), [citation(hit)]
        return None, []

    # -- answers from the manuals ------------------------------------------------------------
    def _search(self, query: str, *, language: str, family: str | None, k: int,
                model: str | None = None, procedures: bool = False) -> list[Any]:
        if self.s.searcher is None:
            return []
        try:
            searcher = self.s.searcher()
            if model not in getattr(searcher, "models", ()):
                model = None  # a model no manual names: its family's manuals answer
            return list(searcher.search(query, language=language, family=family, model=model,
                                        k=k, procedures=procedures).hits)
        except Exception:  # noqa: BLE001 - no index, a broken one: answer without manuals
            logger.exception("manual search failed")
            return []

    def _citation_text(self, hit: Any, language: str) -> str:
        page = say("citation_page", language, page=hit.page) if hit.page else ""
        return say("citation", language, document=hit.document, section=hit.section_title,
                   page=page)

    def answer_manual(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        # The machine's id filters the manuals; as a query word it would match the model
        # table, not the task asked about.
        hits = self._search(strip_ids(turn.text) or turn.text, language=turn.language,
                            family=asset.family if asset else None,
                            model=asset.model if asset else None, k=3, procedures=True)
        best = hits[0] if hits else None
        escalation = self.s.policy.decide(Signal.RETRIEVAL_SCORE,
                                          score=best.score if best else None)
        if best is None or escalation is not None:
            out.say(say("manual_nothing", turn.language))
            self._escalate(turn, out, escalation or Escalation("low_confidence", "P3",
                                                               "question"))
            return
        out.say(Reply(say("manual_answer", turn.language, excerpt=excerpt(best.text)) + "\n\n"
                      + self._citation_text(best, turn.language),
                      custom={"kind": "manual_answer", "document": best.document,
                              "section_id": best.section_id, "topics": list(best.topics),
                              "score": round(best.score, 4)}))
        out.say(diagnosis_view.helpful_question(turn.language))
        out.slots.update(awaiting="feedback", last_answer="manual",
                         citations=[citation(best)])

    # -- answers to yes / no / don't know / a reading ------------------------------------------
    def handle_answer(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        awaiting = turn.slot("awaiting")
        if awaiting == "diagnosis" and self._diagnosis_answer(turn, found, out):
            return
        if awaiting == "feedback" and turn.intent in FEEDBACK_INTENTS:
            self._feedback(turn, out)
            return
        if awaiting == "offer" and turn.intent in FEEDBACK_INTENTS:
            pending = turn.slot("pending") or {}
            out.slots.update(awaiting=None, pending=None)
            if turn.intent == "affirm" and pending.get("task") == "escalate":
                self._resume(pending, turn, out)
            else:
                out.say(say("offer_declined", turn.language))
            return
        if awaiting == "asset":
            if found.serial or found.model:
                self.identify_asset(turn, found, out)
            else:
                out.say(say("ask_asset", turn.language))
            return
        out.say(say("how_can_i_help", turn.language))

    def _feedback(self, turn: Turn, out: Outcome) -> None:
        out.slots["awaiting"] = None
        if turn.intent == "affirm":
            out.slots["not_helped"] = 0
            out.say(say("glad_it_helped", turn.language))
            return
        count = int(turn.slot("not_helped", 0) or 0) + 1
        out.slots["not_helped"] = count
        escalation = self.s.policy.decide(Signal.NOT_HELPED, count=count)
        if escalation is None:
            out.say(Reply(say("not_helped_retry", turn.language),
                          [self._engineer_button(turn)]))
            return
        out.slots["not_helped"] = 0
        self._escalate(turn, out, escalation)

    # -- service data answers ------------------------------------------------------------------
    def answer_maintenance(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        if asset is None:
            out.say(say("ask_model_for_maintenance", turn.language))
            out.slots.update(awaiting="asset", pending={"task": "answer_maintenance",
                                                        "text": turn.text,
                                                        "message_id": turn.message_id})
            return
        out.say(answers.maintenance_answer(asset, turn.language, service=self.s.service,
                                           catalogues=self.s.diagnoser.kb.catalogues))

    def _asks_for_part(self, turn: Turn, found: Mentions) -> bool:
        """Words of buying, and a part of the catalogue (of the machine, when known) that the
        message names well."""
        if not asks_for_part(turn.text):
            return False
        if found.part_number:
            return True
        asset = self.s.service.asset(serial=found.serial or turn.slot("asset_serial"),
                                     model=found.model or turn.slot("asset_model"))
        pool = self.s.service.parts_for(model=asset.model) if asset else \
            list(self.s.service.parts.values())
        scored = answers.match_parts(strip_ids(turn.text), pool, turn.language,
                                     self.s.diagnoser.kb.catalogues)
        return bool(scored) and scored[0][0] >= PART_MIN_SCORE

    def answer_spare_part(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        reply = answers.spare_part_answer(turn.text, turn.language, service=self.s.service,
                                          catalogues=self.s.diagnoser.kb.catalogues,
                                          part_number=found.part_number, asset=asset)
        out.say(reply or Reply(say("part_not_found", turn.language)))

    def answer_contract(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        if asset is None or asset.customer_id is None:
            self._ask_asset(turn, out, {"task": "answer_contract"}, serial=True)
            return
        out.say(answers.contract_answer(asset, turn.language, service=self.s.service,
                                        today=self.s.now().date()))

    # -- tickets -------------------------------------------------------------------------------
    def book_visit(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        if asset is None or asset.customer_id is None:
            self._ask_asset(turn, out, {"task": "book_visit"}, serial=True)
            return
        self._escalate(turn, out, Escalation("customer_request", "P4", "service_request"),
                       booking=True)

    def ticket_status(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        customer_id = asset.customer_id if asset else None
        number = ticket_number(turn.text) if not found.serial else None
        if customer_id is None and not turn.slot("tickets"):
            self._ask_asset(turn, out, {"task": "ticket_status"}, serial=True)
            return
        viewer = Actor(name=f"customer:{customer_id}", role="customer",
                       customer_id=customer_id) if customer_id else ASSISTANT
        filters = TicketFilter(customer_id=customer_id) if customer_id else \
            TicketFilter(conversation_id=turn.sender)
        try:
            tickets, _total = list_tickets(self.s.engine, viewer=viewer, filters=filters,
                                           now=self.s.now(), sort="created", page_size=50)
        except SQLAlchemyError:
            logger.exception("ticket status lookup failed")
            out.say(say("ticket_status_none", turn.language))
            return
        if number is not None:
            tickets = [t for t in tickets if t.number == number]
        else:
            tickets = [t for t in tickets if t.status in OPEN] or tickets[:3]
        if not tickets:
            out.say(say("ticket_status_none", turn.language))
            return
        lines = [say("ticket_status_header", turn.language)]
        for t in tickets[:5]:
            assignee = say("ticket_status_assignee", turn.language, assignee=t.assignee) \
                if t.assignee else ""
            lines.append(say("ticket_status_line", turn.language, number=t.number,
                             priority=t.priority, subject=t.subject,
                             status=say(f"status_{t.status}", turn.language),
                             assignee=assignee))
        out.say(Reply("\n".join(lines), custom={"kind": "ticket_status",
                                                "ticket_numbers": [t.number for t in tickets]}))

    def talk_to_human(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        self._asset(turn, found, out)
        escalation = self.s.policy.decide(Signal.CUSTOMER_REQUEST)
        assert escalation is not None
        # An ongoing diagnosis keeps its priority (an F-code fault stays P2).
        snapshot_ = turn.slot("diagnosis_snapshot") or {}
        priority = snapshot_.get("priority") or escalation.priority
        self._escalate(turn, out, Escalation(escalation.reason,
                                             min(priority, escalation.priority)))

    def urgent_safety(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self._asset(turn, found, out)
        actions: list[str] = []
        if asset is not None:
            kb = self.s.diagnoser.kb
            fam = kb.families[asset.family]
            texts = Texts(kb, fam, turn.language)
            for cc_id in sorted(match_symptom(turn.text, fam, kb).critical):
                actions.append(texts.critical_action(fam.critical[cc_id]))
        text = "\n".join(say("safety_specific", turn.language, action=a) for a in actions) \
            if actions else say("safety_generic", turn.language)
        out.say(Reply(text, custom={"kind": "safety"}))
        escalation = self.s.policy.decide(Signal.URGENT_SAFETY)
        assert escalation is not None
        self._escalate(turn, out, escalation, urgent=True)

    def _escalate(self, turn: Turn, out: Outcome, escalation: Escalation, *,
                  booking: bool = False, urgent: bool = False,
                  subject_hint: str | None = None) -> None:
        """Open the ticket (or spool it when the store is down) and tell the customer its
        number and the response time their contract promises. An emergency does not wait for
        the serial: its ticket opens unidentified and the serial is asked for after. A report
        about a machine with an open incident for the same reason joins that incident."""
        asset = self.s.service.asset(serial=turn.slot("asset_serial"),
                                     model=turn.slot("asset_model"))
        identified = asset is not None and asset.customer_id is not None
        if not identified and not urgent:
            out.say(say("ask_serial_for_ticket", turn.language))
            out.slots.update(awaiting="asset", pending={
                "task": "escalate", "reason": escalation.reason,
                "priority": escalation.priority, "ticket_type": escalation.ticket_type,
                "text": turn.text, "message_id": turn.message_id, "subject": subject_hint})
            return
        snapshot_ = turn.slot("diagnosis_snapshot") or out.slots.get("diagnosis_snapshot")
        code = (snapshot_ or {}).get("error_code") or mentions(turn.text).error_code
        family = asset.family if asset else None
        new = NewTicket(
            customer_id=asset.customer_id if asset and identified else None,
            subject=subject(turn, escalation, asset, booking=booking, hint=subject_hint),
            description=turn.text[:4000] or escalation.reason,
            type=escalation.ticket_type, priority=escalation.priority,
            language=turn.language, serial=asset.serial if asset and identified else None,
            family=family,
            error_code=code if code and self.s.catalog.error_severity(family, code) else None,
            escalation_reason=None if booking else escalation.reason,
            channel="chat", conversation_id=turn.sender,
            transcript=transcript(turn.events, out.replies),
            diagnosis=ticket_diagnosis(snapshot_),
            citations=list(turn.slot("citations") or out.slots.get("citations") or []))
        # A request for a person stays a ticket of its own: the engineer's replies reach
        # the chat through its conversation.
        if asset and asset.serial and identified and not booking and new.type == "incident" \
                and escalation.reason != "customer_request" \
                and self._join_open_incident(turn, out, new, asset, escalation):
            return
        key = f"chat:{turn.sender}:{turn.message_id}:{escalation.reason}"
        tier = self.s.service.tier(asset.tier or "basic" if asset and identified
                                   else self.s.catalog.unidentified().tier)
        try:
            ticket, _created = create_ticket(self.s.engine, new=new, actor=ASSISTANT,
                                             catalog=self.s.catalog, now=self.s.now(),
                                             idempotency_key=key)
        except SQLAlchemyError:
            logger.exception("ticket store unavailable; escalation spooled")
            ref = spool.enqueue(self.s.spool_dir, new=new, idempotency_key=key)
            out.say(Reply(say("ticket_queued", turn.language, reference=ref,
                              tier=tier["name"],
                              hours=tier["response_time_h"][escalation.priority]),
                          custom={"kind": "ticket", "reference": ref,
                                  "priority": escalation.priority,
                                  "reason": None if booking else escalation.reason}))
            if not identified:
                self._ask_serial_after(turn, out, None)
            return
        hours = tier["response_time_h"][ticket.priority]
        due = local_time(ticket.response_due_at, asset if identified else None, self.s.catalog)
        key_name = "booking_opened" if booking else \
            "ticket_opened" if identified else "urgent_ticket_opened"
        out.say(Reply(say(key_name, turn.language, number=ticket.number,
                          priority=ticket.priority, hours=hours, due=due, tier=tier["name"]),
                      custom={"kind": "ticket", "ticket_number": ticket.number,
                              "priority": ticket.priority,
                              "reason": None if booking else escalation.reason}))
        self._remember_ticket(turn, out, ticket.number)
        if not identified:
            self._ask_serial_after(turn, out, ticket.id)

    def _remember_ticket(self, turn: Turn, out: Outcome, number: int) -> None:
        numbers = list(turn.slot("tickets") or [])
        if number not in numbers:
            numbers.append(number)
        out.slots.update(tickets=numbers, awaiting=None, pending=None)

    def _ask_serial_after(self, turn: Turn, out: Outcome, ticket_id: str | None) -> None:
        """The urgent ticket is open; the engineer still needs to know which machine."""
        out.say(say("urgent_ticket_ask_serial", turn.language))
        if ticket_id is not None:
            out.slots.update(awaiting="asset", pending={"task": "identify_ticket",
                                                        "ticket_id": ticket_id})

    def _identify_ticket(self, pending: dict[str, Any], turn: Turn, out: Outcome) -> None:
        asset = self.s.service.asset(serial=turn.slot("asset_serial"))
        if asset is None or asset.serial is None:
            self._ask_serial_after(turn, out, str(pending.get("ticket_id")))
            return
        try:
            ticket = identify_customer(self.s.engine, ticket_id=str(pending["ticket_id"]),
                                       serial=asset.serial, viewer=ASSISTANT,
                                       catalog=self.s.catalog, now=self.s.now())
        except (SQLAlchemyError, TicketNotFoundError, UnknownReferenceError):
            logger.exception("could not add the machine to ticket %s", pending.get("ticket_id"))
            return
        out.say(say("ticket_identified", turn.language, number=ticket.number,
                    model=asset.model, serial=asset.serial))

    def _join_open_incident(self, turn: Turn, out: Outcome, new: NewTicket, asset: AssetInfo,
                            escalation: Escalation) -> bool:
        """Add the report to the machine's open incident for the same reason (or its open P1);
        False when there is none (or the store cannot tell: a new ticket is tried)."""
        assert asset.serial is not None
        try:
            existing = open_incident(self.s.engine, serial=asset.serial,
                                     reason=escalation.reason,
                                     any_reason=escalation.priority == "P1")
            if existing is None:
                return False
            ticket, _raised = add_report(
                self.s.engine, ticket_id=existing.id, viewer=ASSISTANT, text=new.description,
                transcript=new.transcript, diagnosis=new.diagnosis,
                priority=escalation.priority, catalog=self.s.catalog, now=self.s.now())
        except SQLAlchemyError:
            logger.exception("open incidents unavailable; a new ticket is tried")
            return False
        due = local_time(ticket.response_due_at, asset, self.s.catalog)
        out.say(Reply(say("ticket_joined", turn.language, number=ticket.number,
                          priority=ticket.priority, due=due),
                      custom={"kind": "ticket", "ticket_number": ticket.number,
                              "priority": ticket.priority, "reason": escalation.reason,
                              "existing": True}))
        self._remember_ticket(turn, out, ticket.number)
        return True


# -- helpers ---------------------------------------------------------------------------------
def consecutive_fallbacks(events: list[dict[str, Any]]) -> int:
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name != "nlu_fallback":
            break
        count += 1
    return count


def excerpt(text: str, limit: int = 700) -> str:
    """The passage as plain text (the chat shows no Markdown), cut at a sentence end near
    `limit` characters."""
    body = re.sub(r"^#+\s*", "", text.replace("**", ""), flags=re.MULTILINE).strip()
    if len(body) <= limit:
        return body
    cut = max(body.rfind(". ", 0, limit), body.rfind("\n", 0, limit))
    return body[: cut + 1 if cut > limit // 3 else limit].rstrip() + " …"


def citation(hit: Any) -> dict[str, Any]:
    data = {"document": hit.document, "section_id": hit.section_id,
            "section_title": hit.section_title, "language": hit.language}
    if hit.page:
        data["page"] = hit.page
    return data


def snapshot(outcome: dict[str, Any]) -> dict[str, Any]:
    """What a ticket needs from a diagnosis outcome (kept in a slot between turns)."""
    trace = ((outcome.get("conclusion") or {}).get("trace")
             or (outcome.get("escalation") or {}).get("trace") or outcome.get("trace") or {})
    answers_ = dict(trace.get("answers") or {})
    code = next((v for k, v in answers_.items() if "code" in k and isinstance(v, str)), None)
    return {
        "status": outcome["status"],
        "candidates": outcome.get("candidates", [])[:5],
        "observations": answers_,
        "trace": [f"rule fired: {r}" for r in trace.get("rules_fired", [])][:50]
        + [f"don't know: {u}" for u in trace.get("unknown", [])][:20],
        "conclusion": {k: v for k, v in (outcome.get("conclusion") or {}).items()
                       if k in ("fault_id", "fault_name", "confidence")} or None,
        "priority": (outcome.get("escalation") or {}).get("priority"),
        "error_code": code,
    }


def ticket_diagnosis(snap: dict[str, Any] | None) -> dict[str, Any] | None:
    if not snap:
        return None
    return {"observations": snap.get("observations") or {},
            "candidates": snap.get("candidates") or [],
            "trace": snap.get("trace") or [], "conclusion": snap.get("conclusion")}


def transcript(events: list[dict[str, Any]], pending: list[Reply]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        text = event.get("text")
        if kind not in ("user", "bot") or not text:
            continue
        at = event.get("timestamp")
        lines.append({"sender": "customer" if kind == "user" else "assistant",
                      "text": str(text)[:5000],
                      "at": datetime.fromtimestamp(at, ZoneInfo("UTC")).isoformat()
                      if isinstance(at, int | float) else None})
    lines.extend({"sender": "assistant", "text": r.text[:5000], "at": None}
                 for r in pending if r.text)
    return lines[-500:]


def subject(turn: Turn, escalation: Escalation, asset: AssetInfo | None, *, booking: bool,
            hint: str | None) -> str:
    if hint:
        return hint[:200]
    what = {"critical": "Urgent safety report", "customer_request": "Customer asks for an "
            "engineer", "low_confidence": "Assistant could not resolve",
            "repeated_failure": "Assistant answers did not help"}.get(escalation.reason,
                                                                       escalation.reason)
    if booking:
        what = "Service visit requested"
    machine = f"{asset.model} {asset.serial or ''}".strip() if asset else \
        "machine not identified yet"
    return f"{what}: {machine}"[:200]


def local_time(moment: datetime | None, asset: AssetInfo | None, catalog: Catalog) -> str:
    """The moment in the site's time zone (UTC while the machine is not identified)."""
    if moment is None:
        return "-"
    customer = catalog.customers.get(asset.customer_id or "") if asset else None
    site = customer.sites.get(asset.site_id or "") if customer and asset else None
    zone = ZoneInfo(site.time_zone) if site else ZoneInfo("UTC")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
