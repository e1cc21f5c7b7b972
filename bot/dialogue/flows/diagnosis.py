"""Guided diagnosis: start a session from a symptom or a code, apply the customer's answers,
conclude (with the manual's section), or hand over to an engineer with the session as it
stands."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.dialogue import diagnosis_view
from bot.dialogue.escalation import Signal
from bot.dialogue.extract import Mentions
from bot.dialogue.flows.context import FEEDBACK_INTENTS, FlowContext, ask_asset, yes_no
from bot.dialogue.flows.manuals import Manuals
from bot.dialogue.flows.tickets import Tickets
from bot.dialogue.messages import say
from bot.dialogue.ports import AlertSource
from bot.dialogue.replies import Reply
from bot.dialogue.service import AssetInfo
from bot.dialogue.state import Awaiting, Outcome, Pending, Turn
from bot.dialogue.telemetry_view import readings_text, reported_at, site_zone
from rules.diagnosis import AnswerError, DiagnosisState, snapshot
from rules.i18n import Texts

logger = logging.getLogger(__name__)


# A unit's telemetry this recent answers what it measures when its customer reports a problem.
RECENT_TELEMETRY = timedelta(hours=24)


class Diagnosis:
    def __init__(self, ctx: FlowContext, tickets: Tickets, manuals: Manuals,
                 alerts: AlertSource | None = None) -> None:
        self.ctx, self.tickets, self.manuals, self.alerts = ctx, tickets, manuals, alerts

    def start_diagnosis(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        ctx = self.ctx
        asset = ctx.asset(turn, found, out)
        code = found.error_code
        family = asset.family if asset else None
        kb = ctx.diagnoser.kb
        if family is None and code:
            fam = kb.family_for(error_code=code)
            family = fam.id if fam else None
        if family is None:
            ask_asset(turn, out, "start_diagnosis")
            return
        if code and code not in kb.families[family].error_codes:
            code = None
        known, hints, reported = self._telemetry(asset, family)
        try:
            state, outcome = ctx.diagnoser.start(
                family=family, model=asset.model if asset else None,
                serial=asset.serial if asset else None, language=turn.language,
                error_code=code, symptom=turn.text, observations=known)
        except AnswerError:
            logger.exception("diagnosis could not start for %s", turn.sender)
            out.say(say("ask_problem", turn.language))
            return
        if known and asset is not None and reported is not None \
                and turn.may_see(asset.customer_id):
            # The chat's identity proves it is the machine's customer: it is told what its
            # machine reported, as the chat opened from an alert does.
            out.say(say("telemetry_reported", turn.language, model=asset.model,
                        serial=asset.serial,
                        time=reported_at(reported, site_zone(asset.customer_id, asset.site_id,
                                                             ctx.catalog), turn.language),
                        readings=readings_text(known, kb.families[family], turn.language)))
        elif known:
            # The readings are the customer's own machine's; an anonymous chat may not be
            # anyone's: they are used, not shown.
            out.say(say("telemetry_used", turn.language))
        if known and hints and outcome["status"] == "question":
            state.hinted = sorted(set(state.hinted) | set(hints))
            outcome = ctx.diagnoser.evaluate(state)
        if code:
            out.say(say("code_info", turn.language, code=code,
                        title=self._code_title(family, code, turn.language)))
        self._begin(turn, out, state, outcome, asset)

    def _telemetry(self, asset: AssetInfo | None, family: str
                   ) -> tuple[dict[str, Any], list[str], datetime | None]:
        """What the unit's recent telemetry answers (the readings of the family it reports),
        the faults its open fault alert points to, and when it reported."""
        if self.alerts is None or asset is None or asset.serial is None:
            return {}, [], None
        recent = self.alerts.recent(asset.serial, since=self.ctx.now() - RECENT_TELEMETRY)
        if recent is None:
            return {}, [], None
        fam = self.ctx.diagnoser.kb.families[family]
        known = {name: value for name, value in recent.readings.items()
                 if name in fam.observations and name != fam.error_code_observation}
        return known, [f for f in recent.candidates if f in fam.faults], recent.at

    def start_with(self, turn: Turn, out: Outcome, asset: AssetInfo, *,
                   observations: dict[str, Any], code: str | None,
                   hints: list[str]) -> None:
        """A session that starts with what is already known (a unit's telemetry): those
        observations answered, the faults they point to as hints; only the questions they
        leave open are asked."""
        try:
            state, outcome = self.ctx.diagnoser.start(
                family=asset.family, model=asset.model, serial=asset.serial,
                language=turn.language, error_code=code, observations=observations)
        except AnswerError:
            logger.exception("diagnosis could not start from telemetry for %s", turn.sender)
            out.say(say("ask_problem", turn.language))
            return
        if hints and outcome["status"] == "question":
            state.hinted = list(hints)
            outcome = self.ctx.diagnoser.evaluate(state)
        self._begin(turn, out, state, outcome, asset)

    def _begin(self, turn: Turn, out: Outcome, state: DiagnosisState, outcome: dict[str, Any],
               asset: AssetInfo | None) -> None:
        session_id = f"{turn.sender[:60]}:{turn.message_id[:60]}"
        self.ctx.sessions.create(session_id, state, outcome["status"])
        out.slots["diagnosis_session"] = session_id
        self._outcome(turn, out, outcome, state.family, asset)

    def answer(self, turn: Turn, found: Mentions, out: Outcome, *,
               strict: bool = False) -> bool:
        """Apply the customer's answer to the pending question; False if it is no answer
        (with `strict`), else a reply that re-asks the question with its choices."""
        session_id = turn.slot("diagnosis_session")
        loaded = self.ctx.sessions.load(session_id) if session_id else None
        if loaded is None:
            return False
        state, version = loaded
        if not state.pending:
            return False
        obs = self.ctx.diagnoser.kb.families[state.family].observations[state.pending]
        value: Any
        unit = None
        if turn.intent == "dont_know":
            value = None
        elif obs.type == "boolean":
            if turn.intent not in FEEDBACK_INTENTS:
                return not strict and self._not_understood(turn, out, state)
            value = turn.intent == "affirm"
        elif obs.type == "choice":
            value = found.choice or self._match_choice(turn.text, obs, state)
            if value is None:
                return not strict and self._not_understood(turn, out, state)
        else:
            if found.reading is None:
                return not strict and self._not_understood(turn, out, state)
            value, unit = found.reading.value, found.reading.unit
        try:
            outcome = self.ctx.diagnoser.answer(state, obs.id, value, unit)
        except AnswerError as exc:
            return self._not_understood(turn, out, state, problem=exc.message)
        self.ctx.sessions.save(session_id, state, outcome["status"], version=version)
        asset = self.ctx.known_asset(turn)
        self._outcome(turn, out, outcome, state.family, asset)
        return True

    def _not_understood(self, turn: Turn, out: Outcome, state: DiagnosisState,
                        problem: str = "") -> bool:
        out.say(say("answer_not_understood", turn.language, problem=problem))
        outcome = self.ctx.diagnoser.evaluate(state)
        if outcome.get("question"):
            out.replies.extend(diagnosis_view.question_replies(outcome["question"],
                                                               turn.language))
        return True

    def _code_title(self, family: str, code: str, language: str) -> str:
        fam = self.ctx.diagnoser.kb.families[family]
        return Texts(self.ctx.diagnoser.kb, fam, language).code_title(fam.error_codes[code])

    def _outcome(self, turn: Turn, out: Outcome, outcome: dict[str, Any], family: str,
                 asset: AssetInfo | None) -> None:
        """The next question, the conclusion with its manual section, or the hand-over."""
        status = outcome["status"]
        out.slots["diagnosis_snapshot"] = snapshot(outcome)
        if status == "question":
            out.replies.extend(diagnosis_view.question_replies(outcome["question"],
                                                               turn.language))
            out.slots["awaiting"] = str(Awaiting.DIAGNOSIS)
            return
        out.slots["awaiting"] = None
        conclusion = outcome.get("conclusion")
        escalation_info = outcome.get("escalation") or {}
        decision = self.ctx.policy.decide(
            Signal.DIAGNOSIS, diagnosis_status=status,
            diagnosis_reason=escalation_info.get("reason"),
            diagnosis_priority=escalation_info.get("priority"),
            diagnosis_confidence=conclusion.get("confidence") if conclusion else None)
        if decision is not None and decision.safety_first:
            out.say(Reply(say("safety_specific", turn.language,
                              action=escalation_info.get("action", "")),
                          custom={"kind": "safety"}))
            out.say(escalation_info.get("explanation") or "")
            self.tickets.escalate(turn, out, decision)
            return
        if conclusion and (decision is None or decision.offer_only):
            citation, cites = self.manuals.fault_citation(conclusion, family, turn.language)
            replies = diagnosis_view.conclusion_replies(
                conclusion, turn.language, service=self.ctx.service,
                region=asset.region if asset else None, citation=citation)
            out.slots["citations"] = cites
            if decision is not None:  # safety-critical repair: an engineer, if they agree
                out.replies.append(replies[0])
                out.say(Reply(say("safety_critical_offer", turn.language),
                              yes_no(turn.language)))
                out.wait_for(Awaiting.OFFER, Pending(
                    "escalate", text=turn.text, message_id=turn.message_id,
                    reason=decision.reason, priority=decision.priority))
                return
            out.replies.extend(replies)
            out.wait_for(Awaiting.FEEDBACK)
            out.slots["last_answer"] = "diagnosis"
            return
        out.say(escalation_info.get("explanation") or say("diagnosis_uncertain", turn.language))
        if decision is not None:
            self.tickets.escalate(turn, out, decision)

    def _match_choice(self, text: str, obs: Any, state: DiagnosisState) -> str | None:
        kb = self.ctx.diagnoser.kb
        texts = Texts(kb, kb.families[state.family], state.language)
        folded = text.strip().casefold()
        for choice in obs.choices:
            if folded in (choice.casefold(), choice.replace("_", " ").casefold(),
                          texts.choice_label(obs, choice).casefold()):
                return str(choice)
        return None
