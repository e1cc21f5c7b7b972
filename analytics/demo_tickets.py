"""DEMO DATA: the demo quarter's tickets in the real ticket store (tickets/store.py).

The conversations (analytics/demo_conversations.py) open their tickets here as the chat
would: `create_ticket` with the conversation id, the transcript, the diagnosis and the
citations, at the moment of the conversation (`now`), so priorities and SLA deadlines are the
store's own. Every demo ticket has the channel `demo`, is created by `demo`, and its subject
begins with `[demo]`.

Once every conversation is played, each ticket lives its life up to the end of the quarter:
assigned to an engineer of the technicians list (the customer's region, the family's skill,
the ticket's language), an internal note, the engineer's first reply (the first response),
in progress, sometimes waiting for the customer (the SLA clock paused), resolved with a reply
and a note, mostly closed a few days later, now and then reopened. Each step goes through the
store (`update_ticket`, `add_comment`) at its own moment; steps after the end of the quarter
do not happen, so the newest tickets are still open. About one ticket in twelve misses its
response deadline and about as many their resolution target (counted on the contract's clock)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import Engine

from analytics.demo_conversations import DEMO_CHANNEL, OpenedTicket, TicketRequest
from analytics.demo_texts import (
    ASK_CUSTOMER,
    ASSIGN_NOTES,
    FIRST_REPLY,
    RESOLUTION_NOTES,
    RESOLVED_REPLY,
)
from tickets import sla
from tickets.catalog import Catalog
from tickets.conversations import add_comment
from tickets.domain import Actor, NewTicket
from tickets.store import create_ticket, identify_customer, update_ticket

DEMO_AUTHOR = "demo"
ASSISTANT = Actor(name=DEMO_AUTHOR, role="assistant", principal=DEMO_AUTHOR)
DISPATCHER = Actor(name=DEMO_AUTHOR, role="admin", principal=DEMO_AUTHOR)
FAMILY_SKILL = {"rotary_screw_compressor": "compressors", "centrifugal_process_pump": "pumps",
                "air_cooled_water_chiller": "chillers"}


@dataclass
class Opened:
    """A demo ticket as created, and what its life needs to know."""

    ticket: OpenedTicket
    request: TicketRequest
    customer_id: str | None
    site_id: str | None
    family: str | None
    contract_tier: str
    language: str


@dataclass(frozen=True)
class Engineer:
    technician_id: str
    name: str
    region: str | None
    languages: tuple[str, ...]
    skills: tuple[str, ...]


def load_engineers(knowledge_dir: Path) -> list[Engineer]:
    """The technicians of service.yml with their skills (the catalogue keeps id and name)."""
    data = yaml.safe_load((knowledge_dir / "service.yml").read_text("utf-8"))
    return [Engineer(str(t["id"]), str(t["name"]), t.get("region"),
                     tuple(t.get("languages") or ()), tuple(t.get("skills") or ()))
            for t in data.get("technicians") or []]


class StoreDesk:
    """The ticket store as the demo conversations use it (analytics.demo_conversations.Desk)."""

    def __init__(self, engine: Engine, catalog: Catalog) -> None:
        self.engine, self.catalog = engine, catalog
        self.opened: list[Opened] = []
        self._by_customer: dict[str, list[tuple[datetime, int]]] = {}

    def open(self, request: TicketRequest) -> OpenedTicket:
        new = NewTicket(
            customer_id=request.customer_id, subject=request.subject,
            description=request.description, type=request.type, priority=request.priority,
            language=request.language, serial=request.serial,
            family=request.family if request.serial is None else None,
            error_code=request.error_code, escalation_reason=request.escalation_reason,
            channel=DEMO_CHANNEL, conversation_id=request.conversation_id,
            transcript=request.transcript, diagnosis=request.diagnosis,
            citations=request.citations)
        # The key makes a run that was cut short and started again find its tickets.
        key = f"{request.conversation_id}:{request.at.timestamp():.6f}"
        ticket, _ = create_ticket(self.engine, new=new, actor=ASSISTANT, catalog=self.catalog,
                                  now=request.at, idempotency_key=key)
        opened = OpenedTicket(ticket.id, ticket.number, ticket.priority, ticket.response_due_at)
        self.opened.append(Opened(opened, request, ticket.customer_id, ticket.site_id,
                                  ticket.family, ticket.contract_tier, ticket.language))
        if ticket.customer_id:
            self._by_customer.setdefault(ticket.customer_id, []).append(
                (request.at, ticket.number))
        return opened

    def identify(self, ticket: OpenedTicket, serial: str, at: datetime) -> None:
        identified = identify_customer(self.engine, ticket_id=ticket.ticket_id, serial=serial,
                                       viewer=ASSISTANT, catalog=self.catalog, now=at)
        for item in self.opened:
            if item.ticket.ticket_id == ticket.ticket_id:
                item.customer_id, item.site_id = identified.customer_id, identified.site_id
                item.family = identified.family
        if identified.customer_id:
            self._by_customer.setdefault(identified.customer_id, []).append(
                (at, ticket.number))

    def recent_numbers(self, customer_id: str, at: datetime) -> list[int]:
        """The customer's tickets of the last six weeks, newest first."""
        since = at - timedelta(weeks=6)
        return [number for when, number in sorted(self._by_customer.get(customer_id, []),
                                                   reverse=True) if since <= when <= at]


# -- a ticket's life -------------------------------------------------------------------------
Step = tuple[datetime, str, dict[str, Any]]


