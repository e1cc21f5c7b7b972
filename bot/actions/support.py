"""The bot's custom actions: each one hands the turn to the dialogue controller and turns its
outcome into Rasa messages and slot events.

Every action first catches up with the late answers of earlier turns: an action still working
after its deadline answered "still working on it", and its answer comes late, once
(bot/actions/late.py). Then it asks whether a human engineer owns the conversation: if so the
assistant stays silent and the customer's message goes to the ticket. Engineers' replies not
yet shown in the chat are delivered first, on every turn."""

from __future__ import annotations

import abc
import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.actions import late, wiring
from bot.actions.wiring import controller
from bot.dialogue.controller import Outcome, Turn
from bot.dialogue.messages import say
from core import identity
from db import late_turns
from tickets import conversations
from tickets.errors import TicketNotFoundError
from tickets.spool import ASSISTANT

logger = logging.getLogger(__name__)


def turn_from(tracker: Tracker, secret: bytes = b"") -> Turn:
    """The latest message as the dialogue core reads it; its signed identity (put in the
    message's metadata by the chat proxy) verified with `secret`."""
    latest = tracker.latest_message or {}
    text = str(latest.get("text") or "")
    if text.startswith("/"):  # a button's payload, not words of the customer
        text = ""
    intent = (latest.get("intent") or {}).get("name") or ""
    message_id = str(latest.get("message_id") or "")
    if not message_id:
        user_events = [e for e in tracker.events if e.get("event") == "user"]
        message_id = str(user_events[-1].get("timestamp", "")) if user_events else "0"
    ranking = [(str(r.get("name")), float(r.get("confidence") or 0.0))
               for r in latest.get("intent_ranking") or [] if r.get("name")]
    return Turn(sender=tracker.sender_id, intent=intent, text=text,
                language=str(tracker.get_slot("language") or "en"),
                entities=list(latest.get("entities") or []), slots=dict(tracker.slots),
                events=list(tracker.events), message_id=message_id, ranking=ranking,
                verified_customer=identity.verified_customer(
                    (latest.get("metadata") or {}).get("identity"), secret,
                    now=datetime.now(UTC)))


def _handoff(turn: Turn, cursor: int) -> tuple[bool, list[Any]]:
    """(a human owns the chat, engineers' replies after the cursor); relays the message."""
    engine = controller().s.engine
    state = conversations.handoff_state(engine, conversation_id=turn.sender)
    replies = conversations.pending_replies(engine, conversation_id=turn.sender, after=cursor)
    if state.human_active and turn.text:
        try:
            conversations.relay_customer_message(engine, conversation_id=turn.sender,
                                                 text=turn.text[:5000], viewer=ASSISTANT,
                                                 now=datetime.now(UTC))
        except TicketNotFoundError:
            return False, replies
    return state.human_active, replies


