"""The KPIs (analytics/kpis.py) on a small fixed scenario counted by hand, on SQLite and
PostgreSQL: twelve conversations (event streams the real Rasa server recorded, moved in time
and renamed, plus two written here) folded through the real analytics store, and six tickets
made by the real ticket store. A replayed or reordered event stream gives identical KPIs.

The scenario, period [Mon 2 Nov 2026, Mon 16 Nov 2026), as of NOW = 25 Nov 12:00 UTC:

conv  stream        start (UTC)     lang cust     machine           what
A     c-diag        Mon 02 10:00    en   CUST-001 P100-2021-00542   diagnosis left open (1 q.)
B     c-diag2       Mon 02 14:00    en   CUST-001 P100-2021-00542   concluded bearing_failure
                                                                    (1 q.), "helped": yes
C     c-manual      Thu 05 16:00    de   CUST-001 P100-2021-00542   2 answers "didn't help",
                                                                    repeated_failure, ticket 1
D     c-fallback    Mon 02 11:00    en   -        -                 2 fallbacks, low_confidence
E     c-diag3       Tue 03 12:00    de   -        -                 a problem, no session
F     c-rate        Wed 04 12:00    en   -        -                 rating 4 (metadata)
G     c-urgent      Mon 09 08:00    en   -        -                 smoke: critical, ticket 2
H     c-human       Tue 10 09:00    en   -        -                 asks for a person
I     (written)     Tue 10 06:00    en   CUST-002 H37S-2019-00412   critical code E001 in the
                                                                    diagnosis (0 q.), ticket 3
J     c-manual-yes  Fri 13 10:00    en   CUST-001 P100-2021-00542   "helped": yes
K     (written)     Wed 11 15:00    en   -        -                 rating 2 (rate_conversation
                                                                    entity "2")
L     c-diag3       Thu 12 09:00    de   -        -                 callback form -> ticket 4
N     c-manual-yes  Mon 16 09:00    en   CUST-001 P100-2021-00542   outside the period, but
                                                                    within 72 h of J's end
X     c-human       Mon 16 00:00    en   -        -                 outside (end is exclusive)

Repeats within 72 h of the last event, same machine: A (B follows 4 h later), J (N follows
71 h later). B is followed by C 74 h later: not a repeat. Answered (containment's "resolved"):
B (a conclusion, "yes"), C (no, no), J (yes); A, E left without an answer; F and K are small
talk only (greet, thanks / a rating): no request.

ticket  conv  customer  tier/clock          prio created (UTC)   responded     resolved
T1 #1   C     CUST-001  premium 24/7        P3   Thu 05 16:05    +1 h          +18 h
T2 #2   G     -         premium 24/7 (unid) P1   Mon 09 08:01    +1.5 h (due 1) +12 h (due 8)
T3 #3   I     CUST-002  standard, Athens    P1   Tue 10 06:01    +1 bh         +8 h, 2 bh paused
T4 #4   L     -         premium 24/7 (unid) P3   Thu 12 10:00    never (callback form)
T5 #5   -     CUST-004  standard, Berlin    P1   Tue 03 10:00    +1 bh         +24 h = 12 bh
                        (monitoring alert, W120-2020-00012)
T6 #6   -     CUST-001  premium 24/7        P4   Fri 20 09:00 (outside; a monitoring service
                        request (maintenance reminder) on T1's machine 14 days after T1's
                        repair: no repeat failure, T1 is still a first-time fix)

The first-time fix's other cases (a repeat incident within 30 days, one after, the window's
edge, a service request or question alone) are counted in test_first_time_fix_counted_by_hand;
containment's answers and feedback (a last "no", a fallback after the answer, an answer after
a fallback, a greeting only) in test_containment_counted_by_hand.
"""

from __future__ import annotations

import copy
import random
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from analytics.events import rating_of
from analytics.kpis import (
    Containment,
    Diagnosis,
    Escalation,
    Gaps,
    Repair,
    Satisfaction,
    Sla,
    TicketTimes,
    category,
    compute_kpis,
)
from analytics.store import ingest
from tests.analytics.conftest import of
from tests.tickets.fixtures import api_settings, app, keys  # noqa: F401
from tickets import store
from tickets.catalog import default_catalog
from tickets.domain import Actor, NewTicket
from tickets.performance import SlaCell

CATALOG = default_catalog()
BOT = Actor(name="assistant", role="assistant", principal="key-bot")
ENGINEER = Actor(name="T-GR-01", role="engineer", principal="key-eng")
MONITOR = Actor(name="monitoring", role="assistant", principal="key-mon")
START, END = datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def moved(events: list[dict[str, Any]], sender: str, at: datetime) -> list[dict[str, Any]]:
    """A recorded conversation as `sender`, its first event at `at`."""
    shift = at.timestamp() - events[0]["timestamp"]
    out = []
    for event in events:
        event = copy.deepcopy(event)
        event["sender_id"] = sender
        event["timestamp"] = event["timestamp"] + shift
        out.append(event)
    return out


