"""The customer web chat's page and API: the proxy to Rasa's REST channel (validation, error
mapping) and the engineers' replies read from a real SQLite ticket store."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import get_settings
from api.main import create_app
from api.ratelimit import RateLimiter
from api.routes import chat as chat_routes
from core.settings import Settings
from db import late_turns
from db.migrate import upgrade
from tests.conftest import free_port
from tickets import conversations, spool, store
from tickets.catalog import default_catalog
from tickets.database import create_store_engine
from tickets.domain import Actor, NewTicket

CONVERSATION = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
BOT = Actor(name="assistant", role="assistant", principal="key-bot")
ENGINEER = Actor(name="T-GR-01", role="engineer", principal="key-eng")
UNAVAILABLE = {"detail": "the assistant is unavailable, please try again"}


class FakeRasa(ThreadingHTTPServer):
    """A stand-in for the Rasa server's REST channel (an external service): answers every POST
    with the status and body it is given, and records what it received."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RasaHandler)
        self.status = 200
        self.body: bytes = b"[]"
        self.content_type = "application/json"
        self.received: list[tuple[str, Any]] = []

    def answer(self, status: int, body: Any, content_type: str = "application/json") -> None:
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.content_type = content_type


class _RasaHandler(BaseHTTPRequestHandler):
    server: FakeRasa

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        length = int(self.headers.get("content-length", "0"))
        self.server.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(self.server.status)
        self.send_header("Content-Type", self.server.content_type)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def do_GET(self) -> None:  # noqa: N802 - Rasa's /version and /status, a model loaded
        body = json.dumps({"version": "3.6.21"} if self.path.startswith("/version")
                          else {"model_file": "model.tar.gz", "model_id": "m1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass


@pytest.fixture()
def fake_rasa() -> Iterator[FakeRasa]:
    server = FakeRasa()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def db_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    upgrade(url)
    return url


def client_for(settings: Settings) -> TestClient:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    return TestClient(app)


def settings_for(tmp_path, db_url: str, **overrides: Any) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db_url, index_dir=tmp_path / "index",
                    tickets_worker_interval_s=0, **overrides)


@pytest.fixture()
def down(tmp_path, db_url) -> TestClient:
    # Nothing listens on this port: Rasa is down.
    return client_for(settings_for(tmp_path, db_url, rasa_port=free_port()))


@pytest.fixture()
def proxied(tmp_path, db_url, fake_rasa) -> TestClient:
    host, port = fake_rasa.server_address[:2]
    return client_for(settings_for(tmp_path, db_url, rasa_url=f"http://{host}:{port}"))


def send(client: TestClient, message: str = "Hello", conversation_id: str = CONVERSATION):
    return client.post("/chat/api/messages",
                       json={"conversation_id": conversation_id, "message": message})


# --- the page --------------------------------------------------------------------------------
def test_page_and_assets_are_served_with_the_consoles_headers(down):
    page = down.get("/chat/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert 'src="/chat/chat.js"' in page.text and 'aria-live="polite"' in page.text
    assert down.get("/chat/chat.js").headers["content-type"].startswith("text/javascript")
    assert down.get("/chat/chat.css").headers["content-type"].startswith("text/css")
    assert down.get("/chat/index.html").status_code == 404
    assert down.get("/chat/../core/settings.py").status_code == 404


def test_chat_without_slash_redirects(down):
    response = down.get("/chat", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/chat/"


def test_script_never_renders_message_content_as_html(down):
    script = down.get("/chat/chat.js").text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    for language in ("en:", "el:", "de:", "fr:", "es:"):
        assert language in script


# --- the proxy: validation -------------------------------------------------------------------
@pytest.mark.parametrize("conversation_id", [
    "short", "x" * 65, "has space in it 0123", "../../etc/passwd0000", "ünïcödé-0123456789",
])
def test_bad_conversation_id_is_422(down, conversation_id):
    response = send(down, conversation_id=conversation_id)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "conversation_id must be 16-64 letters, digits, '_' or '-'"}


@pytest.mark.parametrize("message", ["", "   \n\t"])
def test_empty_message_is_422(down, message):
    response = send(down, message=message)
    assert response.status_code == 422
    assert response.json() == {"detail": "message must not be empty"}


def test_missing_or_mistyped_fields_are_422(down):
    assert down.post("/chat/api/messages", json={"message": "hi"}).status_code == 422
    assert down.post("/chat/api/messages",
                     json={"conversation_id": CONVERSATION, "message": 5}).status_code == 422


# --- the proxy: forwarding and error mapping -------------------------------------------------
def test_rasa_down_is_503(down):
    response = send(down)
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE


def test_message_is_forwarded_and_rasas_list_returned_as_is(proxied, fake_rasa):
    messages = [
        {"recipient_id": CONVERSATION, "text": "Is the oil level low?",
         "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]},
        {"recipient_id": CONVERSATION, "custom": {"kind": "diagnosis_question"}},
    ]
    fake_rasa.answer(200, messages)
    response = send(proxied, message="My pump shows F004")
    assert response.status_code == 200
    assert response.json() == {"messages": messages}
    assert fake_rasa.received == [("/webhooks/rest/webhook",
                                   {"sender": CONVERSATION, "message": "My pump shows F004"})]


def test_rasas_own_4xx_is_passed_through(proxied, fake_rasa):
    fake_rasa.answer(413, {"error": "'message' is too long: 6000 characters, at most 5000",
                           "field": "message"})
    response = send(proxied, message="x" * 6000)
    assert response.status_code == 413
    assert response.json()["field"] == "message"


@pytest.mark.parametrize(("status", "body", "content_type"), [
    (500, b"<html>Internal Server Error</html>", "text/html"),
    (503, {"error": "the assistant could not handle this message right now"},
     "application/json"),
    (404, b"<html>Not Found</html>", "text/html"),   # no REST channel: misconfigured Rasa
    (200, {"not": "a list"}, "application/json"),
    (200, b"not json", "text/plain"),
])
def test_rasa_failures_are_503(proxied, fake_rasa, status, body, content_type):
    fake_rasa.answer(status, body, content_type)
    response = send(proxied)
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE


# --- engineers' replies ----------------------------------------------------------------------
@pytest.fixture()
def ticket(db_url):
    engine = create_store_engine(db_url)
    new = NewTicket(customer_id="CUST-001", subject="Pump shows F004",
                    description="escalated from the web chat", type="incident",
                    serial="H75S-2021-00118", conversation_id=CONVERSATION,
                    escalation_reason="customer_request")
    created, _ = store.create_ticket(engine, new=new, actor=BOT, catalog=default_catalog(),
                                     now=NOW)
    yield engine, created
    engine.dispose()


def replies(client: TestClient, conversation_id: str = CONVERSATION, after: int | None = None):
    params = {} if after is None else {"after": after}
    return client.get(f"/chat/api/conversations/{conversation_id}/replies", params=params)


def test_engineer_replies_reach_the_chat_after_the_cursor(down, ticket):
    engine, created = ticket
    before = replies(down)
    assert before.status_code == 200
    assert before.json() == {"replies": [], "human_active": False,
                             "ticket_number": created.number, "late": []}

    conversations.add_comment(engine, ticket_id=created.id, viewer=ENGINEER, visibility="internal",
                              body="customer seems to run it dry", now=NOW)
    first = conversations.add_comment(engine, ticket_id=created.id, viewer=ENGINEER,
                                      visibility="customer",
                                      body="Hello, I am looking at your pump.\nOne moment.",
                                      now=NOW + timedelta(minutes=1))
    body = replies(down).json()
    assert body["human_active"] is True and body["ticket_number"] == created.number
    assert [(r["id"], r["text"], r["author"]) for r in body["replies"]] == [
        (first.id, "Hello, I am looking at your pump.\nOne moment.", "T-GR-01")]
    assert datetime.fromisoformat(body["replies"][0]["created_at"]) == NOW + timedelta(minutes=1)

    second = conversations.add_comment(engine, ticket_id=created.id, viewer=ENGINEER,
                                       visibility="customer", body="Please check the seal.",
                                       now=NOW + timedelta(minutes=2))
    later = replies(down, after=first.id)
    assert [r["id"] for r in later.json()["replies"]] == [second.id]
    assert later.headers["cache-control"] == "no-store"
    assert replies(down, after=second.id).json()["replies"] == []


def test_replies_of_another_conversation_are_not_shown(down, ticket):
    engine, created = ticket
    conversations.add_comment(engine, ticket_id=created.id, viewer=ENGINEER,
                              visibility="customer", body="for the other chat", now=NOW)
    assert replies(down, conversation_id="f" * 32).json() == {
        "replies": [], "human_active": False, "ticket_number": None, "late": []}


def test_a_late_answer_is_shown_once_by_the_poll(down, db_url):
    engine = create_store_engine(db_url)
    late = late_turns.start(engine, conversation_id=CONVERSATION, message_id="m-1",
                            action="action_urgent_safety", now=NOW)
    other = late_turns.start(engine, conversation_id="f" * 32, message_id="m-1",
                             action="action_greet", now=NOW)
    assert replies(down).json()["late"] == []  # still running: nothing to show
    answer = [{"text": "Ticket #7 is open."}, {"custom": {"kind": "ticket", "ticket_number": 7}}]
    late_turns.finish(engine, late, messages=answer, slots={"tickets": [7]}, now=NOW)
    late_turns.finish(engine, other, messages=[{"text": "Hello"}], slots={}, now=NOW)
    assert replies(down).json()["late"] == [{"id": late, "messages": answer}]
    assert replies(down).json()["late"] == []  # shown once
    engine.dispose()


def test_replies_validate_the_conversation_id_and_cursor(down):
    assert replies(down, conversation_id="short").status_code == 422
    assert replies(down, conversation_id="short").json()["detail"] == (
        "conversation_id must be 16-64 letters, digits, '_' or '-'")
    assert replies(down, after=-1).status_code == 422


# --- Rasa down: the hotline and a callback request ---------------------------------------------
CALLBACK = {"conversation_id": CONVERSATION, "name": "Maria Papadopoulou",
            "contact": "+30 210 555 0142", "message": "Our HSC-37 stops with E131.",
            "language": "el"}


def test_status_says_whether_the_assistant_answers_and_gives_the_hotline(
        tmp_path, db_url, fake_rasa):
    down = client_for(settings_for(tmp_path, db_url, rasa_port=free_port(),
                                   service_hotline="+30 210 555 0100"))
    answer = down.get("/chat/api/status")
    assert answer.json() == {"assistant": "down", "hotline": "+30 210 555 0100"}
    assert answer.headers["cache-control"] == "no-store"
    host, port = fake_rasa.server_address[:2]
    up = client_for(settings_for(tmp_path, db_url, rasa_url=f"http://{host}:{port}"))
    assert up.get("/chat/api/status").json() == {"assistant": "up", "hotline": None}


@pytest.fixture(autouse=True)
def fresh_rate_limit(monkeypatch):
    """Each test starts with the callback's per-address budget unused."""
    monkeypatch.setattr(chat_routes, "CALLBACK_LIMIT", RateLimiter(limit=5, window_s=3600))


def test_callback_request_opens_one_ticket_for_the_service_desk(down, db_url):
    first = down.post("/chat/api/callback", json=CALLBACK)
    assert first.status_code == 201
    number = first.json()["ticket_number"]
    assert isinstance(number, int) and first.json()["reference"] is None
    # A double click or a retry is the same request: the same ticket, not a second one; and
    # a conversation gets one callback, whatever it sends next.
    assert down.post("/chat/api/callback", json=CALLBACK).json()["ticket_number"] == number
    again = down.post("/chat/api/callback", json={**CALLBACK, "message": "Please hurry"})
    assert again.json()["ticket_number"] == number
    engine = create_store_engine(db_url)
    tickets, _ = store.list_tickets(engine, viewer=ENGINEER, filters=store.TicketFilter(),
                                    now=NOW)
    assert len(tickets) == 1
    ticket = tickets[0]
    assert ticket.number == number and ticket.type == "service_request"
    assert ticket.priority == "P3" and ticket.language == "el"
    assert ticket.conversation_id == CONVERSATION and ticket.channel == "chat"
    assert "+30 210 555 0142" in ticket.description and "E131" in ticket.description
    assert ticket.subject == "Callback request: Maria Papadopoulou"


@pytest.mark.parametrize(("field", "value", "detail"), [
    ("contact", "call me", "contact must be a phone number or an e-mail address"),
    ("contact", "12 34", "contact must be a phone number or an e-mail address"),
    ("name", "   ", "name must be 1-120 characters"),
    ("message", "x" * 2001, "message must be at most 2000 characters"),
    ("conversation_id", "short", "conversation_id must be 16-64 letters, digits, '_' or '-'"),
    ("name", "Maria\u0000", "name, contact and message must not hold control characters"),
    ("message", "E131\u001b[2J", "name, contact and message must not hold control characters"),
])
def test_bad_callback_requests_are_422_and_open_nothing(down, db_url, field, value, detail):
    answer = down.post("/chat/api/callback", json={**CALLBACK, field: value})
    assert answer.status_code == 422 and answer.json() == {"detail": detail}
    engine = create_store_engine(db_url)
    assert store.list_tickets(engine, viewer=ENGINEER, filters=store.TicketFilter(),
                              now=NOW) == ([], 0)


def test_callback_while_the_ticket_store_is_down_is_queued_and_filed_later(tmp_path):
    broken = client_for(settings_for(tmp_path, f"sqlite:///{tmp_path / 'no' / 'such.db'}",
                                     rasa_port=free_port()))
    queued = broken.post("/chat/api/callback", json={**CALLBACK, "contact": "m.p@example.gr"})
    assert queued.status_code == 202
    reference = queued.json()["reference"]
    assert queued.json()["ticket_number"] is None and reference.startswith("Q-")
    assert [p.stem for p in spool.pending(tmp_path / "escalation-spool")] == [reference]
    # The store is back: the background worker's drain files it, once.
    (tmp_path / "no").mkdir(exist_ok=True)
    url = f"sqlite:///{tmp_path / 'no' / 'such.db'}"
    upgrade(url)
    engine = create_store_engine(url)
    assert spool.drain(tmp_path / "escalation-spool", engine=engine,
                       catalog=default_catalog(), now=NOW) == 1
    tickets, _ = store.list_tickets(engine, viewer=ENGINEER, filters=store.TicketFilter(),
                                    now=NOW)
    assert [t.subject for t in tickets] == ["Callback request: Maria Papadopoulou"]


def test_callback_requests_are_limited_per_address(down):
    for n in range(5):
        answer = down.post("/chat/api/callback",
                           json={**CALLBACK, "conversation_id": f"{n:032d}"})
        assert answer.status_code == 201
    refused = down.post("/chat/api/callback", json={**CALLBACK, "conversation_id": "9" * 32})
    assert refused.status_code == 429
    assert refused.json() == {"detail": chat_routes.TOO_MANY_CALLBACKS}


def test_rate_limiter_forgets_requests_outside_its_window():
    clock = [0.0]
    limiter = RateLimiter(limit=2, window_s=10, clock=lambda: clock[0])
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")
    clock[0] = 10.5
    assert limiter.allow("a")


# --- the page's own strings and quick replies (read from the script itself) ---------------------
def _script_strings(script: str) -> dict[str, set[str]]:
    """The keys of each language's entry of the script's STRINGS table."""
    table = script[script.index("const STRINGS = {"):script.index("\n};", script.index(
        "const STRINGS = {"))]
    entries = re.split(r"\n  (en|el|de|fr|es): \{", table)[1:]
    keys = r"([a-zA-Z]+): "
    return {lang: set(re.findall(keys, re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)))
            for lang, body in zip(entries[::2], entries[1::2], strict=True)}


def test_every_language_has_every_string_of_the_page(down):
    strings = _script_strings(down.get("/chat/chat.js").text)
    assert set(strings) == {"en", "el", "de", "fr", "es"}
    for lang, keys in strings.items():
        assert keys == strings["en"], lang
    for key in ("welcome", "quickReplies", "qrFault", "qrManual", "qrParts", "qrMaintenance",
                "qrTickets", "qrEngineer", "guest"):
        assert key in strings["en"], key


def test_quick_replies_force_intents_the_bot_knows(down, domain):
    script = down.get("/chat/chat.js").text
    quick = re.findall(r'\{ key: "(qr[A-Za-z]+)", intent: "([a-z_]+)" \}', script)
    assert [key for key, _ in quick] == ["qrFault", "qrManual", "qrParts", "qrMaintenance",
                                         "qrTickets", "qrEngineer"]
    assert {intent for _, intent in quick} <= set(domain["intents"])
    # The page's language goes with the intent as an entity, which fills the language slot.
    assert '"/" + intent + JSON.stringify({ language: language })' in script
    assert any("language" in (e if isinstance(e, str) else list(e)) for e in domain["entities"])


def test_the_identity_is_sent_in_the_message_body_and_never_kept_in_the_url(down):
    script = down.get("/chat/chat.js").text
    assert 'if (token) body.identity = token;' in script
    assert 'url.searchParams.delete("identity")' in script and "history.replaceState" in script
    assert "sessionStorage.setItem(IDENTITY_KEY" in script  # this tab only, not localStorage
    assert "localStorage.setItem(IDENTITY_KEY" not in script


def test_a_quick_replys_payload_reaches_rasa_as_it_is(proxied, fake_rasa):
    fake_rasa.answer(200, [{"recipient_id": CONVERSATION, "text": "Hello"}])
    response = proxied.post("/chat/api/messages", json={
        "conversation_id": CONVERSATION, "message": '/report_problem{"language":"de"}'})
    assert response.status_code == 200
    assert fake_rasa.received[-1][1]["message"] == '/report_problem{"language":"de"}'
