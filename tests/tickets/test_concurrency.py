"""Fifty clients at once against the real API server (uvicorn, its own process): retried
creates make no duplicates, concurrent updates and comments are all kept. Also exercises the
bot-side client (tickets.client) over real HTTP."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.tickets.server import running_api
from tickets.client import TicketClient

CLIENTS = 50
TICKETS_EACH = 3


def escalation(client_no: int, n: int) -> dict[str, object]:
    return {"customer_id": "CUST-003", "subject": f"client {client_no} ticket {n}",
            "description": "chiller high-pressure alarm", "type": "incident",
            "serial": "W060-2021-00207", "error_code": "AL101" if n % 2 else "E102",
            "escalation_reason": "low_confidence", "conversation_id": f"conv-{client_no}"}


async def one_client(base: str, keys: dict[str, str], client_no: int, shared: str) -> list[str]:
    created: list[str] = []
    async with TicketClient(base, keys["assistant"], timeout_s=60) as bot:
        for n in range(TICKETS_EACH):
            key = f"conv-{client_no}:{n}"
            first = await bot.escalate(escalation(client_no, n), idempotency_key=key)
            retry = await bot.escalate(escalation(client_no, n), idempotency_key=key)
            assert retry["id"] == first["id"]
            created.append(first["id"])
    headers = {"Authorization": f"Bearer {keys['engineer']}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as staff:
        # an update of the shared ticket without If-Match: applied to the newest version
        response = await staff.patch(f"/api/v1/tickets/{shared}",
                                     json={"assignee": f"eng-{client_no}"})
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
        assert final["assignee"] in {f"eng-{n}" for n in range(CLIENTS)}
        comments = api.get(f"/api/v1/tickets/{shared['id']}/comments").json()
        assert sorted(c["body"] for c in comments) == sorted(f"note {n}" for n in range(CLIENTS))


def test_bot_client_handoff_round_trip(server, keys):
    engineer = {"Authorization": f"Bearer {keys['engineer']}"}

    async def scenario() -> None:
        async with TicketClient(server, keys["assistant"]) as bot:
            assert not (await bot.handoff("chat-7")).human_active
            assert await bot.relay_message("chat-7", "hello?") is False  # no ticket yet
            ticket = await bot.escalate({**escalation(7, 0), "conversation_id": "chat-7"},
                                        idempotency_key="chat-7:1")
            async with httpx.AsyncClient(base_url=server, headers=engineer) as staff:
                reply = await staff.post(f"/api/v1/tickets/{ticket['id']}/comments",
                                         json={"body": "Engineer here", "visibility": "customer"})
                assert reply.status_code == 201
            state = await bot.handoff("chat-7")
            assert state.human_active and state.ticket_id == ticket["id"]
            assert await bot.relay_message("chat-7", "The alarm is back") is True
            replies = await bot.replies("chat-7")
            assert [r.text for r in replies] == ["Engineer here"]
            assert await bot.replies("chat-7", after=replies[-1].id) == []

    asyncio.run(scenario())