def user(sender: str, ts: float, text: str, intent: str,
         entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"sender_id": sender, "event": "user", "timestamp": ts, "text": text,
            "input_channel": "rest", "message_id": f"{sender}-{ts}", "metadata": {},
            "parse_data": {"intent": {"name": intent, "confidence": 0.97},
                           "entities": [{"entity": "language", "value": "en"},
                                        *(entities or [])]}}


def critical_code(sender: str, at: datetime) -> list[dict[str, Any]]:
    """A guided diagnosis that a critical error code escalates at once (ticket 3)."""
    t = at.timestamp()

    def slot(dt: float, name: str, value: Any) -> dict[str, Any]:
        return {"sender_id": sender, "event": "slot", "timestamp": t + dt, "name": name,
                "value": value}

    return [
        {"sender_id": sender, "event": "session_started", "timestamp": t},
        user(sender, t + 1, "Compressor H37S-2019-00412 shows E001", "report_error_code"),
        slot(1.1, "language", "en"), slot(1.2, "asset_serial", "H37S-2019-00412"),
        slot(1.3, "asset_model", "HSC-37"), slot(1.4, "asset_family", "rotary_screw_compressor"),
        slot(1.5, "customer_id", "CUST-002"),
        {"sender_id": sender, "event": "action", "timestamp": t + 1.6,
         "name": "action_start_diagnosis"},
        slot(1.7, "diagnosis_session", f"{sender}:1"),
        slot(1.8, "diagnosis_snapshot", {"status": "escalated", "error_code": "E001",
                                         "observations": {}}),
        {"sender_id": sender, "event": "bot", "timestamp": t + 1.9, "text": "ticket #3",
         "data": {"custom": {"kind": "ticket", "ticket_number": 3, "priority": "P1",
                             "reason": "critical"}}},
    ]


def rated_by_entity(recorded: list[dict[str, Any]], sender: str,
                    at: datetime) -> list[dict[str, Any]]:
    """c-rate with its rating given as the bot's rate_conversation intent and entity."""
    events = moved(of(recorded, "c-rate"), sender, at)
    users = [e for e in events if e["event"] == "user"]
    last = users[-1]
    last["metadata"] = {}
    last["text"] = "2 stars"
    last["parse_data"] = {"intent": {"name": "rate_conversation", "confidence": 0.95},
                          "entities": [{"entity": "language", "value": "en"},
                                       {"entity": "rating", "value": "2"}]}
    return events


