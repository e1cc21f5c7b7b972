"""The conversation's router: every message goes through the triage (danger -> language ->
domain), then to the flow step its intent names, unless the message says otherwise (a "how
do I" question, a part to buy, an answer the assistant is waiting for). Free of Rasa: actions
pass a `Turn` in and turn the `Outcome` into messages and slot events (bot/actions/support.py).

The flows (bot/dialogue/flows/) do the work, one module per use case; they get the ticket desk,
the diagnostic sessions and the manual search as interfaces (bot/dialogue/ports.py), built here
from the `Dependencies` over the real stores (bot/dialogue/adapters.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.dialogue.adapters import IndexSearch, SqlAlerts, SqlDiagnosisSessions, SqlTicketDesk
from bot.dialogue.escalation import EscalationPolicy
from bot.dialogue.extract import Mentions, mentions, names_ticket, strip_ids
from bot.dialogue.flows.alerts import FromAlert
from bot.dialogue.flows.assets import Assets
from bot.dialogue.flows.context import FlowContext, Step
from bot.dialogue.flows.conversation import Conversation
from bot.dialogue.flows.diagnosis import Diagnosis
from bot.dialogue.flows.feedback import Feedback
from bot.dialogue.flows.manuals import Manuals
from bot.dialogue.flows.safety import SafetyCheck
from bot.dialogue.flows.service_data import NAMES_ONLY_A_PART, ServiceAnswers
from bot.dialogue.flows.tickets import Tickets
from bot.dialogue.flows.verification import Verification
from bot.dialogue.messages import language_or_default
from bot.dialogue.questions import (
    asks_about_contract,
    asks_for_remedy,
    asks_for_visit,
    asks_how,
    asks_what_to_do,
)
from bot.dialogue.service import ServiceData
from bot.dialogue.state import Awaiting, Outcome, Turn
from bot.triage.safety import Danger
from bot.triage.triage import Route, Triage, Verdict, default_triage
from core import identity
from rules.diagnosis import Diagnoser
from rules.readings import HazardReader, Hazards
from tickets.catalog import Catalog

__all__ = ["Controller", "Outcome", "Dependencies", "Turn"]

# Actions NLU may choose for a request to buy a part ("the solenoid is dead, can I order one?";
# "we need the 24 V solenoid valve for H37S-2022-01580", heard as a contract question because
# of the serial).
PART_TOPICS = frozenset({"start_diagnosis", "answer_maintenance", "handle_fallback",
                         "handle_answer", "answer_manual", "answer_contract"})
# ... and those that a message naming little more than a part may get ("bearing set for the
# P050-2019-00988": a fault report, a reading, a fallback, a question for the manuals without
# "how"); not the maintenance questions ("how often is the separator element changed?").
PART_NAME_TOPICS = frozenset({"start_diagnosis", "handle_fallback", "handle_answer",
                              "answer_manual"})
# NLU heard a question for the manuals: a message names only a part when every telling word
# of it does ("presostato de alta de rearme manual para la HWC-120"), not when one word is left
# ("cleaning the suction strainer basket on P100-2021-00542").
MANUAL_PART_SHARE = 1.0
# Actions where "what do we check in the weekly inspection?" asks for the task's section; not
# the fault reports, whose "what do I do?" the guided diagnosis answers.
WHAT_TO_DO_TOPICS = frozenset({"answer_maintenance", "handle_fallback", "handle_answer"})
# Actions whose topic a "how do I" question may be about; it gets the manual's procedure.
# An answer when nothing was asked ("handle_answer": a reading, "yes") is a question too when
# it asks one ("differential pressure is at 0.9 bar, how do I change the separator?").
HOW_TO_TOPICS = frozenset({"start_diagnosis", "answer_maintenance", "answer_spare_part",
                           "handle_fallback", "urgent_safety", "handle_answer"})


@dataclass
class Dependencies:
    """What the controller is built on: the stores, the expert system, the service
    department's data and the policy (bot/actions/wiring.py wires the real ones)."""

    engine: Engine
    diagnoser: Diagnoser
    service: ServiceData
    catalog: Catalog
    policy: EscalationPolicy
    spool_dir: Path
    searcher: Callable[[], Any] | None = None  # loads the index; raises when none is built
    triage: Triage | None = None  # None: the one trained from bot/data (default_triage)
    link_secret: bytes = b""  # signs the chat links of alerts (monitoring/links.py); none: off
    now: Callable[[], datetime] = field(default=lambda: datetime.now(ZoneInfo("UTC")))


