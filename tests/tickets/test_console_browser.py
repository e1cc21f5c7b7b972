"""The staff console in a real headless browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import require_chromium
from tests.tickets.server import running_api
from tests.tickets.test_api import BODY

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture()
def server(db_url: str, keys: dict[str, str]) -> Iterator[str]:
    with running_api(db_url) as base:
        yield base


@pytest.fixture()
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require_chromium(), args=ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_engineer_works_a_ticket_in_the_console(server, keys, page):
    api = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {keys['assistant']}"})
    slow = api.post("/api/v1/tickets", json={**BODY, "customer_id": "CUST-006",
                                             "serial": "H75S-2017-00033",
                                             "conversation_id": "conv-basic",
                                             "subject": "basic contract question",
                                             "type": "question", "error_code": None,
                                             "escalation_reason": None}).json()
    urgent = api.post("/api/v1/tickets", json=BODY).json()  # premium P2: due in 4 h
    assert urgent["priority"] == "P2"

    page.goto(f"{server}/console/")
    page.fill("#key", keys["engineer"])
    page.click("#login button[type=submit]")
    rows = page.locator("#queue tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    assert rows.nth(0).locator("td").first.inner_text() == str(urgent["number"])
    assert rows.nth(1).locator("td").first.inner_text() == str(slow["number"])

    rows.nth(0).click()
    expect(page.locator("#t-title")).to_contain_text(f"#{urgent['number']}")
    assert "σταμάτησε πάλι" in page.inner_text("#transcript")
    assert "oil_cooler_fouled (55%)" in page.inner_text("#diagnosis")
    assert "E102 -> oil_cooler_fouled" in page.inner_text("#diagnosis")
    assert "hsc-75-manual - 7.2 - p. 41" in page.inner_text("#citations")

    page.select_option("#assignee", "T-GR-01")
    page.click("#assign-form button")
    expect(page.locator("#t-fields")).to_contain_text("Nikos Papadakis (T-GR-01)")
    page.select_option("#status-select", "in_progress")
    page.click("#status-form button")
    expect(page.locator("#t-fields dd").first).to_have_text("in_progress")

    page.fill("#reply-body", "Καλησπέρα, ελέγξτε τη στάθμη λαδιού.")
    page.select_option("#reply-visibility", "customer")
    page.click("#reply-form button")
    expect(page.locator("#comments")).to_contain_text("στάθμη λαδιού")
    assert "You own the chat" in page.inner_text("#handoff-state")

    engineer = {"Authorization": f"Bearer {keys['engineer']}"}
    ticket = api.get(f"/api/v1/tickets/{urgent['id']}", headers=engineer).json()
    assert (ticket["status"], ticket["assignee"], ticket["human_active"]) == (
        "in_progress", "T-GR-01", True)
    replies = api.get("/api/v1/conversations/conv-api/replies").json()
    assert [r["body"] for r in replies] == ["Καλησπέρα, ελέγξτε τη στάθμη λαδιού."]

    # A sign-in link for the ticket's customer, sent to its contact on file by the outbox.
    page.click("#signin-form button")
    expect(page.locator("#signin-state")).to_have_text(
        "Sent to the customer's contact on file.")

    # another engineer changes the ticket behind this page's back: the page says so
    api.patch(f"/api/v1/tickets/{urgent['id']}", json={"status": "waiting_customer"},
              headers=engineer).raise_for_status()
    page.select_option("#status-select", "resolved")
    page.click("#status-form button")
    expect(page.locator("#message")).to_contain_text("Someone else changed this ticket")
    assert api.get(f"/api/v1/tickets/{urgent['id']}",
                   headers=engineer).json()["status"] == "waiting_customer"
    api.close()


@pytest.fixture()
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=require_chromium(), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def queue_of(server: str, keys: dict[str, str]) -> dict[str, dict]:
    """Four tickets of three customers, each priority once, one of them resolved."""
    api = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {keys['assistant']}"})
    engineer = {"Authorization": f"Bearer {keys['engineer']}"}
    plain = {**BODY, "type": "question", "serial": None, "error_code": None,
             "escalation_reason": None, "transcript": [], "diagnosis": None, "citations": []}

    def create(customer: str, subject: str, priority: str) -> dict:
        response = api.post("/api/v1/tickets", json={
            **plain, "customer_id": customer, "subject": subject, "priority": priority,
            "conversation_id": f"conv-{priority}"})
        response.raise_for_status()
        return response.json()

    made = {"urgent": create("CUST-003", "chiller down", "P1"),
            "leak": create("CUST-001", "seal leaks", "P2"),
            "question": create("CUST-006", "contract question", "P4"),
            "done": create("CUST-006", "filter order", "P3")}
    done = made["done"]["id"]
    for status in ("assigned", "in_progress", "resolved"):
        api.patch(f"/api/v1/tickets/{done}", json={"status": status}, headers=engineer,
                  ).raise_for_status()
    api.close()
    return made


def listed(page) -> list[str]:
    """The subjects of the queue's rows, once the queue shows what the filters ask for."""
    page.wait_for_load_state("networkidle")
    return page.locator("#queue tbody tr td:nth-child(4)").all_inner_texts()


