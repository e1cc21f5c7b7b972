"""DEMO DATA: a realistic quarter of conversations and tickets for a fresh database, so that the
KPI dashboard, the staff console and the customer portal show something on `make run`.

    .venv/bin/python -m analytics.demo [--weeks 13] [--conversations 5000] [--seed 7]
        [--end 2026-06-30] [--database-url URL] [--clear] [--quiet]

What it makes (deterministically from the seed and the end date, default: now to the hour):

- `--conversations` chats over the `--weeks` before the end, with the 11 customers of the
  knowledge pack about their real units (some anonymous visitors too), in the customer's
  language and now and then in English, on working days and hours of each site's time zone,
  a little busier each week. Each is played as the event stream Rasa's broker publishes
  (analytics/demo_conversations.py: training examples as messages, the assistant's own
  replies and payloads, guided diagnoses run by the real expert system) and stored by the real
  analytics store (analytics/store.py `ingest`, the consumer's path: the real fold makes the
  rows).
- the tickets those chats escalate (about one in ten), created in the real ticket store at
  the moment of the chat, then assigned, answered, paused, resolved and closed through the
  store up to the end of the quarter (analytics/demo_tickets.py).

Everything is marked: conversation ids begin with `demo-` and their input channel is `demo`;
tickets have the channel `demo`, `created_by` `demo` and a subject beginning with `[demo]`.
Demo tickets notify no one: their outbox events are dropped and the SLA-breach scan is told
they were reported. `--clear` removes exactly the demo rows (and nothing else).

Idempotent: a finished run leaves the marker `demo` in `analytics_cursors` (position: the
conversations made); a second run finds it and adds nothing. A run cut short (no marker) is
cleared and made again.

`ASSISTANT_DEMO_DATA=true` makes the launcher (`make run`) fill an empty database with the
default quarter once, after the migrations (`fill_on_start`)."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from analytics.demo_conversations import (
    DEMO_CHANNEL,
    DEMO_PREFIX,
    GUEST,
    WEIGHTS,
    DemoCustomer,
    Spec,
    World,
    play,
)
from analytics.demo_tickets import StoreDesk, live, load_engineers
from analytics.store import ingest
from core.settings import PROJECT_ROOT, Settings
from db.analytics import (
    AnalyticsConversation,
    AnalyticsCursor,
    AnalyticsDiagnosis,
    AnalyticsEvent,
    AnalyticsTurn,
)
from db.tickets import Comment, OutboxEvent, Ticket, TicketConversation
from tickets import sla
from tickets.catalog import Catalog, catalog_from

MARKER = "demo"  # the analytics_cursors row of a finished run
GUEST_SHARE = 0.06  # anonymous visitors: no customer, no machine
BATCH = 60  # conversations per analytics transaction
NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # demo tickets' breaches count as reported


@dataclass
class Summary:
    """What the demo rows hold (after a run, or found there)."""

    conversations: int = 0
    events: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    escalated: int = 0
    diagnoses: dict[str, int] = field(default_factory=dict)
    gaps: dict[str, int] = field(default_factory=dict)
    ratings: int = 0
    mean_rating: float | None = None
    tickets: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    priorities: dict[str, int] = field(default_factory=dict)
    breached: int = 0
    first: datetime | None = None
    last: datetime | None = None
    created: bool = False  # made now (False: found there, or nothing made)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        def counts(values: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(values.items())) or "-"

        span = f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}" if self.first and self.last \
            else "-"
        rating = f"{self.mean_rating:.2f}" if self.mean_rating is not None else "-"
        return [
            f"demo conversations: {self.conversations} ({span}), {self.events} events",
            f"  per language: {counts(self.languages)}",
            f"  escalated: {self.escalated}; diagnoses: {counts(self.diagnoses)}",
            f"  knowledge gaps: {counts(self.gaps)}",
            f"  ratings: {self.ratings} (mean {rating})",
            f"demo tickets: {self.tickets}",
            f"  per status: {counts(self.statuses)}",
            f"  per priority: {counts(self.priorities)}",
            f"  with a missed SLA deadline: {self.breached}",
        ]


# -- what is there -----------------------------------------------------------------------------
def _demo_conversation(column: Any) -> Any:
    return column.like(f"{DEMO_PREFIX}%")


def finished(engine: Engine) -> bool:
    """A complete demo quarter is stored (its marker is there)."""
    with Session(engine) as session:
        return session.scalar(select(AnalyticsCursor.name)
                              .where(AnalyticsCursor.name == MARKER)) is not None


def has_demo_rows(engine: Engine) -> bool:
    with Session(engine) as session:
        return bool(session.scalar(select(AnalyticsEvent.id).where(
            _demo_conversation(AnalyticsEvent.conversation_id)).limit(1))
            or session.scalar(select(Ticket.number).where(
                Ticket.channel == DEMO_CHANNEL).limit(1)))


def is_empty(engine: Engine) -> bool:
    """No conversation and no ticket at all (demo or not)."""
    with Session(engine) as session:
        return not (session.scalar(select(AnalyticsEvent.id).limit(1))
                    or session.scalar(select(Ticket.number).limit(1)))


def summary(engine: Engine, *, now: datetime | None = None) -> Summary:
    now = now or datetime.now(UTC)
    out = Summary()
    demo = _demo_conversation(AnalyticsConversation.conversation_id)
    with Session(engine) as session:
        out.events = session.scalar(select(func.count()).select_from(AnalyticsEvent).where(
            _demo_conversation(AnalyticsEvent.conversation_id))) or 0
        rows = session.execute(select(
            AnalyticsConversation.language, AnalyticsConversation.escalated,
            AnalyticsConversation.rating, AnalyticsConversation.started_at)
            .where(demo, AnalyticsConversation.user_messages > 0)).all()
        out.conversations = len(rows)
        out.languages = dict(Counter(str(r.language or "-") for r in rows))
        out.escalated = sum(1 for r in rows if r.escalated)
        ratings = [r.rating for r in rows if r.rating]
        out.ratings = len(ratings)
        out.mean_rating = sum(ratings) / len(ratings) if ratings else None
        starts = [r.started_at for r in rows if r.started_at]
        out.first, out.last = (min(starts), max(starts)) if starts else (None, None)
        out.diagnoses = _pairs(session.execute(
            select(AnalyticsDiagnosis.outcome, func.count()).where(
                _demo_conversation(AnalyticsDiagnosis.conversation_id))
            .group_by(AnalyticsDiagnosis.outcome)).all())
        out.gaps = _pairs(session.execute(
            select(AnalyticsTurn.gap, func.count()).where(
                _demo_conversation(AnalyticsTurn.conversation_id), AnalyticsTurn.gap.is_not(None))
            .group_by(AnalyticsTurn.gap)).all())
        tickets = session.scalars(select(Ticket).where(Ticket.channel == DEMO_CHANNEL)).all()
    out.tickets = len(tickets)
    out.statuses = dict(Counter(t.status for t in tickets))
    out.priorities = dict(Counter(t.priority for t in tickets))
    out.breached = sum(1 for t in tickets if _breached(t, now))
    return out


def _pairs(rows: Any) -> dict[str, int]:
    return {str(key): int(count) for key, count in rows}


def _breached(ticket: Ticket, now: datetime) -> bool:
    response = sla.is_breached(ticket.response_due_at, now=now, met_at=ticket.first_response_at,
                               paused_at=ticket.sla_paused_at)
    resolution = sla.is_breached(ticket.resolution_due_at, now=now, met_at=ticket.resolved_at,
                                 paused_at=ticket.sla_paused_at)
    return response or resolution


# -- removing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cleared:
    conversations: int
    events: int
    tickets: int


def clear(engine: Engine) -> Cleared:
    """Remove every demo row (conversations `demo-...`, tickets of the channel `demo`, with
    their comments, links and notifications) and the marker; nothing else."""
    with Session(engine) as session, session.begin():
        ids = select(Ticket.id).where(Ticket.channel == DEMO_CHANNEL).scalar_subquery()
        for linked in (OutboxEvent, Comment, TicketConversation):
            session.execute(delete(linked).where(linked.ticket_id.in_(ids))
                            .execution_options(synchronize_session=False))
        tickets = session.execute(delete(Ticket).where(Ticket.channel == DEMO_CHANNEL)
                                  .execution_options(synchronize_session=False))
        counts: dict[str, int] = {}
        for table in (AnalyticsTurn, AnalyticsDiagnosis, AnalyticsEvent, AnalyticsConversation):
            result = session.execute(delete(table).where(
                _demo_conversation(table.conversation_id))
                .execution_options(synchronize_session=False))
            counts[table.__tablename__] = int(result.rowcount)  # type: ignore[attr-defined]
        session.execute(delete(AnalyticsCursor).where(AnalyticsCursor.name == MARKER))
    return Cleared(counts["analytics_conversations"], counts["analytics_events"],
                   int(tickets.rowcount))  # type: ignore[attr-defined]


# -- the plan ----------------------------------------------------------------------------------
HOURS = (0.1, 0.08, 0.06, 0.06, 0.08, 0.15, 0.45, 0.9, 1.4, 1.6, 1.5, 1.3, 0.8, 1.1, 1.3,
         1.2, 1.0, 0.7, 0.45, 0.3, 0.22, 0.18, 0.15, 0.12)  # local hour of day
WEEKDAYS = (1.0, 1.0, 0.95, 0.95, 0.85, 0.3, 0.15)  # Monday first


def _moments(start: datetime, end: datetime, zone: str, round_the_clock: bool
             ) -> tuple[list[datetime], list[float]]:
    """Every local hour of the period that ends at least two hours before `end`, and how
    likely a chat starts in it (weekday and hour of the site, a little busier each week)."""
    tz = ZoneInfo(zone)
    hours, weights = [], []
    total = (end - start).total_seconds()
    moment = start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    while moment.astimezone(UTC) < end - timedelta(hours=2):
        utc = moment.astimezone(UTC)
        if utc >= start:
            hour = HOURS[moment.hour]
            if round_the_clock:
                hour = max(hour, 0.25)
            ramp = 0.8 + 0.4 * (utc - start).total_seconds() / total
            hours.append(utc)
            weights.append(WEEKDAYS[moment.weekday()] * hour * ramp)
        moment = (moment.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)
    return hours, weights


def plan(world: World, catalog: Catalog, *, seed: int, weeks: int, conversations: int,
         end: datetime) -> list[Spec]:
    """Who chats when, about what, in which language: the quarter's conversations in order."""
    rng = random.Random(f"demo:{seed}")
    start = end - timedelta(weeks=weeks)
    customers = [c for c in world.customers if c.units]
    weights = [len(c.units) * {"premium_24_7": 1.3, "standard": 1.0}.get(c.tier, 0.8)
               for c in customers]
    zones = {c.customer_id: next(iter(catalog.customers[c.customer_id].sites.values())).time_zone
             if catalog.customers[c.customer_id].sites else "UTC" for c in customers}
    slots = {zone: _moments(start, end, zone, False) for zone in set(zones.values())}
    slots.update({f"{zone}*": _moments(start, end, zone, True) for zone in set(zones.values())})
    share = Counter(c.language for c in customers for _ in c.units)
    language_zone: dict[str, str] = {}
    for c in customers:
        language_zone.setdefault(c.language, zones[c.customer_id])
    drafts: list[tuple[datetime, str, DemoCustomer | None, Any, str]] = []
    for _ in range(conversations):
        customer: DemoCustomer | None = None
        unit = None
        if rng.random() < GUEST_SHARE:
            language = rng.choices(list(share), list(share.values()))[0]
            scenario = rng.choices(list(GUEST), list(GUEST.values()))[0]
            key = language_zone[language]
        else:
            customer = rng.choices(customers, weights)[0]
            unit = rng.choices(customer.units,
                               [1 + u.running_hours / 20000 for u in customer.units])[0]
            english = 0.97 if customer.language == "en" else 0.13
            language = customer.language if rng.random() >= english or \
                customer.language == "en" else "en"
            scenario = rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
            key = zones[customer.customer_id] + ("*" if customer.tier == "premium_24_7" else "")
        hours, hour_weights = slots[key]
        moment = rng.choices(hours, hour_weights)[0] + timedelta(seconds=rng.uniform(0, 3599))
        drafts.append((moment, language, customer, unit, scenario))
    drafts.sort(key=lambda d: d[0])
    specs = []
    for index, (moment, language, customer, unit, scenario) in enumerate(drafts, 1):
        tag = f"{random.Random(f'{seed}:{index}:id').getrandbits(32):08x}"
        specs.append(Spec(index, f"{DEMO_PREFIX}{index:05d}-{tag}", moment, language, customer,
                          unit, scenario, f"{seed}:{index}"))
    return specs


