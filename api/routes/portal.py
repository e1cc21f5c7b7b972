"""The customer portal: a plain HTML + JavaScript page (api/portal/, no build step) and its API.

A customer signs in with its own API key (the page trades it for a signed identity at
POST /api/v1/identity and keeps only the identity) or with a sign-in link the service desk
issues (`/portal/?identity=<token>`). Every route of /portal/api is authorized by that identity
alone (header `X-Identity`, core/identity.py) and answers about the identity's customer only:

GET  /portal/api/me                       the customer, its contract (tier, SLA hours), sites
GET  /portal/api/units                    its installed units: running hours, next
                                          maintenance due, warranty
GET  /portal/api/units/{serial}           one of them, with the maintenance tasks coming due
GET  /portal/api/tickets                  its tickets: status, SLA deadlines, breaches
GET  /portal/api/tickets/{number}         one of them, with the replies it was sent
GET  /portal/api/performance?from=&to=    its SLA performance over a period
GET  /portal/api/manuals?lang=            the manuals of its models' families
GET  /portal/api/manuals/{doc_id}         one of them, as sections of Markdown text
POST /portal/api/service-requests         a service request for one of its units

Another customer's unit, ticket or manual is "not found" (404), never "forbidden": the portal
does not confirm that it exists. Nothing internal is shown: no internal notes, transcripts,
diagnoses, conversation ids (the capability to read a chat's replies) or key names."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select
from sqlalchemy.engine import Engine

from api.deps import EngineDep, SigningSecret, get_catalog, get_now, get_settings
from api.ratelimit import RateLimiter
from api.routes.console import SECURITY_HEADERS
from api.tickets.http import TicketRoute
from bot.dialogue.answers import warranty_end
from core import identity
from core.knowledge.loader import default_knowledge
from core.knowledge.model import KnowledgeBase
from core.languages import Language
from core.settings import Settings
from db import telemetry
from db.tickets import Ticket
from monitoring.maintenance import RunningHours, coming_due
from retrieval.documents import Document
from retrieval.ingest import corpus_files, ingest_paths
from tickets import conversations, sla, store
from tickets.catalog import Catalog, Customer
from tickets.database import reading
from tickets.domain import Actor, NewTicket
from tickets.errors import TicketNotFoundError
from tickets.performance import sla_performance

PORTAL_DIR = Path(__file__).resolve().parent.parent / "portal"
ASSETS = {"portal.js": "text/javascript", "portal.css": "text/css"}
NO_STORE = {"Cache-Control": "no-store"}

SIGN_IN = "sign in: send your identity token in the X-Identity header"
INVALID = "identity token invalid or expired: sign in again"
NO_UNIT = "unit not found"
NO_TICKET = "ticket not found"
NO_MANUAL = "manual not found"
TOO_MANY = "too many service requests; please try again later or call the service desk"
MAX_PERIOD_DAYS = 3 * 366
DEFAULT_PERIOD_DAYS = 90
MAX_TICKETS = 200  # a portal page lists at most this many, newest first
# Telemetry messages a unit's reported running hours (and their rate) are read from.
HOURS_HISTORY = 500

page_router = APIRouter(tags=["customer portal"])
api_router = APIRouter(prefix="/portal/api", tags=["customer portal"], route_class=TicketRoute)
SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Now = Annotated[datetime, Depends(get_now)]


# --- the page ------------------------------------------------------------------------------
@page_router.get("/portal", include_in_schema=False)
async def portal_redirect() -> RedirectResponse:
    return RedirectResponse("/portal/")


@page_router.get("/portal/", include_in_schema=False)
async def portal_page() -> FileResponse:
    return FileResponse(PORTAL_DIR / "index.html", media_type="text/html",
                        headers=SECURITY_HEADERS)


@page_router.get("/portal/{asset}", include_in_schema=False)
async def portal_asset(asset: str) -> FileResponse:
    if asset not in ASSETS:
        raise HTTPException(404, "not found")
    return FileResponse(PORTAL_DIR / asset, media_type=ASSETS[asset], headers=SECURITY_HEADERS)


# --- who is asking ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Signed:
    """The customer an identity token proves, and the token's own facts."""

    customer: Customer
    token: str
    expires_at: datetime
    via: str

    @property
    def actor(self) -> Actor:
        # Scopes the ticket store's visibility (its own tickets only) and idempotency keys.
        cid = self.customer.customer_id
        return Actor(name=f"portal:{cid}", role="customer", customer_id=cid,
                     principal=f"portal:{cid}")


