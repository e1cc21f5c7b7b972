"""Signed identities for the chat (core/identity.py):

POST /api/v1/identity            a customer key: a token for itself (the portal's sign-in);
                                 staff: a sign-in link for a customer, to send to its contact
                                 (`send: true`: sent to the contact on file by the outbox)
GET  /api/v1/identity            what the token in `X-Identity` says (401 when it is not valid)

The chat page sends the token with every message (`/chat/?identity=<token>` hands it over);
the chat proxy and the actions verify it, and only a verified chat sees its customer's data."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, Field

from api.auth.dependencies import AnyActor
from api.deps import EngineDep, SigningSecret, get_catalog, get_now, get_settings
from core import identity
from core.settings import Settings
from tickets.catalog import Catalog
from tickets.verification import send_signin_link

router = APIRouter(prefix="/api/v1/identity", tags=["identity"])
SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Now = Annotated[datetime, Depends(get_now)]
INVALID = "identity token invalid or expired: sign in again, or chat as a guest"


class IdentityRequest(BaseModel):
    customer_id: str | None = Field(None, max_length=60,
                                    description="staff only: the customer the link is for")
    send: bool = Field(False, description="staff only: also send the link to the customer's "
                                          "contact on file (through the outbox webhook)")


class IdentityToken(BaseModel):
    token: str
    customer_id: str
    customer_name: str
    expires_at: datetime
    via: str
    chat_url: str
    sent: str | None = Field(None, description="with send: sent, limited (too many this hour) "
                                               "or no_contact")


@router.post("", response_model=IdentityToken, status_code=201,
             summary="A signed identity for the chat (customers: their own; staff: a link)")
async def issue_identity(actor: AnyActor, settings: SettingsDep, catalog: CatalogDep,
                         secret: SigningSecret, now: Now, engine: EngineDep,
                         body: IdentityRequest | None = None) -> IdentityToken:
    asked = body.customer_id if body else None
    if actor.role == "customer":
        if asked is not None and asked != actor.customer_id:
            raise HTTPException(403, "a customer key signs in its own customer only")
        customer_id, via = actor.customer_id, "key"
        ttl = timedelta(hours=settings.identity_ttl_hours)
    elif actor.is_staff:
        if asked is None:
            raise HTTPException(422, "customer_id is required: the customer the link is for")
        customer_id, via = asked, "link"
        ttl = timedelta(hours=settings.signin_link_ttl_hours)
    else:
        raise HTTPException(403, f"the {actor.role} role may not issue identities")
    customer = catalog.customers.get(customer_id or "")
    if customer is None:
        raise HTTPException(404, f"no customer {customer_id}")
    token, issued = identity.issue(customer.customer_id, secret, now=now, ttl=ttl, via=via)
    sent = None
    if body is not None and body.send:
        if via != "link":
            raise HTTPException(403, "only the service desk sends sign-in links")
        sent = await asyncio.to_thread(
            send_signin_link, engine, customer=customer,
            url=f"/portal/?identity={token}", expires_at=issued.expires_at,
            issued_by=actor.name, now=now)
    return IdentityToken(token=token, customer_id=customer.customer_id,
                         customer_name=customer.name, expires_at=issued.expires_at,
                         via=issued.via, chat_url=f"/chat/?identity={token}", sent=sent)


@router.get("", response_model=IdentityToken, summary="What an identity token says")
async def read_identity(catalog: CatalogDep, secret: SigningSecret, now: Now,
                        x_identity: Annotated[str | None, Header(max_length=600)] = None,
                        ) -> IdentityToken:
    try:
        found = identity.verify(x_identity or "", secret, now=now)
    except identity.InvalidIdentityError:
        raise HTTPException(401, INVALID) from None
    customer = catalog.customers.get(found.customer_id)
    if customer is None:  # a customer removed from the service data since
        raise HTTPException(401, INVALID)
    token = x_identity or ""
    return IdentityToken(token=token, customer_id=customer.customer_id,
                         customer_name=customer.name, expires_at=found.expires_at,
                         via=found.via, chat_url=f"/chat/?identity={token}")