def scenario_events(recorded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = recorded
    return [
        *moved(of(r, "c-diag"), "A", utc(2026, 11, 2, 10)),
        *moved(of(r, "c-diag2"), "B", utc(2026, 11, 2, 14)),
        *moved(of(r, "c-manual"), "C", utc(2026, 11, 5, 16)),
        *moved(of(r, "c-fallback"), "D", utc(2026, 11, 2, 11)),
        *moved(of(r, "c-diag3"), "E", utc(2026, 11, 3, 12)),
        *moved(of(r, "c-rate"), "F", utc(2026, 11, 4, 12)),
        *moved(of(r, "c-urgent"), "G", utc(2026, 11, 9, 8)),
        *moved(of(r, "c-human"), "H", utc(2026, 11, 10, 9)),
        *critical_code("I", utc(2026, 11, 10, 6)),
        *moved(of(r, "c-manual-yes"), "J", utc(2026, 11, 13, 10)),
        *rated_by_entity(r, "K", utc(2026, 11, 11, 15)),
        *moved(of(r, "c-diag3"), "L", utc(2026, 11, 12, 9)),
        *moved(of(r, "c-manual-yes"), "N", utc(2026, 11, 16, 9)),
        *moved(of(r, "c-human"), "X", utc(2026, 11, 16, 0)),
    ]


def ticket(engine, created: datetime, steps: tuple[tuple[datetime, str], ...] = (),
           actor: Actor = BOT, **fields: Any) -> None:
    values = {"subject": "s", "description": "d", "type": "incident", **fields}
    made, _ = store.create_ticket(engine, new=NewTicket(**values), actor=actor,
                                  catalog=CATALOG, now=created)
    for at, status in steps:
        path = {"in_progress": ("triaged", "assigned", "in_progress")}.get(status, (status,))
        if status == "in_progress" and made.first_response_at is not None:
            path = ("in_progress",)
        for each in path:
            made = store.update_ticket(engine, ticket_id=made.id, viewer=ENGINEER,
                                       catalog=CATALOG, now=at, status=each)


def scenario_tickets(engine) -> None:
    ticket(engine, utc(2026, 11, 5, 16, 5), customer_id="CUST-001", serial="P100-2021-00542",
           priority="P3", language="de", channel="chat", conversation_id="C",
           escalation_reason="repeated_failure",
           steps=((utc(2026, 11, 5, 17, 5), "in_progress"), (utc(2026, 11, 6, 10, 5), "resolved")))
    ticket(engine, utc(2026, 11, 9, 8, 1), customer_id=None, priority="P1", language="en",
           channel="chat", conversation_id="G", escalation_reason="critical",
           steps=((utc(2026, 11, 9, 9, 31), "in_progress"), (utc(2026, 11, 9, 20, 1), "resolved")))
    ticket(engine, utc(2026, 11, 10, 6, 1), customer_id="CUST-002", serial="H37S-2019-00412",
           priority="P1", language="en", channel="chat", conversation_id="I",
           escalation_reason="critical", error_code="E001",
           steps=((utc(2026, 11, 10, 7, 1), "in_progress"),
                  (utc(2026, 11, 10, 8, 1), "waiting_customer"),
                  (utc(2026, 11, 10, 10, 1), "in_progress"),
                  (utc(2026, 11, 10, 14, 1), "resolved")))
    ticket(engine, utc(2026, 11, 12, 10), customer_id=None, type="service_request",
           priority="P3", language="de", channel="chat", conversation_id="L",
           escalation_reason="customer_request")
    ticket(engine, utc(2026, 11, 3, 10), actor=MONITOR, customer_id="CUST-004",
           serial="W120-2020-00012", priority="P1", language="de", channel="monitoring",
           escalation_reason="critical",
           steps=((utc(2026, 11, 3, 11), "in_progress"), (utc(2026, 11, 4, 10), "resolved")))
    ticket(engine, utc(2026, 11, 20, 9), actor=MONITOR, customer_id="CUST-001",
           serial="P100-2021-00542", type="service_request", priority="P4",
           channel="monitoring")


@pytest.fixture()
def scenario(engine, recorded):
    scenario_tickets(engine)
    ingest(engine, scenario_events(recorded))
    return engine


def test_rating_from_metadata_or_the_rate_conversation_entity():
    assert rating_of({"rating": 4, "intent": "thank"}) == 4
    assert rating_of({"intent": "rate_conversation", "entities": [["rating", "5"]]}) == 5
    assert rating_of({"intent": "rate_conversation", "entities": [["rating", 3.0]]}) == 3
    assert rating_of({"intent": "rate_conversation", "entities": [["rating", "9"]]}) is None
    assert rating_of({"intent": "thank", "entities": [["rating", "5"]]}) is None
    assert rating_of({"intent": "rate_conversation", "entities": [["rating", True]]}) is None


def test_escalation_categories():
    assert category("critical", action="action_urgent_safety") == "safety"
    assert category("critical", intent="urgent_safety") == "safety"
    assert category("critical", action="action_start_diagnosis") == "critical_code"
    assert [category(r) for r in ("low_confidence", "repeated_failure", "customer_request",
                                  "something_new", None)] == [
        "low_confidence", "didnt_help", "asked_for_person", "other", None]


def test_every_kpi_counted_by_hand(scenario):
    report = compute_kpis(scenario, start=START, end=END, now=NOW)
    total = report.total
    # 12 conversations A-L; escalated C D G H I L (L by its callback ticket); of the other
    # six (no ticket): F K small talk only (no_request: out of the rate's 12 - 2 = 10
    # requests); A J repeated; E unresolved (a problem reported, no answer); contained: B
    # (a conclusion, "helped": yes) -> 1 / 10 = 0.1. (Before answers counted: B E F K,
    # 4 / 12.) Without a machine: D E F G H K L.
    assert total.containment == Containment(
        conversations=12, requests=10, contained=1, rate=0.1, escalated=6, ticket_only=0,
        no_request=2, repeated=2, unresolved=1, without_asset=7)
    # safety G; low confidence D; didn't help C; a person H, L; critical code I; monitoring
    # T5 (T6 is outside the period). Rate 6/12.
    assert total.escalation == Escalation(
        conversations=12, escalated=6, rate=0.5, monitoring_tickets=1,
        reasons={"safety": 1, "low_confidence": 1, "didnt_help": 1, "asked_for_person": 2,
                 "critical_code": 1, "monitoring": 1, "other": 0})
    # T1-T5. First response (contract clock): T1 1, T2 1.5, T3 1 bh, T5 1 bh -> mean 1.125,
    # median 1; wall the same. Resolution net of pauses: T1 18, T2 12, T3 8 - 2 paused = 6 bh,
    # T5 12 bh (10-18 + 06-10 UTC in Berlin's 07-19 window) -> mean 12, median 12; wall
    # 18 + 12 + 8 + 24 = 62 / 4 = 15.5.
    assert total.tickets == TicketTimes(
        tickets=5, by_channel={"chat": 4, "monitoring": 1}, unidentified=2, responded=4,
        first_response_h=1.125, first_response_median_h=1.0, first_response_wall_h=1.125,
        resolved=4, resolution_h=12.0, resolution_median_h=12.0, resolution_wall_h=15.5)
    # response: met T1 T3 T5, breached T2 (1.5 > 1) T4 (never); resolution: met T1 T3 T5,
    # breached T2 (12 > 8) T4 (due 15 Nov 10:00).
    assert total.sla == Sla(3, 2, 0, 3, 2, 0, 0.6, 0.6)
    # resolved incidents T1 T2 T3 T5 (T4 is a service request, unresolved); MTTR (18 + 12 +
    # 8 + 24) / 4 = 15.5 wall h. First-time fix: T1 yes (T6 on its machine 14 days later is a
    # service request, not a repeat failure), T3 yes, T5 yes -> 3/3; T2 has no machine.
    assert total.repair == Repair(incidents_resolved=4, mttr_h=15.5, first_time_fix_eligible=3,
                                  first_time_fixes=3, first_time_fix_rate=1.0, no_machine=1)
    # helped: B yes, J yes, C no twice; ratings F 4, K 2.
    assert total.satisfaction == Satisfaction(
        helped_yes=2, helped_no=2, helped_rate=0.5, ratings=2, rating_mean=3.0,
        rating_distribution={"1": 0, "2": 1, "3": 0, "4": 1, "5": 0})
    # sessions: A open (1 question), B concluded (1), I escalated (0) -> mean 2/3.
    assert total.diagnosis == Diagnosis(sessions=3, concluded=1, escalated=1, open=1,
                                        mean_questions=0.6667,
                                        top_faults={"HCP-100": {"bearing_failure": 1}})
    # gaps: C's two answers that did not help, D's two fallbacks.
    assert total.gaps == Gaps(turns=4, by_kind={"fallback": 2, "not_helped": 2})
    # per tier and priority: premium P1 T2; premium P3 T1 T4; standard P1 T3 T5.
    assert report.sla_cells == [SlaCell("premium_24_7", "P1", 1, 0, 1, 0, 0, 1, 0),
                                SlaCell("premium_24_7", "P3", 2, 1, 1, 0, 1, 1, 0),
                                SlaCell("standard", "P1", 2, 2, 0, 0, 2, 0, 0)]
    # T2 response due 09:01, met 09:31; T2 resolution due 16:01, met 20:01; T4 response due
    # 12 Nov 18:00, open: 12 d 18 h = 306 h at NOW; T4 resolution due 15 Nov 10:00: 242 h.
    assert [(b.number, b.kind, b.met_at, b.late_h) for b in report.breaches] == [
        (2, "response", utc(2026, 11, 9, 9, 31), 0.5),
        (2, "resolution", utc(2026, 11, 9, 20, 1), 4.0),
        (4, "response", None, 306.0), (4, "resolution", None, 242.0)]


def test_groups_counted_by_hand(scenario):
    def by(group_by: str) -> dict[str, Any]:
        report = compute_kpis(scenario, start=START, end=END, now=NOW, group_by=group_by)
        return {g.group: g for g in report.groups}

    week = by("week")
    assert list(week) == ["2026-W45", "2026-W46"]
    w45, w46 = week["2026-W45"], week["2026-W46"]
    # W45: A B C D E F (contained B; escalated C D; repeated A; unresolved E; no request F:
    # 1 / 5 requests); tickets T1 T5.
    assert (w45.containment.conversations, w45.containment.requests,
            w45.containment.contained, w45.containment.rate, w45.containment.unresolved,
            w45.escalation.escalated, w45.escalation.monitoring_tickets,
            w45.tickets.tickets) == (6, 5, 1, 0.2, 1, 2, 1, 2)
    # W46: G H I J K L (contained none; escalated G H I L; repeated J; no request K);
    # tickets T2 T3 T4.
    assert (w46.containment.conversations, w46.containment.contained,
            w46.containment.no_request, w46.escalation.escalated, w46.containment.repeated,
            w46.tickets.tickets) == (6, 0, 1, 4, 1, 3)
    assert w46.escalation.reasons == {"safety": 1, "low_confidence": 0, "didnt_help": 0,
                                      "asked_for_person": 2, "critical_code": 1,
                                      "monitoring": 0, "other": 0}
    assert (w45.diagnosis.sessions, w46.diagnosis.sessions) == (2, 1)
    assert (w45.satisfaction.ratings, w46.satisfaction.rating_mean) == (1, 2.0)

    language = by("language")
    # en: A B D F G H I J K; de: C E L. Tickets de: T1 T4 T5, en: T2 T3.
    assert {k: (g.containment.conversations, g.tickets.tickets, g.gaps.turns)
            for k, g in language.items()} == {"de": (3, 3, 2), "en": (9, 2, 2)}

    tier = by("tier")
    # conversations by the customer's contract: premium A B C J; standard I; none the rest.
    # Tickets by their contract tier: premium T1 T2 T4 (unidentified: the fastest), standard
    # T3 T5.
    assert {k: (g.containment.conversations, g.tickets.tickets, g.sla.response_compliance)
            for k, g in tier.items()} == {
        "(none)": (7, 0, None), "premium_24_7": (4, 3, 0.3333), "standard": (1, 2, 1.0)}

    customer = by("customer")
    # first-time fixes: CUST-001 T1 (T6 is a service request), CUST-002 T3, CUST-004 T5.
    assert {k: (g.containment.conversations, g.tickets.tickets, g.repair.first_time_fixes)
            for k, g in customer.items()} == {
        "(none)": (7, 2, 0), "CUST-001": (4, 1, 1), "CUST-002": (1, 1, 1),
        "CUST-004": (0, 1, 1)}

    family = by("family")
    assert {k: (g.containment.conversations, g.tickets.tickets, g.diagnosis.sessions)
            for k, g in family.items()} == {
        "(none)": (7, 2, 0), "air_cooled_water_chiller": (0, 1, 0),
        "centrifugal_process_pump": (4, 1, 2), "rotary_screw_compressor": (1, 1, 1)}

    model = by("model")
    assert model["HCP-100"].diagnosis.top_faults == {"HCP-100": {"bearing_failure": 1}}
    assert model["HSC-37"].escalation.reasons["critical_code"] == 1
    # HCP-100: A (repeated) B (contained) C (escalated) J (repeated).
    assert model["HCP-100"].containment == Containment(
        conversations=4, requests=4, contained=1, rate=0.25, escalated=1, ticket_only=0,
        no_request=0, repeated=2, unresolved=0, without_asset=0)


FTF_START, FTF_END = utc(2027, 3, 1), utc(2027, 4, 1)
FTF_NOW = utc(2027, 6, 1)  # every 30-day window has closed


def test_first_time_fix_counted_by_hand(engine):
    """First-time fix and MTTR count incidents only; only a later incident on the same
    machine within 30 days of the resolution (inclusive) cancels a fix. Period March 2027,
    as of 1 June; CUST-003 and CUST-008 (premium 24/7: wall clock).

    ticket  type             machine           created (UTC)    resolved         wall h
    R1      incident         H37S-2021-01033   Mon 01 Mar 08:00 01 Mar 12:00        4
    S1      service_request  H37S-2021-01033   Fri 05 Mar 09:00 (monitoring maintenance
                                                                reminder, resolved 06 Mar)
    Q1      question         H37S-2021-01033   Mon 08 Mar 10:00 (open)
    B1      service_request  H37S-2021-01033   Wed 10 Mar 10:00 (a visit booked in the chat)
    R2      incident         P100-2021-00777   Tue 02 Mar 08:00 03 Mar 08:00       24
    R3      incident         P100-2021-00777   Sat 20 Mar 08:00 20 Mar 18:00       10
            (monitoring, another error code: 17 days after R2's resolution)
    R4      incident         W060-2021-00207   Thu 04 Mar 08:00 04 Mar 10:00        2
    R5      incident         W060-2021-00207   Sat 03 Apr 10:01 (outside the period; one
                                                                minute after R4's window
                                                                ends, 03 Apr 10:00)
    R6      incident         W060-2021-00208   Sat 06 Mar 08:00 06 Mar 14:00        6
    R7      incident         W060-2021-00208   Mon 05 Apr 14:00 (outside; exactly 30 days
                                                                after R6's resolution)
    N1      incident         (no machine)      Mon 15 Mar 08:00 15 Mar 11:00        3
    S2      service_request  H75S-2022-00264   Mon 08 Mar 08:00 09 Mar 08:00  (24, not counted)
    Q2      question         P100-2020-00315   Tue 09 Mar 08:00 09 Mar 10:00   (2, not counted)
    """
    def resolved(created: datetime, done: datetime) -> tuple[tuple[datetime, str], ...]:
        return ((created, "in_progress"), (done, "resolved"))

    cust3 = {"customer_id": "CUST-003", "language": "en"}
    cust8 = {"customer_id": "CUST-008", "language": "en"}
    m1, m2, m3, m4 = ("H37S-2021-01033", "P100-2021-00777", "W060-2021-00207",
                      "W060-2021-00208")
    ticket(engine, utc(2027, 3, 1, 8), serial=m1, priority="P2", channel="chat",
           steps=resolved(utc(2027, 3, 1, 8), utc(2027, 3, 1, 12)), **cust3)  # R1
    ticket(engine, utc(2027, 3, 5, 9), actor=MONITOR, serial=m1, type="service_request",
           priority="P4", channel="monitoring",
           steps=resolved(utc(2027, 3, 5, 10), utc(2027, 3, 6, 9)), **cust3)  # S1
    ticket(engine, utc(2027, 3, 8, 10), serial=m1, type="question", priority="P3",
           channel="chat", escalation_reason="low_confidence", **cust3)  # Q1
    ticket(engine, utc(2027, 3, 10, 10), serial=m1, type="service_request", priority="P4",
           channel="chat", **cust3)  # B1
    ticket(engine, utc(2027, 3, 2, 8), serial=m2, priority="P2", channel="chat",
           error_code="E101", steps=resolved(utc(2027, 3, 2, 9), utc(2027, 3, 3, 8)),
           **cust3)  # R2
    ticket(engine, utc(2027, 3, 20, 8), actor=MONITOR, serial=m2, priority="P2",
           channel="monitoring", error_code="E205",
           steps=resolved(utc(2027, 3, 20, 9), utc(2027, 3, 20, 18)), **cust3)  # R3
    ticket(engine, utc(2027, 3, 4, 8), serial=m3, priority="P2", channel="chat",
           steps=resolved(utc(2027, 3, 4, 8, 30), utc(2027, 3, 4, 10)), **cust3)  # R4
    ticket(engine, utc(2027, 4, 3, 10, 1), serial=m3, priority="P2", channel="chat",
           **cust3)  # R5
    ticket(engine, utc(2027, 3, 6, 8), serial=m4, priority="P2", channel="chat",
           steps=resolved(utc(2027, 3, 6, 9), utc(2027, 3, 6, 14)), **cust3)  # R6
    ticket(engine, utc(2027, 4, 5, 14), serial=m4, priority="P2", channel="chat",
           **cust3)  # R7
    ticket(engine, utc(2027, 3, 15, 8), priority="P2", channel="chat",
           steps=resolved(utc(2027, 3, 15, 9), utc(2027, 3, 15, 11)), **cust3)  # N1
    ticket(engine, utc(2027, 3, 8, 8), serial="H75S-2022-00264", type="service_request",
           priority="P4", channel="chat",
           steps=resolved(utc(2027, 3, 8, 9), utc(2027, 3, 9, 8)), **cust8)  # S2
    ticket(engine, utc(2027, 3, 9, 8), serial="P100-2020-00315", type="question",
           priority="P3", channel="chat",
           steps=resolved(utc(2027, 3, 9, 9), utc(2027, 3, 9, 10)), **cust8)  # Q2

    report = compute_kpis(engine, start=FTF_START, end=FTF_END, now=FTF_NOW)
    # Resolved incidents of the period: R1 R2 R3 R4 R6 N1 (R5 and R7 are April's; S1 S2 Q2
    # are no incidents). MTTR (4 + 24 + 10 + 2 + 6 + 3) / 6 = 49 / 6 = 8.1667 wall h.
    # With a machine: R1 R2 R3 R4 R6 (N1: no_machine). First-time fixes:
    #   R1 yes: S1, Q1 and B1 on its machine within the window are no repeat failure;
    #   R2 no:  R3, an incident on its machine 17 days later (another code: still counted);
    #   R3 yes: no later incident on its machine;
    #   R4 yes: R5 came one minute after the window;
    #   R6 no:  R7 came exactly 30 days after (the window is inclusive).
    # -> 3 / 5 = 0.6 (counting any later ticket, R1 would fail too: 2 / 5).
    assert report.total.repair == Repair(
        incidents_resolved=6, mttr_h=8.1667, first_time_fix_eligible=5, first_time_fixes=3,
        first_time_fix_rate=0.6, no_machine=1)
    # CUST-008 has only a service request S2 and a question Q2, both resolved: no repair.
    customer = {g.group: g.repair for g in compute_kpis(
        engine, start=FTF_START, end=FTF_END, now=FTF_NOW, group_by="customer").groups}
    assert customer == {
        "CUST-003": report.total.repair,
        "CUST-008": Repair(incidents_resolved=0, mttr_h=None, first_time_fix_eligible=0,
                           first_time_fixes=0, first_time_fix_rate=None, no_machine=0)}


# -- containment: answered, feedback, fallbacks, small talk -----------------------------------
CONT_START, CONT_END = utc(2026, 12, 7), utc(2026, 12, 14)
CONT_NOW = utc(2026, 12, 20)
MANUAL = {"kind": "manual_answer", "document": "hcp-manual-en",
          "section_id": "hcp.fault.pump_not_primed_air_bound", "score": 0.86}
HELP = {"kind": "feedback_request"}
PART = {"kind": "spare_part", "part": "mechanical seal"}


def written(sender: str, at: datetime, *turns: tuple[str, str, str, tuple[dict[str, Any], ...]],
            slots: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """A conversation written here: per customer message (intent, text, action, the bot's
    custom payloads; an empty one: a reply of text only), a minute apart; `slots` set with
    the first message."""
    t = at.timestamp()
    events: list[dict[str, Any]] = [{"sender_id": sender, "event": "session_started",
                                     "timestamp": t}]
    for n, (intent, text, action, replies) in enumerate(turns):
        ts = t + 60 * (n + 1)
        events.append(user(sender, ts, text, intent))
        if n == 0:
            events += [{"sender_id": sender, "event": "slot", "timestamp": ts + 0.1,
                        "name": name, "value": value}
                       for name, value in (slots or {}).items()]
        events.append({"sender_id": sender, "event": "action", "timestamp": ts + 0.5,
                       "name": action})
        events += [{"sender_id": sender, "event": "bot", "timestamp": ts + 1 + i / 10,
                    "text": "...", "data": {"custom": custom or None}}
                   for i, custom in enumerate(replies)]
    return events


def test_containment_counted_by_hand(engine):
    """Containment needs an answer, a last "did this help?" that is not "no" and no message
    left not understood after the last answer; a conversation of small talk only asked for
    nothing and is out of the rate. Week of Mon 7 Dec 2026, nothing escalated, no tickets.

    conv            start (UTC)   messages -> the assistant's replies                 bucket
    greeting        Mon 07 09:00  hi -> greeting; bye -> goodbye (machine M known)    no_request
    yes             Mon 07 11:00  how-to -> manual answer + "did this help?"; yes     contained
    no              Tue 08 10:00  how-to -> answer + "help?"; no; bye                 unresolved
    yes-then-no     Tue 08 14:00  how-to -> answer; yes; how-to -> answer; no; thanks unresolved
    no-then-yes     Wed 09 10:00  how-to -> answer; no; how-to -> answer; yes         contained
    fallback-last   Wed 09 14:00  how-to -> answer; yes; "xqzv plorf" (fallback)
                                  -> "please rephrase"                                unresolved
    fallback-first  Thu 10 10:00  "asdkjh" (fallback) -> "please rephrase"; part?
                                  -> spare-part answer (no "did this help?"); thanks  contained
    unanswered      Thu 10 14:00  maintenance? -> "which machine?"; (left)            unresolved

    "yes" is about machine M 2 h after "greeting" ended: "greeting" is no request, not a
    repeat (the old rule counted it as repeated and every other conversation as contained).
    """
    machine = {"asset_serial": "P100-2021-00542", "asset_model": "HCP-100",
               "asset_family": "centrifugal_process_pump", "customer_id": "CUST-001"}
    how_to = ("ask_how_to", "How do I bleed the pump?", "action_answer_manual", (MANUAL, HELP))
    yes = ("affirm", "/affirm", "action_handle_answer", ({},))
    no = ("deny", "/deny", "action_handle_answer", ({},))
    fallback = ("nlu_fallback", "xqzv plorf", "action_handle_fallback", ({},))
    thanks = ("thank", "thanks", "action_thank", ({},))
    bye = ("goodbye", "bye", "action_goodbye", ({},))
    ingest(engine, [
        *written("greeting", utc(2026, 12, 7, 9), ("greet", "hi", "action_greet", ({},)), bye,
                 slots=machine),
        *written("yes", utc(2026, 12, 7, 11), how_to, yes, slots=machine),
        *written("no", utc(2026, 12, 8, 10), how_to, no, bye),
        *written("yes-then-no", utc(2026, 12, 8, 14), how_to, yes, how_to, no, thanks),
        *written("no-then-yes", utc(2026, 12, 9, 10), how_to, no, how_to, yes),
        *written("fallback-last", utc(2026, 12, 9, 14), how_to, yes, fallback),
        *written("fallback-first", utc(2026, 12, 10, 10),
                 ("nlu_fallback", "asdkjh", "action_handle_fallback", ({},)),
                 ("ask_spare_part", "Which seal fits?", "action_answer_spare_part", (PART,)),
                 thanks),
        *written("unanswered", utc(2026, 12, 10, 14),
                 ("ask_maintenance", "When is the next service due?",
                  "action_answer_maintenance", ({},))),
    ])
    total = compute_kpis(engine, start=CONT_START, end=CONT_END, now=CONT_NOW).total
    # 8 conversations; no request: greeting -> 8 - 1 = 7 requests. Contained: yes,
    # no-then-yes (its last answer "yes"), fallback-first (answered after the fallback) = 3;
    # unresolved: no, yes-then-no (last "no"), fallback-last (a fallback after the last
    # answer), unanswered (no answer) = 4. 3 + 4 = 7. Rate 3 / 7 = 0.4286. Machine known:
    # greeting and yes -> 6 without.
    assert total.containment == Containment(
        conversations=8, requests=7, contained=3, rate=0.4286, escalated=0, ticket_only=0,
        no_request=1, repeated=0, unresolved=4, without_asset=6)
    assert total.escalation.escalated == 0 and total.tickets.tickets == 0
    # "did this help?": yes in yes, yes-then-no, no-then-yes, fallback-last = 4; no in no,
    # yes-then-no, no-then-yes = 3. Gaps: the 3 answers that did not help, the 2 fallbacks.
    assert (total.satisfaction.helped_yes, total.satisfaction.helped_no) == (4, 3)
    assert total.gaps == Gaps(turns=5, by_kind={"fallback": 2, "not_helped": 3})


def test_a_replayed_or_reordered_stream_gives_identical_kpis(engine, recorded, db_url,
                                                             tmp_path):
    from db.migrate import upgrade
    from tickets.database import create_store_engine

    scenario_tickets(engine)
    events = scenario_events(recorded)
    ingest(engine, events)
    first = {g: asdict(compute_kpis(engine, start=START, end=END, now=NOW, group_by=g))
             for g in (None, "week", "model")}
    ingest(engine, events)  # the whole stream again: nothing changes
    again = {g: asdict(compute_kpis(engine, start=START, end=END, now=NOW, group_by=g))
             for g in (None, "week", "model")}
    assert again == first

    # Another database fed in another order, in small batches, with duplicates.
    url = f"sqlite:///{tmp_path / 'replay.db'}"
    upgrade(url)
    other = create_store_engine(url)
    try:
        scenario_tickets(other)
        shuffled = list(events) + events[:40]
        random.Random(7).shuffle(shuffled)
        for index in range(0, len(shuffled), 17):
            ingest(other, shuffled[index:index + 17])
        replayed = {g: asdict(compute_kpis(other, start=START, end=END, now=NOW, group_by=g))
                    for g in (None, "week", "model")}
    finally:
        other.dispose()

    def same(report: dict[str, Any]) -> dict[str, Any]:  # ticket ids are random uuids
        return {**report, "breaches": [{**b, "ticket_id": None} for b in report["breaches"]]}

    assert {g: same(r) for g, r in replayed.items()} == {g: same(r) for g, r in first.items()}


def test_bad_arguments(engine):
    with pytest.raises(ValueError):
        compute_kpis(engine, start=START, end=END, now=NOW, group_by="colour")
    with pytest.raises(ValueError):
        compute_kpis(engine, start=END, end=START, now=NOW)
    with pytest.raises(ValueError):
        compute_kpis(engine, start=datetime(2026, 11, 2), end=END, now=NOW)


# -- the endpoint -----------------------------------------------------------------------------
@pytest.fixture()
def client(app, scenario):  # noqa: F811
    from api.deps import get_now

    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app) as test_client:
        yield test_client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_endpoint_json_csv_and_roles(client, keys):  # noqa: F811
    url = "/api/v1/kpis?from=2026-11-02&to=2026-11-15"  # `to` a date: the whole day
    body = client.get(url + "&group_by=week", headers=auth(keys["engineer"])).json()
    assert body["total"]["containment"]["contained"] == 1
    assert [g["group"] for g in body["groups"]] == ["2026-W45", "2026-W46"]
    assert body["breaches"][0]["number"] == 2
    assert client.get(url, headers=auth(keys["admin"])).status_code == 200
    assert client.get(url, headers=auth(keys["customer"])).status_code == 403
    assert client.get(url, headers=auth(keys["assistant"])).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url + "&group_by=colour", headers=auth(keys["engineer"])).status_code \
        == 422
    assert client.get("/api/v1/kpis?from=2026-11-10&to=2026-11-02",
                      headers=auth(keys["engineer"])).status_code == 422

    csv = client.get(url + "&format=csv&group_by=tier", headers=auth(keys["engineer"]))
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "group_by,group,kpi,value"
    assert ",all,containment.contained,1" in lines
    assert ",all,containment.requests,10" in lines
    assert "tier,standard,tickets.tickets,2" in lines
    assert ",all,escalation.reasons.safety,1" in lines
    assert ",all,diagnosis.top_faults.HCP-100.bearing_failure,1" in lines
    accept = client.get(url, headers={**auth(keys["engineer"]), "Accept": "text/csv"})
    assert accept.text == client.get(url + "&format=csv", headers=auth(keys["engineer"])).text
    breaches = client.get(url + "&format=csv&table=breaches",
                          headers=auth(keys["engineer"])).text.splitlines()
    assert breaches[0].startswith("ticket_id,number,customer_id,priority,tier,kind,due_at")
    assert len(breaches) == 5


