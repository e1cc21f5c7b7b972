"""The small client the Rasa actions use to reach the ticket service over HTTP.

    client = TicketClient(base_url, api_key)          # the assistant's service-account key
    ticket = await client.escalate({...}, idempotency_key=f"{sender_id}:{event_ts}")
    if (await client.handoff(sender_id)).human_active:   # a human owns the chat: stay silent,
        await client.relay_message(sender_id, text)      # hand the customer's words on,
    replies = await client.replies(sender_id, after=cursor)  # and deliver the engineer's answers

The idempotency key must be stable across retries of one escalation (e.g. the conversation id
plus the timestamp of the message that triggered it), so a retry never opens a second ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx


class TicketServiceError(Exception):
    """The ticket service refused the request or could not be reached."""

    def __init__(self, message: str, status: int | None = None, detail: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Handoff:
    human_active: bool
    ticket_id: str | None
    number: int | None
    assignee: str | None


@dataclass(frozen=True)
class Reply:
    id: int
    text: str
    author: str
    created_at: str


class TicketClient:
    def __init__(self, base_url: str, api_key: str, *, timeout_s: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {api_key}"})

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> TicketClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise TicketServiceError(f"ticket service unreachable: {exc!r}") from exc
        if response.status_code >= 400 and response.status_code != 404:
            detail = response.json().get("detail") if response.headers.get(
                "content-type", "").startswith("application/json") else response.text
            raise TicketServiceError(f"ticket service answered {response.status_code}",
                                     response.status_code, detail)
        return response

    async def escalate(self, ticket: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """Open (or, on a retry, find again) the ticket of an escalation."""
        response = await self._call("POST", "/api/v1/tickets", json=ticket,
                                    headers={"Idempotency-Key": idempotency_key})
        if response.status_code == 404:
            raise TicketServiceError("ticket endpoint not found", 404)
        return dict(response.json())

    async def handoff(self, conversation_id: str) -> Handoff:
        """Whether a human engineer owns the conversation now."""
        response = await self._call(
            "GET", f"/api/v1/conversations/{quote(conversation_id, safe='')}/handoff")
        if response.status_code == 404:
            raise TicketServiceError("hand-off endpoint not found", 404)
        body = response.json()
        return Handoff(bool(body["human_active"]), body.get("ticket_id"), body.get("number"),
                       body.get("assignee"))

    async def relay_message(self, conversation_id: str, text: str) -> bool:
        """Add the customer's message to the conversation's open ticket; False if none."""
        response = await self._call(
            "POST", f"/api/v1/conversations/{quote(conversation_id, safe='')}/messages",
            json={"text": text})
        return response.status_code == 201

    async def replies(self, conversation_id: str, *, after: int = 0) -> list[Reply]:
        """Engineers' replies not yet delivered (ids above the `after` cursor), oldest first."""
        response = await self._call(
            "GET", f"/api/v1/conversations/{quote(conversation_id, safe='')}/replies",
            params={"after": after})
        if response.status_code == 404:
            return []
        return [Reply(r["id"], r["body"], r["author"], r["created_at"]) for r in response.json()]
