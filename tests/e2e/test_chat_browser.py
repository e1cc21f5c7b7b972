"""The customer web chat in a real headless browser (Debian's chromium driven by Playwright).

The page against the real running system (trained Rasa, API, SQLite ticket store): a greeting,
a guided diagnosis through the buttons to the fault, an escalation with its ticket number, an
engineer's reply; and the page's behaviour when Rasa is down (an API whose Rasa port is closed):
the inline error, the language of its own strings, a new conversation per tab."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT
from db.migrate import upgrade
from launcher.ports import free_port
from rules.scoring import FamilyModel
from rules.simulate import Operator
from tests.conftest import require_chromium, response_text
from tests.tickets.server import running_api
from tickets import conversations, store
from tickets.catalog import default_catalog
from tickets.database import create_store_engine
from tickets.domain import Actor, NewTicket

pytestmark = pytest.mark.e2e
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ENGINEER = Actor(name="T-GR-01", role="engineer", principal="key-eng")
BOT = Actor(name="assistant", role="assistant", principal="key-bot")
HOTLINE = "+30 210 555 0100"
SERIAL = "P050-2019-00988"  # an HCP-50 pump of the knowledge pack's installed base
TURN_MS = 60_000  # a turn on a cold Rasa (first action call, model warm-up) can be slow


@pytest.fixture()
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=require_chromium(), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture()
def page(browser) -> Page:
    return browser.new_page(locale="en-GB")


def say(page: Page, text: str) -> None:
    """Type a message and press Enter, as a customer does; waits for the user's bubble."""
    users = page.locator("#messages .msg.user")
    before = users.count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    expect(users).to_have_count(before + 1)


def conversation_id(page: Page) -> str:
    return page.evaluate("sessionStorage.getItem('helios-chat-conversation')")


def ticket_store(settings):
    return create_store_engine(settings.resolved_db_url(settings.database_url))


# --- the real system ---------------------------------------------------------------------------
def test_greeting_is_answered_in_a_bot_bubble(system, domain, page):
    page.goto(f"{system.api}/chat/")
    assert re.fullmatch(r"[0-9a-f]{32}", conversation_id(page))
    say(page, "Hello")
    bot = page.locator("#messages .msg.bot").first
    expect(bot).to_be_visible(timeout=TURN_MS)
    expect(bot).to_contain_text(response_text(domain, "utter_greet", "en"))
    assert page.locator("#messages .msg.user .text").first.inner_text() == "Hello"
    expect(page.locator(".notice.error")).to_have_count(0)


def test_gibberish_gets_a_polite_reply(system, page):
    page.goto(f"{system.api}/chat/")
    say(page, "Hello")
    bots = page.locator("#messages .msg.bot")
    expect(bots.first).to_be_visible(timeout=TURN_MS)
    before = bots.count()
    say(page, "qwzx vbnmk plokij")
    expect(bots.nth(before)).to_be_visible(timeout=TURN_MS)
    assert bots.nth(before).inner_text().strip()
    expect(page.locator(".notice.error")).to_have_count(0)


def test_engineer_reply_appears_in_the_chat(system, page):
    page.goto(f"{system.api}/chat/")
    say(page, "Hello")
    expect(page.locator("#messages .msg.bot").first).to_be_visible(timeout=TURN_MS)
    expect(page.locator("#handoff")).to_be_hidden()

    engine = ticket_store(system.settings)
    try:
        new = NewTicket(customer_id="CUST-001", subject="Web chat hand-off",
                        description="the customer asked for an engineer", type="question",
                        conversation_id=conversation_id(page))
        ticket, _ = store.create_ticket(engine, new=new, actor=BOT, catalog=default_catalog(),
                                        now=datetime.now(UTC))
        conversations.add_comment(engine, ticket_id=ticket.id, viewer=ENGINEER,
                                  visibility="customer", now=datetime.now(UTC),
                                  body="Hello, this is your engineer.\nI am on it.")
    finally:
        engine.dispose()

    reply = page.locator("#messages .msg.engineer")
    expect(reply).to_have_count(1, timeout=10_000)
    expect(reply).to_contain_text("Hello, this is your engineer.")
    expect(reply.locator("br")).to_have_count(1)
    expect(reply.locator(".author")).to_have_text("Engineer · T-GR-01")
    expect(page.locator("#handoff")).to_be_visible()
    expect(page.locator("#handoff")).to_contain_text(f"#{ticket.number}")
    page.wait_for_timeout(3500)  # one more poll: the cursor keeps it from showing twice
    expect(reply).to_have_count(1)


