"""Service KPIs for a period, from the analytics tables and the tickets; framework-free (an
engine in, frozen dataclasses out), read-only. Every definition is in docs/kpis.md; in brief:

- **conversations**: the analytics conversations started in [start, end) with at least one
  customer message. They are grouped (language, family, model, customer, contract tier, ISO
  week) by their own facts; tickets by theirs (the ticket's language, machine, customer,
  contract tier, creation week).
- **containment**: a conversation is contained when it was not escalated, no ticket belongs
  to it (one the chat opened, one the API opened for it such as a callback request, or one
  it joined), no other conversation about the same machine started within 72 h after its
  last event (conversations without a machine cannot repeat), and the assistant resolved it:
  it answered (ANSWER_KINDS: a manual answer, a diagnosis conclusion, a maintenance, spare
  part, contract or ticket-status answer), the last "did this help?" answer was not "no",
  and no message it did not understand (an NLU fallback) came after its last answer. A
  conversation whose messages were all small talk (SMALL_TALK_INTENTS: greetings, thanks,
  goodbyes, a rating) asked for nothing: `no_request`, neither contained nor escalated, and
  out of the containment rate's denominator (`requests`).
- **escalation**: a conversation is escalated when the assistant decided so (the analytics'
  `escalated`) or a ticket with an escalation reason belongs to it. Its reason (the first) is
  put in one of six categories (ESCALATION_CATEGORIES): `safety` (a `critical` escalation
  made by the urgent-safety action), `critical_code` (any other `critical`: a critical
  error code or condition in the guided diagnosis), `low_confidence`, `didnt_help`
  (`repeated_failure`), `asked_for_person` (`customer_request`), `monitoring` (tickets the
  remote monitoring opened, channel "monitoring": counted as escalations, not conversations,
  so they are not in the rate).
- **tickets**: created in [start, end): first response and resolution times on the contract
  tier's clock (business hours on a business-hours tier, wall hours on a 24/7 one; resolution
  net of the time the clock was paused waiting for the customer), wall times too; SLA met,
  breached and pending per deadline (tickets/performance.py, as the ticket API shows them).
- **repair**: mean time to repair (wall hours, creation to resolution) of resolved incident
  tickets; first-time fix: a resolved incident ticket of a known machine after which no other
  *incident* about the same machine (a repeat failure, whatever its error code, reason or
  channel) was opened within 30 days of its resolution. Service requests (maintenance
  reminders, visit bookings, forecasts) and questions neither count nor cancel a fix. The
  store keeps no status history, so an earlier reopen cannot be seen.
- **satisfaction**: "did this help?" answers (yes, no) and the conversations' 1-5 ratings.
- **diagnosis**: guided-diagnosis sessions started in [start, end): concluded, escalated,
  open, mean questions asked, the top faults concluded per model.
- **gaps**: the conversations' turns that are knowledge gaps, per kind.

Conversations, gaps and diagnoses are counted in SQL per group (and per the flags above), so
a quarter of conversations costs a few statements, not a row each in Python."""

from __future__ import annotations

import bisect
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    Interval,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import aliased

from db.analytics import AnalyticsConversation, AnalyticsDiagnosis, AnalyticsTurn
from db.tickets import Ticket, TicketConversation
from tickets import performance
from tickets.catalog import Catalog, default_catalog
from tickets.performance import Breach, SlaCell, TicketClocks

GROUPS = ("language", "family", "model", "customer", "tier", "week")
NONE = "(none)"
REPEAT_WINDOW = timedelta(hours=72)
FIX_WINDOW = timedelta(days=30)
ESCALATION_CATEGORIES = ("safety", "low_confidence", "didnt_help", "asked_for_person",
                         "critical_code", "monitoring", "other")
REASON_CATEGORIES = {"low_confidence": "low_confidence", "repeated_failure": "didnt_help",
                     "customer_request": "asked_for_person", "critical": "critical_code"}
