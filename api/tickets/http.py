"""HTTP plumbing shared by the ticket routes: body-size limit, domain errors -> HTTP codes,
ETag/If-Match, and TicketPublic rendering."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError, ProgrammingError

from api.tickets.schemas import SlaState, TicketPublic
from core.settings import get_settings
from db.tickets import Ticket
from tickets import sla, workflow
from tickets.catalog import Catalog
from tickets.errors import (
    IdempotencyMismatchError,
    StaleVersionError,
    TicketConflictError,
    TicketNotFoundError,
    UnknownReferenceError,
)

logger = logging.getLogger(__name__)
NOT_FOUND = "ticket not found"
TOO_LARGE = "request body too large"
DB_DOWN = "ticket database unavailable"


def _error(status: int, detail: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail})


def _map(exc: Exception) -> JSONResponse | None:
    if isinstance(exc, TicketNotFoundError):
        return _error(404, NOT_FOUND)
    if isinstance(exc, TicketConflictError):
        return _error(409, {"message": "status transition not allowed", "current": exc.current,
                            "requested": exc.requested, "allowed": exc.allowed})
    if isinstance(exc, StaleVersionError):
        return _error(412, {"message": "the ticket was changed meanwhile; reload it",
                            "expected_version": exc.expected})
    if isinstance(exc, UnknownReferenceError):
        return _error(422, {"message": str(exc), "field": exc.field, "value": exc.value})
    if isinstance(exc, IdempotencyMismatchError):
        return _error(422, {"message": str(exc)})
    return None


class TicketRoute(APIRoute):
    """Refuses bodies over the configured size with 413 before parsing them, and answers the
    ticket domain's typed errors with their HTTP codes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            provider = request.app.dependency_overrides.get(get_settings, get_settings)
            limit = provider().tickets_max_body_bytes
            if request.method in ("POST", "PUT", "PATCH"):
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    return _error(413, TOO_LARGE)
                size = 0
                chunks = []
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        return _error(413, TOO_LARGE)
                    chunks.append(chunk)
                request._body = b"".join(chunks)  # what Request.body() caches
            try:
                return await handler(request)
            except (TicketNotFoundError, TicketConflictError, StaleVersionError,
                    UnknownReferenceError, IdempotencyMismatchError) as exc:
                mapped = _map(exc)
                assert mapped is not None
                return mapped
            except (OperationalError, ProgrammingError):
                # Unreachable database or a schema not migrated (`python -m db.migrate`).
                logger.exception("ticket database unavailable on %s %s", request.method,
                                 request.url.path)
                return _error(503, DB_DOWN)

        return limited


def parse_if_match(value: str | None) -> int | None:
    """The version named by an If-Match header ("3", W/"3" or 3); None for absent or *."""
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise HTTPException(400, 'If-Match must be a ticket version, e.g. "3"')
    return int(text)


def etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def to_public(ticket: Ticket, now: datetime, catalog: Catalog) -> TicketPublic:
    responded = ticket.first_response_at
    resolved = ticket.resolved_at
    return TicketPublic(
        **{name: getattr(ticket, name) for name in TicketPublic.model_fields
           if name not in ("sla", "allowed_transitions", "assignee_name")},
        assignee_name=catalog.technicians.get(ticket.assignee or ""),
        allowed_transitions=workflow.allowed_transitions(ticket.status),  # type: ignore[arg-type]
        sla=SlaState(
            clock=catalog.tiers[ticket.contract_tier].clock,
            time_zone=ticket.time_zone, next_due_at=ticket.next_due_at,
            response_breached=sla.is_breached(ticket.response_due_at, now=now, met_at=responded,
                                              paused_at=ticket.sla_paused_at),
            resolution_breached=sla.is_breached(ticket.resolution_due_at, now=now,
                                                met_at=resolved, paused_at=ticket.sla_paused_at),
            paused_since=ticket.sla_paused_at, paused_s=ticket.sla_paused_seconds,
        ),
    )
