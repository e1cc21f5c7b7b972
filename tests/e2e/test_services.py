"""The API's services as the running system serves them: the index the launcher built, the
diagnosis engine, and the ticket store migrated at start-up."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_search_answers_from_the_index_built_at_start(system):
    response = httpx.post(f"{system.api}/api/v1/search",
                          json={"query": "Fehler E101 Verdichtungsendtemperatur zu hoch",
                                "language": "de", "k": 3}, timeout=60)
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert hits and any("E101" in hit["topics"] for hit in hits)
    assert hits[0]["language"] == "de"


def test_diagnosis_session_asks_in_the_session_language(system):
    response = httpx.post(f"{system.api}/api/v1/diagnostics/sessions",
                          json={"model": "HSC-37", "language": "el", "error_code": "E101"},
                          timeout=60)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "question"
    assert any("\u0370" <= c <= "\u03ff" for c in body["question"]["text"])  # Greek script


def test_ticket_api_is_migrated_and_guarded(system):
    response = httpx.get(f"{system.api}/api/v1/tickets", timeout=30)
    assert response.status_code == 401