SAFETY_ACTIONS = frozenset({"action_urgent_safety"})
SAFETY_INTENTS = frozenset({"urgent_safety"})
GAP_KINDS = ("fallback", "not_helped", "low_score", "no_answer", "out_of_domain")
TOP_FAULTS = 3
MONITORING_CHANNEL = "monitoring"
INCIDENT = "incident"  # a fault ticket; the others: service_request, question
# What the assistant answers a request with: the reply kinds (analytics_turns.reply_kinds)
# that resolve (the bot's flows.conversation.ANSWER_KINDS but "ticket": a ticket is never
# contained). A question back (diagnosis_question, asset), an alert shown, the safety advice
# before a handover or "that is outside what I do" (out_of_domain) are none.
ANSWER_KINDS = frozenset({"manual_answer", "diagnosis_conclusion", "maintenance", "spare_part",
                          "contract", "ticket_status"})
# Messages that ask for nothing: a conversation of only these made no request.
SMALL_TALK_INTENTS = frozenset({"greet", "goodbye", "thank", "rate_conversation"})


# -- the report -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Containment:
    """Every conversation is in exactly one bucket, the first that applies: escalated,
    ticket_only, no_request, repeated, unresolved, else contained."""

    conversations: int  # with at least one customer message
    requests: int  # conversations - no_request: the rate's denominator
    contained: int
    rate: float | None  # contained / requests
    escalated: int  # not contained: escalated
    ticket_only: int  # not contained: a ticket (e.g. a booked visit) without an escalation
    no_request: int  # neither: only greetings, thanks, goodbyes, a rating (not in `requests`)
    repeated: int  # not contained: another conversation about the machine within 72 h
    unresolved: int  # not contained: no answer, the last "did this help?" was "no", or it
    #                  ended on a message not understood (a fallback after the last answer)
    without_asset: int  # conversations about no identified machine (cannot repeat)


@dataclass(frozen=True)
class Escalation:
    conversations: int
    escalated: int  # conversations escalated
    rate: float | None  # escalated / conversations
    monitoring_tickets: int  # tickets opened by the remote monitoring (not in the rate)
    reasons: dict[str, int]  # ESCALATION_CATEGORIES -> escalations (monitoring: tickets)


@dataclass(frozen=True)
class TicketTimes:
    tickets: int
    by_channel: dict[str, int]  # chat, monitoring, ... ("(none)": no channel given)
    unidentified: int  # opened before the customer was known (still unknown)
    responded: int
    first_response_h: float | None  # mean, on the contract's clock
    first_response_median_h: float | None
    first_response_wall_h: float | None  # mean, wall hours
    resolved: int
    resolution_h: float | None  # mean, contract clock, net of customer-waiting pauses
    resolution_median_h: float | None
    resolution_wall_h: float | None  # mean, wall hours, pauses included


@dataclass(frozen=True)
class Sla:
    response_met: int
    response_breached: int
    response_pending: int
    resolution_met: int
    resolution_breached: int
    resolution_pending: int
    response_compliance: float | None  # met / (met + breached)
    resolution_compliance: float | None


@dataclass(frozen=True)
class Repair:
    incidents_resolved: int
    mttr_h: float | None  # mean wall hours from creation to resolution
    first_time_fix_eligible: int  # resolved incidents of a known machine
    first_time_fixes: int
    first_time_fix_rate: float | None
    no_machine: int  # resolved incidents without a machine: not judged


@dataclass(frozen=True)
class Satisfaction:
    helped_yes: int
    helped_no: int
    helped_rate: float | None  # yes / (yes + no)
    ratings: int  # conversations with a 1-5 rating (their last one)
    rating_mean: float | None
    rating_distribution: dict[str, int]  # "1".."5" -> conversations


@dataclass(frozen=True)
class Diagnosis:
    sessions: int
    concluded: int
    escalated: int
    open: int
    mean_questions: float | None
    top_faults: dict[str, dict[str, int]]  # model -> fault -> concluded sessions (top 3)


