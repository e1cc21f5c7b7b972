"""The ticket API over HTTP on SQLite and PostgreSQL: roles, codes, idempotency, versions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

BODY = {"customer_id": "CUST-001", "subject": "HSC-75 trips on E102",
        "description": "Tripped twice after a reset", "type": "incident",
        "serial": "H75S-2021-00118", "error_code": "E102", "language": "el",
        "escalation_reason": "repeated_failure", "conversation_id": "conv-api",
        "transcript": [{"sender": "customer", "text": "σταμάτησε πάλι"}],
        "diagnosis": {"observations": {"discharge_temp_c": 117.0},
                      "candidates": [{"fault_id": "oil_cooler_fouled", "confidence": 0.55}],
                      "trace": ["E102 -> oil_cooler_fouled"]},
        "citations": [{"document": "hsc-75-manual", "section_id": "7.2", "page": 41}]}


@pytest.fixture()
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create(client, key, body=None, **headers):
    return client.post("/api/v1/tickets", json=body or BODY, headers={**auth(key), **headers})


def test_create_read_and_list(client, keys):
    response = create(client, keys["assistant"], **{"Idempotency-Key": "conv-api-1"})
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["status"] == "new" and ticket["priority"] == "P2" and ticket["version"] == 1
    assert ticket["response_due_at"] and ticket["resolution_due_at"]
    assert ticket["allowed_transitions"] == ["triaged", "assigned"]
    assert ticket["sla"]["clock"] == "calendar_hours"
    assert response.headers["etag"] == '"1"'
    read = client.get(f"/api/v1/tickets/{ticket['id']}", headers=auth(keys["engineer"]))
    assert read.json()["diagnosis"]["candidates"][0]["confidence"] == 0.55
    listed = client.get("/api/v1/tickets", params={"status": "new", "priority": "P2"},
                        headers=auth(keys["engineer"])).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == ticket["id"]


def test_retried_create_returns_the_same_ticket(client, keys):
    first = create(client, keys["assistant"], **{"Idempotency-Key": "k-1"})
    second = create(client, keys["assistant"], **{"Idempotency-Key": "k-1"})
    assert second.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    changed = create(client, keys["assistant"], {**BODY, "subject": "other"},
                     **{"Idempotency-Key": "k-1"})
    assert changed.status_code == 422
    listed = client.get("/api/v1/tickets", headers=auth(keys["engineer"])).json()
    assert listed["total"] == 1


def test_credentials_and_roles(client, keys):
    assert client.get("/api/v1/tickets").status_code == 401
    bad = client.get("/api/v1/tickets", headers=auth("hk_nothing_here"))
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/tickets", headers=auth("garbage")).status_code == 401
    ticket = create(client, keys["assistant"]).json()
    # customers may not change tickets, nor open one for somebody else
    patched = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "triaged"},
                           headers=auth(keys["customer"]))
    assert patched.status_code == 403
    assert create(client, keys["other_customer"]).status_code == 403
    # the owner reads it; another customer is told it does not exist
    assert client.get(f"/api/v1/tickets/{ticket['id']}",
                      headers=auth(keys["customer"])).status_code == 200
    other = client.get(f"/api/v1/tickets/{ticket['id']}", headers=auth(keys["other_customer"]))
    assert other.status_code == 404 and other.json() == {"detail": "ticket not found"}
    assert client.get("/api/v1/tickets", headers=auth(keys["other_customer"])).json()["total"] == 0
    # the assistant account may not run the conversation hand-off as staff does
    handoff = client.post(f"/api/v1/tickets/{ticket['id']}/handoff", json={"active": True},
                          headers=auth(keys["assistant"]))
    assert handoff.status_code == 403


def test_invalid_transition_is_409_with_allowed(client, keys):
    ticket = create(client, keys["assistant"]).json()
    response = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "closed"},
                            headers=auth(keys["engineer"]))
    assert response.status_code == 409
    assert response.json()["detail"] == {"message": "status transition not allowed",
                                         "current": "new", "requested": "closed",
                                         "allowed": ["triaged", "assigned"]}


def test_stale_if_match_is_412(client, keys):
    ticket = create(client, keys["assistant"]).json()
    url = f"/api/v1/tickets/{ticket['id']}"
    first = client.patch(url, json={"assignee": "T-GR-01"},
                         headers={**auth(keys["engineer"]), "If-Match": '"1"'})
    assert first.status_code == 200 and first.json()["status"] == "assigned"
    assert first.headers["etag"] == '"2"'
    second = client.patch(url, json={"assignee": "T-GR-02"},
                          headers={**auth(keys["admin"]), "If-Match": '"1"'})
    assert second.status_code == 412
    assert client.get(url, headers=auth(keys["engineer"])).json()["assignee"] == "T-GR-01"
    bad = client.patch(url, json={"priority": "P1"},
                       headers={**auth(keys["engineer"]), "If-Match": "yesterday"})
    assert bad.status_code == 400


@pytest.mark.parametrize(("change", "field"), [
    ({"customer_id": "CUST-404"}, "customer_id"),
    ({"serial": "NOPE-0000"}, "serial"),
])
def test_unknown_customer_or_asset_is_422(client, keys, change, field):
    response = create(client, keys["assistant"], {**BODY, **change})
    assert response.status_code == 422 and response.json()["detail"]["field"] == field


def test_oversized_body_is_413(client, keys):
    huge = {**BODY, "description": "x" * (70 * 1024)}
    response = create(client, keys["assistant"], huge)
    assert response.status_code == 413 and response.json() == {"detail": "request body too large"}
    chunked = client.post("/api/v1/tickets", headers=auth(keys["assistant"]),
                          content=iter([b"{" + b" " * (70 * 1024) + b"}"]))
    assert chunked.status_code == 413


def test_comments_replies_and_handoff_over_http(client, keys):
    ticket = create(client, keys["assistant"]).json()
    base = f"/api/v1/tickets/{ticket['id']}"
    note = client.post(f"{base}/comments", json={"body": "check cooler", "visibility": "internal"},
                       headers=auth(keys["engineer"]))
    assert note.status_code == 201 and note.json()["kind"] == "note"
    state = client.get("/api/v1/conversations/conv-api/handoff", headers=auth(keys["assistant"]))
    assert state.json()["human_active"] is False
    reply = client.post(f"{base}/comments", json={"body": "Γεια σας, ο μηχανικός εδώ",
                                                  "visibility": "customer"},
                        headers=auth(keys["engineer"])).json()
    state = client.get("/api/v1/conversations/conv-api/handoff",
                       headers=auth(keys["assistant"])).json()
    assert state["human_active"] is True and state["ticket_id"] == ticket["id"]
    replies = client.get("/api/v1/conversations/conv-api/replies",
                         headers=auth(keys["assistant"])).json()
    assert [r["id"] for r in replies] == [reply["id"]]
    relayed = client.post("/api/v1/conversations/conv-api/messages", json={"text": "ευχαριστώ"},
                          headers=auth(keys["assistant"]))
    assert relayed.status_code == 201 and relayed.json()["kind"] == "customer_message"
    missing = client.post("/api/v1/conversations/none/messages", json={"text": "x"},
                          headers=auth(keys["assistant"]))
    assert missing.status_code == 404
    seen = client.get(f"{base}/comments", headers=auth(keys["customer"])).json()
    assert [c["kind"] for c in seen] == ["reply", "customer_message"]
    assert client.get("/api/v1/conversations/conv-api/handoff",
                      headers=auth(keys["customer"])).status_code == 403
    back = client.post(f"{base}/handoff", json={"active": False}, headers=auth(keys["engineer"]))
    assert back.status_code == 200 and back.json()["human_active"] is False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unmigrated_database_is_503_not_500(app, api_settings, keys, tmp_path):
    from api.deps import get_settings

    empty = api_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/empty.db"})
    app.dependency_overrides[get_settings] = lambda: empty
    from api.auth import key_store

    key_store._cache.clear()
    with TestClient(app) as test_client:
        response = test_client.get("/api/v1/tickets", headers=auth(keys["engineer"]))
    assert response.status_code == 503
    assert response.json() == {"detail": "ticket database unavailable"}


def test_waiting_for_the_customer_pauses_the_sla_clock(app, client, keys):
    """Status round trip in_progress -> waiting_customer -> in_progress: the resolution
    deadline moves by the business time spent waiting, and list filters follow it."""
    from datetime import UTC, datetime

    from api.deps import get_now

    clock = {"now": datetime(2026, 11, 26, 9, tzinfo=UTC)}  # Thu 10:00 in Brussels
    app.dependency_overrides[get_now] = lambda: clock["now"]
    staff = auth(keys["engineer"])
    # basic contract, Mon-Fri 08:00-17:00 Brussels: P1 resolution in 72 business hours
    body = {"customer_id": "CUST-006", "subject": "Pump seal leaking", "description": "drips",
            "type": "incident", "priority": "P1"}
    ticket = create(client, keys["engineer"], body).json()
    assert ticket["resolution_due_at"] == "2026-12-08T09:00:00Z"

    def patch(change: dict, at: datetime) -> dict:
        clock["now"] = at
        response = client.patch(f"/api/v1/tickets/{ticket['id']}", json=change, headers=staff)
        assert response.status_code == 200, response.text
        return response.json()

    patch({"assignee": "T-NL-01"}, clock["now"])
    patch({"status": "in_progress"}, clock["now"])
    # the customer owes an answer from Friday 15:00 to Monday 10:00 local: 2 + 2 business hours
    waiting = patch({"status": "waiting_customer"}, datetime(2026, 11, 27, 14, tzinfo=UTC))
    assert waiting["sla"]["paused_since"] == "2026-11-27T14:00:00Z"
    assert waiting["sla"]["next_due_at"] is None
    clock["now"] = datetime(2026, 12, 9, tzinfo=UTC)  # long after the unpaused deadline
    read = client.get(f"/api/v1/tickets/{ticket['id']}", headers=staff).json()
    assert read["sla"]["resolution_breached"] is False  # the clock is not running
    resumed = patch({"status": "in_progress"}, datetime(2026, 11, 30, 9, tzinfo=UTC))
    assert resumed["resolution_due_at"] == "2026-12-08T13:00:00Z"  # Tue 14:00 local
    assert resumed["sla"]["next_due_at"] == resumed["resolution_due_at"]
    assert resumed["sla"]["paused_since"] is None and resumed["sla"]["paused_s"] == 4 * 3600

    # at 10:00 UTC on 8 December the original deadline is gone, the pushed one 3 h ahead
    clock["now"] = datetime(2026, 12, 8, 10, tzinfo=UTC)

    def listed(**params) -> int:
        return client.get("/api/v1/tickets", params=params, headers=staff).json()["total"]

    assert listed(breached="true") == 0 and listed(breached="false") == 1
    assert listed(due_within_h=4) == 1 and listed(due_within_h=2) == 0
    clock["now"] = datetime(2026, 12, 8, 13, 30, tzinfo=UTC)
    assert listed(breached="true") == 1
    app.dependency_overrides.pop(get_now)
