"""Low NLU confidence: ask to rephrase, and offer a human after repeated misses."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.conversation import consecutive_intents

FALLBACK_INTENT = "nlu_fallback"
# Misses in a row after which the assistant offers a service engineer instead of asking again.
OFFER_HUMAN_AFTER = 2


class ActionHandleFallback(Action):
    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        misses = consecutive_intents(tracker.events, FALLBACK_INTENT)
        if misses >= OFFER_HUMAN_AFTER:
            dispatcher.utter_message(response="utter_offer_human")
        else:
            dispatcher.utter_message(response="utter_please_rephrase")
        return []
