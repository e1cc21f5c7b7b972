"""GET /api/v1/assets/{serial}/telemetry and GET /api/v1/alerts on SQLite and PostgreSQL:
latest readings with their normal range, trend and forecast, the unit's open alerts; roles as
for tickets (a customer sees its own units only, another's serial is not found)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from api.deps import engine_for
from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT
from monitoring.monitor import Monitor
from monitoring.simulate import FleetSimulator, Injection
from tests.tickets.test_api import auth
from tickets.catalog import default_catalog

OWN = "H37S-2020-00877"  # CUST-001's HSC-37
OTHERS = "H37S-2019-00412"  # CUST-002's
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture()
def fed(api_settings):
    """Two and a half days of an HSC-37 whose separator clogs slowly, and a critical reading on
    CUST-002's unit, through the Monitor into the test's database."""
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    clock = {"now": START}
    monitor = Monitor(engine_for(api_settings), kb, default_catalog(), now=lambda: clock["now"])
    sim = FleetSimulator(kb, [Injection(OWN, fault="separator_element_clogged", ramp_h=240,
                                        start_h=12)],
                         seed=5, start=START, serials=[OWN, OTHERS])
    for i in range(int(2.5 * 86_400 / 1800)):
        clock["now"] = START + timedelta(seconds=i * 1800)
        monitor.handle(*_encoded(sim.message(OWN, i * 1800)))
    clock["now"] = START + timedelta(days=3)
    hot = {"ts": (START + timedelta(days=3)).isoformat(), "readings": {"discharge_temp_c": 125.0}}
    monitor.handle(f"helios/telemetry/{OTHERS}", json.dumps(hot).encode())
    return monitor


def _encoded(message):
    topic, payload = message
    return topic, json.dumps(payload).encode()


def test_a_units_telemetry_with_trends_forecasts_and_alerts(client, keys, fed):
    got = client.get(f"/api/v1/assets/{OWN}/telemetry", headers=auth(keys["engineer"]))
    assert got.status_code == 200
    body = got.json()
    assert (body["serial"], body["model"], body["customer_id"]) == (OWN, "HSC-37", "CUST-001")
    readings = {r["observation"]: r for r in body["readings"]}
    separator = readings["separator_dp_bar"]
    assert separator["unit"] == "bar" and separator["normal"] == [0.15, 0.6]
    assert separator["limits"] == [0.1, 0.8]
    assert separator["trend"]["slope_per_day"] > 0 and separator["trend"]["significant"]
    assert 2 <= len(separator["points"]) <= 120
    assert readings["discharge_temp_c"]["sign"] is False
    kinds = {a["kind"] for a in body["alerts"]}
    assert "predicted" in kinds
    forecast = next(a for a in body["alerts"] if a["condition"] == "trend:separator_dp_bar")
    assert forecast["details"]["eta_days"] > 0 and forecast["chat_url"].startswith("/chat/")


def test_customers_see_their_own_units_and_alerts_only(client, keys, fed):
    own = client.get(f"/api/v1/assets/{OWN}/telemetry", headers=auth(keys["customer"]))
    assert own.status_code == 200
    other = client.get(f"/api/v1/assets/{OTHERS}/telemetry", headers=auth(keys["customer"]))
    assert other.status_code == 404
    unknown = client.get("/api/v1/assets/NOPE-1/telemetry", headers=auth(keys["engineer"]))
    assert unknown.status_code == 404
    mine = client.get("/api/v1/alerts", headers=auth(keys["customer"])).json()["items"]
    assert mine and {a["customer_id"] for a in mine} == {"CUST-001"}
    theirs = client.get("/api/v1/alerts", params={"customer_id": "CUST-002"},
                        headers=auth(keys["customer"]))
    assert theirs.status_code == 403
    assert client.get("/api/v1/alerts").status_code == 401


def test_alerts_filter_by_severity_kind_and_state(client, keys, fed):
    staff = auth(keys["engineer"])
    p1 = client.get("/api/v1/alerts", params={"severity": "P1"}, headers=staff).json()["items"]
    assert [(a["serial"], a["kind"]) for a in p1] == [(OTHERS, "critical")]
    assert p1[0]["ticket_id"]
    predicted = client.get("/api/v1/alerts", params={"kind": "predicted"},
                           headers=staff).json()["items"]
    assert predicted and {a["serial"] for a in predicted} == {OWN}
    everything = client.get("/api/v1/alerts", params={"state": "all"}, headers=staff).json()
    assert everything["count"] >= len(p1) + len(predicted)
    bad = client.get("/api/v1/alerts", params={"severity": "P9"}, headers=staff)
    assert bad.status_code == 422
