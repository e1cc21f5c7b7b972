"""Whole conversations in the five languages through the real Rasa server (REST channel), the
API's action webhook and its services: guided diagnosis to a fault, urgent safety to a P1
ticket, a manual answer with its citation, service data, and the hand-off to an engineer."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest

from bot.dialogue.messages import say
from bot.dialogue.service import default_service_data
from bot.dialogue.simulate import answer_message
from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT
from rules.scoring import FamilyModel
from rules.simulate import Operator

pytestmark = pytest.mark.e2e

SERIAL = "P100-2021-00542"  # HCP-100 of CUST-001 (premium 24/7)
# Per language: a report of error code A022 (bearing temperature high), an urgent report, a
# manual question, a request for a person (natural phrasings, not the training examples).
SCRIPTS = {
    "en": {"code": "Hi, the display of my pump {serial} shows A022",
           "urgent": "Help, there is smoke coming out of the pump motor!",
           "manual": "How do I replace the mechanical seal on the pump?",
           "human": "Please put me through to a real person"},
    "el": {"code": "Καλησπέρα, η οθόνη της αντλίας {serial} δείχνει A022",
           "urgent": "Βγαίνει καπνός από τον κινητήρα της αντλίας!",
           "manual": "Πώς αλλάζω τον μηχανικό στυπιοθλίπτη της αντλίας;",
           "human": "Θέλω να μιλήσω με έναν τεχνικό"},
    "de": {"code": "Hallo, die Anzeige meiner Pumpe {serial} zeigt A022",
           "urgent": "Hilfe, aus dem Motor der Pumpe kommt Rauch!",
           "manual": "Wie tausche ich die Gleitringdichtung der Pumpe?",
           "human": "Ich möchte bitte mit einem Menschen sprechen"},
    "fr": {"code": "Bonjour, l'écran de ma pompe {serial} affiche A022",
           "urgent": "Au secours, il y a de la fumée qui sort du moteur de la pompe !",
           "manual": "Comment remplacer la garniture mécanique de la pompe ?",
           "human": "Je voudrais parler à un technicien s'il vous plaît"},
    "es": {"code": "Hola, la pantalla de mi bomba {serial} muestra A022",
           "urgent": "¡Socorro, sale humo del motor de la bomba!",
           "manual": "¿Cómo cambio el sello mecánico de la bomba?",
           "human": "Quiero hablar con una persona, por favor"},
}


def conversation() -> str:
    return f"e2e-{uuid.uuid4().hex[:16]}"


def kinds(messages: list[dict[str, Any]]) -> list[str]:
    return [m["custom"]["kind"] for m in messages if isinstance(m.get("custom"), dict)]


def custom(messages: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(m["custom"] for m in messages
                if isinstance(m.get("custom"), dict) and m["custom"].get("kind") == kind)


def question_and_buttons(messages: list[dict[str, Any]]) -> tuple[dict, list[dict]]:
    """The question's custom data and the buttons of the text message before it."""
    for i, message in enumerate(messages):
        if isinstance(message.get("custom"), dict) and \
                message["custom"].get("kind") == "diagnosis_question":
            return message["custom"], messages[i - 1].get("buttons") or []
    raise AssertionError(f"no question in {messages}")


@pytest.fixture(scope="module")
def pump_family():
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    return kb.families["centrifugal_process_pump"]


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_guided_diagnosis_in_each_language(system, pump_family, language):
    sender = conversation()
    fault_id = "bearing_failure"
    assert fault_id in pump_family.faults
    operator = Operator(pump_family, FamilyModel(pump_family), fault_id)
    messages = system.chat(sender, SCRIPTS[language]["code"].format(serial=SERIAL))
    assert "diagnosis_question" in kinds(messages), messages
    for turn in range(12):
        question, buttons = question_and_buttons(messages)
        # Odd turns typed as words (through NLU), even turns by pressing the buttons.
        message = answer_message(operator, question, buttons, language, typed=turn % 2 == 1)
        messages = system.chat(sender, message)
        if "diagnosis_question" not in kinds(messages):
            break
    assert custom(messages, "diagnosis_conclusion")["fault_id"] == fault_id, messages
    assert kinds(messages)[-1] == "feedback_request"
    assert messages[-2]["text"] == say("did_this_help", language)
    text = "\n".join(m.get("text", "") for m in messages)
    assert "HCP-BRG-100" in text  # the bearing set of the HCP-100, with stock and lead time
    tracker = httpx.get(f"{system.rasa}/conversations/{sender}/tracker", timeout=30).json()
    assert tracker["slots"]["language"] == language
    assert tracker["slots"]["asset_serial"] == SERIAL


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_urgent_safety_says_what_to_do_then_opens_a_p1_ticket(system, language):
    sender = conversation()
    messages = system.chat(sender, SCRIPTS[language]["urgent"])
    # Safety first, the P1 ticket at once (the machine is not known yet), then the serial.
    assert kinds(messages)[:2] == ["safety", "ticket"], messages
    ticket = custom(messages, "ticket")
    assert ticket["priority"] == "P1" and ticket["reason"] == "critical"
    assert messages[-1]["text"] == say("urgent_ticket_ask_serial", language)
    messages = system.chat(sender, SERIAL)
    assert f"#{ticket['ticket_number']}" in messages[-1]["text"]
    stored = system.ticket(ticket["ticket_number"])
    assert (stored["serial"], stored["customer_id"], stored["priority"]) == (
        SERIAL, "CUST-001", "P1")


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_manual_answer_with_citation_then_a_person(system, language):
    sender = conversation()
    system.chat(sender, SERIAL)
    messages = system.chat(sender, SCRIPTS[language]["manual"])
    answer = custom(messages, "manual_answer")
    # Rasa's output channel sends each paragraph as its own message.
    assert answer["document"] in "\n".join(m.get("text", "") for m in messages)
    messages = system.chat(sender, SCRIPTS[language]["human"])
    ticket = custom(messages, "ticket")
    assert ticket["reason"] == "customer_request"
    hours = default_service_data().tier("premium_24_7")["response_time_h"][ticket["priority"]]
    text = "\n".join(m.get("text", "") for m in messages)
    assert f"#{ticket['ticket_number']}" in text
    assert f" {hours} " in text  # the contract's response time for the priority


