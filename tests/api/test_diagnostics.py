"""The diagnostics API on a real SQLite file and the real engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.deps import get_settings
from api.main import create_app
from core.knowledge.errors import KnowledgeError
from core.settings import PROJECT_ROOT, Settings
from db.migrate import upgrade

BASE = "/api/v1/diagnostics/sessions"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path}/assistant.db"
    upgrade(url)
    return Settings(database_url=url, data_dir=tmp_path, index_dir=tmp_path / "index",
                    tickets_worker_interval_s=0)


def client_for(settings: Settings) -> TestClient:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    return TestClient(app)


@pytest.fixture()
def client(settings: Settings):
    with client_for(settings) as test_client:
        yield test_client


def test_start_answer_conclude_with_parts_and_trace(client):
    response = client.post(BASE, json={"model": "HSC-37", "language": "en", "observations": {
        "active_error_code": "none", "runs_loaded_continuously": True}})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "question"
    session_id = body["session_id"]
    question = body["question"]
    assert set(question) >= {"observation_id", "text", "type"}
    answers = {"air_filter_indicator_red": True, "builds_pressure_outlet_closed": True,
               "air_leaks_audible": False, "demand_increased": False}
    for _ in range(10):
        if body["status"] != "question":
            break
        oid = body["question"]["observation_id"]
        response = client.post(f"{BASE}/{session_id}/answers",
                               json={"observation_id": oid, "value": answers.get(oid)})
        assert response.status_code == 200
        body = response.json()
    assert body["status"] == "concluded"
    conclusion = body["conclusion"]
    assert conclusion["fault_id"] == "air_filter_clogged"
    assert 0.6 <= conclusion["confidence"] <= 1
    assert conclusion["remedy_steps"][0].startswith("Stop and apply LOTO")
    # Only the part for this model, with stock per warehouse and lead time.
    assert conclusion["parts"] == [{"part_no": "HSC-AF-037", "name": "Air intake filter element",
                                    "stock": {"athens": 12, "rotterdam": 25, "stuttgart": 31},
                                    "lead_time_days": 3, "compatible_models": ["HSC-37"]}]
    assert conclusion["trace"]["rules_fired"]
    assert conclusion["explanation"]
    assert body["candidates"][0] == {"fault_id": "air_filter_clogged",
                                     "confidence": conclusion["confidence"]}


def test_question_has_choices_unit_and_safety_note(client):
    body = client.post(BASE, json={"family": "rotary_screw_compressor", "language": "es",
                                   "observations": {"active_error_code": "none"}}).json()
    session_id = body["session_id"]
    body = client.post(f"{BASE}/{session_id}/answers",
                       json={"observation_id": "discharge_temp_c", "value": 70}).json()
    assert body["status"] in ("question", "concluded", "escalated")
    start = client.post(BASE, json={"family": "compressors", "error_code": "E101",
                                    "language": "el"}).json()
    question = start["question"]
    if question["type"] == "choice":
        assert all(set(c) == {"id", "label"} for c in question["choices"])
    cooler = client.post(f"{BASE}/{start['session_id']}/answers",
                         json={"observation_id": "oil_level_sightglass", "value": "normal"})
    assert cooler.status_code == 200


def test_critical_symptom_escalates_p1_at_once(client):
    body = client.post(BASE, json={"family": "rotary_screw_compressor", "language": "el",
                                   "symptom": "βγάζει καπνό"}).json()
    assert body["status"] == "escalated"
    assert body["escalation"]["priority"] == "P1"
    assert body["escalation"]["reason"] == "critical"
    assert body["escalation"]["action"]
    assert "question" not in body


@pytest.mark.parametrize(("payload", "loc"), [
    ({"observation_id": "no_such_observation", "value": True}, ["body", "observation_id"]),
    ({"observation_id": "discharge_temp_c", "value": 900}, ["body", "value"]),
    ({"observation_id": "discharge_temp_c", "value": -80, "unit": "°C"}, ["body", "value"]),
    ({"observation_id": "discharge_temp_c", "value": 7, "unit": "bar"}, ["body", "unit"]),
    ({"observation_id": "discharge_temp_c", "value": 7, "unit": "parsecs"}, ["body", "unit"]),
    ({"observation_id": "discharge_temp_c", "value": "hot"}, ["body", "value"]),
    ({"observation_id": "oil_level_sightglass", "value": "brimful"}, ["body", "value"]),
    ({"observation_id": "cooling_fan_running", "value": "perhaps"}, ["body", "value"]),
])
def test_bad_answers_are_422_naming_the_field(client, payload, loc):
    session_id = client.post(BASE, json={"family": "rotary_screw_compressor"}).json()[
        "session_id"]
    response = client.post(f"{BASE}/{session_id}/answers", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


@pytest.mark.parametrize(("payload", "loc"), [
    ({"family": "toasters"}, ["body", "family"]),
    ({"family": "rotary_screw_compressor", "observations": {"warp_core": 1}},
     ["body", "observations", "warp_core"]),
    ({"family": "rotary_screw_compressor", "observations": {"ambient_temp_c": 1000}},
     ["body", "observations", "ambient_temp_c"]),
    ({"family": "rotary_screw_compressor", "error_code": "E999"}, ["body", "error_code"]),
    ({"model": "HSC-999"}, ["body", "model"]),
    ({"family": "rotary_screw_compressor", "language": "it"}, ["body", "language"]),
])
def test_bad_session_requests_are_422_naming_the_field(client, payload, loc):
    response = client.post(BASE, json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_unknown_session_is_404(client):
    assert client.get(f"{BASE}/does-not-exist").status_code == 404
    response = client.post(f"{BASE}/does-not-exist/answers",
                           json={"observation_id": "x", "value": None})
    assert response.status_code == 404


def test_units_are_converted(client):
    session_id = client.post(BASE, json={"family": "rotary_screw_compressor",
                                         "error_code": "E101"}).json()["session_id"]
    body = client.post(f"{BASE}/{session_id}/answers",
                       json={"observation_id": "ambient_temp_c", "value": 113, "unit": "°F"})
    assert body.status_code == 200
    top = body.json()["candidates"][0]["fault_id"]
    assert top == "room_ventilation_inadequate"  # 113 °F = 45 °C > 40 °C


def test_session_survives_a_new_app_instance(settings):
    with client_for(settings) as first:
        body = first.post(BASE, json={"family": "centrifugal_process_pump", "language": "fr",
                                      "error_code": "F006"}).json()
        session_id = body["session_id"]
        question = body["question"]["observation_id"]
        answered = first.post(f"{BASE}/{session_id}/answers",
                              json={"observation_id": question, "value": None}).json()
    with client_for(settings) as second:
        resumed = second.get(f"{BASE}/{session_id}")
        assert resumed.status_code == 200
        assert resumed.json() == answered
        follow = resumed.json()["question"]["observation_id"]
        assert follow != question
        again = second.post(f"{BASE}/{session_id}/answers",
                            json={"observation_id": "drive_fan_running", "value": False})
        assert again.status_code == 200
        assert again.json()["candidates"][0]["fault_id"] == "drive_overtemperature"


def test_a_broken_knowledge_file_stops_the_start(settings, tmp_path):
    pack = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", pack)
    data = yaml.safe_load((pack / "chillers.yml").read_text(encoding="utf-8"))
    data["faults"][0]["evidence"][0]["observation"] = "coil_colour"
    (pack / "chillers.yml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                       encoding="utf-8")
    broken = settings.model_copy(update={"knowledge_dir": pack})
    with pytest.raises(KnowledgeError) as raised, client_for(broken):
        pass
    assert str(raised.value).startswith(
        "chillers.yml: fault condenser_coil_fouled evidence #1: observation 'coil_colour'")
