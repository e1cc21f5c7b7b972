"""Conversations through the dialogue controller on the real dependencies (no Rasa here: the NLU's
intent is given; tests/e2e run the same paths through the Rasa server)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.dialogue.controller import Controller
from bot.dialogue.escalation import EscalationPolicy
from bot.dialogue.messages import say
from db.tickets import Ticket
from rules.scoring import FamilyModel
from rules.simulate import Operator, fault_error_code
from tests.dialogue.conftest import Chat, answer_diagnosis, custom_of, kinds, text_of
from tickets.database import reading

PUMP = "P050-2019-00988"  # CUST-002, standard contract (P1 response 4 h, P3 24 h), Greece


def tickets(deps) -> list[Ticket]:
    with reading(deps.engine) as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.number)).all())


def play_diagnosis(chat: Chat, operator: Operator, first) -> object:
    """Answer questions like a customer until the diagnosis ends; returns the last outcome."""
    return answer_diagnosis(chat, operator, first, limit=15)[1]


def test_critical_code_gives_the_safety_instruction_first_then_a_p1_ticket(chat, deps):
    out = chat.send("action_start_diagnosis", "report_error_code", "my pump shows F004")
    assert "safety" in kinds(out)
    assert kinds(out).index("safety") < len(out.replies) - 1
    assert chat.slots["awaiting"] == "asset"  # the ticket needs the machine's owner
    out = chat.send("action_identify_asset", "identify_asset", PUMP)
    ticket = custom_of(out, "ticket")
    assert ticket["priority"] == "P1" and ticket["reason"] == "critical"
    [stored] = tickets(deps)
    assert stored.number == ticket["ticket_number"]
    assert (stored.priority, stored.serial, stored.escalation_reason) == ("P1", PUMP, "critical")
    assert stored.conversation_id == chat.sender and stored.channel == "chat"
    assert any(line["sender"] == "customer" and "F004" in line["text"]
               for line in stored.transcript)
    assert f"#{stored.number}" in text_of(out) and "4 h" in text_of(out)


@pytest.mark.parametrize("language", ["de", "el"])
def test_guided_diagnosis_ends_with_the_fault_remedy_parts_and_a_citation(deps, language):
    chat = Chat(Controller(deps), language=language)
    kb = deps.diagnoser.kb
    family = kb.families["centrifugal_process_pump"]
    fault_id = next(f for f in family.faults.values()
                    if not f.safety_critical and fault_error_code(family, f.id)
                    and f.parts).id
    operator = Operator(family, FamilyModel(family), fault_id)
    code = fault_error_code(family, fault_id)
    chat.send("action_identify_asset", "identify_asset", "P100-2021-00542")
    out = chat.send("action_start_diagnosis", "report_error_code", f"Display: {code}")
    out = play_diagnosis(chat, operator, out)
    conclusion = custom_of(out, "diagnosis_conclusion")
    assert conclusion["fault_id"] == fault_id
    text = text_of(out)
    fault = family.faults[fault_id]
    assert fault.parts[0] in text or any(p in text for p in fault.parts)
    assert chat.slots["citations"], "the manual section of the fault is cited"
    assert chat.slots["citations"][0]["document"] in text
    assert out.replies[-1].custom == {"kind": "feedback_request"}
    assert say("did_this_help", language) == out.replies[-1].text
    assert chat.slots["awaiting"] == "feedback"


def test_manual_answer_cites_its_section_and_asks_whether_it_helped(chat):
    out = chat.send("action_answer_manual", "ask_how_to",
                    "how do I replace the mechanical seal of the pump?")
    answer = custom_of(out, "manual_answer")
    assert answer["document"] and answer["section_id"]
    assert answer["document"] in text_of(out)
    assert kinds(out)[-1] == "feedback_request"
    out = chat.send("action_handle_answer", "affirm")
    assert out.replies[0].text == say("glad_it_helped", "en")
    assert kinds(out)[-1] == "rating_request"  # solved: the conversation may end here
    out = chat.send("action_thank", "thank", "thanks!")
    assert "rating_request" not in kinds(out)  # offered once


def test_that_did_not_help_twice_opens_a_ticket(chat, deps):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    chat.send("action_answer_manual", "ask_how_to", "how to prime the pump")
    out = chat.send("action_handle_answer", "deny")
    assert "ticket" not in kinds(out)
    chat.send("action_answer_manual", "ask_how_to", "how do I vent the pump casing")
    out = chat.send("action_handle_answer", "deny")
    assert custom_of(out, "ticket")["reason"] == "repeated_failure"
    assert tickets(deps)[0].citations, "the manual sections shown go with the ticket"


def test_a_weak_manual_match_goes_to_an_engineer(deps):
    deps.policy = EscalationPolicy(retrieval_min_score=1.01)
    chat = Chat(Controller(deps), language="fr")
    out = chat.send("action_answer_manual", "ask_how_to", "comment régler le variateur ?")
    assert text_of(out).startswith(say("manual_nothing", "fr"))
    assert chat.slots["awaiting"] == "asset"
    out = chat.send("action_identify_asset", "identify_asset", f"série {PUMP}")
    ticket = custom_of(out, "ticket")
    assert ticket["reason"] == "low_confidence"
    [stored] = tickets(deps)
    assert (stored.type, stored.language) == ("question", "fr")


def test_two_misunderstood_messages_in_a_row_escalate(chat, deps):
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_handle_fallback", "nlu_fallback", "qwrtz plkj")
    assert "ticket" not in kinds(out)
    assert out.replies[0].buttons[0].payload == "/talk_to_human"
    out = chat.send("action_handle_fallback", "nlu_fallback", "zzzz xxxx")
    assert custom_of(out, "ticket")["reason"] == "low_confidence"


def test_asking_for_a_person_tells_the_contract_response_time_in_the_language(deps):
    chat = Chat(Controller(deps), language="es", verified_customer="CUST-005")
    out = chat.send("action_talk_to_human", "talk_to_human", "quiero hablar con una persona")
    assert text_of(out) == say("ask_serial_for_ticket", "es")
    out = chat.send("action_identify_asset", "identify_asset", "H37S-2022-01580")
    ticket = custom_of(out, "ticket")
    stored = tickets(deps)[0]
    customer = deps.catalog.customers[stored.customer_id]
    hours = deps.service.tier(customer.tier)["response_time_h"][stored.priority]
    assert ticket["ticket_number"] == stored.number
    assert f"{hours} h" in text_of(out)
    assert deps.service.tier(customer.tier)["name"] in text_of(out)


def test_ticket_status_lists_the_customers_own_tickets(chat, deps):
    chat.verified_customer = "CUST-002"  # signed in (core/identity.py): PUMP's customer
    chat.send("action_identify_asset", "identify_asset", PUMP)
    opened = custom_of(chat.send("action_book_visit", "book_service_visit",
                                 "please send a technician next week"), "ticket")
    assert opened["priority"] == "P4"
    assert tickets(deps)[0].type == "service_request"
    out = chat.send("action_ticket_status", "ticket_status", "what's the status of my ticket?")
    assert custom_of(out, "ticket_status")["ticket_numbers"] == [opened["ticket_number"]]
    assert say("status_new", "en") in text_of(out)
    other = Chat(Controller(chat.controller.s), sender="conv-other",
                 verified_customer="CUST-001")
    other.send("action_identify_asset", "identify_asset", "P100-2021-00542")  # CUST-001
    out = other.send("action_ticket_status", "ticket_status",
                     f"status of ticket {opened['ticket_number']}")
    assert text_of(out) == say("ticket_status_none", "en")  # not this customer's ticket
    # The same customer signed in from another conversation sees it.
    again = Chat(Controller(chat.controller.s), sender="conv-again", verified_customer="CUST-002")
    out = again.send("action_ticket_status", "ticket_status", "what is the status of my tickets?")
    assert custom_of(out, "ticket_status")["ticket_numbers"] == [opened["ticket_number"]]


def test_an_anonymous_chat_is_shown_no_customer_data(deps):
    """A serial is printed on the nameplate and guessable from its pattern: typing one in an
    anonymous chat tells nothing of its customer (company, site, contract, tickets, the
    engineers on them); help, prices and a ticket of its own it still gets."""
    from tickets import store
    from tickets.domain import Actor

    signed_in = Chat(Controller(deps), sender="conv-owner", verified_customer="CUST-002")
    signed_in.send("action_identify_asset", "identify_asset", PUMP)
    owners = custom_of(signed_in.send("action_book_visit", "book_service_visit",
                                      "please send a technician next week"), "ticket")
    [ticket] = tickets(deps)
    engineer = Actor(name="T-GR-01", role="engineer")
    store.update_ticket(deps.engine, ticket_id=ticket.id, viewer=engineer, catalog=deps.catalog,
                        now=deps.now(), assignee="T-GR-01")
    customer = deps.catalog.customers["CUST-002"]
    private = [customer.name, *(s.name for s in customer.sites.values()),
               deps.service.tier(customer.tier)["name"], "Nikos Papadakis",
               f"#{owners['ticket_number']}"]

    guest = Chat(Controller(deps), sender="conv-guest")
    said = [guest.send("action_identify_asset", "identify_asset", PUMP)]
    assert said[0].replies[0].text == say("asset_identified_guest", "en", model="HCP-50",
                                          serial=PUMP)
    said.append(out := guest.send("action_answer_contract", "ask_contract",
                                  f"is {PUMP} under warranty?"))
    assert text_of(out) == say("verify_for_customer_data", "en") and "contract" not in kinds(out)
    said.append(out := guest.send("action_ticket_status", "ticket_status",
                                  f"status of ticket {owners['ticket_number']}?"))
    assert text_of(out) == say("ticket_status_guest_none", "en")
    said.append(out := guest.send("action_answer_spare_part", "ask_spare_part",
                                  "I need a bearing set"))
    assert custom_of(out, "spare_part")["part_numbers"] == ["HCP-BRG-050"]  # list price
    said.append(out := guest.send("action_talk_to_human", "talk_to_human",
                                  "I want to talk to an engineer"))
    own = custom_of(out, "ticket")["ticket_number"]
    said.append(out := guest.send("action_ticket_status", "ticket_status",
                                  "what is the status of my ticket?"))
    assert custom_of(out, "ticket_status")["ticket_numbers"] == [own]  # its own, only
    shown = "\n".join(text_of(o) for o in said)
    assert not [p for p in private if p in shown], shown
    assert "% off" not in shown


def test_an_unreachable_ticket_store_spools_the_escalation_and_files_it_later(
        deps, tmp_path):
    from sqlalchemy import create_engine

    from db.migrate import upgrade
    from tickets import spool

    healthy = deps.engine
    broken_url = f"sqlite:///{tmp_path}/not-migrated.db"
    deps.engine = create_engine(broken_url)  # no tables: every write fails
    chat = Chat(Controller(deps))
    chat.send("action_identify_asset", "identify_asset", PUMP)
    out = chat.send("action_urgent_safety", "urgent_safety", "smoke from the motor!")
    assert kinds(out)[0] == "safety"
    queued = custom_of(out, "ticket")
    assert queued["reference"].startswith("Q-") and queued["priority"] == "P1"
    assert len(spool.pending(deps.spool_dir)) == 1
    upgrade(broken_url)
    filed = spool.drain(deps.spool_dir, engine=deps.engine, catalog=deps.catalog,
                        now=deps.now())
    assert filed == 1 and spool.pending(deps.spool_dir) == []
    assert spool.drain(deps.spool_dir, engine=deps.engine, catalog=deps.catalog,
                       now=deps.now()) == 0
    deps.engine = healthy


def test_readings_are_parsed_and_bad_units_explained(chat):
    chat.send("action_identify_asset", "identify_asset", "P100-2021-00542")
    out = chat.send("action_start_diagnosis", "report_problem",
                    "the pump is vibrating a lot")
    for _ in range(10):
        question = custom_of(out, "diagnosis_question")
        if question["type"] == "number":
            break
        out = chat.send("action_handle_answer", "dont_know", "I don't know")
        if chat.slots.get("awaiting") != "diagnosis":
            pytest.skip("no numeric question on this path")
    wrong = chat.send("action_handle_answer", "provide_reading", "12 kg")
    assert wrong.replies[0].text.startswith("Sorry, I didn't get that answer.")
    assert custom_of(wrong, "diagnosis_question")["observation_id"] == \
        question["observation_id"]


def test_service_data_answers(chat):
    chat.verified_customer = "CUST-002"  # the contract is shown to its customer only
    out = chat.send("action_answer_spare_part", "ask_spare_part",
                    "price and stock of HCP-MS-050?")
    assert custom_of(out, "spare_part")["part_numbers"] == ["HCP-MS-050"]
    assert "290.00 EUR" in text_of(out)
    out = chat.send("action_answer_maintenance", "ask_maintenance",
                    "how often do I grease the bearings?")
    assert chat.slots["awaiting"] == "asset"
    out = chat.send("action_identify_asset", "identify_asset", PUMP)
    # One task of the schedule: its section of the manual, with its interval.
    assert custom_of(out, "manual_answer")["section_id"] == "hcp.maint.mt_hcp_2000h"
    out = chat.send("action_answer_maintenance", "ask_maintenance", "maintenance schedule?")
    assert custom_of(out, "maintenance")["model"] == "HCP-50"
    out = chat.send("action_answer_contract", "ask_contract", "is it under warranty?")
    assert custom_of(out, "contract")["tier"] == "standard"
    assert "1 Oct 2021" in text_of(out)  # 24 months from the 2019-10-01 installation
    out = chat.send("action_answer_spare_part", "ask_spare_part", "I need a bearing set")
    assert custom_of(out, "spare_part")["part_numbers"] == ["HCP-BRG-050"]
    assert "10% off" in text_of(out)


def test_over_long_messages_get_a_polite_answer_and_an_engineer_button(chat):
    out = chat.send("action_message_too_long", "message_too_long", "",
                    [{"entity": "length", "value": 20000}, {"entity": "limit", "value": 5000}])
    assert "20000" in out.replies[0].text and "5000" in out.replies[0].text
    assert out.replies[0].buttons[0].payload == "/talk_to_human"


def test_a_message_in_another_language_gets_an_honest_answer_and_an_engineer(chat):
    chat.language = "de"
    out = chat.send("action_start_diagnosis", "report_problem",
                    "Questa pompa perde acqua dalla guarnizione, cosa devo fare?")
    assert out.replies[0].text == say("unsupported_language", "de")
    assert out.replies[0].buttons[0].payload == "/talk_to_human"
    assert "diagnosis_session" not in chat.slots


def test_a_misunderstood_answer_repeats_the_question_until_the_miss_limit(chat):
    chat.send("action_identify_asset", "identify_asset", "P100-2021-00542")
    out = chat.send("action_start_diagnosis", "report_error_code", "A022 on the display")
    first = custom_of(out, "diagnosis_question")
    out = chat.send("action_handle_fallback", "nlu_fallback", "hmm blorf")
    assert out.replies[0].text.startswith("Sorry, I didn't get that answer.")
    assert custom_of(out, "diagnosis_question")["observation_id"] == first["observation_id"]
    out = chat.send("action_handle_fallback", "nlu_fallback", "zzzz qqqq")
    assert custom_of(out, "ticket")["reason"] == "low_confidence"


def test_the_same_emergency_reported_again_in_the_conversation_keeps_its_ticket(deps):
    """The turn that opened the P1 ticket may be lost (the Rasa server died in the middle of
    it): the customer sends the report again, in the same conversation, and gets that ticket."""
    first = Chat(Controller(deps), sender="conv-lost-turn")
    opened = custom_of(first.send("action_urgent_safety", "urgent_safety",
                                  "smoke coming out of the motor!"), "ticket")
    # The tracker lost the first turn: the same conversation, no memory of it.
    again = Chat(Controller(deps), sender="conv-lost-turn", turns=5)  # another message id
    out = again.send("action_urgent_safety", "urgent_safety", "smoke coming out of the motor!!")
    assert kinds(out)[:2] == ["safety", "ticket"]
    assert custom_of(out, "ticket")["ticket_number"] == opened["ticket_number"]
    # Another conversation's emergency is its own.
    other = Chat(Controller(deps), sender="conv-other-room")
    other_ticket = custom_of(other.send("action_urgent_safety", "urgent_safety",
                                        "smoke coming out of the motor!"), "ticket")
    assert other_ticket["ticket_number"] != opened["ticket_number"]
    with reading(deps.engine) as session:
        numbers = session.scalars(select(Ticket.number)).all()
    assert sorted(numbers) == sorted({opened["ticket_number"], other_ticket["ticket_number"]})


def test_a_thank_you_after_an_answer_offers_the_rating_once(deps):
    chat = Chat(Controller(deps))
    out = chat.send("action_thank", "thank", "thanks")
    assert "rating_request" not in kinds(out)  # nothing answered yet
    chat.send("action_identify_asset", "identify_asset", PUMP)
    chat.send("action_answer_spare_part", "ask_spare_part", "I need a bearing set")
    out = chat.send("action_thank", "thank", "thanks, that's all")
    assert kinds(out)[-1] == "rating_request"
    out = chat.send("action_thank", "thank", "thanks again")
    assert "rating_request" not in kinds(out)


def test_a_rating_is_offered_once_when_the_conversation_ends(deps):
    chat = Chat(Controller(deps), language="fr")
    out = chat.send("action_goodbye", "goodbye", "merci, au revoir")
    offer = custom_of(out, "rating_request")
    assert offer == {"kind": "rating_request"}
    [request] = [r for r in out.replies if r.custom == offer]
    assert request.text == say("rate_prompt", "fr")
    assert [b.payload for b in request.buttons] == [
        f'/rate_conversation{{"rating":"{n}"}}' for n in range(1, 6)]
    out = chat.send("action_rate_conversation", "rate_conversation", "",
                    [{"entity": "rating", "value": "4"}])
    assert custom_of(out, "rating") == {"kind": "rating", "rating": 4}
    assert text_of(out) == say("rate_thanks", "fr")
    out = chat.send("action_goodbye", "goodbye", "au revoir")
    assert "rating_request" not in kinds(out)  # asked once
    for value in ("9", "zero", None):
        assert chat.send("action_rate_conversation", "rate_conversation", "",
                         [{"entity": "rating", "value": value}]).replies == []
