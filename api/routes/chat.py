"""The customer web chat: a plain HTML + JavaScript page (api/chat/, no build step) and a thin
proxy in front of Rasa's REST channel, so the browser talks to one origin only.

The page and its API routes are public (the callback request, which opens a ticket, is
rate-limited per address and opens at most one ticket per conversation). The conversation id
is a random 128-bit value the page makes with crypto.getRandomValues and keeps in
sessionStorage; knowing it is the capability to post into that conversation and to read the
engineers' replies to it, exactly as knowing the sender id is with Rasa's own REST channel.
That is why the id must be long and random (the pattern below refuses short or
guessable-looking ones) and why replies expose nothing but the reply text, its author's name
and time, and the ticket number the customer is told anyway.

Who is chatting is a separate matter: the page opened from the customer portal carries a signed
identity (core/identity.py), checked here and passed to the actions in the message's metadata;
without it the conversation is anonymous and shown no customer data."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from api.deps import EngineDep, SigningSecret, get_catalog, get_now, get_settings
from api.health_checks import OK, check_conversation_store, check_rasa
from api.ratelimit import RateLimiter
from api.routes.console import SECURITY_HEADERS
from api.tickets.http import TicketRoute
from core import identity
from core.settings import Settings
from db import late_turns
from tickets import conversations, spool, store
from tickets.callback import SUBJECT as CALLBACK_SUBJECT
from tickets.callback import CallbackError, CallbackRequest
from tickets.catalog import Catalog
from tickets.errors import IdempotencyMismatchError

logger = logging.getLogger(__name__)

CHAT_DIR = Path(__file__).resolve().parent.parent / "chat"
ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}
CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A turn may run several custom actions (diagnosis, retrieval, a ticket): allow for that, but
# give up on connecting quickly so a stopped Rasa is reported at once.
RASA_TIMEOUT = httpx.Timeout(60.0, connect=3.0)

BAD_CONVERSATION_ID = "conversation_id must be 16-64 letters, digits, '_' or '-'"
EMPTY_MESSAGE = "message must not be empty"
IDENTITY_INVALID = "identity token invalid or expired: sign in again, or chat as a guest"
UNAVAILABLE = "the assistant is unavailable, please try again"
NO_STORE = {"Cache-Control": "no-store"}
TOO_MANY_CALLBACKS = "too many callback requests from this address; please call the hotline"
CALLBACK_LIMIT = RateLimiter(limit=5, window_s=3600)

page_router = APIRouter(tags=["web chat"])
# TicketRoute: request bodies over the configured limit get 413 before they are read, and an
# unreachable ticket database is a 503 rather than a stack trace.
api_router = APIRouter(prefix="/chat/api", tags=["web chat"], route_class=TicketRoute)
SettingsDep = Annotated[Settings, Depends(get_settings)]


class ChatMessage(BaseModel):
    conversation_id: str
    message: str
    # A signed identity (core/identity.py; the portal hands it to the page): the chat then
    # sees its customer's data. Without one the chat is anonymous.
    identity: str | None = Field(None, max_length=identity.MAX_TOKEN_CHARS)


class ChatStatus(BaseModel):
    assistant: str  # "up" or "down"
    hotline: str | None


class CallbackBody(BaseModel):
    conversation_id: str
    name: str
    contact: str
    message: str = ""
    language: str = "en"


class CallbackFiled(BaseModel):
    ticket_number: int | None  # None while the request waits in the spool
    reference: str | None = None  # the spool's reference then


class ChatReply(BaseModel):
    id: int
    text: str
    author: str
    created_at: datetime


class LateAnswer(BaseModel):
    id: int
    messages: list[dict[str, Any]]  # as the REST channel's answer to a message


class ChatReplies(BaseModel):
    replies: list[ChatReply]
    human_active: bool
    ticket_number: int | None
    # The assistant's answers that came after its "still working on it" (each shown once).
    late: list[LateAnswer] = []


async def get_rasa_client() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for one request to Rasa (a dependency, so tests can replace it)."""
    async with httpx.AsyncClient(timeout=RASA_TIMEOUT) as client:
        yield client