# -- making it ---------------------------------------------------------------------------------
def load_world(settings: Settings) -> tuple[World, Catalog]:
    world = World.load(root=PROJECT_ROOT, knowledge_dir=settings.knowledge_dir,
                       docs_dir=settings.docs_dir)
    return world, catalog_from(world.kb)


def generate(engine: Engine, *, settings: Settings, weeks: int = 13, conversations: int = 5000,
             seed: int = 7, end: datetime | None = None,
             progress: Callable[[str, int], Callable[[int], None]] | None = None) -> Summary:
    """Fill the database with the demo quarter (nothing when a finished one is there); the
    summary of the demo rows. `progress(stage, total)` gives a callback per step done."""
    began = time.monotonic()
    # Default: now, to the hour (two runs within the hour make the same quarter).
    end = (end or datetime.now(UTC).replace(minute=0, second=0)).astimezone(UTC) \
        .replace(microsecond=0)
    if finished(engine):
        return summary(engine, now=end)
    if has_demo_rows(engine):
        clear(engine)  # a run cut short: start again
    world, catalog = load_world(settings)
    specs = plan(world, catalog, seed=seed, weeks=weeks, conversations=conversations, end=end)
    desk = StoreDesk(engine, catalog)
    step = progress("conversations", len(specs)) if progress else None
    batch: list[dict[str, Any]] = []
    pending = 0
    for spec in specs:
        batch.extend(play(world, desk, spec).events)
        pending += 1
        if pending >= BATCH:
            ingest(engine, batch, now=end)
            if step:
                step(pending)
            batch, pending = [], 0
    if batch:
        ingest(engine, batch, now=end)
        if step:
            step(pending)
    regions = {c.customer_id: c.region for c in world.customers}
    step = progress("tickets", len(desk.opened)) if progress else None
    live(engine, desk.opened, catalog=catalog,
         engineers=load_engineers(settings.knowledge_dir), regions=regions, seed=str(seed),
         end=end, progress=step)
    _mute(engine)
    # The marker, written the way the consumer writes its cursor.
    ingest(engine, [], cursor=(MARKER, len(specs)), now=end)
    result = summary(engine, now=end)
    result.created = True
    result.seconds = time.monotonic() - began
    return result


