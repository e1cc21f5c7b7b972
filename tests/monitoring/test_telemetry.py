"""Telemetry messages checked against the knowledge pack: what is accepted, and every kind of
message that is refused with its reason (monitoring/telemetry.py)."""

from __future__ import annotations

import json

import pytest

from core.knowledge.loader import load_knowledge
from core.settings import PROJECT_ROOT
from monitoring.telemetry import Fleet, TelemetryError, parse

PUMP = "P100-2021-00542"  # an HCP-100 of CUST-001
TOPIC = f"helios/telemetry/{PUMP}"


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return Fleet(load_knowledge(PROJECT_ROOT / "knowledge"))


def payload(**fields) -> bytes:
    body = {"ts": "2026-12-05T10:42:00+01:00", "readings": {"bearing_temp_c": 71.5},
            "active_codes": [], "running_hours": 12040, **fields}
    return json.dumps(body).encode()


def test_the_installed_base_is_the_fleet(fleet):
    assert len(fleet.units) == 43
    unit = fleet.unit(PUMP)
    assert unit is not None and (unit.model, unit.customer_id) == ("HCP-100", "CUST-001")


def test_a_good_message(fleet):
    telemetry = parse(TOPIC, payload(active_codes=["A022"]), fleet)
    assert telemetry.serial == PUMP and telemetry.readings == {"bearing_temp_c": 71.5}
    assert telemetry.active_codes == ("A022",) and telemetry.running_hours == 12040.0
    assert telemetry.at.utcoffset() is not None


@pytest.mark.parametrize(("topic", "body", "reason"), [
    ("helios/telemetry/X999-0000-00000", payload(), "unknown_serial"),
    ("helios/other/" + PUMP, payload(), "bad_topic"),
    (TOPIC + "/extra", payload(), "bad_topic"),
    (TOPIC, b"{not json", "malformed_json"),
    (TOPIC, b"\xff\xfe", "malformed_json"),
    (TOPIC, b"[1, 2]", "malformed_json"),
    (TOPIC, payload(ts="yesterday"), "bad_timestamp"),
    (TOPIC, payload(ts="2026-12-05T10:42:00"), "bad_timestamp"),  # no zone
    (TOPIC, payload(ts=None), "bad_timestamp"),
    (TOPIC, payload(readings={"discharge_temp_c": 90}), "unknown_observation"),  # a compressor's
    (TOPIC, payload(readings={"bearing_temp_c": "hot"}), "wrong_type"),
    (TOPIC, payload(readings={"bearing_temp_c": True}), "wrong_type"),
    (TOPIC, payload(readings={"bearing_temp_c": 900}), "out_of_range"),
    (TOPIC, payload(readings=[1]), "wrong_type"),
    (TOPIC, payload(active_codes=["E102"]), "unknown_code"),  # a compressor's code
    (TOPIC, payload(active_codes="A022"), "wrong_type"),
    (TOPIC, payload(running_hours=-5), "wrong_type"),
    (TOPIC, b"x" * 70_000, "too_large"),
])
def test_a_bad_message_is_refused_with_its_reason(fleet, topic, body, reason):
    with pytest.raises(TelemetryError) as refused:
        parse(topic, body, fleet)
    assert refused.value.reason == reason
