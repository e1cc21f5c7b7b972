"""The safety question: "Is anyone hurt or in danger right now, or is there fire, smoke, sparks
or a leak?" with yes / no. For a possible danger it comes alone: yes -> the danger path with the
message that raised it. For a likely danger it follows the safety instruction: yes -> the P1
ticket. No -> that message's own flow, as if the question had not been asked."""

from __future__ import annotations

from bot.dialogue.extract import mentions
from bot.dialogue.flows.context import FEEDBACK_INTENTS, Dispatch, yes_no
from bot.dialogue.messages import say
from bot.dialogue.replies import Reply
from bot.dialogue.state import Awaiting, Outcome, Pending, Turn


class SafetyCheck:
    def __init__(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch

    def ask(self, turn: Turn, out: Outcome, action: str, *, instructed: bool = False) -> None:
        """Ask, keeping the message, the flow it was going to and the state to return to;
        `instructed` when the safety instruction has just been given."""
        out.say(Reply(say("safety_check_question", turn.language), yes_no(turn.language),
                      custom={"kind": "safety_check"}))
        out.wait_for(Awaiting.SAFETY_CHECK, Pending(
            "safety_confirm" if instructed else "safety_check", text=turn.text,
            message_id=turn.message_id, action=action, intent=turn.intent,
            awaiting=turn.slot("awaiting"), pending=turn.slot("pending")))

    def answer(self, turn: Turn, out: Outcome) -> bool:
        """True when the message answers the question (and is handled); anything else is a
        new message, and the question is dropped."""
        pending = turn.pending
        before = {"awaiting": pending.awaiting if pending else None,
                  "pending": pending.pending if pending else None}
        out.slots.update(before)
        turn.slots.update(before)
        if turn.intent not in FEEDBACK_INTENTS or pending is None or \
                pending.task not in ("safety_check", "safety_confirm"):
            return False
        original = turn.replaying(pending, intent=pending.intent or "")
        found = mentions(original.text)
        if turn.intent == "affirm":
            self.dispatch("urgent_safety" if pending.task == "safety_check" else "urgent_ticket",
                          original, found, out)
            return True
        step = (pending.action or "").removeprefix("action_")
        if not step or step == "urgent_safety":
            out.say(say("how_can_i_help", turn.language))
        else:
            self.dispatch(step, original, found, out)
        return True
