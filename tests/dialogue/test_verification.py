"""Verifying a chat with a one-time code sent to the contact on file: an anonymous chat that
asks for the company's data about a machine is sent a code there; typed back in the same
conversation, it signs the chat in for that customer and the question is answered. A wrong
code, a code of another conversation or one typed too many times signs in nobody."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.dialogue.controller import Controller
from bot.dialogue.messages import say
from core import verification
from db.tickets import OutboxEvent
from tests.dialogue.conftest import Chat, custom_of, kinds, text_of
from tickets.database import reading
from tickets.verification import EVENT, PER_CUSTOMER_HOUR

SECRET = b"a test secret of the service"
PUMP = "P050-2019-00988"  # CUST-002's HCP-50
COMPANY = "Piraeus Marine Coatings A.E."


@pytest.fixture()
def signed(deps):
    return replace(deps, link_secret=SECRET)


def codes_sent(deps) -> list[dict]:
    with reading(deps.engine) as session:
        return [e.payload for e in session.scalars(select(OutboxEvent).where(
            OutboxEvent.event_type == EVENT).order_by(OutboxEvent.id)).all()]


def ask_contract(chat: Chat):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    return chat.send("action_answer_contract", "ask_contract", "which contract do we have?")


def test_the_code_sent_to_the_contact_on_file_signs_the_chat_in(signed):
    chat = Chat(Controller(signed), sender="conv-guest")
    out = ask_contract(chat)
    assert kinds(out) == ["verification_code_sent"] and COMPANY not in text_of(out)
    assert "t***@piraeus-coatings.example" in text_of(out)  # masked: the contact recognises it
    [sent] = codes_sent(signed)
    [to] = sent["recipients"]
    assert (sent["customer_id"], sent["conversation_id"]) == ("CUST-002", "conv-guest")
    assert to["email"] == "technical@piraeus-coatings.example" and to["role"] == \
        "customer_contact"
    assert sent["code"] not in text_of(out)
    assert chat.slots["awaiting"] == "code"

    wrong = str((int(sent["code"]) + 1) % 10 ** verification.DIGITS).zfill(verification.DIGITS)
    out = chat.send("action_handle_fallback", "nlu_fallback", wrong)
    assert text_of(out) == say("code_wrong", "en", left=verification.MAX_ATTEMPTS - 1)
    assert "contract" not in kinds(out) and "identity" not in chat.slots

    code = sent["code"]
    out = chat.send("action_identify_asset", "identify_asset", f"{code[:3]} {code[3:]}")
    assert kinds(out)[:2] == ["verified", "contract"], kinds(out)
    assert chat.slots["identity"] and chat.slots["awaiting"] is None
    # Signed in for the rest of the conversation: the company's tickets too.
    out = chat.send("action_ticket_status", "ticket_status", "what is the status of our tickets?")
    assert text_of(out) == say("ticket_status_none", "en")  # the company's (none yet)


def test_a_code_is_worth_nothing_in_another_conversation_or_after_its_time(signed):
    chat = Chat(Controller(signed), sender="conv-a")
    ask_contract(chat)
    [sent] = codes_sent(signed)
    other = Chat(Controller(signed), sender="conv-b")
    ask_contract(other)
    out = other.send("action_handle_fallback", "nlu_fallback", sent["code"])
    assert "contract" not in kinds(out) and "identity" not in other.slots
    later = replace(signed, now=lambda: signed.now() + timedelta(
        seconds=2 * verification.WINDOW_S + 1))
    late = Chat(Controller(later), sender="conv-a", slots=dict(chat.slots))
    out = late.send("action_handle_fallback", "nlu_fallback", sent["code"])
    assert "contract" not in kinds(out) and "identity" not in late.slots


def test_too_many_wrong_codes_end_the_attempt(signed):
    chat = Chat(Controller(signed), sender="conv-guess")
    ask_contract(chat)
    [sent] = codes_sent(signed)
    guesses = [str(n).zfill(6) for n in range(1, 100) if str(n).zfill(6) != sent["code"]]
    for guess in guesses[:verification.MAX_ATTEMPTS - 1]:
        chat.send("action_handle_fallback", "nlu_fallback", guess)
    out = chat.send("action_handle_fallback", "nlu_fallback", guesses[-1])
    assert text_of(out) == say("code_locked", "en") and chat.slots["awaiting"] is None
    out = chat.send("action_handle_fallback", "nlu_fallback", sent["code"])
    assert "contract" not in kinds(out) and "identity" not in chat.slots


def test_codes_to_one_contact_are_limited_per_hour(signed):
    for n in range(PER_CUSTOMER_HOUR):
        out = ask_contract(Chat(Controller(signed), sender=f"conv-{n}"))
        assert kinds(out) == ["verification_code_sent"]
    out = ask_contract(Chat(Controller(signed), sender="conv-flood"))
    assert text_of(out) == say("code_limited", "en")
    assert len(codes_sent(signed)) == PER_CUSTOMER_HOUR


def test_a_message_that_is_not_a_code_goes_its_own_way(signed):
    chat = Chat(Controller(signed), sender="conv-other")
    ask_contract(chat)
    out = chat.send("action_answer_spare_part", "ask_spare_part", "I need a bearing set")
    assert custom_of(out, "spare_part")["part_numbers"] == ["HCP-BRG-050"]
    [sent] = codes_sent(signed)
    out = chat.send("action_handle_fallback", "nlu_fallback", f"the code is {sent['code']}")
    assert "verified" in kinds(out) and "contract" in kinds(out)


def test_the_companys_tickets_are_asked_for_with_a_code_too(signed):
    chat = Chat(Controller(signed), sender="conv-tickets")
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_ticket_status", "ticket_status", "what is the status of our tickets?")
    assert kinds(out) == ["verification_code_sent"]


def test_typed_codes():
    assert verification.typed_code("482913") == "482913"
    assert verification.typed_code("482 913") == "482913"
    assert verification.typed_code("code: 482-913") == "482913"
    assert verification.typed_code("P100-2021-00542") is None
    assert verification.typed_code("12345678") is None
    assert verification.typed_code("the pressure was 482913 and the compressor stopped after "
                                   "the alarm") is None