def _mute(engine: Engine) -> None:
    """Demo tickets notify no one: their outbox events go, their breaches count as told."""
    with Session(engine) as session, session.begin():
        ids = select(Ticket.id).where(Ticket.channel == DEMO_CHANNEL).scalar_subquery()
        session.execute(delete(OutboxEvent).where(OutboxEvent.ticket_id.in_(ids))
                        .execution_options(synchronize_session=False))
        session.execute(update(Ticket).where(Ticket.channel == DEMO_CHANNEL)
                        .values(breach_notified_at=NEVER)
                        .execution_options(synchronize_session=False))


# -- the launcher's hook -----------------------------------------------------------------------
@contextmanager
def _bars(out: IO[str], quiet: bool) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    from tqdm import tqdm  # lazy: the progress bars of the command line and the launcher only

    bars: list[Any] = []

    def stage(name: str, total: int) -> Callable[[int], None]:
        for bar in bars:
            bar.close()
        bar = tqdm(total=total, desc=f"demo {name}", unit=name[:-1] if name.endswith("s")
                   else name, file=out, disable=quiet, mininterval=1.0, dynamic_ncols=True)
        bars.append(bar)
        return bar.update

    try:
        yield stage
    finally:
        for bar in bars:
            bar.close()


def fill_on_start(settings: Settings, out: IO[str] | None = None, *,
                  conversations: int = 5000, weeks: int = 13) -> Summary | None:
    """`ASSISTANT_DEMO_DATA`: fill an empty database with the demo quarter, once (the
    launcher calls it after the migrations). None when the setting is off or the database
    holds other data; else the summary of the demo rows."""
    if not settings.demo_data:
        return None
    from tickets.database import create_store_engine  # lazy: only when the setting is on

    out = out or sys.stdout
    engine = create_store_engine(settings.resolved_db_url(settings.database_url))
    try:
        if finished(engine):
            print("[run ] demo data: the demo quarter is there already "
                  "(python -m analytics.demo --clear removes it)", file=out, flush=True)
            return summary(engine)
        if not is_empty(engine) and not has_demo_rows(engine):
            print("[run ] demo data: the database holds data already; no demo quarter added",
                  file=out, flush=True)
            return None
        print("[run ] demo data (ASSISTANT_DEMO_DATA): filling the database with a demo "
              "quarter, once", file=out, flush=True)
        with _bars(out, quiet=False) as stage:
            result = generate(engine, settings=settings, conversations=conversations,
                              weeks=weeks, progress=stage)
        print(f"[run ] demo data: {result.conversations} conversations, {result.tickets} "
              f"tickets in {result.seconds:.0f} s", file=out, flush=True)
        return result
    finally:
        engine.dispose()


