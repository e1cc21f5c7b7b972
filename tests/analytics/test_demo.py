"""The demo quarter (analytics/demo.py): a small one on SQLite and PostgreSQL stores rows in the
analytics tables and the ticket store, every one marked demo; the same seed gives the same
rows; a second run adds nothing; `--clear` removes exactly the demo rows (a real ticket and a
real conversation survive); the events have the recorded shapes; the launcher fills the
database only when ASSISTANT_DEMO_DATA is on."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from analytics import demo
from analytics.demo_conversations import DEMO_CHANNEL, OpenedTicket, TicketRequest, play
from analytics.events import slim
from analytics.fold import KIND_FLOWS
from analytics.store import ingest
from core.settings import Settings
from db.analytics import (
    AnalyticsConversation,
    AnalyticsCursor,
    AnalyticsDiagnosis,
    AnalyticsEvent,
    AnalyticsTurn,
)
from db.migrate import upgrade
from db.tickets import Comment, OutboxEvent, Ticket
from tests.analytics.conftest import of
from tickets.catalog import default_catalog
from tickets.database import create_store_engine
from tickets.domain import Actor, NewTicket
from tickets.store import create_ticket

END = datetime(2026, 3, 31, tzinfo=UTC)
SMALL = {"weeks": 3, "conversations": 200, "seed": 3, "end": END}


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.__tablename__: connection.scalar(
            select(func.count()).select_from(table)) or 0
            for table in (AnalyticsEvent, AnalyticsConversation, AnalyticsTurn,
                          AnalyticsDiagnosis, Ticket, Comment, OutboxEvent)}


def real_data(engine: Engine, recorded: list[dict[str, Any]]) -> str:
    """A real conversation (recorded from Rasa) and a real ticket with its notification."""
    ingest(engine, of(recorded, "c-manual-yes"))
    ticket, _ = create_ticket(
        engine, new=NewTicket(customer_id="CUST-001", subject="Real ticket",
                              description="real", type="incident", channel="chat",
                              conversation_id="c-manual-yes", serial="P100-2021-00542"),
        actor=Actor("assistant", "assistant"), catalog=default_catalog(),
        now=END - timedelta(days=3))
    return ticket.id


def test_a_demo_quarter_is_marked_idempotent_and_cleared_alone(engine, recorded):
    real_ticket = real_data(engine, recorded)
    before = counts(engine)
    made = demo.generate(engine, settings=Settings(), **SMALL)
    assert made.created and made.conversations == 200
    assert set(made.languages) == {"en", "el", "de", "fr", "es"}
    assert 12 <= made.tickets <= 60
    assert made.diagnoses.get("concluded", 0) > 10 and made.escalated > 10
    assert len(made.statuses) >= 3  # resolved, closed, still open...
    with engine.connect() as connection:
        conversations = connection.execute(select(
            AnalyticsConversation.conversation_id, AnalyticsConversation.channel)).all()
        tickets = connection.execute(select(Ticket)).mappings().all()
        turns = connection.scalars(select(AnalyticsTurn.conversation_id)).all()
        events = connection.scalars(select(AnalyticsEvent.conversation_id)).all()
        outbox = connection.scalars(select(OutboxEvent.ticket_id)).all()
        marker = connection.scalar(select(AnalyticsCursor.position)
                                   .where(AnalyticsCursor.name == "demo"))
    assert marker == 200
    demo_conversations = {c for c, channel in conversations if c != "c-manual-yes"}
    assert len(demo_conversations) == 200
    assert all(c.startswith("demo-") for c in demo_conversations)
    assert {channel for c, channel in conversations if c != "c-manual-yes"} == {DEMO_CHANNEL}
    assert {t for t in turns if not t.startswith("demo-")} == {"c-manual-yes"}
    assert {e for e in events if not e.startswith("demo-")} == {"c-manual-yes"}
    demo_tickets = [t for t in tickets if t["id"] != real_ticket]
    assert len(demo_tickets) == made.tickets
    for ticket in demo_tickets:
        assert ticket["channel"] == DEMO_CHANNEL and ticket["created_by"] == "demo"
        assert ticket["subject"].startswith("[demo] ")
        assert ticket["conversation_id"] in demo_conversations
    assert {t["assignee"] for t in demo_tickets} - {None} <= set(default_catalog().technicians)
    assert any(t["first_response_at"] for t in demo_tickets)
    assert any(t["resolved_at"] for t in demo_tickets)
    # The escalations the conversations show are the tickets the store holds.
    with engine.connect() as connection:
        numbers = connection.scalars(select(AnalyticsConversation.tickets)).all()
    assert {n for row in numbers for n in row} == {t["number"] for t in demo_tickets}
    assert set(outbox) == {real_ticket}  # demo tickets notify no one

    # A second run adds nothing.
    after = counts(engine)
    again = demo.generate(engine, settings=Settings(), **SMALL)
    assert not again.created and again.conversations == 200
    assert again.tickets == made.tickets
    assert counts(engine) == after

    cleared = demo.clear(engine)
    assert cleared.conversations == 200 and cleared.tickets == made.tickets
    assert counts(engine) == before
    with engine.connect() as connection:
        assert connection.scalar(select(Ticket.subject).where(Ticket.id == real_ticket)) \
            == "Real ticket"
        assert connection.scalars(select(AnalyticsConversation.conversation_id)).all() \
            == ["c-manual-yes"]
        assert connection.scalar(select(AnalyticsCursor.name)) is None


def rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the demo wrote, without surrogate ids and random uuids."""
    out = {}
    with engine.connect() as connection:
        for table, order, skip in (
                (AnalyticsEvent, "event_key", {"id"}),
                (AnalyticsConversation, "conversation_id", set()),
                (AnalyticsTurn, "conversation_id, seq", {"id"}),
                (AnalyticsDiagnosis, "conversation_id, session_id", {"id"}),
                (Ticket, "number", {"id"})):
            columns = [c for c in table.__table__.columns if c.name not in skip]
            result = connection.execute(select(*columns).order_by(
                *[table.__table__.c[name.strip()] for name in order.split(",")]))
            out[table.__tablename__] = [tuple(row) for row in result]
        out["comments"] = [tuple(r) for r in connection.execute(
            select(Ticket.number, Comment.author, Comment.kind, Comment.body,
                   Comment.created_at).join(Ticket, Ticket.id == Comment.ticket_id)
            .order_by(Comment.id))]
    return out


