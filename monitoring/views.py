"""What the API and the console show of a unit's telemetry and of the alerts (framework-free).

`asset_telemetry` reads a unit's stored telemetry (the newest HISTORY messages) and gives, per
reading: the latest value and unit, its normal range and whether it is a sign (outside its
normal cell), its trend over the stored history and the predicted crossing of its limit
(monitoring/trends.py, the same as the Monitor's), and points for a sparkline; plus the latest
codes and running hours, and the unit's open alerts. `alert_view` is one alert as JSON."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from core.knowledge.model import KnowledgeBase
from db import telemetry as store
from monitoring import links
from monitoring.baseline import bands
from monitoring.telemetry import Fleet, Unit
from monitoring.trends import T_MIN, Trends

HISTORY = 2000  # stored messages a view is computed from
POINTS = 120  # sparkline points per reading


def unit_of(kb: KnowledgeBase, serial: str) -> Unit | None:
    return Fleet(kb).unit(serial)


def asset_telemetry(engine: Engine, unit: Unit, *, horizon_days: float = 30.0,
                    secret: bytes = b"") -> dict[str, Any]:
    rows = list(reversed(store.latest(engine, unit.serial, limit=HISTORY)))  # oldest first
    family = unit.family
    trends = Trends(family)
    for row in rows:
        trends.add(row.at, row.readings)
    predicted = {p.observation: p for p in trends.predictions(horizon_days)}
    latest = rows[-1] if rows else None
    readings = []
    for name, band in bands(family).items():
        obs = family.observations[name]
        series = [(row.at, row.readings[name]) for row in rows
                  if isinstance(row.readings.get(name), int | float)]
        value = series[-1][1] if series else None
        trend = trends.trend(name)
        entry: dict[str, Any] = {
            "observation": name, "unit": obs.unit, "value": value,
            "at": series[-1][0].isoformat() if series else None,
            "normal": [band.low, band.high],
            "limits": [None if math.isinf(band.floor) else band.floor,
                       None if math.isinf(band.ceiling) else band.ceiling],
            "sign": value is not None and obs.cell_of(float(value)) != band.cell,
            "trend": None if trend is None else {
                "slope_per_day": round(trend.slope_per_day, 6),
                "significant": trend.t_value >= T_MIN,
                "span_hours": round(trend.span_s / 3600, 2)},
            "prediction": None,
            "points": _thin([(at.isoformat(), float(v)) for at, v in series], POINTS),
        }
        if name in predicted:
            p = predicted[name]
            entry["prediction"] = {"limit": p.limit, "eta_days": round(p.days, 2),
                                   "codes": list(p.codes), "faults": list(p.faults)}
        readings.append(entry)
    return {
        "serial": unit.serial, "model": unit.model, "family": family.id,
        "customer_id": unit.customer_id, "site_id": unit.site_id,
        "last_message_at": latest.at.isoformat() if latest else None,
        "running_hours": latest.running_hours if latest else None,
        "active_codes": list(latest.active_codes) if latest else [],
        "readings": readings,
        "alerts": [alert_view(a, secret)
                   for a in store.open_alerts(engine, serial=unit.serial)],
    }


def alert_view(alert: store.Alert, secret: bytes = b"") -> dict[str, Any]:
    """One alert as JSON; with the links' secret, the link of the chat opened from it."""
    return {"id": alert.id, "serial": alert.serial, "customer_id": alert.customer_id,
            "kind": alert.kind, "condition": alert.condition_id, "priority": alert.priority,
            "state": alert.state, "evidence": alert.evidence, "details": alert.details,
            "opened_at": _iso(alert.opened_at), "last_seen_at": _iso(alert.last_seen_at),
            "cleared_at": _iso(alert.cleared_at), "ticket_id": alert.ticket_id,
            "chat_url": links.chat_url(alert.id, secret) if secret else None}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _thin(points: list[tuple[str, float]], most: int) -> list[tuple[str, float]]:
    """At most `most` points, evenly spaced, the last always kept."""
    if len(points) <= most:
        return points
    step = len(points) / most
    picked = [points[int(i * step)] for i in range(most - 1)]
    return picked + [points[-1]]
