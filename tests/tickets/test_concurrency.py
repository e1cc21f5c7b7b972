"""Fifty clients at once against the real API server (uvicorn, its own process): retried
creates make no duplicates, concurrent updates and comments are all kept. Also the hand-off
round trip over real HTTP, as a remote assistant would use it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.tickets.server import running_api
from tickets.catalog import default_catalog

CLIENTS = 50


def technician(n: int) -> str:
    """An engineer of the service desk's list, one per client (round robin)."""
    ids = sorted(default_catalog().technicians)
    return ids[n % len(ids)]
TICKETS_EACH = 3


def escalation(client_no: int, n: int) -> dict[str, object]:
    return {"customer_id": "CUST-003", "subject": f"client {client_no} ticket {n}",
            "description": "chiller high-pressure alarm", "type": "incident",
            "serial": "W060-2021-00207", "error_code": "AL101" if n % 2 else "E102",
            "escalation_reason": "low_confidence", "conversation_id": f"conv-{client_no}"}


async def one_client(base: str, keys: dict[str, str], client_no: int, shared: str) -> list[str]:
    created: list[str] = []
    async with _assistant(base, keys, timeout=60) as bot:
        for n in range(TICKETS_EACH):
            key = {"Idempotency-Key": f"conv-{client_no}:{n}"}
            first = await bot.post("/api/v1/tickets", json=escalation(client_no, n), headers=key)
            retry = await bot.post("/api/v1/tickets", json=escalation(client_no, n), headers=key)
            assert first.status_code == 201 and retry.status_code in (200, 201)
            assert retry.json()["id"] == first.json()["id"]
            created.append(first.json()["id"])
    headers = {"Authorization": f"Bearer {keys['engineer']}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as staff:
        # an update of the shared ticket without If-Match: applied to the newest version
        response = await staff.patch(f"/api/v1/tickets/{shared}",
                                     json={"assignee": technician(client_no)})
        assert response.status_code == 200, response.text
        response = await staff.post(f"/api/v1/tickets/{shared}/comments",
                                    json={"body": f"note {client_no}", "visibility": "internal"})
        assert response.status_code == 201, response.text
        # an update of its own ticket with If-Match: nobody else touches it, so never 412
        response = await staff.patch(f"/api/v1/tickets/{created[0]}",
                                     json={"status": "triaged"}, headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
        listed = await staff.get("/api/v1/tickets", params={"page_size": 100})
        assert listed.status_code == 200
    return created


@pytest.fixture()
def server(db_url: str, keys: dict[str, str]):
    with running_api(db_url) as base:
        yield base


def test_fifty_clients_at_once_lose_and_duplicate_nothing(server, keys):
    engineer = {"Authorization": f"Bearer {keys['engineer']}"}
    shared = httpx.post(f"{server}/api/v1/tickets", headers=engineer, timeout=30,
                        json={"customer_id": "CUST-001", "subject": "shared",
                              "description": "everyone edits this", "type": "question"}).json()

    async def everyone() -> list[list[str]]:
        return await asyncio.gather(*(one_client(server, keys, n, shared["id"])
                                      for n in range(CLIENTS)))

    results = asyncio.run(everyone())
    ids = [ticket_id for created in results for ticket_id in created]
    assert len(ids) == len(set(ids)) == CLIENTS * TICKETS_EACH
    with httpx.Client(base_url=server, headers=engineer, timeout=30) as api:
        listed = api.get("/api/v1/tickets", params={"customer_id": "CUST-003",
                                                    "page_size": 100}).json()
        assert listed["total"] == CLIENTS * TICKETS_EACH  # no duplicate from the retries
        triaged = api.get("/api/v1/tickets", params={"status": "triaged"}).json()
        assert triaged["total"] == CLIENTS
        final = api.get(f"/api/v1/tickets/{shared['id']}").json()
        assert final["version"] == 1 + CLIENTS  # every update applied, none overwritten
        assert final["assignee"] in {technician(n) for n in range(CLIENTS)}
        comments = api.get(f"/api/v1/tickets/{shared['id']}/comments").json()
        assert sorted(c["body"] for c in comments) == sorted(f"note {n}" for n in range(CLIENTS))


def _assistant(base: str, keys: dict[str, str], timeout: float = 10) -> httpx.AsyncClient:
    """The assistant's service account over HTTP."""
    return httpx.AsyncClient(base_url=base, timeout=timeout,
                             headers={"Authorization": f"Bearer {keys['assistant']}"})


def test_handoff_round_trip_over_http(server, keys):
    engineer = {"Authorization": f"Bearer {keys['engineer']}"}
    chat = "/api/v1/conversations/chat-7"

    async def scenario() -> None:
        async with _assistant(server, keys) as bot:
            assert not (await bot.get(f"{chat}/handoff")).json()["human_active"]
            no_ticket = await bot.post(f"{chat}/messages", json={"text": "hello?"})
            assert no_ticket.status_code != 201  # no ticket yet: nothing to relay to
            ticket = (await bot.post("/api/v1/tickets",
                                     json={**escalation(7, 0), "conversation_id": "chat-7"},
                                     headers={"Idempotency-Key": "chat-7:1"})).json()
            async with httpx.AsyncClient(base_url=server, headers=engineer) as staff:
                reply = await staff.post(f"/api/v1/tickets/{ticket['id']}/comments",
                                         json={"body": "Engineer here", "visibility": "customer"})
                assert reply.status_code == 201
            state = (await bot.get(f"{chat}/handoff")).json()
            assert state["human_active"] and state["ticket_id"] == ticket["id"]
            relayed = await bot.post(f"{chat}/messages", json={"text": "The alarm is back"})
            assert relayed.status_code == 201
            replies = (await bot.get(f"{chat}/replies")).json()
            assert [r["body"] for r in replies] == ["Engineer here"]
            later = await bot.get(f"{chat}/replies", params={"after": replies[-1]["id"]})
            assert later.json() == []

    asyncio.run(scenario())