@dataclass(frozen=True)
class Gaps:
    turns: int
    by_kind: dict[str, int]


@dataclass(frozen=True)
class GroupKpis:
    group: str  # the group's value ("all" without grouping; "(none)": not known)
    containment: Containment
    escalation: Escalation
    tickets: TicketTimes
    sla: Sla
    repair: Repair
    satisfaction: Satisfaction
    diagnosis: Diagnosis
    gaps: Gaps


@dataclass(frozen=True)
class KpiReport:
    start: datetime
    end: datetime
    now: datetime
    group_by: str | None
    total: GroupKpis
    groups: list[GroupKpis]  # sorted by group; [] without grouping
    sla_cells: list[SlaCell]  # per contract tier and priority, the whole period
    breaches: list[Breach]  # every missed deadline of the period's tickets


# -- rows as read: aggregated in SQL per group and per the flags the KPIs need ---------------
@dataclass(frozen=True)
class _Convs:
    """Conversations of one group sharing the same flags (`count` of them)."""

    key: str
    category: str | None
    has_ticket: bool
    repeated: bool
    has_asset: bool
    no_request: bool  # only small talk (set only when neither escalated nor with a ticket)
    resolved: bool  # answered, not "no" last, no fallback after (idem)
    rating: int | None
    count: int
    helped_yes: int
    helped_no: int


@dataclass(frozen=True)
class _Sessions:
    key: str
    outcome: str
    fault_id: str | None
    model: str | None
    count: int
    questions: int


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def week_of(moment: datetime) -> str:
    iso = moment.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


WEEK_ZERO = date(2000, 1, 3)  # a Monday: week n starts 7 n days later (ISO weeks start Monday)


def _week_index(column: Any, dialect: str) -> Any:
    """The week of a UTC timestamp column as a number of weeks since WEEK_ZERO, in SQL."""
    if dialect == "sqlite":
        return cast((func.julianday(column) - 2451546.5) / 7, Integer)  # 2000-01-03 00:00
    return cast(func.floor(func.extract("epoch", type_coerce(column, DateTime())
                                        - literal_column("timestamp '2000-01-03'"))
                           / 604800), Integer)


def _within_72h(later: Any, last: Any, dialect: str) -> Any:
    if dialect == "sqlite":  # julianday: days as a double (resolution well under a ms)
        return func.julianday(later) <= func.julianday(last) + REPEAT_WINDOW.days \
            + REPEAT_WINDOW.seconds / 86400
    return later <= type_coerce(last, DateTime()) + literal_column(
        f"interval '{int(REPEAT_WINDOW.total_seconds())} seconds'", Interval())


def _reply_kinds(column: Any, dialect: str) -> Any:
    """A turn's reply kinds (a JSON list) as a table of one column, `value`, in SQL."""
    elements = func.json_each if dialect == "sqlite" else func.json_array_elements_text
    return elements(column).table_valued("value")


