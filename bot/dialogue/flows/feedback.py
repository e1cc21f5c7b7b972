"""Answers to what the assistant asked: yes / no / don't know / a reading, "did this help?"
(twice no hands over to an engineer), "shall an engineer take over?"."""

from __future__ import annotations

from bot.dialogue.escalation import Signal
from bot.dialogue.extract import Mentions
from bot.dialogue.flows.assets import Assets
from bot.dialogue.flows.context import FEEDBACK_INTENTS, FlowContext, engineer_button
from bot.dialogue.flows.conversation import offer_rating, offered_rating, rated
from bot.dialogue.flows.diagnosis import Diagnosis
from bot.dialogue.flows.tickets import Tickets
from bot.dialogue.messages import say
from bot.dialogue.replies import Reply
from bot.dialogue.state import Awaiting, Outcome, Turn


class Feedback:
    def __init__(self, ctx: FlowContext, assets: Assets, diagnosis: Diagnosis,
                 tickets: Tickets) -> None:
        self.ctx, self.assets, self.diagnosis, self.tickets = ctx, assets, diagnosis, tickets

    def handle_answer(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        awaiting = turn.awaiting
        if awaiting is Awaiting.DIAGNOSIS and self.diagnosis.answer(turn, found, out):
            return
        if awaiting is Awaiting.FEEDBACK and turn.intent in FEEDBACK_INTENTS:
            self._helped(turn, out)
            return
        if awaiting is Awaiting.OFFER and turn.intent in FEEDBACK_INTENTS:
            pending = turn.pending
            out.wait_for(None)
            if turn.intent == "affirm" and pending is not None and pending.task == "escalate":
                self.tickets.resume_escalation(pending, turn, out)
            else:
                out.say(say("offer_declined", turn.language))
            return
        if awaiting is Awaiting.ASSET:
            if found.serial or found.model:
                self.assets.identify_asset(turn, found, out)
            else:
                out.say(say("ask_asset", turn.language))
            return
        out.say(say("how_can_i_help", turn.language))

    def _helped(self, turn: Turn, out: Outcome) -> None:
        out.slots["awaiting"] = None
        if turn.intent == "affirm":
            out.slots["not_helped"] = 0
            out.say(say("glad_it_helped", turn.language))
            if not offered_rating(turn.events) and not rated(turn.events):
                offer_rating(turn, out)  # the problem is solved: the conversation may end here
            return
        count = int(turn.slot("not_helped", 0) or 0) + 1
        out.slots["not_helped"] = count
        escalation = self.ctx.policy.decide(Signal.NOT_HELPED, count=count)
        if escalation is None:
            out.say(Reply(say("not_helped_retry", turn.language),
                          [engineer_button(turn.language)]))
            return
        out.slots["not_helped"] = 0
        self.tickets.escalate(turn, out, escalation)
