"""End to end: real Rasa server (trained model, SQLite tracker store), real API with the action
webhook, talking over the REST channel as a chat client does."""

from __future__ import annotations

import uuid

import httpx
import pytest

from bot.dialogue.messages import say
from core.language_detection import LanguageIdentifier
from tests.conftest import response_text
from tests.e2e.conftest import start

pytestmark = pytest.mark.e2e

GREETINGS = [
    ("Γεια σας", "el"),
    ("Guten Morgen", "de"),
    ("Bonjour", "fr"),
    ("Hola, buenos días", "es"),
    ("Hello there", "en"),
]
THANKS = [("Ευχαριστώ πολύ", "el"), ("Vielen Dank", "de"), ("Merci beaucoup", "fr"),
          ("Muchas gracias", "es"), ("Thank you very much", "en")]


def conversation() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


def kinds(messages: list[dict]) -> list[str | None]:
    return [(m.get("custom") or {}).get("kind") for m in messages]


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if "text" in m]


@pytest.mark.parametrize(("message", "language"), GREETINGS)
def test_greeting_is_answered_in_the_customers_language(system, domain, message, language):
    replies = texts(system.chat(conversation(), message))
    assert replies == [response_text(domain, "utter_greet", language)]
    assert LanguageIdentifier().detect(replies[0]).language == language


@pytest.mark.parametrize(("message", "language"), THANKS)
def test_thanks_and_goodbye_follow_the_language(system, domain, message, language):
    sender = conversation()
    assert texts(system.chat(sender, message)) == [
        response_text(domain, "utter_you_are_welcome", language)]


def test_short_message_keeps_the_conversations_language(system, domain):
    sender = conversation()
    system.chat(sender, "Guten Tag, ich habe eine Frage")
    # "ok!!" tells no language: the reply stays German.
    replies = texts(system.chat(sender, "asdfgh qwertz"))
    assert replies == [say("please_rephrase", "de")]


def test_out_of_scope_is_declined_politely(system, domain):
    messages = system.chat(conversation(), "¿Qué tiempo hará mañana en Madrid?")
    assert texts(messages) == [say("out_of_domain", "es")]
    # Rasa's REST channel sends the text (with its buttons) and the custom data apart.
    assert [m["custom"] for m in messages if "custom" in m] == [{"kind": "out_of_domain"}]
    assert [b["payload"] for m in messages for b in m.get("buttons", [])] == ["/talk_to_human"]


def test_custom_action_round_trip_hands_over_after_two_misses(system, domain):
    sender = conversation()
    system.chat(sender, "Bonsoir")
    first = texts(system.chat(sender, "xkcd qwpz"))
    second = texts(system.chat(sender, "zzvb plokm"))
    # Both replies come from action_handle_fallback, run by the API's action webhook: the
    # second miss in a row escalates, and the ticket needs the machine's serial number.
    assert first == [say("please_rephrase", "fr")]
    assert second == [say("offer_human_after_misses", "fr"), say("ask_serial_for_ticket", "fr")]
    tracker = httpx.get(f"{system.rasa}/conversations/{sender}/tracker", timeout=30).json()
    actions = [e["name"] for e in tracker["events"] if e["event"] == "action"]
    assert actions.count("action_handle_fallback") == 2
    assert tracker["slots"]["language"] == "fr"


def test_parse_reports_intent_and_language(system):
    parsed = httpx.post(f"{system.rasa}/model/parse", json={"text": "Καλησπέρα σας"},
                        timeout=30).json()
    assert parsed["intent"]["name"] == "greet"
    assert {"entity": "language", "value": "el"}.items() <= parsed["entities"][0].items()


