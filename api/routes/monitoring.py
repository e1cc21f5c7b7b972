"""Remote monitoring API (thin adapters over monitoring/views.py):

GET /api/v1/assets/{serial}/telemetry   latest readings, trends, predicted crossings, alerts
GET /api/v1/alerts                      alerts (filters: state, customer, severity, kind, serial)

Roles as for tickets: staff see every unit; a customer key sees its own units only, and
another customer's serial is "not found" (it does not tell which serials exist)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query

from api.auth.dependencies import AnyActor
from api.deps import EngineDep, SigningSecret, get_diagnoser, get_settings
from core.settings import Settings
from db import telemetry as store
from monitoring import views
from rules.diagnosis import Diagnoser

router = APIRouter(prefix="/api/v1", tags=["monitoring"])
DiagnoserDep = Annotated[Diagnoser, Depends(get_diagnoser)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Priority = Literal["P1", "P2", "P3", "P4"]
Kind = Literal["critical", "fault", "predicted", "maintenance"]


@router.get("/assets/{serial}/telemetry",
            summary="A unit's latest readings, their trends and predicted limits, open alerts")
async def asset_telemetry(serial: str, actor: AnyActor, engine: EngineDep,
                          diagnoser: DiagnoserDep, settings: SettingsDep,
                          secret: SigningSecret) -> dict[str, Any]:
    unit = views.unit_of(diagnoser.kb, serial)
    if unit is None or (actor.role == "customer" and unit.customer_id != actor.customer_id):
        raise HTTPException(404, f"no installed unit {serial}")
    return await asyncio.to_thread(views.asset_telemetry, engine, unit,
                                   horizon_days=settings.prediction_horizon_days,
                                   secret=secret)


@router.get("/alerts", summary="Alerts raised on telemetry (customers: their own)")
async def list_alerts(
    actor: AnyActor, engine: EngineDep, secret: SigningSecret,
    state: Annotated[Literal["open", "cleared", "all"], Query()] = "open",
    customer_id: Annotated[str | None, Query(max_length=60)] = None,
    severity: Annotated[Priority | None, Query(description="the alert's priority")] = None,
    kind: Annotated[Kind | None, Query()] = None,
    serial: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    if actor.role == "customer":
        if customer_id is not None and customer_id != actor.customer_id:
            raise HTTPException(403, "customers see only their own alerts")
        customer_id = actor.customer_id
    alerts = await asyncio.to_thread(
        store.open_alerts, engine, serial=serial, customer_id=customer_id,
        state=None if state == "all" else state, kind=kind, priority=severity, limit=limit)
    return {"items": [views.alert_view(a, secret) for a in alerts], "count": len(alerts)}
