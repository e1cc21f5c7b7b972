"""Bearer-key authentication and role checks for the ticket API (FastAPI dependencies)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from api.auth import key_store
from api.deps import get_engine
from tickets.domain import Actor

bearer = HTTPBearer(auto_error=False, description="an API key from `python -m api.auth create`")
UNAUTHORIZED = "missing or invalid credentials"


async def current_actor(
    auth: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    engine: Annotated[Engine, Depends(get_engine)],
) -> Actor:
    """The caller behind `Authorization: Bearer <key>`; 401 without a valid key."""
    if auth is None or auth.scheme.lower() != "bearer" or not auth.credentials:
        raise HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    try:
        return await asyncio.to_thread(key_store.authenticate, engine, key=auth.credentials)
    except key_store.InvalidKeyError:
        raise HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}) from None


def require_roles(*roles: str) -> Callable[..., Awaitable[Actor]]:
    """A dependency admitting only the given roles (others get 403)."""

    async def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in roles:
            raise HTTPException(403, f"the {actor.role} role may not do this")
        return actor

    return check


AnyActor = Annotated[Actor, Depends(current_actor)]
Staff = Annotated[Actor, Depends(require_roles("engineer", "admin"))]
ServiceOrStaff = Annotated[Actor, Depends(require_roles("assistant", "engineer", "admin"))]
