"""/api/v1/kpis: the service KPIs of a period (analytics/kpis.py) and the knowledge gaps
(analytics/kpi_gaps.py), for staff; JSON, or CSV with `?format=csv` or `Accept: text/csv`.

- `GET /api/v1/kpis?from=&to=&group_by=`: `from` and `to` are dates (`to` inclusive: the whole
  day) or ISO datetimes (`to` exclusive; without a zone, UTC); default the last 90 days.
  CSV: a long table, one row per group and KPI (`group_by,group,kpi,value`, the KPI named by
  its path in the JSON, e.g. `escalation.reasons.safety`); `&table=breaches` gives the missed
  SLA deadlines instead, one row each; `&table=sla` the tier x priority cells.
- `GET /api/v1/kpis/gaps?from=&to=&language=&kinds=&distance=&limit=`: the gap questions
  clustered by meaning; CSV: one row per cluster, its examples joined by " | "."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from analytics import kpi_gaps, kpis
from api.auth.dependencies import Staff
from api.deps import EngineDep, get_catalog, get_now, get_settings
from core.settings import Settings
from tickets.catalog import Catalog

router = APIRouter(prefix="/api/v1/kpis", tags=["kpis"])

DEFAULT_SPAN = timedelta(days=90)
MAX_SPAN = timedelta(days=732)
GroupBy = Literal["language", "family", "model", "customer", "tier", "week"]


def get_gap_encoder(settings: Annotated[Settings, Depends(get_settings)],
                    ) -> tuple[str, Callable[[list[str]], np.ndarray]]:
    """The embedding function of the gaps: the retrieval's model, loaded once per process
    (retrieval.encoder.get_encoder, the loader the searcher uses), on first call."""
    name = settings.embedding_model

    def encode(texts: list[str]) -> np.ndarray:
        from retrieval.encoder import get_encoder  # lazy: torch, on the first gaps request

        return get_encoder(name).encode(texts)

    return name, encode


def _moment(value: str | None, name: str, *, end: bool) -> datetime | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"{name} must be a date (YYYY-MM-DD) or an ISO datetime") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    upper = _moment(end, "to", end=True) or now
    lower = _moment(start, "from", end=False) or upper - DEFAULT_SPAN
    if upper <= lower:
        raise HTTPException(422, "to must be after from")
    if upper - lower > MAX_SPAN:
        raise HTTPException(422, "the period may span at most two years")
    return lower, upper


def wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from _flatten(f"{prefix}.{item.name}" if prefix else item.name,
                                getattr(value, item.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{prefix}.{key}", item)
    else:
        yield prefix, value


def plain(value: Any) -> Any:
    """A report as JSON-ready values (dataclasses.asdict + FastAPI's encoder cost ~25 ms on a
    quarter's breaches; this a few)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def json_response(report: Any) -> Response:
    return Response(json.dumps(plain(report), ensure_ascii=False, separators=(",", ":")),
                    media_type="application/json")


def _csv(header: list[str], rows: list[list[Any]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, datetime) else v
                         for v in row])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def kpi_csv(report: kpis.KpiReport, table: str) -> Response:
    if table == "breaches":
        names = [f.name for f in fields(kpis.Breach)]
        return _csv(names, [[getattr(b, n) for n in names] for b in report.breaches],
                    "kpi_breaches.csv")
    if table == "sla":
        names = [f.name for f in fields(kpis.SlaCell)]
        return _csv(names, [[getattr(c, n) for n in names] for c in report.sla_cells],
                    "kpi_sla.csv")
    rows: list[list[Any]] = []
    for group in [report.total, *report.groups]:
        by = report.group_by if group is not report.total else ""
        for name, value in _flatten("", group):
            if name != "group":
                rows.append([by or "", group.group, name, value])
    return _csv(["group_by", "group", "kpi", "value"], rows, "kpis.csv")


@router.get("", summary="Service KPIs of a period, for all and per group (staff)")
async def get_kpis(
    request: Request, actor: Staff, engine: EngineDep,
    now: Annotated[datetime, Depends(get_now)],
    catalog: Annotated[Catalog, Depends(get_catalog)],
    start: Annotated[str | None, Query(alias="from", description="date or ISO datetime")] = None,
    end: Annotated[str | None, Query(alias="to", description="date (inclusive) or datetime "
                                                             "(exclusive)")] = None,
    group_by: GroupBy | None = None,
    fmt: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
    table: Literal["kpis", "breaches", "sla"] = "kpis",
) -> Response:
    lower, upper = period(start, end, now)
    report = await asyncio.to_thread(kpis.compute_kpis, engine, start=lower, end=upper,
                                     now=now, group_by=group_by, catalog=catalog)
    if wants_csv(request, fmt):
        return kpi_csv(report, table)
    return json_response(report)


@router.get("/gaps", summary="Knowledge gaps: unanswered questions grouped by meaning (staff)")
async def get_gaps(
    request: Request, actor: Staff, engine: EngineDep,
    now: Annotated[datetime, Depends(get_now)],
    encoder: Annotated[tuple[str, Callable[[list[str]], np.ndarray]], Depends(get_gap_encoder)],
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    language: str | None = None,
    kinds: Annotated[str | None, Query(description="comma-separated gap kinds")] = None,
    distance: Annotated[float, Query(gt=0, lt=2)] = kpi_gaps.DISTANCE,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    fmt: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
) -> Response:
    lower, upper = period(start, end, now)
    chosen = tuple(k.strip() for k in kinds.split(",") if k.strip()) if kinds \
        else kpi_gaps.DOC_GAP_KINDS
    if not chosen or any(k not in kpi_gaps.ALL_GAP_KINDS for k in chosen):
        raise HTTPException(422, f"kinds must be among {', '.join(kpi_gaps.ALL_GAP_KINDS)}")
    model, encode = encoder
    report = await asyncio.to_thread(
        kpi_gaps.knowledge_gaps, engine, start=lower, end=upper, encode=encode, model=model,
        kinds=chosen, language=language, distance=distance, limit=limit)
    if wants_csv(request, fmt):
        return _csv(["cluster", "questions", "distinct", "label", "kinds", "languages",
                     "examples", "last_at"],
                    [[c.cluster, c.questions, c.distinct, c.label,
                      " ".join(f"{k}:{n}" for k, n in c.kinds.items()),
                      " ".join(f"{k}:{n}" for k, n in c.languages.items()),
                      " | ".join(c.examples), c.last_at] for c in report.clusters],
                    "kpi_gaps.csv")
    return json_response(report)