class Controller:
    def __init__(self, deps: Dependencies) -> None:
        self.s = deps
        ctx = FlowContext(
            desk=SqlTicketDesk(deps.engine, deps.catalog, deps.spool_dir, deps.now),
            sessions=SqlDiagnosisSessions(deps.engine),
            manuals=IndexSearch(deps.searcher), diagnoser=deps.diagnoser,
            service=deps.service, catalog=deps.catalog, policy=deps.policy,
            now=deps.now, hazards=HazardReader(deps.diagnoser.kb))
        self.ctx = ctx
        self.verification = Verification(ctx, deps.link_secret, self.dispatch)
        tickets = Tickets(ctx, self.verification)
        manuals = Manuals(ctx, tickets)
        alerts = SqlAlerts(deps.engine, deps.link_secret)
        diagnosis = Diagnosis(ctx, tickets, manuals, alerts)
        from_alert = FromAlert(ctx, alerts, diagnosis)
        self.service = ServiceAnswers(ctx, manuals, self.verification)
        assets = Assets(ctx, tickets, self.service, self.dispatch)
        conversation = Conversation(ctx, assets, diagnosis, tickets)
        feedback = Feedback(ctx, assets, diagnosis, tickets)
        self.safety = SafetyCheck(self.dispatch)
        self.conversation = conversation
        # The bot's actions (bot/domain.yml) without their "action_" prefix, and the step that
        # answers each; pending tasks name their step the same way.
        self.steps: dict[str, Step] = {
            "greet": conversation.greet, "goodbye": conversation.goodbye,
            "thank": conversation.thank, "out_of_scope": conversation.out_of_scope,
            "message_too_long": conversation.message_too_long,
            "start_from_alert": from_alert.start_from_alert,
            "rate_conversation": conversation.rate,
            "handle_fallback": conversation.handle_fallback,
            "identify_asset": assets.identify_asset,
            "start_diagnosis": diagnosis.start_diagnosis,
            "answer_manual": manuals.answer_manual,
            "handle_answer": feedback.handle_answer,
            "answer_maintenance": self.service.answer_maintenance,
            "answer_spare_part": self.service.answer_spare_part,
            "answer_contract": self.service.answer_contract,
            "book_visit": tickets.book_visit, "ticket_status": tickets.ticket_status,
            "talk_to_human": tickets.talk_to_human, "urgent_safety": tickets.urgent_safety,
            "urgent_ticket": tickets.urgent_ticket,
        }
        self.tickets = tickets

    def dispatch(self, step: str, turn: Turn, found: Mentions, out: Outcome) -> None:
        handler = self.steps.get(step)
        if handler is None:
            raise ValueError(f"no dialogue step {step!r}")
        handler(turn, found, out)

    # -- entry -------------------------------------------------------------------------------
    def run(self, action: str, turn: Turn) -> Outcome:
        turn.language = language_or_default(turn.language)
        out = Outcome()
        found = mentions(turn.text, turn.entities)
        step = action.removeprefix("action_")
        if step not in self.steps:
            raise ValueError(f"no dialogue handler for {action}")
        if step in ("message_too_long", "start_from_alert", "rate_conversation"):
            # Sent by the channel or the chat page, never typed: nothing to triage.
            self.dispatch(step, turn, found, out)
            return out
        if turn.verified_customer is None and turn.slot("identity"):
            # Verified earlier in this conversation with a code sent to the contact on file.
            turn.verified_customer = identity.verified_customer(
                turn.slot("identity"), self.s.link_secret, now=self.s.now())
        if turn.awaiting is Awaiting.SAFETY_CHECK and self.safety.answer(turn, out):
            return out
        if turn.awaiting is Awaiting.CODE and self.verification.answer(turn, found, out):
            return out
        verdict = self._verdict(turn, found)
        route = verdict.route
        if step == "urgent_safety" and route not in (Route.DANGER, Route.DANGER_LIKELY,
                                                     Route.OUT_OF_DOMAIN):
            # NLU hears danger where the triage does not: ask rather than guess either way.
            # Not when the triage is sure the message is not ours ("books like The Shadow of
            # the Wind"): over the study sets' emergencies, every one whose P(out of domain)
            # passes the threshold is one the safety model is sure of.
            route = Route.SAFETY_CHECK
        if route is Route.SAFETY_CHECK and (
                turn.awaiting is Awaiting.DIAGNOSIS or asks_how(turn.text)
                or self.service.asks_for_part(turn, found, or_names_one=True)):
            # A question about a procedure ("how do I test the relief valve?") or an order of
            # a part ("the 13 bar safety valve for the HSC-15") is not a report of danger now,
            # nor is the answer to a question the assistant asked (the diagnosis checks the
            # pack's critical conditions on what is answered); a danger the triage is sure of
            # still takes the danger path.
            route = Route.FLOW
            step = _not_an_emergency(step, turn)
        if route is Route.DANGER_LIKELY and not asks_how(turn.text) and \
                self.service.asks_for_part(turn, found,
                                           or_names_one=bool(found.serial or found.model)):
            # "Bearing set for P150-2019-00078, radial and thrust": an order of a part that the
            # classifier is not sure of is an order; a sure danger keeps the danger path. A
            # message that only names a part, without words of buying, is an order when it
            # says for which machine (every such order among the study sets' part requests
            # does): "I press stop and the compressor keeps loading, pressure past 14 bar and
            # not dropping" names a low pressure transducer's words, and is no order (set ad).
            route = Route.FLOW
            step = _not_an_emergency(step, turn)
        if route is Route.DANGER:
            self.dispatch("urgent_safety", turn, found, out)
        elif route is Route.DANGER_LIKELY:
            # The instruction at once; the urgent ticket when the customer confirms.
            self.tickets.safety_instruction(turn, found, out)
            self.safety.ask(turn, out, action, instructed=True)
        elif route is Route.SAFETY_CHECK:
            self.safety.ask(turn, out, action)
        elif route is Route.OUT_OF_DOMAIN:
            self.conversation.out_of_scope(turn, found, out)
        elif route is Route.UNSUPPORTED_LANGUAGE:
            self.conversation.unsupported_language(turn, found, out)
        else:
            self.dispatch(self._flow(step, turn, found, verdict), turn, found, out)
        return out

    def _triage(self) -> Triage:
        return self.s.triage or default_triage()

    def _verdict(self, turn: Turn, found: Mentions) -> Verdict:
        number = turn.intent == "ticket_status" and names_ticket(turn.text)
        confidence = next((c for i, c in turn.ranking if i == turn.intent), 1.0)
        hazards = self.ctx.hazards_in(turn, found)
        return self._triage().route(
            turn.text, intent=turn.intent, confidence=confidence,
            awaiting=turn.slot("awaiting"), has_id=bool(
                found.serial or found.model or found.error_code or found.part_number or number),
            machine_known=turn.machine_known, known=_level(hazards),
            explained=bool(hazards.explained))


    def _flow(self, step: str, turn: Turn, found: Mentions, verdict: Verdict) -> str:
        """The step a message the triage let through goes to: NLU's choice, unless the
        message says otherwise."""
        if step == "out_of_scope" and (
                verdict.out_of_domain is None or
                verdict.out_of_domain < self._triage().thresholds.out_of_domain_bare):
            # NLU calls it out of scope, the triage hears the domain: ask, don't send away.
            step = "handle_fallback"
        # A fallback that names a machine identifies it first (and answers the question then).
        free = turn.awaiting is None and not (
            step == "handle_fallback" and (found.serial or found.model))
        if free and step in HOW_TO_TOPICS and asks_how(turn.text):
            # "How do I ...?" about a fault, a maintenance task or a part wants the procedure.
            return "answer_manual"
        what_to_do = free and asks_what_to_do(turn.text)
        if what_to_do and step == "answer_maintenance" and self.service.names_task(turn, found):
            # "The 2000 h service, what do I do exactly?": that task's own section.
            return step
        if what_to_do and (step in WHAT_TO_DO_TOPICS or
                           step == "start_diagnosis" and found.error_code):
            # "After AL106, what do I check before restarting?": the code is known, the
            # manual's section about it answers; a symptom's "what do I do?" gets the
            # diagnosis.
            return "answer_manual"
        if free and step == "start_diagnosis" and asks_for_remedy(turn.text):
            # "Sounds like gravel, probably cavitation: what do I do to stop it?": the customer
            # knows the condition and asks for its remedy.
            return "answer_manual"
        if free and step in PART_TOPICS and not asks_how(turn.text) and not (
                step == "answer_contract" and asks_about_contract(turn.text)) and \
                self.service.asks_for_part(turn, found,
                                           or_names_one=step in PART_NAME_TOPICS,
                                           share=MANUAL_PART_SHARE if step == "answer_manual" else
                                           NAMES_ONLY_A_PART):
            # "Price of the load solenoid for ...": NLU heard a fault; the customer buys a part.
            return "answer_spare_part"
        if free and step == "book_visit" and not asks_for_visit(turn.text) and \
                self.service.asks_for_part(turn, found, or_names_one=True):
            # "Bearing set for P150-2019-00078, radial and thrust": no visit is asked for.
            return "answer_spare_part"
        if free and step == "handle_answer" and turn.intent == "provide_reading" and \
                _reports_more_than_a_reading(turn.text):
            # "The chiller can't reach setpoint, water leaves at 14 °C instead of 10": nothing
            # was asked, so the reading is a report of a fault, not an answer.
            return "start_diagnosis"
        return step


# A report says what is wrong besides the reading: this many words of three letters or more.
REPORT_WORDS = 4


def _not_an_emergency(step: str, turn: Turn) -> str:
    """The step for a message that NLU took for an emergency and the triage let through as a
    question, an order or an answer ("do you have an exploded view of the airend?"): the one
    that answers what it is, never the emergency's own (the safety reply and a P1 ticket)."""
    if step != "urgent_safety":
        return step
    # The fallback's own routing (`_flow`) then sends a "how do I" to the manuals and a
    # message that names little more than a part to the parts; the rest gets "please
    # rephrase" with a person offered, not a guess ("wiring diagram" is no part to sell).
    return "handle_answer" if turn.awaiting is Awaiting.DIAGNOSIS else "handle_fallback"


def _reports_more_than_a_reading(text: str) -> bool:
    return len(re.findall(r"[^\W\d_]{3,}", strip_ids(text))) >= REPORT_WORDS


def _level(hazards: Hazards) -> Danger:
    return Danger.NOW if hazards.now else Danger.POSSIBLE if hazards.possible else Danger.NONE
