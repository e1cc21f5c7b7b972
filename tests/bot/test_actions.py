from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.conversation import consecutive_intents, user_intents
from bot.actions.fallback import ActionHandleFallback


def user(intent: str, text: str = "...") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def bot_utterance() -> dict:
    return {"event": "bot", "text": "..."}


def tracker_with(events: list[dict]) -> Tracker:
    return Tracker.from_dict(
        {"sender_id": "t1", "slots": {"language": "de"}, "latest_message": events[-1],
         "events": events, "paused": False, "followup_action": None, "active_loop": {},
         "latest_action_name": "action_listen"}
    )


def test_user_intents_and_consecutive_count():
    events = [user("greet"), bot_utterance(), user("nlu_fallback"), bot_utterance(),
              user("nlu_fallback")]
    assert user_intents(events) == ["greet", "nlu_fallback", "nlu_fallback"]
    assert consecutive_intents(events, "nlu_fallback") == 2
    assert consecutive_intents(events, "greet") == 0
    assert consecutive_intents([], "greet") == 0


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([user("greet"), bot_utterance(), user("nlu_fallback")], "utter_please_rephrase"),
        ([user("nlu_fallback"), bot_utterance(), user("nlu_fallback")], "utter_offer_human"),
        ([user("nlu_fallback"), bot_utterance(), user("greet"), bot_utterance(),
          user("nlu_fallback")], "utter_please_rephrase"),
    ],
)
def test_fallback_asks_to_rephrase_then_offers_a_human(events, expected):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionHandleFallback().run(dispatcher, tracker_with(events), {}))
    assert result == []
    assert [m["response"] for m in dispatcher.messages] == [expected]
