from __future__ import annotations

import pytest

from bot.channels.validation import ChatRequestError, too_long_payload, validate_chat_request


def test_valid_request_is_stripped():
    chat = validate_chat_request({"sender": "u-1@site", "message": "  Hallo  ", "metadata": {}})
    assert (chat.sender, chat.message, chat.metadata) == ("u-1@site", "Hallo", {})


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ([], 400, None),
        ("hello", 400, None),
        ({"message": "hi"}, 400, "sender"),
        ({"sender": {"a": 1}, "message": "hi"}, 400, "sender"),
        ({"sender": "../../etc/passwd", "message": "hi"}, 400, "sender"),
        ({"sender": "a b", "message": "hi"}, 400, "sender"),
        ({"sender": "x" * 129, "message": "hi"}, 400, "sender"),
        ({"sender": "u1"}, 400, "message"),
        ({"sender": "u1", "message": 5}, 400, "message"),
        ({"sender": "u1", "message": "   "}, 400, "message"),
        ({"sender": "u1", "message": "x" * 100_001}, 413, "message"),
        ({"sender": "u1", "message": "hi", "metadata": [1]}, 400, "metadata"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(body, status, field):
    with pytest.raises(ChatRequestError) as info:
        validate_chat_request(body, max_chars=5000)
    assert info.value.status == status
    assert info.value.field == field
    assert info.value.body()["error"]


def test_a_message_over_the_limit_becomes_the_too_long_intent():
    chat = validate_chat_request({"sender": "u1", "message": "Hallo " * 4000}, max_chars=5000)
    assert chat.too_long and chat.length == 24000
    payload = too_long_payload(chat, max_chars=5000, language="de")
    assert payload == '/message_too_long{"length":24000,"limit":5000,"language":"de"}'
    assert not validate_chat_request({"sender": "u1", "message": "x" * 5000}).too_long