RasaClient = Annotated[httpx.AsyncClient, Depends(get_rasa_client)]


def _check_conversation_id(conversation_id: str) -> None:
    if not CONVERSATION_ID.match(conversation_id):
        raise HTTPException(422, BAD_CONVERSATION_ID)


# --- the page ------------------------------------------------------------------------------
@page_router.get("/chat", include_in_schema=False)
async def chat_redirect() -> RedirectResponse:
    return RedirectResponse("/chat/")


@page_router.get("/chat/", include_in_schema=False)
async def chat_page() -> FileResponse:
    return FileResponse(CHAT_DIR / "index.html", media_type="text/html",
                        headers=SECURITY_HEADERS)


@page_router.get("/chat/{asset}", include_in_schema=False)
async def chat_asset(asset: str) -> FileResponse:
    if asset not in ASSETS:
        raise HTTPException(404, "not found")
    return FileResponse(CHAT_DIR / asset, media_type=ASSETS[asset], headers=SECURITY_HEADERS)


# --- the proxy -----------------------------------------------------------------------------
@api_router.post(
    "/messages",
    summary="Send the customer's message to the assistant; answers with its replies",
    responses={401: {"description": "the identity token is invalid or expired"},
               422: {"description": "bad conversation id or empty message"},
               503: {"description": "the Rasa server is unreachable or failed"}},
)
async def send_message(body: ChatMessage, settings: SettingsDep, client: RasaClient,
                       secret: SigningSecret) -> JSONResponse:
    _check_conversation_id(body.conversation_id)
    if not body.message.strip():
        raise HTTPException(422, EMPTY_MESSAGE)
    payload: dict[str, Any] = {"sender": body.conversation_id, "message": body.message}
    if body.identity:
        # Told here, so the page can fall back to a guest chat; the actions verify it again
        # (the REST channel may be called without this proxy).
        try:
            identity.verify(body.identity, secret, now=datetime.now(UTC))
        except identity.InvalidIdentityError as exc:
            logger.info("chat identity refused: %s", exc)
            raise HTTPException(401, IDENTITY_INVALID) from None
        payload["metadata"] = {"identity": body.identity}
    # Rasa's channels are not behind its --auth-token (that guards the HTTP API only), so the
    # REST webhook is called without it. Length limits are the channel's (413, passed through).
    url = f"{settings.rasa_base_url}/webhooks/rest/webhook"
    try:
        answer = await client.post(url, json=payload)
    except httpx.HTTPError:
        logger.warning("Rasa unreachable at %s", url, exc_info=True)
        raise HTTPException(503, UNAVAILABLE) from None

    content = _json_or_none(answer)
    if 400 <= answer.status_code < 500 and content is not None:
        return JSONResponse(status_code=answer.status_code, content=content, headers=NO_STORE)
    if answer.status_code != 200 or not isinstance(content, list):
        logger.error("Rasa answered %s at %s: %.300s", answer.status_code, url, answer.text)
        raise HTTPException(503, UNAVAILABLE)
    if not content and not await _conversations_up(settings):
        # Rasa's REST channel answers a turn that failed (its tracker store unreachable) with
        # 200 and no messages; the customer would see silence. A silent turn is legitimate
        # only while an engineer has the chat.
        logger.error("Rasa answered nothing and its conversation store is down")
        raise HTTPException(503, UNAVAILABLE)
    return JSONResponse({"messages": content}, headers=NO_STORE)


async def _conversations_up(settings: Settings) -> bool:
    store_url = settings.resolved_db_url(settings.tracker_store_url)
    return (await asyncio.to_thread(check_conversation_store, store_url))["status"] == OK


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # not JSON (json.JSONDecodeError and UnicodeDecodeError both are)
        return None