def sign_in(page, server: str, key: str, query: str = "") -> None:
    page.goto(f"{server}/console/{query}")
    page.fill("#key", key)
    page.click("#login button[type=submit]")
    page.locator("#queue tbody tr").first.wait_for()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_queue_filters_by_priority_customer_and_status(server, keys, page):
    queue_of(server, keys)
    sign_in(page, server, keys["engineer"])
    assert listed(page) == ["chiller down", "seal leaks", "contract question"]  # open ones
    expect(page.locator("#queue-count")).to_have_text("3 tickets")
    # The service desk's customers (GET /api/v1/customers), by name, are the options.
    expect(page.locator("#filter-customer option")).to_have_count(12)
    options = page.locator("#filter-customer option").all_inner_texts()
    assert options[:2] == ["All customers", "Aegean Bottling S.A. (CUST-001)"]

    page.check("#filter-priority input[value=P1]")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    assert listed(page) == ["chiller down"]
    page.check("#filter-priority input[value=P4]")
    expect(page.locator("#queue tbody tr")).to_have_count(2)
    assert listed(page) == ["chiller down", "contract question"]

    page.click("#clear-filters")
    expect(page.locator("#queue tbody tr")).to_have_count(3)
    page.select_option("#filter-customer", "CUST-006")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    assert listed(page) == ["contract question"]
    page.select_option("#filter-status", "")  # any status: the resolved one too
    expect(page.locator("#queue tbody tr")).to_have_count(2)
    assert sorted(listed(page)) == ["contract question", "filter order"]
    page.select_option("#filter-status", "resolved")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    assert listed(page) == ["filter order"]
    assert page.locator("#queue tbody td:nth-child(5)").all_inner_texts() == ["resolved"]

    # The filters are in the address: a reload (or a shared link) shows the same queue.
    assert page.evaluate("location.search") == "?customer=CUST-006&status=resolved"
    page.reload()
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    assert listed(page) == ["filter order"]
    expect(page.locator("#filter-customer")).to_have_value("CUST-006")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_console_fits_a_laptop_and_a_phone(server, keys, browser):
    made = queue_of(server, keys)
    for width, height in ((1366, 768), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in(page, server, keys["engineer"])
        expect(page.locator("#queue tbody tr")).to_have_count(3)
        fits = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        assert page.evaluate(fits), width
        cards = page.evaluate(
            "getComputedStyle(document.querySelector('#queue thead')).display") == "none"
        assert cards == (width < 600)  # a phone: one card per ticket, no table header
        row = page.locator("#queue tbody tr").first
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        if width < 600:
            assert row.locator("td[data-label]").count() == 7
            page.screenshot(path="/tmp/console_phone.png", full_page=True)
        row.click()
        expect(page.locator("#t-title")).to_contain_text(f"#{made['urgent']['number']}")
        assert page.evaluate(fits), width
        if width < 600:
            page.locator("#ticket").scroll_into_view_if_needed()
            page.screenshot(path="/tmp/console_phone_ticket.png", full_page=True)
        page.close()
