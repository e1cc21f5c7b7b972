"""GET /healthz: every dependency's honest status; 503 when a required one is down. GET /readyz:
whether this replica has loaded its slow parts and should get customers (the balancer's check)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request, Response
from rasa_sdk.executor import ActionExecutor
from sqlalchemy.engine import Engine

from api.deps import get_action_executor, get_engine, get_settings
from api.health_checks import (
    OK,
    check_conversation_store,
    check_database,
    check_index,
    check_rasa,
)
from api.warmup import is_warm
from core.settings import Settings

router = APIRouter(tags=["health"])


@router.get("/readyz", summary="200 once the slow parts are loaded (the balancer checks it)")
async def readyz(response: Response) -> dict[str, bool]:
    # A replica started again under load would otherwise spend its first customers' turns
    # loading the expert system, the triage and the index (seconds each on 2 cores).
    ready = is_warm()
    if not ready:
        response.status_code = 503
    return {"ready": ready}


@router.get("/healthz", summary="Status of the databases, the Rasa server, the index and actions")
async def healthz(
    request: Request,
    response: Response,
    settings: Annotated[Settings, Depends(get_settings)],
    engine: Annotated[Engine, Depends(get_engine)],
    executor: Annotated[ActionExecutor, Depends(get_action_executor)],
) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        rasa = await check_rasa(client, settings.rasa_base_url, settings.rasa_auth_token)
    database, conversations = await asyncio.gather(
        asyncio.to_thread(check_database, engine),
        asyncio.to_thread(check_conversation_store,
                          settings.resolved_db_url(settings.tracker_store_url)))
    index = check_index(settings.index_dir, settings.embedding_model)
    actions = {"status": OK, "count": len(executor.actions)}

    checks: dict[str, dict[str, Any]] = {
        "database": {**database, "required": True},
        "rasa": {**rasa, "required": True},
        "conversations": {**conversations, "required": True},
        "index": {**index, "required": settings.index_required},
        "actions": {**actions, "required": True},
    }
    monitoring = getattr(request.app.state, "monitoring", None)
    if monitoring is not None:  # telemetry over MQTT (monitoring/); optional
        checks["monitoring"] = {**monitoring.status(), "required": False}
    analytics = getattr(request.app.state, "analytics", None)
    if analytics is not None:  # Rasa's events into the analytics tables (analytics/); optional
        checks["analytics"] = {**analytics.status(), "required": False}
    required_down = [n for n, c in checks.items() if c["required"] and c["status"] != OK]
    optional_down = [n for n, c in checks.items() if not c["required"] and c["status"] != OK]
    if required_down:
        response.status_code = 503
        status = "down"
    else:
        status = "degraded" if optional_down else "ok"
    return {"status": status, "checks": checks}
