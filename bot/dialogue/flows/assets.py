"""Which machine: identify it from a serial or a model, then carry on with what waited for it,
or answer the question the same message asked."""

from __future__ import annotations

import re

from bot.dialogue.extract import Mentions, mentions, strip_ids
from bot.dialogue.flows.context import Dispatch, FlowContext
from bot.dialogue.flows.service_data import ServiceAnswers
from bot.dialogue.flows.tickets import Tickets
from bot.dialogue.messages import say
from bot.dialogue.questions import asks_how, asks_what_to_do
from bot.dialogue.replies import Reply
from bot.dialogue.state import Awaiting, Outcome, Pending, Turn

# What a message that also names its machine may ask, and the step that answers it.
QUESTION_STEPS = {
    "ask_how_to": "answer_manual", "ask_spare_part": "answer_spare_part",
    "ask_maintenance": "answer_maintenance", "ask_contract": "answer_contract",
    "report_problem": "start_diagnosis", "report_error_code": "start_diagnosis",
    "book_service_visit": "book_visit", "ticket_status": "ticket_status",
    "talk_to_human": "talk_to_human",
}
QUESTION_MIN_CONFIDENCE = 0.1
# A question, in the five languages' marks (Greek writes ";" for "?").
_QUESTION_MARK = re.compile(r"[?¿;\u037e]")
# Steps a task put aside until the machine is known resumes with (the message that asked).
RESUMABLE = frozenset({"start_diagnosis", "answer_maintenance", "answer_contract",
                       "book_visit", "ticket_status", "answer_spare_part"})


class Assets:
    def __init__(self, ctx: FlowContext, tickets: Tickets, service: ServiceAnswers,
                 dispatch: Dispatch) -> None:
        self.ctx, self.tickets, self.service, self.dispatch = ctx, tickets, service, dispatch

    def identify_asset(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self.ctx.asset(turn, found, out)
        if asset is None:
            if not found.serial:
                out.say(say("ask_asset", turn.language))
            return
        if asset.serial and not turn.may_see(asset.customer_id):
            # An anonymous chat: the serial is printed on the nameplate and guessable from its
            # pattern, so it proves nothing; who owns the machine is not told.
            out.say(Reply(say("asset_identified_guest", turn.language, model=asset.model,
                              serial=asset.serial),
                          custom={"kind": "asset", "serial": asset.serial,
                                  "model": asset.model}))
        elif asset.serial:
            tier = self.ctx.service.tier(asset.tier or "basic")["name"]
            out.say(Reply(say("asset_identified", turn.language, model=asset.model,
                              serial=asset.serial, site=asset.site_name or "",
                              customer=asset.customer_name or "", tier=tier),
                          custom={"kind": "asset", "serial": asset.serial,
                                  "model": asset.model}))
        else:
            out.say(Reply(say("asset_model_only", turn.language, model=asset.model),
                          custom={"kind": "asset", "model": asset.model}))
        pending = turn.pending
        question = self.question_beside_id(turn)
        if turn.awaiting is Awaiting.ASSET and pending is not None:
            out.wait_for(None)
            turn.slots.update(awaiting=None, pending=None)
            self.resume(pending, turn, out)
        elif question is not None:
            # "How do I vent the pump P100-2021-00542?": the machine is known now; the
            # question is answered, not lost.
            self.dispatch(question, turn, mentions(turn.text, turn.entities), out)
        elif turn.awaiting is None:
            out.say(say("ask_problem", turn.language))

    def question_beside_id(self, turn: Turn) -> str | None:
        """The step that answers what a message asks besides naming its machine, when it asks
        something: the best NLU intent after `identify_asset`, if the words left without the
        ids are a sentence (a bare serial asks nothing)."""
        if len(strip_ids(turn.text).split()) < 3:
            return None
        if asks_how(turn.text) or asks_what_to_do(turn.text):
            return "answer_manual"
        found = mentions(turn.text, turn.entities)
        if self.service.asks_for_part(turn, found, or_names_one=True):
            return "answer_spare_part"
        if _QUESTION_MARK.search(turn.text) and self.service.names_task(turn, found):
            # "How often and with what do I grease the bearings of the HCP-50?": a question
            # about one task of the machine's schedule, which its section answers.
            return "answer_maintenance"
        for intent, confidence in turn.ranking:
            if intent in ("identify_asset", "nlu_fallback"):
                continue
            if confidence >= QUESTION_MIN_CONFIDENCE and intent in QUESTION_STEPS:
                return QUESTION_STEPS[intent]
            return None
        return None

    def resume(self, pending: Pending, turn: Turn, out: Outcome) -> None:
        """Carry on with the task that waited for the machine to be known."""
        if pending.task == "identify_ticket":
            self.tickets.identify_ticket(pending, turn, out)
        elif pending.task == "escalate":
            self.tickets.resume_escalation(pending, turn, out)
        elif pending.task in RESUMABLE:
            original = turn.replaying(pending)
            self.dispatch(pending.task, original, mentions(original.text), out)