async def signed_customer(secret: SigningSecret, now: Now, catalog: CatalogDep,
                          response: Response,
                          x_identity: Annotated[str | None, Header()] = None) -> Signed:
    """The customer of the `X-Identity` token; 401 without a valid one. Every portal route
    depends on this and on nothing else to know whom it answers."""
    if not x_identity:
        raise HTTPException(401, SIGN_IN, headers=NO_STORE)
    try:
        found = identity.verify(x_identity, secret, now=now)
    except identity.InvalidIdentityError:
        raise HTTPException(401, INVALID, headers=NO_STORE) from None
    customer = catalog.customers.get(found.customer_id)
    if customer is None:  # removed from the service data since the token was issued
        raise HTTPException(401, INVALID, headers=NO_STORE)
    response.headers.update(NO_STORE)  # customer data: never cached
    return Signed(customer, x_identity.strip(), found.expires_at, found.via)


Me = Annotated[Signed, Depends(signed_customer)]


# --- the customer and its contract ------------------------------------------------------------
class SiteOut(BaseModel):
    site_id: str
    name: str
    country: str
    time_zone: str


class ContractOut(BaseModel):
    tier: str
    name: str
    clock: str  # calendar_hours (24/7) or business_hours
    coverage_window: str
    response_h: dict[str, float]
    resolution_h: dict[str, float]
    hotline_24_7: bool
    preventive_visits_per_year: int
    parts_discount_pct: float
    extended_warranty: bool


class MeOut(BaseModel):
    customer_id: str
    name: str
    country: str
    language: str
    contract: ContractOut
    sites: list[SiteOut]
    expires_at: datetime
    via: str
    chat_url: str


def _contract(customer: Customer, catalog: Catalog, kb: KnowledgeBase) -> ContractOut:
    tier = catalog.tiers[customer.tier]
    fields = kb.service.tiers[customer.tier].fields
    return ContractOut(
        tier=tier.tier_id, name=str(fields.get("name") or tier.tier_id), clock=tier.clock,
        coverage_window=str(fields.get("coverage_window") or ""),
        response_h=dict(tier.response_h), resolution_h=dict(tier.resolution_h),
        hotline_24_7=bool(fields.get("hotline_24_7")),
        preventive_visits_per_year=int(fields.get("preventive_visits_per_year") or 0),
        parts_discount_pct=float(fields.get("parts_discount_pct") or 0),
        extended_warranty=bool(fields.get("extended_warranty")))


@api_router.get("/me", response_model=MeOut, summary="The signed-in customer and its contract",
                responses={401: {"description": "no valid identity token"}})
async def me(signed: Me, catalog: CatalogDep) -> MeOut:
    customer = signed.customer
    return MeOut(
        customer_id=customer.customer_id, name=customer.name, country=customer.country,
        language=customer.language,
        contract=_contract(customer, catalog, default_knowledge()),
        sites=[SiteOut(site_id=s.site_id, name=s.name, country=s.country,
                       time_zone=s.time_zone) for s in customer.sites.values()],
        expires_at=signed.expires_at, via=signed.via,
        chat_url=f"/chat/?identity={signed.token}")


# --- installed units ---------------------------------------------------------------------------
class TaskOut(BaseModel):
    task_id: str
    label: str
    task: str


class MaintenanceOut(BaseModel):
    due_at_hours: float  # the running hours at which the next engineer's service falls due
    hours_left: float
    days_left: float | None  # at the unit's own rate (16 h a day until telemetry tells)
    due_date: date | None  # the estimated day
    overdue: bool
    tasks: list[TaskOut]


class WarrantyOut(BaseModel):
    months: int
    ends_on: date
    active: bool


