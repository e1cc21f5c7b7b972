"""The REST channel (`POST /webhooks/rest/webhook`) with input validation.

Rasa's stock channel accepts a missing sender (every such client then shares the conversation
"default"), an empty message or a sender that is an object, and answers invalid JSON with an HTML
page. This one answers those with a JSON 4xx naming the problem and otherwise behaves the same.
"""

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_speedups
from bot.channels.validation import (
    DEFAULT_MAX_MESSAGE_CHARS,
    ChatRequestError,
    too_long_payload,
    validate_chat_request,
)
from core.language_detection import LanguageIdentifier

logger = logging.getLogger(__name__)

# The channel is loaded by the Rasa server at start-up: the place to patch its hot spots.
rasa_speedups.apply()


def _language_of(text: str) -> Optional[str]:
    try:
        return LanguageIdentifier().detect(text).language
    except Exception:  # noqa: BLE001 - the reply then stays in the conversation's language
        logger.exception("language detection failed")
        return None


class ValidatingRestInput(RestInput):
    def __init__(self, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> None:
        self.max_message_chars = max_message_chars

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(int(credentials.get("max_message_chars", DEFAULT_MAX_MESSAGE_CHARS)))

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = Blueprint("validating_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                try:
                    body = request.json
                except InvalidUsage as exc:
                    raise ChatRequestError(400, "the body is not valid JSON") from exc
                chat = validate_chat_request(body, max_chars=self.max_message_chars)
            except ChatRequestError as exc:
                return response.json(exc.body(), status=exc.status)

            text = chat.message
            if chat.too_long:
                text = too_long_payload(chat, max_chars=self.max_message_chars,
                                        language=_language_of(chat.message[:1000]))
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, chat.sender,
                                input_channel=self.name(), metadata=chat.metadata)
                )
            except Exception:  # noqa: BLE001 - never a stack trace to the customer
                logger.exception("message from %s could not be handled", chat.sender)
                return response.json(
                    {"error": "the assistant could not handle this message right now; "
                              "please try again in a moment"},
                    status=503,
                )
            return response.json(collector.messages)

        return webhook
