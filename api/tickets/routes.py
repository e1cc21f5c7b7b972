"""/api/v1/tickets: create, read, list, update, assign, comments, hand-off (thin adapters over
the ticket domain in tickets/)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response
from sqlalchemy.engine import Engine

from api.auth.dependencies import AnyActor, Staff
from api.deps import EngineDep, get_catalog, get_now
from api.tickets.http import TicketRoute, etag, parse_if_match, to_public
from api.tickets.schemas import (
    AssignRequest,
    CommentCreate,
    CommentPublic,
    HandoffRequest,
    Priority,
    Status,
    TicketCreate,
    TicketPage,
    TicketPublic,
    TicketUpdate,
)
from tickets import conversations, store
from tickets.catalog import Catalog
from tickets.domain import Actor, NewTicket

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"], route_class=TicketRoute)
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Now = Annotated[datetime, Depends(get_now)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                              max_length=200)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=40)]


@router.post("", status_code=201, response_model=TicketPublic,
             summary="Create a ticket (retries with the same Idempotency-Key return it again)")
async def create_ticket(body: TicketCreate, actor: AnyActor, engine: EngineDep,
                        catalog: CatalogDep, now: Now, response: Response,
                        idempotency_key: IdempotencyKey = None) -> TicketPublic:
    if actor.role == "customer" and body.customer_id != actor.customer_id:
        raise HTTPException(403, "customers open tickets only for themselves")
    new = NewTicket(**body.model_dump(exclude={"transcript", "diagnosis", "citations"}),
                    transcript=[e.model_dump(mode="json") for e in body.transcript],
                    diagnosis=body.diagnosis.model_dump(mode="json") if body.diagnosis else None,
                    citations=[c.model_dump(mode="json", exclude_none=True)
                               for c in body.citations])
    ticket, created = await asyncio.to_thread(
        store.create_ticket, engine, new=new, actor=actor, catalog=catalog, now=now,
        idempotency_key=idempotency_key)
    response.headers["ETag"] = etag(ticket)
    response.headers["Location"] = f"{router.prefix}/{ticket.id}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return to_public(ticket, now, catalog)


@router.get("", response_model=TicketPage, summary="List tickets (customers: their own)")
async def list_tickets(
    actor: AnyActor, engine: EngineDep, catalog: CatalogDep, now: Now,
    status: Annotated[list[Status] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    assignee: Annotated[str | None, Query(max_length=100)] = None,
    customer_id: Annotated[str | None, Query(max_length=60)] = None,
    family: Annotated[str | None, Query(max_length=60)] = None,
    conversation_id: Annotated[str | None, Query(max_length=200)] = None,
    breached: Annotated[bool | None, Query(description="pending SLA deadline passed")] = None,
    due_within_h: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    sort: Literal["urgency", "created"] = "urgency",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TicketPage:
    filters = store.TicketFilter(
        status=tuple(status or ()), priority=tuple(priority or ()), assignee=assignee,
        customer_id=customer_id, family=family, conversation_id=conversation_id,
        breached=breached, due_within_h=due_within_h)
    items, total = await asyncio.to_thread(
        store.list_tickets, engine, viewer=actor, filters=filters, now=now, sort=sort,
        page=page, page_size=page_size)
    return TicketPage(items=[to_public(t, now, catalog) for t in items], total=total,
                      page=page, page_size=page_size)


@router.get("/{ticket_id}", response_model=TicketPublic, summary="Read a ticket")
async def get_ticket(ticket_id: str, actor: AnyActor, engine: EngineDep, catalog: CatalogDep,
                     now: Now, response: Response) -> TicketPublic:
    ticket = await asyncio.to_thread(store.get_ticket, engine, ticket_id=ticket_id, viewer=actor)
    response.headers["ETag"] = etag(ticket)
    return to_public(ticket, now, catalog)


@router.patch("/{ticket_id}", response_model=TicketPublic,
              responses={409: {"description": "transition not allowed (lists allowed ones)"},
                         412: {"description": "If-Match names a stale version"}},
              summary="Change status, assignee or priority (If-Match: version)")
async def update_ticket(ticket_id: str, body: TicketUpdate, actor: Staff, engine: EngineDep,
                        catalog: CatalogDep, now: Now, response: Response,
                        if_match: IfMatch = None) -> TicketPublic:
    return await _updated(ticket_id, actor, engine, catalog, now, response, if_match,
                          status=body.status, assignee=body.assignee, unassign=body.unassign,
                          priority=body.priority)


@router.post("/{ticket_id}/assign", response_model=TicketPublic,
             summary="Assign an engineer (a new or triaged ticket becomes assigned)")
async def assign_ticket(ticket_id: str, body: AssignRequest, actor: Staff, engine: EngineDep,
                        catalog: CatalogDep, now: Now, response: Response,
                        if_match: IfMatch = None) -> TicketPublic:
    return await _updated(ticket_id, actor, engine, catalog, now, response, if_match,
                          assignee=body.assignee)


async def _updated(ticket_id: str, actor: Actor, engine: Engine, catalog: Catalog, now: datetime,
                   response: Response, if_match: str | None, **changes: Any) -> TicketPublic:
    """Apply `changes` under the If-Match version; the new version goes out as the ETag."""
    ticket = await asyncio.to_thread(
        store.update_ticket, engine, ticket_id=ticket_id, viewer=actor, catalog=catalog,
        now=now, expected_version=parse_if_match(if_match), **changes)
    response.headers["ETag"] = etag(ticket)
    return to_public(ticket, now, catalog)


@router.post("/{ticket_id}/comments", status_code=201, response_model=CommentPublic,
             summary="Add an internal note or a reply to the customer")
async def add_comment(ticket_id: str, body: CommentCreate, actor: AnyActor, engine: EngineDep,
                      now: Now) -> CommentPublic:
    comment = await asyncio.to_thread(
        conversations.add_comment, engine, ticket_id=ticket_id, viewer=actor, body=body.body,
        visibility=body.visibility, now=now)
    return CommentPublic.model_validate(comment)


@router.get("/{ticket_id}/comments", response_model=list[CommentPublic],
            summary="The ticket's comments (customers: without internal notes)")
async def list_comments(ticket_id: str, actor: AnyActor, engine: EngineDep) -> list[CommentPublic]:
    comments = await asyncio.to_thread(conversations.list_comments, engine, ticket_id=ticket_id,
                                       viewer=actor)
    return [CommentPublic.model_validate(c) for c in comments]


@router.post("/{ticket_id}/handoff", response_model=TicketPublic,
             summary="Take the conversation over from the assistant (active) or hand it back")
async def set_handoff(ticket_id: str, body: HandoffRequest, actor: Staff, engine: EngineDep,
                      catalog: CatalogDep, now: Now, response: Response) -> TicketPublic:
    ticket = await asyncio.to_thread(conversations.set_handoff, engine, ticket_id=ticket_id,
                                     viewer=actor, active=body.active, now=now)
    response.headers["ETag"] = etag(ticket)
    return to_public(ticket, now, catalog)