class UnitOut(BaseModel):
    serial: str
    model: str
    family: str
    family_name: str
    site_id: str
    site_name: str
    install_date: date | None
    running_hours: float | None
    running_hours_at: datetime | None  # when the unit reported them; None: the service records
    hours_per_day: float
    maintenance: MaintenanceOut | None
    warranty: WarrantyOut | None
    open_tickets: int


class UnitDetail(UnitOut):
    coming_due: list[MaintenanceOut]  # each due point within the next year, soonest first


def _equipment(kb: KnowledgeBase, customer_id: str) -> dict[str, Any]:
    """serial -> the service records' equipment entry (install date, running hours)."""
    return {item.serial_no: item for c in kb.service.customers if c.customer_id == customer_id
            for site in c.sites for item in site.equipment}


def warranty_of(install_date: date | None, tier_fields: dict[str, Any],
                warranty: dict[str, Any], *, today: date) -> WarrantyOut | None:
    """The warranty as the chat's contract answer states it (bot/dialogue/answers.py
    warranty_end)."""
    if install_date is None:
        return None
    end, months = warranty_end(install_date, tier_fields, warranty)
    return WarrantyOut(months=months, ends_on=end, active=end >= today)


def _translated(kb: KnowledgeBase, language: str, family: str, task_id: str, field: str,
                english: str) -> str:
    entry = (((kb.catalogues.get(language) or {}).get(family) or {})
             .get("maintenance_schedule") or {}).get(task_id)
    value = entry.get(field) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and value.strip() else english


def _due_points(kb: KnowledgeBase, family_id: str, model: str, hours: float, per_day: float,
                language: str, now: datetime, horizon_days: float) -> list[MaintenanceOut]:
    """The engineer's services coming due (monitoring/maintenance.py, as the monitoring's
    reminders), grouped by due point: the 2000 h and 4000 h tasks due at 20000 h are one visit."""
    family = kb.families[family_id]
    points: dict[float, list[Any]] = {}
    for due in coming_due(family, model, hours, per_day, horizon_days):
        points.setdefault(due.due_at_hours, []).append(due)
    out = []
    for due_at, tasks in sorted(points.items()):
        days = tasks[0].days_left
        finite = not math.isinf(days)
        out.append(MaintenanceOut(
            due_at_hours=due_at, hours_left=round(tasks[0].hours_left, 1),
            days_left=round(days, 1) if finite else None,
            due_date=(now + timedelta(days=days)).date() if finite else None,
            overdue=tasks[0].hours_left <= 0,
            tasks=[TaskOut(task_id=t.task_id,
                           label=_translated(kb, language, family_id, t.task_id, "label",
                                             t.label),
                           task=_translated(kb, language, family_id, t.task_id, "task", t.task))
                   for t in tasks]))
    return out


def _reported_hours(engine: Engine, serial: str) -> RunningHours:
    hours = RunningHours()
    for row in reversed(telemetry.latest(engine, serial, limit=HOURS_HISTORY)):
        if row.running_hours is not None:
            hours.add(row.at, float(row.running_hours))
    return hours


def _open_counts(engine: Engine, actor: Actor, now: datetime) -> dict[str, int]:
    tickets, _ = store.list_tickets(
        engine, viewer=actor, now=now, page_size=MAX_TICKETS,
        filters=store.TicketFilter(status=("new", "triaged", "assigned", "in_progress",
                                           "waiting_customer")))
    counts: dict[str, int] = {}
    for ticket in tickets:
        if ticket.serial:
            counts[ticket.serial] = counts.get(ticket.serial, 0) + 1
    return counts