def _engineer(rng: random.Random, engineers: list[Engineer], item: Opened,
              region: str | None) -> Engineer:
    skill = FAMILY_SKILL.get(item.family or "")
    pools = (
        [e for e in engineers if e.region == region and skill in e.skills
         and item.language in e.languages],
        [e for e in engineers if e.region == region and skill in e.skills],
        [e for e in engineers if e.region == region],
        [e for e in engineers if skill in e.skills], engineers)
    return rng.choice(next(pool for pool in pools if pool))


def plan_life(item: Opened, *, catalog: Catalog, engineers: list[Engineer],
              regions: dict[str, str | None], seed: str) -> list[Step]:
    """The steps of one ticket's life, each at its moment (some may lie after the end)."""
    rng = random.Random(f"{seed}:life:{item.request.conversation_id}:{item.ticket.number}")
    created = item.request.at
    customer = catalog.customer_or_unidentified(item.customer_id)
    tier = catalog.tiers[item.contract_tier]
    clock = sla.site_clock(catalog=catalog, customer=customer, site_id=item.site_id)
    priority = item.ticket.priority
    booking = item.request.escalation_reason is None
    engineer = _engineer(rng, engineers, item, regions.get(item.customer_id or ""))

    def on_clock(hours: float) -> datetime:
        return clock.add(created, timedelta(hours=max(hours, 0.05)))

    response_h = tier.response_h[priority]
    late_response = rng.random() < 0.08
    answered = on_clock(response_h * (rng.uniform(1.05, 2.5) if late_response
                                      else 0.9 * rng.betavariate(2, 3)))
    answered = max(answered, created + timedelta(minutes=rng.uniform(4, 20)))
    assigned = created + (answered - created) * rng.uniform(0.15, 0.7)
    steps: list[Step] = []
    if rng.random() < 0.3:
        steps.append((created + (assigned - created) * 0.4, "status", {"status": "triaged"}))
    steps.append((assigned, "assign", {"engineer": engineer}))
    steps.append((assigned + timedelta(seconds=30), "note",
                  {"engineer": engineer, "body": rng.choice(ASSIGN_NOTES)}))
    steps.append((answered, "reply", {"engineer": engineer, "body": FIRST_REPLY}))
    steps.append((answered + timedelta(seconds=20), "status", {"status": "in_progress"}))
    pause = timedelta(0)
    if not booking and rng.random() < 0.2:
        asked = answered + timedelta(hours=rng.uniform(0.5, 6))
        pause = timedelta(hours=rng.uniform(2, 60))
        steps.append((asked, "reply", {"engineer": engineer, "body": ASK_CUSTOMER}))
        steps.append((asked + timedelta(seconds=20), "status", {"status": "waiting_customer"}))
        steps.append((asked + pause, "status", {"status": "in_progress"}))
    resolution_h = tier.resolution_h[priority]
    late_resolution = rng.random() < (0.06 if booking else 0.09)
    resolved = on_clock(resolution_h * (rng.uniform(1.05, 1.8) if late_resolution
                                        else rng.uniform(0.25, 0.95))) + pause
    resolved = max(resolved, steps[-1][0] + timedelta(minutes=rng.uniform(15, 240)))
    steps.append((resolved, "reply", {"engineer": engineer, "body": RESOLVED_REPLY}))
    steps.append((resolved + timedelta(seconds=10), "note",
                  {"engineer": engineer, "body": rng.choice(RESOLUTION_NOTES)}))
    steps.append((resolved + timedelta(seconds=20), "status", {"status": "resolved"}))
    last = resolved + timedelta(seconds=20)
    if rng.random() < 0.04:  # the fault came back: reopened, resolved again
        reopened = last + timedelta(hours=rng.uniform(12, 72))
        again = reopened + timedelta(hours=rng.uniform(4, 48))
        steps.append((reopened, "status", {"status": "in_progress"}))
        steps.append((again, "status", {"status": "resolved"}))
        last = again
    if rng.random() < 0.75:
        steps.append((last + timedelta(days=rng.uniform(1, 6)), "status", {"status": "closed"}))
    # In the order written, each at least a second after the one before.
    ordered: list[Step] = []
    for at, kind, args in steps:
        if ordered and at <= ordered[-1][0]:
            at = ordered[-1][0] + timedelta(seconds=1)
        ordered.append((at, kind, args))
    return ordered


def live(engine: Engine, opened: list[Opened], *, catalog: Catalog, engineers: list[Engineer],
         regions: dict[str, str | None], seed: str, end: datetime,
         progress: Callable[[int], None] | None = None) -> int:
    """Every demo ticket's life up to `end`, through the ticket store; the steps taken."""
    taken = 0
    for item in opened:
        ticket_id = item.ticket.ticket_id
        for at, kind, args in plan_life(item, catalog=catalog, engineers=engineers,
                                        regions=regions, seed=seed):
            if at > end:
                break
            engineer: Engineer | None = args.get("engineer")
            staff = Actor(name=engineer.name, role="engineer", principal=DEMO_AUTHOR) \
                if engineer else DISPATCHER
            if kind == "assign" and engineer is not None:
                update_ticket(engine, ticket_id=ticket_id, viewer=DISPATCHER, catalog=catalog,
                              now=at, assignee=engineer.technician_id)
            elif kind == "status":
                update_ticket(engine, ticket_id=ticket_id, viewer=staff, catalog=catalog,
                              now=at, status=args["status"])
            elif kind == "note":
                add_comment(engine, ticket_id=ticket_id, viewer=staff, body=args["body"],
                            visibility="internal", now=at)
            elif kind == "reply":
                body = args["body"]
                add_comment(engine, ticket_id=ticket_id, viewer=staff,
                            body=body.get(item.language) or body["en"],
                            visibility="customer", now=at)
            taken += 1
        if progress is not None:
            progress(1)
    return taken
