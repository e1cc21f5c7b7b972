from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from bot.actions import wiring


@pytest.fixture()
def client(deps) -> TestClient:
    wiring.configure(deps)
    yield TestClient(create_app())
    wiring.configure(None)


def action_call(action: str, intents: list[str]) -> dict:
    events = []
    for intent in intents:
        events.append({"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}})
        events.append({"event": "bot", "text": "..."})
    events.pop()
    return {
        "next_action": action,
        "sender_id": "c1",
        "version": "3.6.21",
        "domain": {"version": "3.1", "responses": {}},
        "tracker": {"sender_id": "c1", "slots": {"language": "fr"}, "latest_message": events[-1],
                    "events": events, "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": "action_listen"},
    }


def test_lists_the_registered_actions(client):
    names = [a["name"] for a in client.get("/actions").json()]
    assert "action_handle_fallback" in names


def test_runs_an_action_as_rasa_calls_it(client):
    response = client.post("/webhook", json=action_call("action_handle_fallback",
                                                        ["greet", "nlu_fallback"]))
    assert response.status_code == 200
    body = response.json()
    assert body["events"] == []
    [message] = body["responses"]
    assert message["text"].startswith("Désolé")  # the conversation's language (slot: fr)
    assert message["buttons"] == [{"title": message["buttons"][0]["title"],
                                   "payload": "/talk_to_human"}]


def test_unknown_action_is_404_with_its_name(client):
    response = client.post("/webhook", json=action_call("action_nope", ["greet"]))
    assert response.status_code == 404
    assert response.json()["detail"]["action_name"] == "action_nope"


@pytest.mark.parametrize("body", [{}, {"next_action": "action_handle_fallback"}])
def test_incomplete_action_call_is_400(client, body):
    response = client.post("/webhook", json=body)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_invalid_json_is_422(client):
    response = client.post("/webhook", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
