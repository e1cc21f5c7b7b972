"""The console's installed-units page in a real headless browser (Debian's chromium through
Playwright): the open alerts, and a unit's readings each drawn as a sparkline with its normal
range, the one trending to its limit marked, and the unit's alerts with their chat link."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from api.deps import engine_for
from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT, Settings
from monitoring.monitor import Monitor
from monitoring.simulate import FleetSimulator, Injection
from tests.tickets.server import running_api
from tests.tickets.test_console_browser import page  # noqa: F401  (the browser)
from tickets.catalog import default_catalog

UNIT = "H37S-2020-00877"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


@pytest.fixture()
def server(db_url: str, keys: dict[str, str], tmp_path):
    """The API on a database with two and a half days of an HSC-37 whose separator clogs
    slowly (a forecast open) and a critical reading on a pump."""
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    engine = engine_for(Settings(database_url=db_url, data_dir=tmp_path))
    clock = {"now": START}
    monitor = Monitor(engine, kb, default_catalog(), now=lambda: clock["now"])
    sim = FleetSimulator(kb, [Injection(UNIT, fault="separator_element_clogged", ramp_h=240,
                                        start_h=12)], seed=5, start=START, serials=[UNIT])
    for i in range(int(2.5 * 86_400 / 1800)):
        clock["now"] = START + timedelta(seconds=i * 1800)
        topic, payload = sim.message(UNIT, i * 1800)
        monitor.handle(topic, json.dumps(payload).encode())
    hot = {"ts": (START + timedelta(days=2.5)).isoformat(), "readings": {"bearing_temp_c": 110.0}}
    monitor.handle("helios/telemetry/P100-2021-00542", json.dumps(hot).encode())
    with running_api(db_url) as base:
        yield base


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_units_page_draws_each_reading_and_the_alerts(server, keys, page):  # noqa: F811
    page.goto(f"{server}/console/")
    page.fill("#key", keys["engineer"])
    page.click("#login button[type=submit]")
    page.click("nav a")
    rows = page.locator("#alerts tbody tr")
    rows.first.wait_for()
    text = page.inner_text("#alerts")
    assert "P1" in text and "P100-2021-00542" in text and UNIT in text
    page.locator("#alerts tbody tr", has_text=UNIT).first.click()
    expect(page.locator("#u-title")).to_have_text(f"HSC-37 {UNIT}")
    figures = page.locator("figure.reading")
    assert figures.count() == 8  # the HSC family's telemetry
    separator = page.locator("figure.reading[data-observation=separator_dp_bar]")
    assert "predicted" in separator.get_attribute("class")
    assert "limit 0.8 in about" in separator.inner_text()
    points = separator.locator("polyline").get_attribute("points")
    assert len(points.split()) > 50
    assert "guided chat" in page.inner_text("#u-alerts")
    assert page.locator("#u-alerts a").first.get_attribute("href").startswith("/chat/?alert=")
    # The chart is drawn: the line and the normal band take up room inside the sparkline.
    chart = separator.locator("svg").bounding_box()
    for part in ("polyline", "rect.normal"):
        box = separator.locator(part).bounding_box()
        assert box["width"] > 100 and box["height"] > 1, part
        assert chart["y"] - 1 <= box["y"] and box["y"] + box["height"] <= chart["y"] + chart[
            "height"] + 1, part


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_customer_key_gets_no_other_customers_unit(server, keys, page):  # noqa: F811
    page.goto(f"{server}/console/")
    page.fill("#key", keys["other_customer"])
    page.click("#login button[type=submit]")
    page.goto(f"{server}/console/assets.html?serial={UNIT}")
    expect(page.locator("#message")).to_contain_text("404")
    assert page.locator("#unit").is_hidden()