def test_greeting_then_diagnosis_through_buttons(system, page):
    """A customer answers the diagnosis by pressing buttons, as the simulated operator of the
    fault would, until the page shows the conclusion."""
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    family = kb.families["centrifugal_process_pump"]
    operator = Operator(family, FamilyModel(family), "bearing_failure")
    page.goto(f"{system.api}/chat/")
    say(page, "Hello")
    expect(page.locator("#messages .msg.bot").first).to_be_visible(timeout=TURN_MS)
    say(page, "<b>pump</b> P100-2021-00542 shows A022")
    user = page.locator("#messages .msg.user").nth(1)
    expect(user.locator(".text")).to_have_text("<b>pump</b> P100-2021-00542 shows A022")  # text
    expect(user.locator("b")).to_have_count(0)
    done = page.locator("[data-kind=diagnosis_conclusion]")
    questions = page.locator("[data-kind=diagnosis_question]")
    for _ in range(12):
        expect(questions.or_(done).last).to_be_visible(timeout=TURN_MS)
        if done.count():
            break
        question = questions.last
        asked = questions.count()
        value = operator.answer(question.get_attribute("data-observation-id"))
        kind = question.get_attribute("data-type")
        if value is None:
            payload = "/dont_know"
        elif kind == "boolean":
            payload = "/affirm" if value else "/deny"
        elif kind == "choice":
            payload = f'/provide_reading{{"choice":"{value}"}}'
        else:
            payload = ""
        row = question.locator(".buttons")
        if payload:
            row.locator(f"button[data-payload='{payload}']").click()
            expect(row.locator("button:enabled")).to_have_count(0)  # one answer per question
        else:  # a reading: typed with its unit
            unit = family.observations[question.get_attribute("data-observation-id")].unit
            say(page, f"{value:g} {unit or ''}".strip())
        expect(questions.nth(asked).or_(done).first).to_be_visible(timeout=TURN_MS)
    conclusion = done.first
    expect(conclusion).to_be_visible()
    expect(conclusion).to_have_attribute("data-fault-id", "bearing_failure")
    # Rasa sends each paragraph as its own message: the parts list is in one before the label.
    expect(page.locator("#messages")).to_contain_text("HCP-BRG-100")
    expect(page.locator("[data-kind=feedback_request] .buttons button")).to_have_count(2)
    expect(page.locator(".notice.error")).to_have_count(0)


def test_escalation_tells_the_ticket_number(system, page):
    page.goto(f"{system.api}/chat/")
    say(page, f"Hello, my pump's serial number is {SERIAL}")
    expect(page.locator("#messages .msg.bot").first).to_be_visible(timeout=TURN_MS)
    say(page, "I want to talk to a person")
    ticket = page.locator("[data-ticket-number]").first
    expect(ticket).to_be_visible(timeout=TURN_MS)
    number = int(ticket.get_attribute("data-ticket-number"))
    assert f"#{number}" in ticket.inner_text()
    engine = ticket_store(system.settings)
    try:
        items, _ = store.list_tickets(
            engine, viewer=ENGINEER, now=datetime.now(UTC),
            filters=store.TicketFilter(conversation_id=conversation_id(page)))
    finally:
        engine.dispose()
    assert [t.number for t in items] == [number]
    assert items[0].serial == SERIAL


