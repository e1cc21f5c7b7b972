"""Routing through the real Rasa server, in the five languages: the three safety outcomes
(no danger, possible danger with its one question, danger now), a request from outside the
domain, a how-to question beside a serial, a repeated report that joins the open incident, and
a hand-off mid-diagnosis whose ticket carries the session as it stood."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.dialogue.messages import say
from tests.e2e.test_conversations import SCRIPTS, conversation, custom, kinds

pytestmark = pytest.mark.e2e

PUMP = "P100-2021-00542"        # HCP-100 of CUST-001
COMPRESSOR = "H37S-2020-00877"  # HSC-37
# One machine per language for the repeated report, so that languages do not join each other.
REPORTED = {"en": "P100-2021-00777", "el": "P050-2019-00988", "de": "P150-2020-00101",
            "fr": "P100-2023-01402", "es": "P050-2018-00402"}
OWNERS = {"P100-2021-00777": "CUST-003", "P050-2019-00988": "CUST-002",
          "P150-2020-00101": "CUST-004", "P100-2023-01402": "CUST-005",
          "P050-2018-00402": "CUST-006"}  # knowledge/service.yml

ROUTING = {
    "en": {"routine": "The compressor gives no air any more, the pressure stays at 2 bar",
           "possible": "oil fog near the compressor",
           "ood": "Can you book me a table for two tonight?",
           "how_to": "How do I replace the mechanical seal on pump {serial}?"},
    "el": {"routine": "Ο συμπιεστής δεν βγάζει πια αέρα, η πίεση μένει στα 2 bar",
           "possible": "λίγη λαδομίχλη βγαίνει από τον συμπιεστή",
           "ood": "Μπορείς να μου κλείσεις τραπέζι για δύο απόψε;",
           "how_to": "Πώς αλλάζω τον μηχανικό στυπιοθλίπτη στην αντλία {serial};"},
    "de": {"routine": "Der Kompressor liefert keine Luft mehr, der Druck bleibt bei 2 bar",
           "possible": "Ölnebel am Kompressor",
           "ood": "Kannst du mir heute Abend einen Tisch für zwei reservieren?",
           "how_to": "Wie tausche ich die Gleitringdichtung an der Pumpe {serial}?"},
    "fr": {"routine": "Le compresseur ne donne plus d'air, la pression reste à 2 bar",
           "possible": "brouillard d'huile autour du compresseur",
           "ood": "Tu peux me réserver une table pour deux ce soir ?",
           "how_to": "Comment remplacer la garniture mécanique de la pompe {serial} ?"},
    "es": {"routine": "El compresor ya no da aire, la presión se queda en 2 bar",
           "possible": "sale niebla de aceite del compresor",
           "ood": "¿Me reservas una mesa para dos esta noche?",
           "how_to": "¿Cómo cambio el sello mecánico de la bomba {serial}?"},
}
LANGUAGES = list(ROUTING)


def start(system, language: str, serial: str | None = None,
          identity: str | None = None) -> str:
    """A new conversation in `language` (its greeting sets the language), the machine named;
    signed in with `identity`, if given, from its first message on."""
    sender = conversation()
    system.chat(sender, {"en": "Hello", "el": "Γεια σας", "de": "Hallo",
                         "fr": "Bonjour", "es": "Hola"}[language], identity)
    if serial:
        assert "asset" in kinds(system.chat(sender, serial, identity))
    return sender


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_routine_report_with_alarming_words_gets_no_safety_reply(system, language):
    sender = start(system, language, COMPRESSOR)
    messages = system.chat(sender, ROUTING[language]["routine"])
    assert not {"safety", "safety_check", "ticket"} & set(kinds(messages)), messages
    assert "diagnosis_question" in kinds(messages), messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_possible_danger_asks_once_and_yes_takes_the_danger_path(system, language):
    # Between the instruction and the P1 thresholds (bot/triage/thresholds.yml, where the
    # band of a question alone is empty since the thresholds of 2026-12-04): the safety
    # instruction first, then the one question; yes opens the P1 ticket.
    sender = start(system, language)
    messages = system.chat(sender, ROUTING[language]["possible"])
    assert kinds(messages) == ["safety", "safety_check"], messages
    assert say("safety_check_question", language) in texts(messages)
    messages = system.chat(sender, "/affirm")
    assert "ticket" in kinds(messages), messages
    assert custom(messages, "ticket")["priority"] == "P1"


@pytest.mark.parametrize("language", LANGUAGES)
def test_possible_danger_no_carries_on_with_the_message(system, language):
    sender = start(system, language, COMPRESSOR)
    messages = system.chat(sender, ROUTING[language]["possible"])
    assert kinds(messages) == ["safety", "safety_check"], messages
    messages = system.chat(sender, "/deny")
    assert not {"safety", "safety_check", "ticket"} & set(kinds(messages)), messages
    assert messages, "the message that raised the question is answered"


@pytest.mark.parametrize("language", LANGUAGES)
def test_danger_now_is_the_safety_instruction_before_anything(system, language):
    sender = start(system, language, COMPRESSOR)
    messages = system.chat(sender, SCRIPTS[language]["urgent"])
    assert kinds(messages)[:2] == ["safety", "ticket"], messages
    assert custom(messages, "ticket")["priority"] == "P1"


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_out_of_domain_request_is_answered_honestly(system, language):
    sender = start(system, language)
    messages = system.chat(sender, ROUTING[language]["ood"])
    assert kinds(messages) == ["out_of_domain"], messages
    assert say("out_of_domain", language) in texts(messages)
    buttons = [b for m in messages for b in m.get("buttons") or []]
    assert [b["payload"] for b in buttons] == ["/talk_to_human"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_how_to_question_beside_a_serial_identifies_and_answers(system, language):
    sender = start(system, language)
    messages = system.chat(sender, ROUTING[language]["how_to"].format(serial=PUMP))
    answer = custom(messages, "manual_answer")
    # The pump's procedure, not its model table or the list of codes.
    assert answer["section_id"].startswith("hcp.fault.mechanical_seal"), answer
    assert kinds(messages)[-1] == "feedback_request"
    tracker = httpx.get(f"{system.rasa}/conversations/{sender}/tracker", timeout=30).json()
    assert tracker["slots"]["asset_serial"] == PUMP, "the machine is identified as well"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_repeated_report_joins_the_open_incident(system, language):
    serial = REPORTED[language]
    # The machine's customer, signed in, in both conversations: an anonymous chat's report
    # joins the incident too, but is not shown it (tests/dialogue/test_routing.py), and the
    # machine may have an open incident from another test already.
    token = system.identity(OWNERS[serial])
    first = system.chat(start(system, language, serial, token), SCRIPTS[language]["urgent"],
                        token)
    opened = custom(first, "ticket")
    assert opened["priority"] == "P1"
    again = system.chat(start(system, language, serial, token), SCRIPTS[language]["urgent"],
                        token)
    joined = custom(again, "ticket")
    assert joined["existing"] is True and joined["ticket_number"] == opened["ticket_number"]
    assert f"#{opened['ticket_number']}" in texts(again)
    stored = system.ticket(opened["ticket_number"])
    assert (stored["serial"], stored["priority"]) == (serial, "P1")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hand_off_mid_diagnosis_carries_the_session(system, language):
    sender = conversation()
    messages = system.chat(sender, SCRIPTS[language]["code"].format(serial=PUMP))
    assert "diagnosis_question" in kinds(messages), messages
    messages = system.chat(sender, SCRIPTS[language]["human"])
    ticket = custom(messages, "ticket")
    diagnosis = system.ticket(ticket["ticket_number"])["diagnosis"]
    assert "A022" in diagnosis["observations"].values(), diagnosis
    assert diagnosis["trace"], diagnosis
    candidates = diagnosis["candidates"]
    # The engine's ranking at that moment: the code has moved the bearing faults up.
    scores = [c["confidence"] for c in candidates]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1], candidates
    assert "bearing_failure" in [c["fault_id"] for c in candidates[:3]], candidates