def _resolution(C: Any, dialect: str) -> tuple[Any, Any]:
    """(no_request, resolved) of the conversation row C, as SQL (1 or 0) from its turns:
    resolved when a turn got an answer (ANSWER_KINDS), the last turn with a "did this help?"
    answer was not answered "no", and no fallback turn came after the last answered one;
    no_request when every customer message was small talk. Nested CASEs read the turns only
    when the conversation's counters (manual answers, "no" answers, fallbacks) leave the
    question open."""
    request, answer, feedback, fallback = (aliased(AnalyticsTurn, name=name) for name in (
        "request_turn", "answer_turn", "feedback_turn", "fallback_turn"))
    kinds = _reply_kinds(answer.reply_kinds, dialect)
    answered_turn = and_(answer.conversation_id == C.conversation_id, exists().select_from(
        kinds).where(kinds.c.value.in_(sorted(ANSWER_KINDS))))
    answered = case((C.manual_answers > 0, 1),
                    else_=case((exists().where(answered_turn), 1), else_=0))
    last_answer = select(func.max(answer.seq)).where(answered_turn) \
        .correlate(C).scalar_subquery()  # C also from inside fallback_after, two levels down
    last_helped = select(feedback.helped).where(
        feedback.conversation_id == C.conversation_id, feedback.helped.is_not(None)
    ).order_by(feedback.seq.desc()).limit(1).scalar_subquery()
    last_said_no = case((C.helped_no == 0, 0),
                        else_=case((last_helped.is_(False), 1), else_=0))
    fallback_after = case((C.fallbacks == 0, 0), else_=case((exists().where(
        fallback.conversation_id == C.conversation_id, fallback.fallback.is_(True),
        fallback.seq > last_answer), 1), else_=0))
    resolved = case((answered == 0, 0), (last_said_no == 1, 0), (fallback_after == 1, 0),
                    else_=1)
    asked = exists().where(
        request.conversation_id == C.conversation_id,
        or_(request.intent.is_(None), request.intent.not_in(sorted(SMALL_TALK_INTENTS))))
    return case((asked, 0), else_=1), resolved


def category(reason: str | None, *, action: str | None = None,
             intent: str | None = None, safety: bool = False) -> str | None:
    """The KPI category of a stored escalation reason (None: not escalated); `action` and
    `intent` are the escalating turn's, or `safety` says the urgent-safety action escalated
    (they tell a safety emergency from a critical code)."""
    if not reason:
        return None
    if reason == "critical" and (safety or action in SAFETY_ACTIONS
                                 or intent in SAFETY_INTENTS):
        return "safety"
    return REASON_CATEGORIES.get(reason, "other")


def _conv_key(group_by: str | None, dialect: str, C: Any) -> Any:
    if group_by is None:
        return literal_column("'all'")
    if group_by == "week":
        return _week_index(C.started_at, dialect)
    return {"language": C.language, "family": C.asset_family, "model": C.asset_model,
            "customer": C.customer_id, "tier": C.customer_id}[group_by]


def _label(group_by: str | None, raw: Any, catalog: Catalog) -> str:
    """A group's name from the SQL key (customers become their tier, week numbers ISO weeks)."""
    if group_by is None:
        return "all"
    if raw is None:
        return NONE
    if group_by == "week":
        return week_of(datetime.combine(WEEK_ZERO + timedelta(weeks=int(raw)), datetime.min.time()))
    if group_by == "tier":
        customer = catalog.customers.get(str(raw))
        return customer.tier if customer else NONE
    return str(raw)