def _units(engine: Engine, signed: Signed, language: str, now: datetime,
           serials: list[str], detail: bool) -> list[UnitDetail]:
    kb = default_knowledge()
    customer = signed.customer
    records = _equipment(kb, customer.customer_id)
    tier_fields = kb.service.tiers[customer.tier].fields
    counts = _open_counts(engine, signed.actor, now)
    out = []
    for serial in serials:
        asset = customer.assets[serial]
        record = records.get(serial)
        reported = _reported_hours(engine, serial)
        hours: float | None = reported.latest
        at = reported.points[-1][0] if reported.points else None
        if hours is None and record is not None and record.running_hours is not None:
            hours = float(record.running_hours)
        per_day = reported.per_day()
        due: list[MaintenanceOut] = []
        if hours is not None and asset.family in kb.families:
            due = _due_points(kb, asset.family, asset.model, hours, per_day, language, now,
                              365.0 if detail else math.inf)
        site = customer.sites.get(asset.site_id)
        family = kb.families.get(asset.family)
        install = record.install_date if record is not None else None
        out.append(UnitDetail(
            serial=serial, model=asset.model, family=asset.family,
            family_name=family.name if family else asset.family,
            site_id=asset.site_id, site_name=site.name if site else asset.site_id,
            install_date=install, running_hours=hours,
            running_hours_at=datetime.fromtimestamp(at, UTC) if at is not None else None,
            hours_per_day=round(per_day, 2), maintenance=due[0] if due else None,
            warranty=warranty_of(install, tier_fields, kb.service.warranty, today=now.date()),
            open_tickets=counts.get(serial, 0), coming_due=due))
    return out


LanguageQuery = Annotated[Language, Query(description="language of the task texts")]


@api_router.get("/units", response_model=list[UnitOut],
                summary="The customer's installed units, maintenance due and warranty",
                responses={401: {"description": "no valid identity token"}})
async def units(signed: Me, engine: EngineDep, now: Now,
                lang: LanguageQuery = "en") -> list[UnitOut]:
    serials = sorted(signed.customer.assets,
                     key=lambda s: (signed.customer.assets[s].site_id, s))
    found = await asyncio.to_thread(_units, engine, signed, lang, now, serials, False)
    return [UnitOut(**u.model_dump(exclude={"coming_due"})) for u in found]


@api_router.get("/units/{serial}", response_model=UnitDetail,
                summary="One of the customer's units, with the services coming due this year",
                responses={401: {"description": "no valid identity token"},
                           404: {"description": "not one of the customer's units"}})
async def unit(serial: str, signed: Me, engine: EngineDep, now: Now,
               lang: LanguageQuery = "en") -> UnitDetail:
    if serial not in signed.customer.assets:
        raise HTTPException(404, NO_UNIT)
    found = await asyncio.to_thread(_units, engine, signed, lang, now, [serial], True)
    return found[0]


# --- tickets -----------------------------------------------------------------------------------
class PortalTicket(BaseModel):
    number: int
    subject: str
    type: str
    status: str
    priority: str
    serial: str | None
    model: str | None
    site_id: str | None
    channel: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    response_due_at: datetime
    resolution_due_at: datetime
    next_due_at: datetime | None
    response_breached: bool
    resolution_breached: bool
    paused: bool  # waiting for the customer's answer: the SLA clock stands still
    assignee_name: str | None


class PortalReply(BaseModel):
    author: str
    body: str
    created_at: datetime


class PortalTicketDetail(PortalTicket):
    description: str
    replies: list[PortalReply]  # the messages the customer was sent (no internal notes)


class PortalTickets(BaseModel):
    items: list[PortalTicket]
    total: int


def _portal_ticket(ticket: Ticket, now: datetime, catalog: Catalog) -> dict[str, Any]:
    return {
        "number": ticket.number, "subject": ticket.subject, "type": ticket.type,
        "status": ticket.status, "priority": ticket.priority, "serial": ticket.serial,
        "model": ticket.model, "site_id": ticket.site_id, "channel": ticket.channel,
        "created_at": ticket.created_at, "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at, "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at, "response_due_at": ticket.response_due_at,
        "resolution_due_at": ticket.resolution_due_at, "next_due_at": ticket.next_due_at,
        "response_breached": sla.is_breached(ticket.response_due_at, now=now,
                                             met_at=ticket.first_response_at,
                                             paused_at=ticket.sla_paused_at),
        "resolution_breached": sla.is_breached(ticket.resolution_due_at, now=now,
                                               met_at=ticket.resolved_at,
                                               paused_at=ticket.sla_paused_at),
        "paused": ticket.sla_paused_at is not None,
        "assignee_name": catalog.technicians.get(ticket.assignee or ""),
    }