def test_gaps_endpoint_with_a_fixed_encoder(client, app, keys):  # noqa: F811
    import numpy as np

    from analytics import kpi_gaps
    from api.routes.kpis import get_gap_encoder

    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        # German questions about the pump close together, the gibberish apart
        table = {"Wie entlüfte ich die Pumpe P100-2021-00542?": [1.0, 0.1, 0.0],
                 "Wie wechsle ich die Gleitringdichtung?": [1.0, 0.2, 0.0],
                 "asdkjh qwe zzz": [0.0, 0.0, 1.0], "xqzv plorf": [0.0, 1.0, 0.0]}
        vectors = np.array([table[t] for t in texts])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    kpi_gaps.clear_cache()
    app.dependency_overrides[get_gap_encoder] = lambda: ("fixed", encode)
    url = "/api/v1/kpis/gaps?from=2026-11-02&to=2026-11-15"
    body = client.get(url, headers=auth(keys["engineer"])).json()
    assert (body["questions"], body["distinct"], body["cached"]) == (4, 4, False)
    assert [(c["questions"], sorted(c["examples"]), c["kinds"]) for c in body["clusters"]] == [
        (2, ["Wie entlüfte ich die Pumpe P100-2021-00542?",
             "Wie wechsle ich die Gleitringdichtung?"], {"not_helped": 2}),
        (1, ["asdkjh qwe zzz"], {"fallback": 1}), (1, ["xqzv plorf"], {"fallback": 1})]
    again = client.get(url, headers=auth(keys["engineer"])).json()
    assert again["cached"] is True and len(calls) == 1
    assert again["clusters"] == body["clusters"]
    # the language detected for each message: the gibberish of D was taken for German
    german = client.get(url + "&language=de", headers=auth(keys["engineer"])).json()
    assert german["questions"] == 4
    english = client.get(url + "&language=en", headers=auth(keys["engineer"])).json()
    assert (english["questions"], english["clusters"]) == (0, [])
    csv = client.get(url + "&format=csv", headers=auth(keys["engineer"])).text.splitlines()
    assert csv[0] == "cluster,questions,distinct,label,kinds,languages,examples,last_at"
    assert len(csv) == 4
    assert client.get(url, headers=auth(keys["customer"])).status_code == 403
    assert client.get(url + "&kinds=nonsense",
                      headers=auth(keys["engineer"])).status_code == 422