def _conversations(connection: Connection, start: datetime, end: datetime,
                   group_by: str | None, catalog: Catalog) -> list[_Convs]:
    """The period's conversations counted per group and flags, in one statement: the flags of
    each conversation come from correlated subqueries (its tickets, its escalating turns,
    a later conversation about the same machine, its turns' answers, feedback and fallbacks)
    on indexed columns."""
    dialect = connection.dialect.name
    C, T = AnalyticsConversation, AnalyticsTurn
    later = aliased(AnalyticsConversation)
    safety = exists().where(
        T.conversation_id == C.conversation_id, T.escalation_reason.is_not(None),
        or_(T.action.in_(sorted(SAFETY_ACTIONS)), T.intent.in_(sorted(SAFETY_INTENTS))))
    linked = or_(exists().where(Ticket.conversation_id == C.conversation_id),
                 exists().where(TicketConversation.conversation_id == C.conversation_id))
    own_reason = select(Ticket.escalation_reason).where(
        Ticket.conversation_id == C.conversation_id, Ticket.escalation_reason.is_not(None)
    ).order_by(Ticket.created_at, Ticket.number).limit(1).scalar_subquery()
    joined_reason = select(Ticket.escalation_reason).join(
        TicketConversation, TicketConversation.ticket_id == Ticket.id).where(
        TicketConversation.conversation_id == C.conversation_id,
        Ticket.escalation_reason.is_not(None)
    ).order_by(TicketConversation.joined_at).limit(1).scalar_subquery()
    repeated = exists().where(
        later.asset_serial == C.asset_serial, later.started_at > C.started_at,
        _within_72h(later.started_at, C.last_event_at, dialect), later.user_messages > 0)
    no_request, resolved = _resolution(C, dialect)
    # Whether it asked for anything and was resolved matter only to a conversation that may
    # be contained: the turns are not read for one escalated or with the chat's ticket.
    settled = or_(C.escalated, C.ticket_number.is_not(None))
    inner = select(
        _conv_key(group_by, dialect, C).label("k"),
        # Nested CASEs: the subqueries run only for the rows that need them.
        case((C.escalated, C.escalation_reason), else_=None).label("reason"),
        case((C.escalated, None), else_=case(
            (linked, func.coalesce(own_reason, joined_reason)), else_=None))
        .label("ticket_reason"),
        case((C.escalation_reason == "critical", case((safety, 1), else_=0)), else_=0)
        .label("safety"),
        case((C.ticket_number.is_not(None), 1), else_=case((linked, 1), else_=0))
        .label("has_ticket"),
        case((repeated, 1), else_=0).label("repeated"),
        case((C.asset_serial.is_not(None), 1), else_=0).label("has_asset"),
        case((settled, 0), else_=no_request).label("no_request"),
        case((settled, 0), else_=resolved).label("resolved"),
        C.rating, C.helped_yes, C.helped_no,
    ).select_from(C).where(C.started_at >= start, C.started_at < end,
                           C.user_messages > 0).subquery()
    flags = [inner.c.k, inner.c.reason, inner.c.ticket_reason, inner.c.safety,
             inner.c.has_ticket, inner.c.repeated, inner.c.has_asset, inner.c.no_request,
             inner.c.resolved, inner.c.rating]
    rows = connection.execute(select(
        *flags, func.count(), func.coalesce(func.sum(inner.c.helped_yes), 0),
        func.coalesce(func.sum(inner.c.helped_no), 0)).group_by(*flags)).all()
    return [_Convs(_label(group_by, k, catalog),
                   category(reason or ticket_reason, safety=bool(is_safety)),
                   bool(has_ticket), bool(is_repeated), bool(has_asset), bool(is_no_request),
                   bool(is_resolved), rating, int(count), int(yes), int(no))
            for (k, reason, ticket_reason, is_safety, has_ticket, is_repeated, has_asset,
                 is_no_request, is_resolved, rating, count, yes, no) in rows]


def _gap_counts(connection: Connection, start: datetime, end: datetime,
                group_by: str | None, catalog: Catalog) -> list[tuple[str, str, int]]:
    C, T = AnalyticsConversation, AnalyticsTurn
    key = _conv_key(group_by, connection.dialect.name, C).label("k")
    return [(_label(group_by, r[0], catalog), str(r[1]), int(r[2])) for r in connection.execute(
        select(key, T.gap, func.count()).select_from(T)
        .join(C, C.conversation_id == T.conversation_id)
        .where(T.gap.in_(GAP_KINDS), C.started_at >= start, C.started_at < end,
               C.user_messages > 0)
        .group_by(*([] if group_by is None else [key]), T.gap))]