@api_router.get(
    "/conversations/{conversation_id}/replies",
    response_model=ChatReplies,
    summary="Engineers' replies after a cursor (the last reply id seen), and late answers",
)
async def engineer_replies(conversation_id: str, engine: EngineDep, response: Response,
                           after: Annotated[int, Query(ge=0, le=2**62)] = 0) -> ChatReplies:
    # Public on purpose: the random conversation id is the capability (see the module's note).
    _check_conversation_id(conversation_id)
    replies, state, late = await asyncio.gather(
        asyncio.to_thread(conversations.pending_replies, engine,
                          conversation_id=conversation_id, after=after),
        asyncio.to_thread(conversations.handoff_state, engine,
                          conversation_id=conversation_id),
        asyncio.to_thread(late_turns.claim_unshown, engine,
                          conversation_id=conversation_id, now=datetime.now(UTC)),
    )
    response.headers.update(NO_STORE)
    return ChatReplies(
        replies=[ChatReply(id=c.id, text=c.body, author=c.author, created_at=c.created_at)
                 for c in replies],
        human_active=state.human_active,
        ticket_number=state.number,
        late=[LateAnswer(id=turn.id, messages=turn.messages) for turn in late],
    )


# --- while the assistant is down: the hotline and a callback request -------------------------
@api_router.get("/status", response_model=ChatStatus,
                summary="Whether the assistant answers now, and the service hotline")
async def chat_status(settings: SettingsDep, client: RasaClient,
                      response: Response) -> ChatStatus:
    rasa = await check_rasa(client, settings.rasa_base_url, settings.rasa_auth_token)
    up = rasa["status"] == OK and await _conversations_up(settings)
    response.headers.update(NO_STORE)
    return ChatStatus(assistant="up" if up else "down",
                      hotline=settings.service_hotline or None)


@api_router.post(
    "/callback", status_code=201, response_model=CallbackFiled,
    summary="Ask the service desk to call back (offered while the assistant is unavailable)",
    responses={202: {"description": "the ticket store is down: queued, filed when it is back"},
               422: {"description": "bad conversation id, name or contact"},
               429: {"description": "too many callback requests from this address"}},
)
async def request_callback(body: CallbackBody, engine: EngineDep, settings: SettingsDep,
                           catalog: Annotated[Catalog, Depends(get_catalog)],
                           now: Annotated[datetime, Depends(get_now)],
                           request: Request, response: Response) -> CallbackFiled:
    _check_conversation_id(body.conversation_id)
    try:
        callback = CallbackRequest(**body.model_dump()).validated()
    except CallbackError as exc:
        raise HTTPException(422, str(exc)) from None
    # Anyone may call this (the chat is public): a few requests per client and hour, and one
    # ticket per conversation (CallbackRequest.idempotency_key).
    if not CALLBACK_LIMIT.allow(request.client.host if request.client else "?"):
        raise HTTPException(429, TOO_MANY_CALLBACKS)
    new, key = callback.ticket(), callback.idempotency_key()
    response.headers.update(NO_STORE)
    try:
        ticket, _created = await asyncio.to_thread(
            store.create_ticket, engine, new=new, actor=spool.ASSISTANT, catalog=catalog,
            now=now, idempotency_key=key)
    except IdempotencyMismatchError:
        # This conversation asked before (with other details): the desk calls back once.
        existing = await asyncio.to_thread(_callback_of, engine, body.conversation_id, now)
        if existing is None:
            raise
        return CallbackFiled(ticket_number=existing)
    except (OperationalError, InterfaceError):
        # Nothing is lost: the request waits in the escalation spool, filed by the API's
        # background worker when the store is back (the same path as the assistant's own).
        logger.exception("ticket store unavailable; callback request spooled")
        reference = await asyncio.to_thread(spool.enqueue, settings.escalation_spool_dir,
                                             new=new, idempotency_key=key)
        response.status_code = 202
        return CallbackFiled(ticket_number=None, reference=reference)
    return CallbackFiled(ticket_number=ticket.number)


def _callback_of(engine: Engine, conversation_id: str, now: datetime) -> int | None:
    tickets, _ = store.list_tickets(engine, viewer=spool.ASSISTANT, now=now,
                                    filters=store.TicketFilter(conversation_id=conversation_id))
    return next((t.number for t in tickets if t.subject.startswith(CALLBACK_SUBJECT)), None)


router = APIRouter()
router.include_router(page_router)
router.include_router(api_router)
