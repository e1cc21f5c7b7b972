"""Small talk and what is not understood: greetings, thanks, goodbyes, the honest answer to a
request outside the domain, a message too long, and the fallback when NLU is unsure."""

from __future__ import annotations

from bot.dialogue.escalation import Signal
from bot.dialogue.extract import Mentions
from bot.dialogue.flows.assets import Assets
from bot.dialogue.flows.context import FlowContext, engineer_button
from bot.dialogue.flows.diagnosis import Diagnosis
from bot.dialogue.flows.tickets import Tickets
from bot.dialogue.messages import say
from bot.dialogue.replies import Button, Reply, intent_payload
from bot.dialogue.state import Awaiting, Outcome, Turn


class Conversation:
    def __init__(self, ctx: FlowContext, assets: Assets, diagnosis: Diagnosis,
                 tickets: Tickets) -> None:
        self.ctx, self.assets, self.diagnosis, self.tickets = ctx, assets, diagnosis, tickets

    def greet(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        out.say(Reply("", response="utter_greet"))

    def goodbye(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        out.say(Reply("", response="utter_goodbye"))
        out.wait_for(None)
        if not rated(turn.events):
            offer_rating(turn, out)

    def rate(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        """A 1-5 rating from the buttons offered at the end (the analytics read it)."""
        value = next((e.get("value") for e in turn.entities if e.get("entity") == "rating"),
                     None)
        try:
            rating = int(str(value))
        except ValueError:
            rating = 0
        if not 1 <= rating <= 5:
            return  # a payload not of our buttons: nothing to thank for
        out.say(Reply(say("rate_thanks", turn.language), custom={"kind": "rating",
                                                                  "rating": rating}))

    def thank(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        out.say(Reply("", response="utter_you_are_welcome"))
        # "Thanks, that did it" is how most conversations end: no goodbye ever comes. Not a
        # thank-you before anything was answered.
        if answered(turn.events) and not offered_rating(turn.events) and not rated(turn.events):
            offer_rating(turn, out)

    def out_of_scope(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        """Outside the domain: what the assistant does, and a person if they want one."""
        out.say(Reply(say("out_of_domain", turn.language), [engineer_button(turn.language)],
                      custom={"kind": "out_of_domain"}))

    def unsupported_language(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        out.say(Reply(say("unsupported_language", turn.language),
                      [engineer_button(turn.language)]))

    def message_too_long(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        length = next((e.get("value") for e in turn.entities if e.get("entity") == "length"),
                      None)
        limit = next((e.get("value") for e in turn.entities if e.get("entity") == "limit"),
                     None)
        out.say(Reply(say("message_too_long", turn.language, length=length or "?",
                          limit=limit or "?"), [engineer_button(turn.language)]))

    def handle_fallback(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        """NLU is unsure: an answer to the diagnosis question, a machine, a code; else ask to
        rephrase, and after repeated misses hand over to a person."""
        awaiting = turn.awaiting
        if awaiting is Awaiting.DIAGNOSIS and self.diagnosis.answer(turn, found, out,
                                                                    strict=True):
            return
        misses = consecutive_fallbacks(turn.events)
        if awaiting is Awaiting.DIAGNOSIS and self.ctx.policy.decide(
                Signal.NLU_MISS, count=misses) is None and \
                self.diagnosis.answer(turn, found, out):
            return  # not an answer: said so, and the question is asked again
        if found.serial or found.model:
            self.assets.identify_asset(turn, found, out)
            return
        if found.error_code:
            self.diagnosis.start_diagnosis(turn, found, out)
            return
        escalation = self.ctx.policy.decide(Signal.NLU_MISS, count=misses)
        if escalation is None:
            out.say(Reply(say("please_rephrase", turn.language),
                          [engineer_button(turn.language)]))
            return
        out.say(say("offer_human_after_misses", turn.language))
        self.tickets.escalate(turn, out, escalation)


def rating_buttons() -> list[Button]:
    return [Button(f"{n} \u2605", intent_payload("rate_conversation", rating=str(n)))
            for n in range(1, 6)]


def offer_rating(turn: Turn, out: Outcome) -> None:
    """The optional 1-5 rating: the buttons are all there is to it; typing on goes on."""
    out.say(Reply(say("rate_prompt", turn.language), rating_buttons(),
                  custom={"kind": "rating_request"}))


# What the assistant answers a request with (a greeting or a question back is none of them).
ANSWER_KINDS = frozenset({"manual_answer", "diagnosis_conclusion", "spare_part", "maintenance",
                          "contract", "ticket", "ticket_status"})


def answered(events: list[dict]) -> bool:
    """The assistant has answered something in this conversation."""
    return not ANSWER_KINDS.isdisjoint(said_kinds(events))


def offered_rating(events: list[dict]) -> bool:
    """The rating was offered already in this conversation (offered once, but at goodbye)."""
    return "rating_request" in said_kinds(events)


def said_kinds(events: list[dict]) -> set[str]:
    """The kinds of what the assistant said (a reply's custom payload, as Rasa records it)."""
    return {str(kind) for e in events if e.get("event") == "bot"
            if (kind := ((e.get("data") or {}).get("custom") or {}).get("kind"))}


def rated(events: list[dict]) -> bool:
    """The conversation has given its rating already (it is offered once)."""
    return any(((e.get("parse_data") or {}).get("intent") or {}).get("name")
               == "rate_conversation" for e in events if e.get("event") == "user")


def consecutive_fallbacks(events: list[dict]) -> int:
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name != "nlu_fallback":
            break
        count += 1
    return count