def _diagnoses(connection: Connection, start: datetime, end: datetime,
               group_by: str | None, catalog: Catalog) -> list[_Sessions]:
    C, D = AnalyticsConversation, AnalyticsDiagnosis
    model = func.coalesce(D.asset_model, C.asset_model)
    key: Any = {None: literal_column("'all'"), "language": C.language,
                "family": func.coalesce(D.asset_family, C.asset_family), "model": model,
                "customer": C.customer_id, "tier": C.customer_id,
                "week": _week_index(D.started_at, connection.dialect.name)}[group_by]
    key = key.label("k")
    rows = connection.execute(
        select(key, D.outcome, D.fault_id, model.label("m"), func.count(),
               func.coalesce(func.sum(D.questions), 0))
        .select_from(D).join(C, C.conversation_id == D.conversation_id, isouter=True)
        .where(D.started_at >= start, D.started_at < end)
        .group_by(*([] if group_by is None else [key]), D.outcome, D.fault_id, model)).all()
    return [_Sessions(_label(group_by, k, catalog), str(outcome), fault, m, int(n), int(q))
            for k, outcome, fault, m, n, q in rows]


TICKET_COLUMNS = performance.COLUMNS + (
    Ticket.type, Ticket.serial, Ticket.model, Ticket.family, Ticket.language,
    Ticket.sla_paused_seconds)