# -- command line ------------------------------------------------------------------------------
def _end_of(value: str) -> datetime:
    day = date.fromisoformat(value)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m analytics.demo",
        description="DEMO DATA: fill the database with a quarter of demo conversations and "
                    "tickets (marked demo), or remove them (--clear).")
    parser.add_argument("--weeks", type=int, default=13, help="weeks before the end (13)")
    parser.add_argument("--conversations", type=int, default=5000, help="conversations (5000)")
    parser.add_argument("--seed", type=int, default=7, help="the same seed, the same quarter")
    parser.add_argument("--end", type=_end_of, default=None,
                        help="last day of the quarter, YYYY-MM-DD (default: now, to the hour)")
    parser.add_argument("--database-url", default=None,
                        help="default: ASSISTANT_DATABASE_URL (the migrated database)")
    parser.add_argument("--clear", action="store_true", help="remove the demo rows and stop")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.weeks < 1 or args.conversations < 1:
        parser.error("--weeks and --conversations must be at least 1")
    # The command line's own: the migrations (Alembic) and an engine of its --database-url.
    from db.migrate import upgrade
    from tickets.database import create_store_engine

    settings = Settings()
    url = args.database_url or settings.resolved_db_url(settings.database_url)
    upgrade(url)
    engine = create_store_engine(url)
    try:
        if args.clear:
            cleared = clear(engine)
            print(f"removed {cleared.conversations} demo conversations ({cleared.events} "
                  f"events) and {cleared.tickets} demo tickets")
            return 0
        if finished(engine):
            print("a demo quarter is there already (nothing added; --clear removes it):")
            result = summary(engine)
        else:
            with _bars(sys.stderr, args.quiet) as stage:
                result = generate(engine, settings=settings, weeks=args.weeks,
                                  conversations=args.conversations, seed=args.seed,
                                  end=args.end, progress=stage)
            print(f"made in {result.seconds:.1f} s:")
        print("\n".join(result.lines()))
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