@api_router.get("/tickets", response_model=PortalTickets,
                summary="The customer's tickets, newest first, with their SLA deadlines",
                responses={401: {"description": "no valid identity token"}})
async def tickets(signed: Me, engine: EngineDep, catalog: CatalogDep, now: Now,
                  state: Annotated[Literal["all", "open", "done"], Query()] = "all",
                  ) -> PortalTickets:
    statuses: tuple[str, ...] = {
        "all": (), "open": ("new", "triaged", "assigned", "in_progress", "waiting_customer"),
        "done": ("resolved", "closed")}[state]
    found, total = await asyncio.to_thread(
        store.list_tickets, engine, viewer=signed.actor, now=now, sort="created",
        page_size=MAX_TICKETS, filters=store.TicketFilter(status=statuses))
    return PortalTickets(items=[PortalTicket(**_portal_ticket(t, now, catalog)) for t in found],
                         total=total)


def _ticket_detail(engine: Engine, actor: Actor, number: int, now: datetime,
                   catalog: Catalog) -> PortalTicketDetail:
    with reading(engine) as session:
        # Scoped in the query itself: another customer's number finds nothing.
        ticket = session.scalars(select(Ticket).where(
            Ticket.number == number,
            Ticket.customer_id == (actor.customer_id or ""))).one_or_none()
    if ticket is None:
        raise TicketNotFoundError(str(number))
    comments = conversations.list_comments(engine, ticket_id=ticket.id, viewer=actor)
    return PortalTicketDetail(
        **_portal_ticket(ticket, now, catalog), description=ticket.description,
        replies=[PortalReply(author=c.author, body=c.body, created_at=c.created_at)
                 for c in comments if c.visibility == "customer" and c.kind == "reply"])


@api_router.get("/tickets/{number}", response_model=PortalTicketDetail,
                summary="One of the customer's tickets, with the replies it was sent",
                responses={401: {"description": "no valid identity token"},
                           404: {"description": "not one of the customer's tickets"}})
async def ticket(number: Annotated[int, PathParam(ge=1, le=2**31)], signed: Me, engine: EngineDep,
                 catalog: CatalogDep, now: Now) -> PortalTicketDetail:
    try:
        return await asyncio.to_thread(_ticket_detail, engine, signed.actor, number, now,
                                       catalog)
    except TicketNotFoundError:
        raise HTTPException(404, NO_TICKET) from None


# --- SLA performance -------------------------------------------------------------------------
class PerformanceCell(BaseModel):
    tier: str  # the contract the tickets' deadlines were set on
    priority: str
    tickets: int
    response_met: int
    response_breached: int
    response_pending: int
    resolution_met: int
    resolution_breached: int
    resolution_pending: int


class PerformanceBreach(BaseModel):
    number: int
    priority: str
    kind: str  # response or resolution
    due_at: datetime
    met_at: datetime | None
    late_h: float


class PerformanceOut(BaseModel):
    start: datetime
    end: datetime
    tier: str
    response_compliance: float | None  # share of decided response deadlines met; None: none
    resolution_compliance: float | None
    cells: list[PerformanceCell]
    breaches: list[PerformanceBreach]