def _tickets(connection: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows = connection.execute(select(*TICKET_COLUMNS).where(
        Ticket.created_at >= start, Ticket.created_at < end).order_by(Ticket.number)).all()
    return [dict(row._mapping) for row in rows]


def _later_incidents(connection: Connection,
                     tickets: list[dict[str, Any]]) -> dict[str, list[datetime]]:
    """Per machine (serial) of a resolved incident, the creation times (sorted) of the
    incidents about it opened after the earliest such resolution: the repeat failures that
    may cancel a first-time fix. Only incidents: a service request (a maintenance reminder,
    a booked visit, a forecast) or a question about the machine says nothing about whether
    the repair held."""
    resolved = [t for t in tickets
                if t["type"] == INCIDENT and t["serial"] and t["resolved_at"] is not None]
    if not resolved:
        return {}
    serials = sorted({t["serial"] for t in resolved})
    low = min(t["resolved_at"] for t in resolved)
    found: dict[str, list[datetime]] = defaultdict(list)
    for start in range(0, len(serials), 500):
        for serial, created in connection.execute(select(Ticket.serial, Ticket.created_at).where(
                Ticket.serial.in_(serials[start:start + 500]), Ticket.type == INCIDENT,
                Ticket.created_at > low)):
            if serial:
                found[serial].append(created)
    for values in found.values():
        values.sort()
    return found


# -- grouping of tickets ----------------------------------------------------------------------
def _ticket_key(group_by: str | None) -> Callable[[dict[str, Any]], str]:
    if group_by is None:
        return lambda t: "all"
    if group_by == "week":
        return lambda t: week_of(t["created_at"])
    column = {"language": "language", "family": "family", "model": "model",
              "customer": "customer_id", "tier": "contract_tier"}[group_by]
    return lambda t: str(t[column] or NONE)


# -- the KPIs of one group --------------------------------------------------------------------
def _containment(convs: list[_Convs]) -> Containment:
    """Each conversation in the first bucket it fits: escalated, ticket_only, no_request,
    repeated, unresolved, else contained."""
    total = sum(c.count for c in convs)
    buckets = Counter[str]()
    for c in convs:
        bucket = ("escalated" if c.category else "ticket_only" if c.has_ticket
                  else "no_request" if c.no_request else "repeated" if c.repeated
                  else "unresolved" if not c.resolved else "contained")
        buckets[bucket] += c.count
    requests = total - buckets["no_request"]
    return Containment(total, requests, buckets["contained"],
                       _ratio(buckets["contained"], requests), buckets["escalated"],
                       buckets["ticket_only"], buckets["no_request"], buckets["repeated"],
                       buckets["unresolved"], sum(c.count for c in convs if not c.has_asset))


def _escalation(convs: list[_Convs], monitoring: int) -> Escalation:
    reasons = dict.fromkeys(ESCALATION_CATEGORIES, 0)
    for conv in convs:
        if conv.category:
            reasons[conv.category] += conv.count
    reasons["monitoring"] += monitoring
    total = sum(c.count for c in convs)
    escalated = sum(c.count for c in convs if c.category)
    return Escalation(total, escalated, _ratio(escalated, total), monitoring, reasons)


def _ticket_times(tickets: list[dict[str, Any]]) -> TicketTimes:
    response_clock: list[float] = []
    response_wall: list[float] = []
    resolution_clock: list[float] = []
    resolution_wall: list[float] = []
    for t in tickets:
        if t["_response_h"] is not None:
            response_clock.append(t["_response_h"])
            response_wall.append(_hours(t["first_response_at"] - t["created_at"]))
        if t["_resolution_h"] is not None:
            resolution_clock.append(t["_resolution_h"])
            resolution_wall.append(_hours(t["resolved_at"] - t["created_at"]))
    channels = Counter(t["channel"] or NONE for t in tickets)
    return TicketTimes(
        len(tickets), dict(sorted(channels.items())),
        sum(1 for t in tickets if t["customer_id"] is None),
        len(response_clock), _mean(response_clock), _median(response_clock),
        _mean(response_wall), len(resolution_clock), _mean(resolution_clock),
        _median(resolution_clock), _mean(resolution_wall))


def _sla(tickets: list[dict[str, Any]]) -> Sla:
    counts = Counter[str]()
    for t in tickets:
        counts[f"response_{t['_response']}"] += 1
        counts[f"resolution_{t['_resolution']}"] += 1
    return Sla(counts["response_met"], counts["response_breached"], counts["response_pending"],
               counts["resolution_met"], counts["resolution_breached"],
               counts["resolution_pending"],
               _ratio(counts["response_met"],
                      counts["response_met"] + counts["response_breached"]),
               _ratio(counts["resolution_met"],
                      counts["resolution_met"] + counts["resolution_breached"]))


def _repair(tickets: list[dict[str, Any]], later: dict[str, list[datetime]]) -> Repair:
    """MTTR over the resolved incidents; first-time fix: those of a known machine with no
    later incident (`later`, see _later_incidents) on it within FIX_WINDOW of the resolution
    (inclusive). Service requests and questions are in neither."""
    resolved = [t for t in tickets if t["type"] == INCIDENT and t["resolved_at"] is not None]
    eligible = [t for t in resolved if t["serial"]]
    fixes = 0
    for t in eligible:
        created = later.get(t["serial"], [])  # incidents only
        index = bisect.bisect_right(created, t["resolved_at"])
        if index >= len(created) or created[index] > t["resolved_at"] + FIX_WINDOW:
            fixes += 1
    return Repair(len(resolved),
                  _mean([_hours(t["resolved_at"] - t["created_at"]) for t in resolved]),
                  len(eligible), fixes, _ratio(fixes, len(eligible)),
                  len(resolved) - len(eligible))


def _satisfaction(convs: list[_Convs]) -> Satisfaction:
    yes = sum(c.helped_yes for c in convs)
    no = sum(c.helped_no for c in convs)
    distribution = {str(n): 0 for n in range(1, 6)}
    for conv in convs:
        if conv.rating is not None and str(conv.rating) in distribution:
            distribution[str(conv.rating)] += conv.count
    ratings = sum(distribution.values())
    points = sum(int(r) * n for r, n in distribution.items())
    return Satisfaction(yes, no, _ratio(yes, yes + no), ratings,
                        round(points / ratings, 4) if ratings else None, distribution)


def _diagnosis(sessions: list[_Sessions]) -> Diagnosis:
    outcomes: Counter[str] = Counter()
    faults: dict[str, Counter[str]] = defaultdict(Counter)
    for s in sessions:
        outcomes[s.outcome] += s.count
        if s.outcome == "concluded" and s.fault_id:
            faults[s.model or NONE][s.fault_id] += s.count
    top = {model: dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FAULTS])
           for model, counter in sorted(faults.items())}
    total = sum(s.count for s in sessions)
    questions = sum(s.questions for s in sessions)
    return Diagnosis(total, outcomes["concluded"], outcomes["escalated"], outcomes["open"],
                     round(questions / total, 4) if total else None, top)