def test_healthz_reports_every_dependency(system):
    response = httpx.get(f"{system.api}/healthz", timeout=30)
    assert response.status_code == 200
    assert response.json()["status"] == "ok", response.json()
    checks = response.json()["checks"]
    assert checks["index"]["status"] == "ok"  # built by the launcher before the API started
    assert checks["database"]["status"] == "ok"
    assert checks["rasa"]["status"] == "ok"
    assert checks["rasa"]["version"] == "3.6.21"
    assert checks["rasa"]["model"].endswith(".tar.gz")
    assert checks["actions"]["count"] >= 1
    # Telemetry over MQTT from the machine's broker (optional: without one it says "down").
    assert checks["monitoring"]["status"] == "ok", checks["monitoring"]
    assert checks["monitoring"]["broker"] == "mqtt://127.0.0.1:1883"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"sender": "u1", "message": ""}', 400),
        (b'{"sender": "u1", "message": "   "}', 400),
        (b'{"message": "hello"}', 400),
        (b'{"sender": {"id": 1}, "message": "hello"}', 400),
        (b'{"sender": "../../etc", "message": "hello"}', 400),
        (('{"sender": "u1", "message": "' + "Hallo " * 17000 + '"}').encode(), 413),
    ],
)
def test_bad_chat_requests_get_a_clear_json_error(system, body, status):
    response = httpx.post(f"{system.rasa}/webhooks/rest/webhook", content=body,
                          headers={"content-type": "application/json"}, timeout=60)
    assert response.status_code == status
    assert response.json()["error"]
    assert "Traceback" not in response.text


def test_conversation_survives_a_restart(system, domain):
    sender = conversation()
    system.chat(sender, "Buenas tardes")
    system.supervisor.stop()
    system.supervisor = start(system.settings, system.log)
    tracker = httpx.get(f"{system.rasa}/conversations/{sender}/tracker", timeout=30).json()
    assert tracker["slots"]["language"] == "es"
    assert any(e.get("text") == "Buenas tardes" for e in tracker["events"])
    # And the next message is still answered in Spanish.
    assert texts(system.chat(sender, "qqq zzz")) == [say("please_rephrase", "es")]


def test_the_chat_opened_from_an_alert_link_starts_from_the_telemetry(system):
    """Through the real Rasa and API: an alert raised on an HSC-37's telemetry in the system's
    database, its signed link's payload sent as the chat page sends it."""
    import json
    from datetime import UTC, datetime, timedelta

    from core.knowledge.loader import load_knowledge
    from core.settings import PROJECT_ROOT
    from monitoring import links
    from monitoring.baseline import bands
    from monitoring.monitor import PERSIST, Monitor
    from monitoring.simulate import fault_targets
    from rules.diagnosis import Diagnoser
    from runtime.resources import engine_for
    from tickets.catalog import default_catalog

    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    diagnoser = Diagnoser(kb)
    family = kb.families["rotary_screw_compressor"]
    readings = {name: band.center for name, band in bands(family).items()}
    readings.update(fault_targets(family, diagnoser.models[family.id],
                                  "separator_element_clogged"))
    monitor = Monitor(engine_for(system.settings), kb, default_catalog(), diagnoser=diagnoser)
    start_at = datetime.now(UTC)
    raised = []
    for i in range(PERSIST):
        raised += monitor.handle("helios/telemetry/H37S-2020-00877", json.dumps(
            {"ts": (start_at + timedelta(seconds=i)).isoformat(), "readings": readings}).encode()
        ).raised
    [alert] = raised
    secret = links.secret_for(system.settings.data_dir, system.settings.link_secret)
    token = links.alert_token(alert.id, secret)
    payload = "/start_from_alert" + json.dumps({"alert_token": token, "language": "de"})
    messages = system.chat(conversation(), payload)
    kinds = [(m.get("custom") or {}).get("kind") for m in messages]
    assert "alert" in kinds and "diagnosis_question" in kinds, messages
    assert any("H37S-2020-00877" in m.get("text", "") and "gemeldet" in m.get("text", "")
               for m in messages), messages
    # A link that was not signed here: no alert, no diagnosis.
    forged = "/start_from_alert" + json.dumps({"alert_token": f"{alert.id}.{'0' * 16}"})
    kinds = [(m.get("custom") or {}).get("kind") for m in system.chat(conversation(), forged)]
    assert "alert" not in kinds and "diagnosis_question" not in kinds


