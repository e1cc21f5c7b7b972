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

    page.fill("#assignee", "T-GR-01")
    page.click("#assign-form button")
    expect(page.locator("#t-fields")).to_contain_text("T-GR-01")
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

    # another engineer changes the ticket behind this page's back: the page says so
    api.patch(f"/api/v1/tickets/{urgent['id']}", json={"status": "waiting_customer"},
              headers=engineer).raise_for_status()
    page.select_option("#status-select", "resolved")
    page.click("#status-form button")
    expect(page.locator("#message")).to_contain_text("Someone else changed this ticket")
    assert api.get(f"/api/v1/tickets/{urgent['id']}",
                   headers=engineer).json()["status"] == "waiting_customer"
    api.close()