def _day(value: str | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"{name} must be a date (YYYY-MM-DD) or an ISO time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def period(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The period asked: `from` (inclusive) to `to` (exclusive; a bare date counts whole),
    the last DEFAULT_PERIOD_DAYS days by default."""
    stop = _day(end, "to")
    if stop is not None and end is not None and len(end) == 10:
        stop += timedelta(days=1)  # "to=2026-03-31" includes that day
    stop = stop or now
    begin = _day(start, "from") or stop - timedelta(days=DEFAULT_PERIOD_DAYS)
    if begin >= stop:
        raise HTTPException(422, "from must be before to")
    if stop - begin > timedelta(days=MAX_PERIOD_DAYS):
        raise HTTPException(422, f"the period may span at most {MAX_PERIOD_DAYS} days")
    return begin, stop


@api_router.get("/performance", response_model=PerformanceOut,
                summary="The customer's SLA performance over a period",
                responses={401: {"description": "no valid identity token"},
                           422: {"description": "a bad period"}})
async def performance(signed: Me, engine: EngineDep, catalog: CatalogDep, now: Now,
                      start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                      end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
                      ) -> PerformanceOut:
    begin, stop = period(start, end, now)
    cid = signed.customer.customer_id
    result = await asyncio.to_thread(partial(
        sla_performance, engine, start=begin, end=stop, now=now, customer_id=cid,
        catalog=catalog))
    # Defence in depth: whatever the computation returns, only this customer's breaches.
    breaches = [b for b in result.breaches if b.customer_id == cid]
    return PerformanceOut(
        start=begin, end=stop, tier=signed.customer.tier,
        response_compliance=result.response_compliance,
        resolution_compliance=result.resolution_compliance,
        cells=[PerformanceCell(
            tier=c.tier, priority=c.priority, tickets=c.tickets, response_met=c.response_met,
            response_breached=c.response_breached, response_pending=c.response_pending,
            resolution_met=c.resolution_met, resolution_breached=c.resolution_breached,
            resolution_pending=c.resolution_pending) for c in result.cells],
        breaches=[PerformanceBreach(number=b.number, priority=b.priority, kind=b.kind,
                                    due_at=b.due_at, met_at=b.met_at,
                                    late_h=round(float(b.late_h), 2)) for b in breaches])


# --- manuals -----------------------------------------------------------------------------------
class ManualSection(BaseModel):
    section_id: str
    title: str
    level: int


class ManualOut(BaseModel):
    doc_id: str
    series: str
    title: str
    family: str | None
    models: list[str]
    language: str
    version: str | None


class ManualSectionText(ManualSection):
    text: str  # Markdown as written: the page shows it as text, never as HTML


class ManualDetail(ManualOut):
    sections: list[ManualSectionText]


@lru_cache(maxsize=4)
def _manuals_at(docs_dir: str, stamp: tuple[tuple[str, float], ...]) -> tuple[Document, ...]:
    files, _problems = corpus_files(Path(docs_dir))
    return tuple(ingest_paths(files, Path(docs_dir)).documents)


def manuals_in(docs_dir: Path) -> tuple[Document, ...]:
    """The manuals of the corpus folder, read again when a file changes."""
    files, _ = corpus_files(docs_dir) if docs_dir.is_dir() else ([], [])
    stamp = tuple((str(p), p.stat().st_mtime) for p in files)
    return _manuals_at(str(docs_dir), stamp)


def _theirs(doc: Document, customer: Customer) -> bool:
    """A manual of one of the customer's models (its family, and its models when it names
    them)."""
    families = {a.family for a in customer.assets.values()}
    models = {a.model for a in customer.assets.values()}
    return doc.family in families and (not doc.models or bool(models & set(doc.models)))


def _choose(docs: list[Document], language: str) -> list[Document]:
    """One version of each manual: in the language asked, else English, else any."""
    by_series: dict[str, list[Document]] = {}
    for doc in docs:
        by_series.setdefault(doc.series or doc.doc_id, []).append(doc)

    def rank(doc: Document) -> tuple[int, str]:
        return (0 if doc.language == language else 1 if doc.language == "en" else 2,
                doc.doc_id)

    chosen = [min(versions, key=rank) for versions in by_series.values()]
    return sorted(chosen, key=lambda d: (d.family or "", d.title))


def _manual_out(doc: Document) -> dict[str, Any]:
    return {"doc_id": doc.doc_id, "series": doc.series or doc.doc_id, "title": doc.title,
            "family": doc.family, "models": list(doc.models), "language": doc.language,
            "version": doc.version}


@api_router.get("/manuals", response_model=list[ManualOut],
                summary="The manuals of the customer's models, in the language asked",
                responses={401: {"description": "no valid identity token"}})
async def manuals(signed: Me, settings: SettingsDep,
                  lang: LanguageQuery = "en") -> list[ManualOut]:
    docs = await asyncio.to_thread(manuals_in, settings.docs_dir)
    theirs = [d for d in docs if _theirs(d, signed.customer)]
    return [ManualOut(**_manual_out(d)) for d in _choose(theirs, lang)]


@api_router.get("/manuals/{doc_id}", response_model=ManualDetail,
                summary="One manual of the customer's models, as sections of Markdown text",
                responses={401: {"description": "no valid identity token"},
                           404: {"description": "no such manual of the customer's models"}})
async def manual(doc_id: str, signed: Me, settings: SettingsDep) -> ManualDetail:
    docs = await asyncio.to_thread(manuals_in, settings.docs_dir)
    doc = next((d for d in docs if d.doc_id == doc_id and _theirs(d, signed.customer)), None)
    if doc is None:
        raise HTTPException(404, NO_MANUAL)
    return ManualDetail(**_manual_out(doc), sections=[
        ManualSectionText(section_id=s.section_id, title=s.title, level=s.level, text=s.text)
        for s in doc.sections])


# --- service requests --------------------------------------------------------------------------
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
RequestKind = Literal["maintenance", "repair", "inspection", "parts", "other"]
KIND_SUBJECT = {"maintenance": "Maintenance visit", "repair": "Repair",
                "inspection": "Inspection", "parts": "Spare parts", "other": "Service request"}


class ServiceRequestIn(BaseModel):
    serial: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=60)]
    kind: RequestKind = "maintenance"
    subject: Line | None = None
    description: Body
    # A request from the portal is planned work: P4, or P3 when it cannot wait. A machine
    # that is down or unsafe is reported in the chat or on the hotline (P1/P2 there).
    priority: Literal["P3", "P4"] = "P4"
    language: Language | None = None


class ServiceRequestOut(BaseModel):
    number: int
    status: str
    priority: str
    serial: str
    subject: str
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    created: bool  # False: a retry with the same Idempotency-Key, the first request's ticket


def get_request_limiter() -> RateLimiter:
    """The service requests' rate limit (a dependency, so tests can replace it)."""
    return REQUEST_LIMIT