def test_page_fits_a_phone_screen(system, browser):
    page = browser.new_page(viewport={"width": 360, "height": 640}, locale="fr-FR")
    page.goto(f"{system.api}/chat/")
    say(page, "Bonjour, j'ai une question sur ma pompe")
    expect(page.locator("#messages .msg.bot").first).to_be_visible(timeout=TURN_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("#send").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 640
    expect(page.locator("#send")).to_have_text("Envoyer")


# --- Rasa down: the API runs, Rasa's port is closed ---------------------------------------------
@pytest.fixture(scope="module")
def chat_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The API (its own process) with nothing listening where Rasa should be."""
    url = f"sqlite:///{tmp_path_factory.mktemp('chat') / 'tickets.db'}"
    upgrade(url)
    with running_api(url, rasa_url=f"http://127.0.0.1:{free_port()}",
                     service_hotline=HOTLINE) as base:
        yield base, url


def test_unavailable_assistant_is_a_polite_inline_error(chat_api, page):
    page.goto(f"{chat_api[0]}/chat/")
    # The page asks first whether the assistant answers: it does not, so it says so at once.
    notices = page.locator("#messages .notice.error.unavailable")
    expect(notices).to_have_count(1)
    say(page, "Hello")
    expect(notices).to_have_count(2)
    expect(notices.last.locator(".text")).to_have_text(
        "The assistant is briefly unavailable. Please try again in a moment.")
    expect(notices.last.locator(".hotline")).to_have_text(f"Service hotline: {HOTLINE}")
    expect(notices.last.locator(".hotline a")).to_have_attribute("href", "tel:+302105550100")
    expect(page.locator("#messages .msg.user.failed")).to_have_count(1)
    # One offer of a callback on the page, on the latest notice.
    expect(page.locator("button.offer-callback")).to_have_count(1)


def test_callback_request_while_the_assistant_is_down_opens_a_ticket(chat_api, browser):
    base, url = chat_api
    page = browser.new_page(locale="de-DE")
    page.goto(f"{base}/chat/")
    say(page, "Unser Kompressor H37S-2020-00877 zeigt E131")
    expect(page.locator("#messages .msg.user.failed")).to_have_count(1)
    page.click("button.offer-callback")
    form = page.locator("#callback")
    expect(form.locator("textarea")).to_have_value("Unser Kompressor H37S-2020-00877 zeigt E131")
    form.locator("input[name=name]").fill("Jonas Weber")
    form.locator("input[name=contact]").fill("not a number")
    form.locator("button[type=submit]").click()
    expect(form.locator(".status")).to_contain_text("konnte nicht gesendet werden")
    form.locator("input[name=contact]").fill("+49 711 555 0199")
    form.locator("button[type=submit]").click()
    done = page.locator(".callback-done")
    expect(done).to_contain_text("Der Kundendienst ruft Sie zurück (Ticket #")
    number = int(re.search(r"#(\d+)", done.inner_text()).group(1))
    engine = create_store_engine(url)
    ticket = next(t for t in store.list_tickets(engine, viewer=ENGINEER,
                                                filters=store.TicketFilter(),
                                                now=datetime.now(UTC))[0]
                  if t.number == number)
    assert ticket.conversation_id == conversation_id(page) and ticket.language == "de"
    assert ticket.subject == "Callback request: Jonas Weber"
    assert "+49 711 555 0199" in ticket.description and "E131" in ticket.description


def test_language_follows_the_browser_and_the_selector(chat_api, browser):
    page = browser.new_page(locale="de-DE")
    page.goto(f"{chat_api[0]}/chat/")
    expect(page.locator("#send")).to_have_text("Senden")
    expect(page.locator("#text")).to_have_attribute("placeholder", "Ihre Nachricht…")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.select_option("#language", "el")
    expect(page.locator("#send")).to_have_text("Αποστολή")
    say(page, "Γεια")
    expect(page.locator(".notice.error").last).to_contain_text("Ο βοηθός δεν είναι διαθέσιμος")
    page.reload()  # the choice is remembered
    expect(page.locator("#send")).to_have_text("Αποστολή")


def test_a_new_tab_starts_a_new_conversation(chat_api, browser):
    first, second = browser.new_page(), browser.new_page()
    first.goto(f"{chat_api[0]}/chat/")
    second.goto(f"{chat_api[0]}/chat/")
    ids = {conversation_id(first), conversation_id(second)}
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    first.reload()
    assert conversation_id(first) in ids


# --- the page starts the conversation: greeting, quick replies, transcript, identity ------------
QUICK_REPLIES = {  # the page's labels, per language, in the order shown
    "en": ["Report a fault or an error code", "A question about a manual", "Spare parts",
           "Maintenance", "My tickets", "Talk to an engineer"],
    "el": ["Αναφορά βλάβης ή κωδικού σφάλματος", "Ερώτηση για ένα εγχειρίδιο", "Ανταλλακτικά",
           "Συντήρηση", "Τα αιτήματά μου", "Συνομιλία με μηχανικό"],
    "de": ["Störung oder Fehlercode melden", "Frage zum Handbuch", "Ersatzteile", "Wartung",
           "Meine Tickets", "Mit einem Techniker sprechen"],
    "fr": ["Signaler une panne ou un code d'erreur", "Une question sur un manuel",
           "Pièces de rechange", "Maintenance", "Mes tickets", "Parler à un technicien"],
    "es": ["Notificar una avería o un código de error", "Una pregunta sobre un manual",
           "Recambios", "Mantenimiento", "Mis tickets", "Hablar con un técnico"],
}
GREETING = {
    "en": "Hello! I'm the Helios digital service assistant.",
    "de": "Guten Tag! Ich bin der digitale Service-Assistent von Helios.",
    "fr": "Bonjour ! Je suis l'assistant de service numérique de Helios.",
}
LOCALES = {"en": "en-GB", "el": "el-GR", "de": "de-DE", "fr": "fr-FR", "es": "es-ES"}
IDENTITY = "hid1.eyJjIjoiQ1VTVC0wMDEifQ.0123456789abcdef0123456789abcdef"
EXPIRED = {"detail": "identity token invalid or expired: sign in again, or chat as a guest"}


def bubbles(page: Page) -> list[tuple[str, str]]:
    """(kind, text) of every message of the conversation, the greeting first."""
    return page.eval_on_selector_all(
        "#messages > li.msg",
        "items => items.map(i => [i.className, i.querySelector('.text').textContent])")


def test_the_page_greets_in_the_browsers_language_with_quick_replies(system, browser):
    page = browser.new_page(locale="de-DE", viewport={"width": 390, "height": 844})
    page.goto(f"{system.api}/chat/")
    welcome = page.locator("#messages li.msg.welcome")
    expect(welcome).to_have_count(1)
    expect(welcome.locator(".text")).to_contain_text(GREETING["de"])
    expect(welcome.locator(".quick-replies button")).to_have_text(QUICK_REPLIES["de"])
    assert page.locator("#messages .msg.bot").count() == 0  # nothing was asked of Rasa yet
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/chat_greeting.png")


@pytest.mark.parametrize("language", list(QUICK_REPLIES))
def test_every_quick_reply_gets_the_assistants_answer_in_the_pages_language(
        system, browser, language):
    from core.language_detection import LanguageIdentifier

    detect = LanguageIdentifier()
    for index, title in enumerate(QUICK_REPLIES[language]):
        page = browser.new_page(locale=LOCALES[language])  # a new tab: a new conversation
        page.goto(f"{system.api}/chat/")
        button = page.locator("#welcome .quick-replies button").nth(index)
        expect(button).to_have_text(title)
        payload = button.get_attribute("data-payload")
        assert payload.endswith(f'{{"language": "{language}"}}'.replace(" ", ""))
        button.click()
        expect(page.locator("#messages .msg.user .text").last).to_have_text(title)
        bot = page.locator("#messages .msg.bot").first
        expect(bot).to_be_visible(timeout=TURN_MS)
        answer = bot.locator(".text").inner_text()
        # The same answer the assistant gives that payload in a conversation of its own, in
        # the language of the page.
        direct = [m["text"] for m in system.chat(f"probe-{language}-{index}-0123456789", payload)
                  if m.get("text")]
        assert answer == direct[0], (title, answer)
        assert detect.detect(answer).language == language, (title, answer)
        expect(page.locator(".notice.error")).to_have_count(0)
        page.close()


def test_a_reload_keeps_the_transcript_and_the_conversation(system, browser):
    page = browser.new_page(locale="en-GB")
    page.goto(f"{system.api}/chat/")
    page.locator("#welcome .quick-replies button", has_text="Maintenance").click()
    expect(page.locator("#messages .msg.bot").first).to_be_visible(timeout=TURN_MS)
    say(page, SERIAL)
    expect(page.locator("[data-kind=maintenance]")).to_have_count(1, timeout=TURN_MS)
    before, conversation = bubbles(page), conversation_id(page)
    assert [kind for kind, _ in before[:3]] == ["msg welcome", "msg user", "msg bot"]
    assert before[1][1] == "Maintenance" and before[-1][0].startswith("msg bot")

    page.reload()
    expect(page.locator("[data-kind=maintenance]")).to_have_count(1)
    assert bubbles(page) == before
    assert conversation_id(page) == conversation
    assert page.locator("#messages time.at").count() == len(before) - 1  # all but the greeting
    page.screenshot(path="/tmp/chat_transcript.png", full_page=True)
    # The conversation goes on where it was.
    say(page, "Thank you")
    answered = sum(kind.startswith("msg bot") for kind, _ in before)
    expect(page.locator("#messages .msg.bot").nth(answered)).to_be_visible(timeout=TURN_MS)

    fresh = browser.new_page(locale="en-GB")  # another tab starts afresh
    fresh.goto(f"{system.api}/chat/")
    expect(fresh.locator("#messages > li")).to_have_count(1)
    assert conversation_id(fresh) != conversation


@pytest.mark.parametrize(("locale", "zone", "shown"), [
    ("de-DE", "Europe/Berlin", "14.03.2026, 16:30"),
    ("en-US", "America/New_York", "Mar 14, 2026, 11:30 AM"),
    ("el-GR", "Europe/Athens", "14 Μαρ 2026, 5:30 μ.μ."),
])
def test_an_engineers_reply_shows_its_time_in_the_customers_language_and_zone(
        chat_api, browser, locale, zone, shown):
    base, url = chat_api
    page = browser.new_context(locale=locale, timezone_id=zone).new_page()
    page.goto(f"{base}/chat/")
    at = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)
    engine = create_store_engine(url)
    try:
        new = NewTicket(customer_id="CUST-001", subject="Web chat hand-off",
                        description="the customer asked for an engineer", type="question",
                        conversation_id=conversation_id(page))
        ticket, _ = store.create_ticket(engine, new=new, actor=BOT, catalog=default_catalog(),
                                        now=at)
        conversations.add_comment(engine, ticket_id=ticket.id, viewer=ENGINEER,
                                  visibility="customer", now=at, body="Checked it: all fine.")
    finally:
        engine.dispose()
    reply = page.locator("#messages .msg.engineer")
    expect(reply).to_have_count(1, timeout=10_000)
    time = reply.locator("time.at")
    assert re.sub(r"[\u202f\xa0]", " ", time.inner_text()) == shown
    assert datetime.fromisoformat(time.get_attribute("datetime")) == at
    assert "2026" in time.get_attribute("title")
    # Kept across a reload, and not shown a second time by the next poll.
    page.reload()
    expect(reply).to_have_count(1)
    expect(reply.locator(".author")).to_contain_text("T-GR-01")
    page.wait_for_timeout(3500)
    expect(reply).to_have_count(1)


def test_switching_the_language_changes_the_greeting_and_the_quick_replies(chat_api, browser):
    page = browser.new_page(locale="en-GB")
    page.goto(f"{chat_api[0]}/chat/")
    quick = page.locator("#welcome .quick-replies button")
    expect(page.locator("#welcome .text")).to_contain_text(GREETING["en"])
    expect(quick).to_have_text(QUICK_REPLIES["en"])
    page.select_option("#language", "fr")
    expect(page.locator("#welcome .text")).to_contain_text(GREETING["fr"])
    expect(quick).to_have_text(QUICK_REPLIES["fr"])
    assert quick.first.get_attribute("data-payload") == '/report_problem{"language":"fr"}'
    page.reload()  # remembered
    expect(quick).to_have_text(QUICK_REPLIES["fr"])
    for language in ("el", "es", "de"):
        page.select_option("#language", language)
        expect(quick).to_have_text(QUICK_REPLIES[language])


def posts(page: Page, answer) -> list[dict]:
    """Intercept the page's messages: answer(body) gives (status, JSON) for each; the bodies
    sent are returned (a list filled as the page posts)."""
    sent: list[dict] = []

    def handle(route):
        body = route.request.post_data_json
        sent.append(body)
        status, content = answer(body)
        route.fulfill(status=status, content_type="application/json", body=json.dumps(content))

    page.route("**/chat/api/messages", handle)
    return sent


def test_the_identity_link_is_kept_for_the_tab_and_sent_with_every_message(chat_api, browser):
    page = browser.new_page(locale="en-GB")
    sent = posts(page, lambda body: (200, {"messages": [{"text": "Hello, signed-in customer"}]}))
    alert = "7.0123456789abcdef"
    page.goto(f"{chat_api[0]}/chat/?identity={IDENTITY}&alert={alert}")
    # Gone from the address bar; the alert's link still works.
    assert page.evaluate("location.search") == f"?alert={alert}"
    assert page.evaluate("sessionStorage.getItem('helios-chat-identity')") == IDENTITY
    expect(page.locator("#messages .msg.bot")).to_have_count(1)
    say(page, "Hello")
    expect(page.locator("#messages .msg.bot")).to_have_count(2)
    assert len(sent) == 2
    assert sent[0]["message"].startswith("/start_from_alert")
    assert all(body["identity"] == IDENTITY for body in sent)
    page.reload()  # kept for the tab
    say(page, "Hello again")
    expect(page.locator("#messages .msg.bot")).to_have_count(3)
    assert sent[-1]["identity"] == IDENTITY and len(sent) == 3

    guest = browser.new_page()  # without the link: no identity
    guest_sent = posts(guest, lambda body: (200, {"messages": [{"text": "Hello, guest"}]}))
    guest.goto(f"{chat_api[0]}/chat/")
    say(guest, "Hello")
    expect(guest.locator("#messages .msg.bot")).to_have_count(1)
    assert "identity" not in guest_sent[0]


def test_an_expired_identity_goes_on_as_a_guest(chat_api, browser):
    page = browser.new_page(locale="fr-FR")
    sent = posts(page, lambda body: (401, EXPIRED) if "identity" in body
                 else (200, {"messages": [{"text": "Bonjour !"}]}))
    page.goto(f"{chat_api[0]}/chat/?identity={IDENTITY}")
    say(page, "Bonjour")
    expect(page.locator("#messages .msg.bot")).to_have_count(1)
    notice = page.locator("#messages .notice.info")
    expect(notice).to_have_text(
        "Votre connexion a expiré ; vous discutez maintenant en tant qu'invité.")
    expect(page.locator("#messages .msg.user.failed")).to_have_count(0)
    assert [("identity" in body, body["message"]) for body in sent] == [
        (True, "Bonjour"), (False, "Bonjour")]
    assert page.evaluate("sessionStorage.getItem('helios-chat-identity')") is None
    say(page, "Merci")
    expect(page.locator("#messages .msg.bot")).to_have_count(2)
    assert "identity" not in sent[-1] and len(sent) == 3
    expect(notice).to_have_count(1)


def test_other_401s_are_not_taken_for_an_expired_identity(chat_api, browser):
    page = browser.new_page(locale="en-GB")
    sent = posts(page, lambda body: (401, {"detail": "not allowed"}))
    page.goto(f"{chat_api[0]}/chat/?identity={IDENTITY}")
    say(page, "Hello")
    expect(page.locator("#messages .msg.user.failed")).to_have_count(1)
    expect(page.locator(".notice.info")).to_have_count(0)
    assert len(sent) == 1
    assert page.evaluate("sessionStorage.getItem('helios-chat-identity')") == IDENTITY