def engineer_key(system) -> str:
    env = {"ASSISTANT_DATABASE_URL": system.settings.database_url,
           "ASSISTANT_DATA_DIR": str(system.settings.data_dir)}
    out = subprocess.run([sys.executable, "-m", "api.auth", "create", "--role", "engineer",
                          "--name", "e2e-engineer"], capture_output=True, text=True,
                         cwd=PROJECT_ROOT, env={**__import__("os").environ, **env},
                         check=True)
    return out.stdout.strip().splitlines()[-1]


def test_hand_off_engineer_replies_reach_the_chat_and_the_bot_stays_silent(system):
    sender = conversation()
    system.chat(sender, SERIAL)
    messages = system.chat(sender, SCRIPTS["de"]["human"])
    ticket_number = custom(messages, "ticket")["ticket_number"]
    headers = {"Authorization": f"Bearer {engineer_key(system)}"}
    found = httpx.get(f"{system.api}/api/v1/tickets", params={"customer_id": "CUST-001"},
                      headers=headers, timeout=30).json()
    ticket = next(t for t in found["items"] if t["number"] == ticket_number)
    reply = httpx.post(f"{system.api}/api/v1/tickets/{ticket['id']}/comments",
                       json={"body": "Guten Tag, hier Eleni. Ich rufe Sie an.",
                             "visibility": "customer"}, headers=headers, timeout=30)
    assert reply.status_code == 201, reply.text
    messages = system.chat(sender, "Danke, ich warte auf den Anruf")
    assert [m["custom"]["kind"] for m in messages if "custom" in m] == ["engineer_reply"]
    assert "Ich rufe Sie an." in messages[0]["text"]
    comments = httpx.get(f"{system.api}/api/v1/tickets/{ticket['id']}/comments",
                         headers=headers, timeout=30).json()
    bodies = [c["body"] for c in (comments["items"] if isinstance(comments, dict)
                                  else comments)]
    assert "Danke, ich warte auf den Anruf" in bodies
    # Resolved: the assistant answers again.
    current = httpx.get(f"{system.api}/api/v1/tickets/{ticket['id']}", headers=headers,
                        timeout=30).json()
    for change in ({"assignee": "T-DE-02"}, {"status": "in_progress"},
                   {"status": "resolved"}):
        current = httpx.patch(f"{system.api}/api/v1/tickets/{ticket['id']}",
                              json=change,
                              headers={**headers, "If-Match": str(current["version"])},
                              timeout=30)
        assert current.status_code == 200, current.text
        current = current.json()
    messages = system.chat(sender, "Hallo")
    assert messages and "custom" not in messages[0], messages


@pytest.mark.parametrize(("text", "language"), [
    ("🙂🙂🙂", "en"), ("asdkjh qwoeiu zxcmnb", "en"),
    ("Questa pompa perde acqua dalla guarnizione, cosa devo fare?", "en"),
])
def test_bad_input_gets_a_polite_answer_and_an_offer_of_a_person(system, text, language):
    messages = system.chat(conversation(), text)
    assert messages and messages[0].get("text")
    assert any(b["payload"] == "/talk_to_human" for m in messages for b in m.get("buttons", [])) \
        or "ticket" in json.dumps(messages), messages


def test_a_20000_character_message_is_answered_in_the_conversations_language(system):
    sender = conversation()
    system.chat(sender, "Guten Tag")
    messages = system.chat(sender, "Die Pumpe macht Geräusche. " * 740)
    assert messages[0]["text"].startswith(say("message_too_long", "de", length="X",
                                              limit="Y").split("(")[0])
    assert messages[0]["buttons"][0]["payload"] == "/talk_to_human"
