"""The customer portal in a real headless browser (Debian's chromium driven by Playwright)
against the real API in its own process: sign in with a key or a sign-in link, see the units,
tickets, SLA performance and manuals, switch the language, open the chat signed in, file a
service request; and a second customer sees nothing of the first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import require_chromium
from tests.portal.test_portal_api import A_SERIAL, ASSISTANT, B_SERIAL, MARKERS
from tests.tickets.server import running_api
from tests.tickets.test_api import BODY
from tickets import store
from tickets.catalog import default_catalog
from tickets.database import create_store_engine
from tickets.domain import NewTicket

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TOKEN_KEY = "helios-portal-identity"


@pytest.fixture()
def server(db_url: str, keys: dict[str, str]) -> Iterator[str]:
    with running_api(db_url) as base:
        yield base


@pytest.fixture()
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=require_chromium(), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def seed(server: str, keys: dict[str, str], db_url: str) -> dict[str, int]:
    """A fresh ticket of each customer, with an engineer's reply, and an old one of A whose
    deadlines were missed."""
    api = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {keys['assistant']}"})
    engineer = {"Authorization": f"Bearer {keys['engineer']}"}
    numbers = {}
    for customer, serial, tag in (("CUST-001", A_SERIAL, "SECRET-A"),
                                  ("CUST-002", B_SERIAL, "SECRET-B")):
        made = api.post("/api/v1/tickets", json={
            **BODY, "customer_id": customer, "serial": serial, "error_code": None,
            "subject": f"{tag} compressor trips", "conversation_id": f"conv-{tag}"})
        made.raise_for_status()
        api.patch(f"/api/v1/tickets/{made.json()['id']}", headers=engineer,
                  json={"assignee": "T-GR-01"}).raise_for_status()
        numbers[tag] = made.json()["number"]
    api.close()
    engine = create_store_engine(db_url)
    old, _ = store.create_ticket(
        engine, actor=ASSISTANT, catalog=default_catalog(),
        now=datetime.now(UTC) - timedelta(days=12),
        new=NewTicket(customer_id="CUST-001", subject="SECRET-A old pump leak",
                      serial="P100-2021-00542", description="old", type="incident",
                      priority="P2"))
    engine.dispose()
    numbers["old"] = old.number
    return numbers


def signed_in(page) -> None:
    page.locator("body[data-ready='true']").wait_for(state="attached")
    page.wait_for_load_state("networkidle")


def sign_in_with_key(page, server: str, key: str) -> None:
    page.goto(f"{server}/portal/")
    page.fill("#key", key)
    page.click("#key-form button[type=submit]")
    signed_in(page)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_customer_uses_the_portal_and_sees_only_its_own(server, keys, browser, db_url):
    numbers = seed(server, keys, db_url)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  timezone_id="Europe/Athens")
    page = context.new_page()
    sign_in_with_key(page, server, keys["customer"])

    # the key is gone, only the identity is kept (this tab)
    stored = page.evaluate("JSON.stringify([sessionStorage, localStorage])")
    assert keys["customer"] not in stored and page.input_value("#key") == ""
    token = page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')")
    assert token and token.startswith("hid1.")

    expect(page.locator("#customer-name")).to_have_text("Aegean Bottling S.A.")
    assert "Helios Care Premium 24/7" in page.inner_text("#contract")
    units = page.locator("#unit-list > li")
    assert units.count() == 6
    card = page.locator(f"#unit-list > li[data-serial='{A_SERIAL}']")
    text = card.inner_text()
    assert "Thessaloniki bottling plant" in text and "21,450 h" in text
    assert "22,000 h" in text and "15 Mar 2026" in text  # maintenance due; warranty end
    rows = page.locator("#ticket-table tbody tr")
    assert rows.count() == 2
    tickets = page.inner_text("#ticket-table")
    assert "SECRET-A compressor trips" in tickets and "Nikos Papadakis" in tickets
    assert "late" in page.inner_text(f"#ticket-table tr[data-number='{numbers['old']}']")
    perf = page.inner_text("#performance")
    assert "P2" in perf and f"#{numbers['old']} (P2)" in perf
    manuals = page.locator("#manual-list a")
    assert manuals.count() == 3

    # a manual, shown as text
    page.click("#manual-list a[data-doc='hsc-manual-en']")
    expect(page.locator("#manual-view h3").first).to_contain_text("HSC")
    assert page.locator("#manual-view script").count() == 0
    assert page.locator("#manual-view table").count() > 0
    page.click("#manual-view .close-manual")
    expect(page.locator("#manual-view")).to_be_hidden()

    # the language: switched, remembered, and the data follow it
    page.select_option("#language", "de")
    expect(page.locator("h1")).to_have_text("Helios Kundenportal")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#manual-list a[data-doc='hsc-manual-de']")).to_be_visible()
    assert "Öleingespritzte Schraubenkompressoren" in page.inner_text("#manual-list")
    assert "Nächste Wartung" in card.inner_text()
    assert page.evaluate("localStorage.getItem('helios-portal-language')") == "de"
    for code, title in (("el", "Πύλη πελατών Helios"), ("fr", "Portail client Helios"),
                        ("es", "Portal de clientes Helios"), ("en", "Helios customer portal")):
        page.select_option("#language", code)
        expect(page.locator("h1")).to_have_text(title)
    page.wait_for_load_state("networkidle")
    # however fast the switches, the data shown are those of the last language chosen
    expect(page.locator("#manual-list a[data-doc='hsc-manual-en']")).to_be_visible()
    assert "Next service" in card.inner_text() and "Nächste" not in card.inner_text()

    # the chat opens signed in as this customer, in the portal's language
    href = page.get_attribute("#chat-link", "href")
    assert href == f"/chat/?identity={token}"
    with page.expect_popup() as popup_info:
        page.click("#chat-link")
    chat = popup_info.value
    chat.wait_for_load_state()
    assert chat.url.endswith("/chat/")  # the token is out of the address bar
    assert chat.evaluate("sessionStorage.getItem('helios-chat-identity')") == token
    assert chat.evaluate("localStorage.getItem('helios-chat-language')") == "en"
    chat.close()

    # a service request for one of its units
    page.select_option("#req-serial", "P100-2021-00542")
    page.select_option("#req-kind", "repair")
    page.fill("#req-description", "Seal weeps a little <b>since</b> Monday.")
    page.click("#request-form button[type=submit]")
    expect(page.locator("#request-result")).to_contain_text("Request #")
    expect(rows).to_have_count(3)
    assert "Repair: HCP-100 (P100-2021-00542)" in page.inner_text("#ticket-table")
    page.screenshot(path="/tmp/portal_desktop.png", full_page=True)

    # sign out: the identity is gone
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None

    # customer B in the same tab: nothing of A anywhere on the page, text or markup
    page.fill("#key", keys["other_customer"])
    page.click("#key-form button[type=submit]")
    signed_in(page)
    expect(page.locator("#customer-name")).to_have_text("Piraeus Marine Coatings A.E.")
    html, text = page.content(), page.inner_text("body")
    for marker in MARKERS["CUST-001"]:
        assert marker not in html and marker not in text, marker
    assert "SECRET-B compressor trips" in text
    assert page.locator("#unit-list > li").count() == 4
    assert page.locator("#ticket-table tbody tr").count() == 1
    assert page.locator(f"#ticket-table tr[data-number='{numbers['SECRET-A']}']").count() == 0
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_sign_in_link_on_a_phone(server, keys, browser, db_url):
    seed(server, keys, db_url)
    link = httpx.post(f"{server}/api/v1/identity",
                      headers={"Authorization": f"Bearer {keys['engineer']}"},
                      json={"customer_id": "CUST-001"}).json()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, locale="el-GR",
                                  timezone_id="Europe/Athens")
    page = context.new_page()
    page.goto(f"{server}/portal/?identity={link['token']}")
    signed_in(page)
    assert page.url.endswith("/portal/")  # the token is out of the address bar
    expect(page.locator("h1")).to_have_text("Πύλη πελατών Helios")  # the browser's language
    expect(page.locator("#customer-name")).to_have_text("Aegean Bottling S.A.")
    assert page.locator("#ticket-table tbody tr").count() == 2
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == 390, width
    page.screenshot(path="/tmp/portal_phone.png", full_page=True)

    # an expired or forged identity: back to the sign-in, saying why
    page.evaluate(f"sessionStorage.setItem('{TOKEN_KEY}', 'hid1.forged.0000000000')")
    page.reload()
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#message")).to_contain_text("έληξε")
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_wrong_key_is_refused(server, keys, browser):
    page = browser.new_page()
    page.goto(f"{server}/portal/")
    page.fill("#key", "hk_wrong_key")
    page.click("#key-form button[type=submit]")
    expect(page.locator("#message")).to_contain_text("not accepted")
    assert page.locator("#app").is_hidden()
    assert json.loads(page.evaluate("JSON.stringify(sessionStorage)")) == {}