# Per customer (not per address: a signed-in customer is known), per API replica.
REQUEST_LIMIT = RateLimiter(limit=10, window_s=3600)


@api_router.post(
    "/service-requests", status_code=201, response_model=ServiceRequestOut,
    summary="A service request for one of the customer's units",
    responses={200: {"description": "a retry with the same Idempotency-Key"},
               401: {"description": "no valid identity token"},
               404: {"description": "not one of the customer's units"},
               422: {"description": "a bad request, or an Idempotency-Key reused for another"},
               429: {"description": "too many service requests"}})
async def service_request(body: ServiceRequestIn, signed: Me, engine: EngineDep,
                          catalog: CatalogDep, now: Now, response: Response,
                          limiter: Annotated[RateLimiter, Depends(get_request_limiter)],
                          idempotency_key: Annotated[
                              str | None, Header(min_length=8, max_length=200)] = None,
                          ) -> ServiceRequestOut:
    customer = signed.customer
    asset = customer.assets.get(body.serial)
    if asset is None:
        raise HTTPException(404, NO_UNIT)
    if not limiter.allow(customer.customer_id):
        raise HTTPException(429, TOO_MANY)
    subject = f"{KIND_SUBJECT[body.kind]}: {body.subject or asset.model} ({asset.serial})"
    new = NewTicket(
        customer_id=customer.customer_id, subject=subject[:200],
        description=body.description, type="service_request", priority=body.priority,
        language=body.language or customer.language, serial=asset.serial,
        site_id=asset.site_id, channel="portal")
    ticket, created = await asyncio.to_thread(
        store.create_ticket, engine, new=new, actor=signed.actor, catalog=catalog, now=now,
        idempotency_key=idempotency_key)
    if not created:
        response.status_code = 200
    return ServiceRequestOut(
        number=ticket.number, status=ticket.status, priority=ticket.priority,
        serial=ticket.serial or asset.serial, subject=ticket.subject,
        created_at=ticket.created_at, response_due_at=ticket.response_due_at,
        resolution_due_at=ticket.resolution_due_at, created=created)


router = APIRouter()
router.include_router(page_router)
router.include_router(api_router)