def _gaps(gaps: list[tuple[str, str, int]]) -> Gaps:
    kinds = Counter[str]()
    for _key, kind, count in gaps:
        kinds[kind] += count
    return Gaps(sum(kinds.values()), {k: kinds[k] for k in GAP_KINDS if kinds[k]}
                | {k: n for k, n in sorted(kinds.items()) if k not in GAP_KINDS})


def _group(name: str, convs: list[_Convs], tickets: list[dict[str, Any]],
           sessions: list[_Sessions], gaps: list[tuple[str, str, int]],
           later: dict[str, list[datetime]]) -> GroupKpis:
    monitoring = sum(1 for t in tickets if t["channel"] == MONITORING_CHANNEL)
    return GroupKpis(name, _containment(convs), _escalation(convs, monitoring),
                     _ticket_times(tickets), _sla(tickets), _repair(tickets, later),
                     _satisfaction(convs), _diagnosis(sessions), _gaps(gaps))


# -- the report -------------------------------------------------------------------------------
def compute_kpis(engine: Engine, *, start: datetime, end: datetime, now: datetime,
                 group_by: str | None = None, catalog: Catalog | None = None) -> KpiReport:
    """The KPIs of [start, end) as of `now` (timezone-aware datetimes), for all and, with
    `group_by` (one of GROUPS), per group. Raises ValueError for a bad argument."""
    for name, value in (("start", start), ("end", end), ("now", now)):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    if end <= start:
        raise ValueError("end must be after start")
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    catalog = catalog or default_catalog()
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # The correlated lookups make the planner's cost estimate large, and PostgreSQL
            # would JIT-compile the statement: ~1 s of compiling for ~15 ms of execution.
            connection.execute(text("SET LOCAL jit = off"))
        convs = _conversations(connection, start, end, group_by, catalog)
        gaps = _gap_counts(connection, start, end, group_by, catalog)
        sessions = _diagnoses(connection, start, end, group_by, catalog)
        tickets = _tickets(connection, start, end)
        later = _later_incidents(connection, tickets)

    clocks = TicketClocks(catalog)
    sla = performance.performance_of(tickets, now=now, catalog=catalog)
    for t in tickets:
        created, responded, resolved = t["created_at"], t["first_response_at"], t["resolved_at"]
        t["_response_h"] = None if responded is None else clocks.hours(t, created, responded)
        t["_resolution_h"] = None if resolved is None else max(
            0.0, clocks.hours(t, created, resolved) - (t["sla_paused_seconds"] or 0) / 3600)
        for kind, due, met in (("response", "response_due_at", "first_response_at"),
                               ("resolution", "resolution_due_at", "resolved_at")):
            t[f"_{kind}"] = performance.deadline_state(t[due], met_at=t[met],
                                                       paused_at=t["sla_paused_at"], now=now)

    total = _group("all", convs, tickets, sessions, gaps, later)
    groups: list[GroupKpis] = []
    if group_by is not None:
        conv_groups = _bucket(convs, lambda c: c.key)
        ticket_groups = _bucket(tickets, _ticket_key(group_by))
        session_groups = _bucket(sessions, lambda s: s.key)
        gap_groups = _bucket(gaps, lambda g: g[0])
        names = sorted(set(conv_groups) | set(ticket_groups) | set(session_groups)
                       | set(gap_groups))
        groups = [_group(name, conv_groups.get(name, []), ticket_groups.get(name, []),
                         session_groups.get(name, []), gap_groups.get(name, []), later)
                  for name in names]
    return KpiReport(start, end, now, group_by, total, groups, sla.cells, sla.breaches)


def _bucket(items: Iterable[Any], key: Callable[[Any], str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        out[key(item)].append(item)
    return out