def test_a_serial_shows_its_customer_only_to_a_signed_in_chat(system):
    """Through the chat page's proxy and the real Rasa: the nameplate's serial in an anonymous
    chat names no company and shows no contract; the same with the identity the portal hands
    over does; the REST channel called directly with an identity signed elsewhere is anonymous
    (the actions verify it themselves)."""
    from datetime import UTC, datetime, timedelta

    from core import identity
    from core.signing import secret_for

    serial, company = "P100-2021-00542", "Aegean Bottling S.A."  # CUST-001's pump
    secret = secret_for(system.settings.data_dir, system.settings.link_secret)
    token, _ = identity.issue("CUST-001", secret, now=datetime.now(UTC), ttl=timedelta(hours=1))

    def page(conversation_id: str, text: str, with_identity: str | None = None) -> list[dict]:
        body = {"conversation_id": conversation_id, "message": text}
        if with_identity:
            body["identity"] = with_identity
        answer = httpx.post(f"{system.api}/chat/api/messages", json=body, timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()["messages"]

    def kinds(messages: list[dict]) -> list[str | None]:
        return [(m.get("custom") or {}).get("kind") for m in messages]

    guest = f"guest-{uuid.uuid4().hex}"
    shown = " ".join(texts(page(guest, serial)))
    assert serial in shown and company not in shown
    contract = page(guest, "is it still under warranty? which contract do we have?")
    assert "contract" not in kinds(contract) and company not in " ".join(texts(contract))

    signed = f"signed-{uuid.uuid4().hex}"
    assert company in " ".join(texts(page(signed, serial, token)))
    assert "contract" in kinds(page(signed, "is it still under warranty? which contract do "
                                            "we have?", token))

    forged, _ = identity.issue("CUST-001", b"a guessed secret", now=datetime.now(UTC),
                               ttl=timedelta(hours=1))
    refused = httpx.post(f"{system.api}/chat/api/messages", timeout=60, json={
        "conversation_id": f"forged-{uuid.uuid4().hex}", "message": serial, "identity": forged})
    assert refused.status_code == 401
    direct = httpx.post(f"{system.rasa}/webhooks/rest/webhook", timeout=60, json={
        "sender": conversation(), "message": serial, "metadata": {"identity": forged}}).json()
    assert serial in " ".join(texts(direct)) and company not in " ".join(texts(direct))


def test_a_one_time_code_sent_to_the_contact_on_file_signs_the_chat_in(system):
    """Through the real Rasa: an anonymous chat asks for the contract of a machine; the code
    goes to the customer's contact on file (the outbox), and typed back it signs the chat in:
    the contract is shown, and the next question needs no code again (Rasa keeps the signed
    identity in the conversation's `identity` slot)."""
    from sqlalchemy import create_engine, select

    from db.tickets import OutboxEvent
    from tickets.verification import EVENT

    serial, company = "P100-2021-00542", "Aegean Bottling S.A."  # CUST-001's pump
    sender = conversation()
    system.chat(sender, serial)
    asked = system.chat(sender, "which contract do we have for it?")
    assert "verification_code_sent" in kinds(asked), asked
    assert company not in " ".join(texts(asked))
    engine = create_engine(system.settings.resolved_db_url(system.settings.database_url))
    try:
        with engine.connect() as connection:
            [payload] = [p for (p,) in connection.execute(select(OutboxEvent.payload).where(
                OutboxEvent.event_type == EVENT)) if p["conversation_id"] == sender]
    finally:
        engine.dispose()
    assert payload["recipients"][0]["email"] == "maintenance@aegean-bottling.example"
    answered = system.chat(sender, payload["code"])
    assert "verified" in kinds(answered) and "contract" in kinds(answered), answered
    assert {"kind": "contract", "tier": "premium_24_7"} in [m.get("custom") for m in answered]
    tracker = httpx.get(f"{system.rasa}/conversations/{sender}/tracker", timeout=30).json()
    assert tracker["slots"]["identity"]
    again = system.chat(sender, "is it still under warranty?")
    assert "contract" in kinds(again) and "verification_code_sent" not in kinds(again), again


def test_the_rating_offered_at_the_end_reaches_the_bot(system):
    """Through the real Rasa: a goodbye offers the 1-5 buttons; a button's payload is the
    intent `rate_conversation` with its `rating` entity, thanked for in the language."""
    sender = conversation()
    messages = system.chat(sender, "Tschüss, bis zum nächsten Mal")
    # Rasa's REST channel sends the text with its buttons and the custom payload apart.
    assert {"kind": "rating_request"} in [m.get("custom") for m in messages], messages
    [offer] = [m for m in messages if m.get("buttons")]
    assert offer["text"] == say("rate_prompt", "de")
    payloads = [b["payload"] for b in offer["buttons"]]
    assert len(payloads) == 5
    messages = system.chat(sender, payloads[3])
    assert [m.get("custom") for m in messages if m.get("custom")] == [
        {"kind": "rating", "rating": 4}]
    assert texts(messages) == [say("rate_thanks", "de")]
