"""/api/v1/conversations/{id}: the hand-off between the assistant and a human engineer, as the
bot side sees it (ask whether to stay silent, relay the customer's messages, fetch replies)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth.dependencies import ServiceOrStaff
from api.deps import EngineDep, get_now
from api.tickets.http import TicketRoute
from api.tickets.schemas import CommentPublic, CustomerMessage
from tickets import conversations
from tickets.conversations import HandoffState

router = APIRouter(prefix="/api/v1/conversations", tags=["hand-off"], route_class=TicketRoute)


# The domain's own dataclass is the response: FastAPI serialises dataclasses, and a mirror of
# it in the schemas would be one more place to change.
@router.get("/{conversation_id}/handoff", response_model=HandoffState,
            summary="Whether a human engineer owns the conversation (the bot stays silent)")
async def handoff_state(conversation_id: str, actor: ServiceOrStaff,
                        engine: EngineDep) -> HandoffState:
    return await asyncio.to_thread(conversations.handoff_state, engine,
                                   conversation_id=conversation_id)


@router.post("/{conversation_id}/messages", status_code=201, response_model=CommentPublic,
             responses={404: {"description": "no open ticket belongs to the conversation"}},
             summary="Add the customer's chat message to the conversation's open ticket")
async def relay_message(conversation_id: str, body: CustomerMessage, actor: ServiceOrStaff,
                        engine: EngineDep, now: Annotated[datetime, Depends(get_now)],
                        ) -> CommentPublic:
    comment = await asyncio.to_thread(conversations.relay_customer_message, engine,
                                      conversation_id=conversation_id, text=body.text,
                                      viewer=actor, now=now)
    return CommentPublic.model_validate(comment)


@router.get("/{conversation_id}/replies", response_model=list[CommentPublic],
            summary="Engineers' replies to deliver into the chat, after a cursor (comment id)")
async def pending_replies(conversation_id: str, actor: ServiceOrStaff, engine: EngineDep,
                          after: Annotated[int, Query(ge=0, le=2**62)] = 0,
                          ) -> list[CommentPublic]:
    replies = await asyncio.to_thread(conversations.pending_replies, engine,
                                      conversation_id=conversation_id, after=after)
    return [CommentPublic.model_validate(c) for c in replies]