class SupportAction(Action, abc.ABC):
    """One bot action; the subclasses below only name it (abstract until they do, so rasa-sdk
    skips this one). The dialogue controller does the work (bot/dialogue/controller.py)."""

    intents = ""

    @property
    @abc.abstractmethod
    def action_name(self) -> str: ...

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = turn_from(tracker, controller().s.link_secret)
        engine = controller().s.engine
        events: list[dict[str, Any]] = []
        shown: set[int] = set()
        repeated = None
        try:
            events, shown = await asyncio.to_thread(
                late.catch_up, engine, turn, int(tracker.get_slot("late_cursor") or 0),
                dispatcher)
            repeated = await asyncio.to_thread(late.repeat, engine, turn)
        except SQLAlchemyError:
            logger.exception("late answers unavailable; the turn goes on")
        if repeated is not None:
            # The same words again while their first answer is late (or just came): that
            # answer, not a second run (a second ticket, a second diagnosis step).
            if repeated.state == late_turns.RUNNING:
                late.still_working(turn, repeated.id, again=True, dispatcher=dispatcher)
            elif repeated.id not in shown:
                dispatcher.messages.extend(repeated.messages)
            return events
        own = CollectingDispatcher()
        answered = await late.answer_within(
            self._answer(turn, int(tracker.get_slot("reply_cursor") or 0), own),
            deadline_s=wiring.action_deadline_s(), engine=engine, turn=turn,
            action=self.action_name, own=own)
        if isinstance(answered, late.Late):
            late.still_working(turn, answered.late_id, again=False, dispatcher=dispatcher)
            return events
        dispatcher.messages.extend(own.messages)
        return events + answered

    async def _answer(self, turn: Turn, cursor: int,
                      dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        try:
            human_active, replies = await asyncio.to_thread(_handoff, turn, cursor)
        except SQLAlchemyError:
            logger.exception("hand-off state unavailable; the assistant answers")
            human_active, replies = False, []
        for reply in replies:
            dispatcher.utter_message(
                text=say("engineer_reply", turn.language, author=reply.author, text=reply.body),
                json_message={"kind": "engineer_reply", "reply_id": reply.id})
            cursor = max(cursor, reply.id)
        if replies:
            events.append(SlotSet("reply_cursor", cursor))
        if human_active:
            return events
        outcome = await asyncio.to_thread(controller().run, self.action_name, turn)
        return events + emit(outcome, dispatcher)


def emit(outcome: Outcome, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    for reply in outcome.replies:
        if reply.response:
            dispatcher.utter_message(response=reply.response)
            continue
        if not reply.text:
            continue
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        dispatcher.utter_message(text=reply.text, buttons=buttons or None,
                                 json_message=reply.custom)
    return [SlotSet(name, value) for name, value in outcome.slots.items()]


# The bot's actions, one class each (rasa-sdk's executor registers every Action subclass of
# the package); `intents`: the intents whose rules lead to it (bot/data/rules.yml).

class ActionGreet(SupportAction):
    action_name, intents = "action_greet", "greet"


class ActionGoodbye(SupportAction):
    action_name, intents = "action_goodbye", "goodbye"


class ActionThank(SupportAction):
    action_name, intents = "action_thank", "thank"


class ActionOutOfScope(SupportAction):
    action_name, intents = "action_out_of_scope", "out_of_scope"


class ActionHandleFallback(SupportAction):
    action_name, intents = "action_handle_fallback", "nlu_fallback"


class ActionMessageTooLong(SupportAction):
    action_name, intents = "action_message_too_long", "message_too_long"


class ActionStartFromAlert(SupportAction):
    action_name, intents = "action_start_from_alert", "start_from_alert"


class ActionRateConversation(SupportAction):
    action_name, intents = "action_rate_conversation", "rate_conversation"


class ActionIdentifyAsset(SupportAction):
    action_name, intents = "action_identify_asset", "identify_asset"


class ActionStartDiagnosis(SupportAction):
    action_name, intents = "action_start_diagnosis", "report_problem, report_error_code"


class ActionHandleAnswer(SupportAction):
    action_name, intents = "action_handle_answer", "affirm, deny, dont_know, provide_reading"


class ActionAnswerManual(SupportAction):
    action_name, intents = "action_answer_manual", "ask_how_to"


class ActionAnswerMaintenance(SupportAction):
    action_name, intents = "action_answer_maintenance", "ask_maintenance"


class ActionAnswerSparePart(SupportAction):
    action_name, intents = "action_answer_spare_part", "ask_spare_part"


class ActionAnswerContract(SupportAction):
    action_name, intents = "action_answer_contract", "ask_contract"


class ActionBookVisit(SupportAction):
    action_name, intents = "action_book_visit", "book_service_visit"


class ActionTicketStatus(SupportAction):
    action_name, intents = "action_ticket_status", "ticket_status"


class ActionTalkToHuman(SupportAction):
    action_name, intents = "action_talk_to_human", "talk_to_human"


class ActionUrgentSafety(SupportAction):
    action_name, intents = "action_urgent_safety", "urgent_safety"


ACTIONS = {cls.action_name: cls.intents for cls in SupportAction.__subclasses__()}