def test_the_same_seed_makes_the_same_rows(tmp_path: Path):
    def made(name: str, seed: int) -> dict[str, list[tuple[Any, ...]]]:
        url = f"sqlite:///{tmp_path / name}"
        upgrade(url)
        engine = create_store_engine(url)
        try:
            demo.generate(engine, settings=Settings(), **{**SMALL, "conversations": 120,
                                                          "seed": seed})
            return rows(engine)
        finally:
            engine.dispose()

    first, second = made("a.db", 3), made("b.db", 3)
    assert first == second
    assert len(first["tickets"]) > 5 and len(first["comments"]) > 10
    other = made("c.db", 4)
    assert other["analytics_events"] != first["analytics_events"]


def test_a_run_cut_short_is_made_again(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cut.db'}"
    upgrade(url)
    engine = create_store_engine(url)
    try:
        small = {**SMALL, "conversations": 60}
        demo.generate(engine, settings=Settings(), **small)
        whole = rows(engine)
        with engine.begin() as connection:  # as if it had stopped before its marker
            connection.execute(AnalyticsCursor.__table__.delete())
            connection.execute(Ticket.__table__.delete().where(
                Ticket.number > 3))  # some tickets lost
        assert not demo.finished(engine) and demo.has_demo_rows(engine)
        demo.generate(engine, settings=Settings(), **small)
        again = rows(engine)
        assert demo.finished(engine)
        assert again["analytics_conversations"] == whole["analytics_conversations"]
        assert len(again["tickets"]) == len(whole["tickets"])
    finally:
        engine.dispose()


class Desk:
    """A ticket store stand-in: numbers 1, 2, ..."""

    def __init__(self) -> None:
        self.requests: list[TicketRequest] = []

    def open(self, request: TicketRequest) -> OpenedTicket:
        self.requests.append(request)
        return OpenedTicket(f"t{len(self.requests)}", len(self.requests), request.priority,
                            request.at + timedelta(hours=4))

    def identify(self, ticket: OpenedTicket, serial: str, at: datetime) -> None:
        pass

    def recent_numbers(self, customer_id: str, at: datetime) -> list[int]:
        return [1]


def test_the_events_have_the_shapes_rasa_publishes(recorded):
    world, catalog = demo.load_world(Settings())
    specs = demo.plan(world, catalog, seed=11, weeks=13, conversations=400, end=END)
    assert [s.start for s in specs] == sorted(s.start for s in specs)
    assert all(END - timedelta(weeks=13) <= s.start < END for s in specs)
    assert Counter(s.scenario for s in specs).keys() >= {"diagnosis_code", "manual", "urgent"}
    desk = Desk()
    kinds: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    slots: set[str] = set()
    real_keys = {e["event"]: set(e) for e in recorded}
    for spec in specs:
        for event in play(world, desk, spec).events:
            assert event["sender_id"] == spec.conversation_id
            assert set(event) <= real_keys[event["event"]] | {"data"}
            # Kept by the analytics, but for slots they do not read (citations, not_helped)
            # and the session's start, as Rasa's own.
            assert slim(event) is not None or event["event"] == "session_started" or \
                event.get("name") in {"citations", "not_helped"}
            if event["event"] == "user":
                parse = event["parse_data"]
                assert 0.35 <= parse["intent"]["confidence"] <= 1.0
                assert event["input_channel"] == DEMO_CHANNEL
                intents[parse["intent"]["name"]] += 1
                for entity in parse["entities"]:
                    if entity["entity"] == "serial_number":
                        assert spec.unit is not None and entity["value"] == spec.unit.serial
            elif event["event"] == "bot" and event["data"]["custom"]:
                kinds[event["data"]["custom"]["kind"]] += 1
            elif event["event"] == "slot":
                slots.add(event["name"])
    assert set(kinds) <= set(KIND_FLOWS) | {"ticket", "feedback_request", "rating_request",
                                            "rating"}
    assert set(kinds) >= {"manual_answer", "feedback_request", "diagnosis_question",
                          "diagnosis_conclusion", "ticket", "safety", "out_of_domain",
                          "spare_part", "maintenance", "ticket_status", "rating_request",
                          "rating"}
    assert intents["rate_conversation"] > 0 and intents["nlu_fallback"] > 0
    assert slots >= {"language", "asset_serial", "asset_model", "asset_family", "customer_id",
                     "diagnosis_session", "diagnosis_snapshot", "tickets", "pending"}
    assert {r.escalation_reason for r in desk.requests} >= {
        "critical", "low_confidence", "customer_request", None}


def test_the_command_line_makes_and_clears(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    args = ["--database-url", url, "--conversations", "40", "--weeks", "2", "--seed", "5",
            "--end", "2026-03-30", "--quiet"]
    assert demo.main(args) == 0
    out = capsys.readouterr().out
    assert "demo conversations: 40" in out and "per status:" in out
    assert demo.main(args) == 0
    assert "there already" in capsys.readouterr().out
    assert demo.main(["--database-url", url, "--clear"]) == 0
    assert "removed 40 demo conversations" in capsys.readouterr().out


def test_the_launcher_fills_only_when_the_setting_is_on(monkeypatch, tmp_path: Path):
    from launcher import system

    called: list[Settings] = []
    monkeypatch.setattr(system, "upgrade_database", lambda url: None)
    monkeypatch.setattr(system, "ensure_index", lambda *a, **k: None)
    monkeypatch.setattr(system, "ensure_model", lambda *a, **k: tmp_path / "model.tar.gz")
    monkeypatch.setattr(demo, "fill_on_start", lambda settings, out=None: called.append(
        settings))
    url = f"sqlite:///{tmp_path / 'run.db'}"
    system.prepare(Settings(database_url=url, data_dir=tmp_path), io.StringIO())
    assert called == []
    monkeypatch.setenv("ASSISTANT_DEMO_DATA", "true")
    settings = Settings(database_url=url, data_dir=tmp_path)
    assert settings.demo_data
    system.prepare(settings, io.StringIO())
    assert called == [settings]


def test_fill_on_start_fills_an_empty_database_once(tmp_path: Path, recorded):
    url = f"sqlite:///{tmp_path / 'start.db'}"
    upgrade(url)
    out = io.StringIO()
    off = Settings(database_url=url, data_dir=tmp_path)
    assert demo.fill_on_start(off, out, conversations=30, weeks=2) is None
    on = Settings(database_url=url, data_dir=tmp_path, demo_data=True)
    filled = demo.fill_on_start(on, out, conversations=30, weeks=2)
    assert filled is not None and filled.created and filled.conversations == 30
    again = demo.fill_on_start(on, out, conversations=30, weeks=2)
    assert again is not None and not again.created
    assert "demo quarter is there already" in out.getvalue()

    other = f"sqlite:///{tmp_path / 'real.db'}"  # a database in use: left alone
    upgrade(other)
    engine = create_store_engine(other)
    try:
        real_data(engine, recorded)
        before = counts(engine)
        assert demo.fill_on_start(on.model_copy(update={"database_url": other}), out,
                                  conversations=30, weeks=2) is None
        assert counts(engine) == before
    finally:
        engine.dispose()


@pytest.mark.parametrize("seed", [1])
def test_plan_uses_every_customer_and_their_own_units(seed: int):
    world, catalog = demo.load_world(Settings())
    specs = demo.plan(world, catalog, seed=seed, weeks=13, conversations=1500, end=END)
    customers = {c.customer_id: c for c in world.customers}
    assert {s.customer.customer_id for s in specs if s.customer} == set(customers)
    for spec in specs:
        if spec.customer is None:
            assert spec.unit is None
        else:
            assert spec.unit in spec.customer.units
            assert spec.language in (spec.customer.language, "en")
    assert len({s.conversation_id for s in specs}) == len(specs)
