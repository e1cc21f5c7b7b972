"""A conversation's events folded into its analytics rows: one record for the conversation,
one per customer message (turn), one per guided-diagnosis session. Pure: no database.

What the events carry and where each fact comes from:

- the customer's message: a `user` event (intent, confidence, entities; a `rating` 1-5 when
  the client sent one in the message's metadata, or as the entity `rating` of a
  `rate_conversation` message: events.rating_of);
- the bot's replies: `bot` events whose `custom` payload names what the reply is (`kind`):
  `manual_answer` (document, section, retrieval score), `feedback_request` ("did this
  help?"), `diagnosis_question` (the observation asked), `diagnosis_conclusion` (fault,
  confidence), `ticket` (number, priority and escalation reason; no reason: a booking),
  `safety`, `out_of_domain`, `maintenance`, `spare_part`, ...;
- the conversation's state: `slot` events: language, asset and customer, the diagnosis
  session and its snapshot (status, fault), `pending` (an escalation decided while the
  assistant still asks for the machine's serial), the tickets opened;
- the custom action that answered: `action` events.

"Did this help?" is the customer's next message after a `feedback_request`: affirm or deny;
a deny makes the answered turn a knowledge gap (`not_helped`). Turns that fell back, that
asked the manuals and got no passage good enough (`low_score`, `no_answer`) or that were out
of the domain are gaps too; only their text is kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analytics.events import RATING_INTENT, rating_of

FALLBACK_INTENT = "nlu_fallback"
FEEDBACK = {"affirm": True, "deny": False}
QUIET_ACTIONS = {"action_listen", "action_session_start", "action_restart"}
KIND_FLOWS = {
    "diagnosis_question": "diagnosis", "diagnosis_conclusion": "diagnosis",
    "manual_answer": "manual", "maintenance": "maintenance", "spare_part": "spare_part",
    "contract": "contract", "ticket_status": "ticket_status", "safety": "safety",
    "safety_check": "safety", "out_of_domain": "out_of_domain", "asset": "asset",
    "alert": "alert", "engineer_reply": "handoff",
}
ACTION_FLOWS = {
    "action_start_diagnosis": "diagnosis", "action_answer_manual": "manual",
    "action_answer_maintenance": "maintenance", "action_answer_spare_part": "spare_part",
    "action_answer_contract": "contract", "action_book_visit": "booking",
    "action_ticket_status": "ticket_status", "action_talk_to_human": "escalation",
    "action_urgent_safety": "safety", "action_start_from_alert": "alert",
    "action_identify_asset": "asset",
}
MANUAL_ASKS = {"action_answer_manual"}
SNAPSHOT_OUTCOMES = {"question": "open", "concluded": "concluded", "escalated": "escalated"}


def when(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass
class TurnRecord:
    conversation_id: str
    seq: int
    at: datetime
    language: str | None = None
    intent: str | None = None
    confidence: float | None = None
    action: str | None = None
    flows: list[str] = field(default_factory=list)
    reply_kinds: list[str] = field(default_factory=list)
    fallback: bool = False
    answer_document: str | None = None
    answer_section: str | None = None
    answer_score: float | None = None
    helped: bool | None = None
    rating: int | None = None
    escalation_reason: str | None = None
    ticket_number: int | None = None
    gap: str | None = None
    text: str | None = None
    response_ms: int | None = None

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DiagnosisRecord:
    conversation_id: str
    session_id: str
    started_at: datetime
    ended_at: datetime | None = None
    asset_serial: str | None = None
    asset_model: str | None = None
    asset_family: str | None = None
    error_code: str | None = None
    questions: int = 0
    outcome: str = "open"
    fault_id: str | None = None
    confidence: float | None = None
    helped: bool | None = None
    escalation_reason: str | None = None
    ticket_number: int | None = None

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ConversationRecord:
    conversation_id: str
    started_at: datetime | None = None
    last_event_at: datetime | None = None
    channel: str | None = None
    language: str | None = None
    customer_id: str | None = None
    asset_serial: str | None = None
    asset_model: str | None = None
    asset_family: str | None = None
    events: int = 0
    user_messages: int = 0
    fallbacks: int = 0
    intents: dict[str, int] = field(default_factory=dict)
    flows: list[str] = field(default_factory=list)
    diagnosis_sessions: int = 0
    diagnosis_outcome: str | None = None
    diagnosis_fault: str | None = None
    manual_answers: int = 0
    helped_yes: int = 0
    helped_no: int = 0
    rating: int | None = None
    escalated: bool = False
    escalation_reason: str | None = None
    escalations: int = 0
    ticket_number: int | None = None
    tickets: list[int] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Folded:
    conversation: ConversationRecord
    turns: list[TurnRecord]
    diagnoses: list[DiagnosisRecord]


@dataclass
class _Turn:
    """A turn while it is being read: the record and what only the fold needs."""
    record: TurnRecord
    ts: float
    text: str
    observations: list[str] = field(default_factory=list)
    conclusion: dict[str, Any] | None = None
    snapshot: dict[str, Any] | None = None
    ticket: dict[str, Any] | None = None
    pending_reason: str | None = None
    asks_feedback: bool = False


class _Fold:
    def __init__(self, conversation_id: str) -> None:
        self.conv = ConversationRecord(conversation_id)
        self.turns: list[_Turn] = []
        self.diagnoses: dict[str, DiagnosisRecord] = {}
        self.diagnosis_questions: dict[str, set[str]] = {}
        self.slots: dict[str, Any] = {}
        self.turn: _Turn | None = None
        # (turn, diagnosis session or None) whose answer asked "did this help?"
        self.feedback_for: tuple[_Turn, str | None] | None = None
        self.open_escalation: _Turn | None = None  # decided, its ticket not opened yet

    # -- events ------------------------------------------------------------------------------
    def apply(self, event: dict[str, Any]) -> None:
        ts = float(event.get("timestamp") or 0.0)
        conv = self.conv
        conv.events += 1
        if conv.started_at is None:
            conv.started_at = when(ts)
        conv.last_event_at = when(ts)
        kind = event.get("event")
        if kind == "user":
            self._user(event, ts)
        elif kind == "bot":
            self._bot(event, ts)
        elif kind == "slot":
            self._slot(str(event.get("name")), event.get("value"))
        elif kind == "action":
            name = event.get("name")
            if self.turn and name and name not in QUIET_ACTIONS \
                    and self.turn.record.action is None:
                self.turn.record.action = str(name)

    def _user(self, event: dict[str, Any], ts: float) -> None:
        self._close_turn()
        conv = self.conv
        intent = event.get("intent")
        language = next((v for e, v in event.get("entities") or [] if e == "language"),
                        None) or self.slots.get("language")
        record = TurnRecord(conversation_id=conv.conversation_id, seq=len(self.turns) + 1,
                            at=when(ts), language=language, intent=intent,
                            confidence=_number(event.get("confidence")),
                            fallback=intent == FALLBACK_INTENT, rating=rating_of(event))
        turn = _Turn(record, ts, str(event.get("text") or ""))
        self.turns.append(turn)
        self.turn = turn
        conv.user_messages += 1
        conv.channel = conv.channel or event.get("channel")
        if intent:
            conv.intents[intent] = conv.intents.get(intent, 0) + 1
        if record.fallback:
            conv.fallbacks += 1
        if record.rating is not None:
            conv.rating = record.rating
        if self.feedback_for is not None and intent != RATING_INTENT:
            # (a rating given meanwhile leaves "did this help?" to the next message)
            answered, session = self.feedback_for
            self.feedback_for = None
            helped = FEEDBACK.get(str(intent))
            if helped is not None:
                answered.record.helped = helped
                if helped:
                    conv.helped_yes += 1
                else:
                    conv.helped_no += 1
                    answered.record.gap = answered.record.gap or "not_helped"
                if session in self.diagnoses:
                    self.diagnoses[session].helped = helped

    def _bot(self, event: dict[str, Any], ts: float) -> None:
        turn = self.turn
        if turn is None:
            return
        record = turn.record
        if record.response_ms is None:
            record.response_ms = max(0, round((ts - turn.ts) * 1000))
        custom = event.get("custom") or {}
        kind = custom.get("kind") if isinstance(custom, dict) else None
        if not kind:
            return
        kind = str(kind)
        if kind not in record.reply_kinds:
            record.reply_kinds.append(kind)
        if kind == "manual_answer":
            record.answer_document = custom.get("document")
            record.answer_section = custom.get("section_id")
            record.answer_score = _number(custom.get("score"))
            self.conv.manual_answers += 1
        elif kind == "feedback_request":
            turn.asks_feedback = True
        elif kind == "diagnosis_question" and custom.get("observation_id"):
            turn.observations.append(str(custom["observation_id"]))
        elif kind == "diagnosis_conclusion":
            turn.conclusion = custom
        elif kind == "ticket":
            turn.ticket = custom

    def _slot(self, name: str, value: Any) -> None:
        self.slots[name] = value
        conv = self.conv
        if name in ("language", "customer_id", "asset_serial", "asset_model", "asset_family") \
                and value:
            setattr(conv, name, str(value))
        if self.turn is None:
            return
        if name == "diagnosis_snapshot" and isinstance(value, dict):
            self.turn.snapshot = value
        elif name == "pending" and isinstance(value, dict) and value.get("task") == "escalate":
            self.turn.pending_reason = value.get("reason")

    # -- a turn's end ------------------------------------------------------------------------
    def _close_turn(self) -> None:
        turn, self.turn = self.turn, None
        if turn is None:
            return
        record = turn.record
        conv = self.conv
        flows = [KIND_FLOWS[k] for k in record.reply_kinds if k in KIND_FLOWS]
        if not flows and record.action in ACTION_FLOWS:
            flows.append(ACTION_FLOWS[record.action])
        session = self._diagnosis(turn)
        self._escalation(turn, flows, session)
        record.flows = list(dict.fromkeys(flows))
        for flow in record.flows:
            if flow not in conv.flows:
                conv.flows.append(flow)
        if turn.asks_feedback:
            self.feedback_for = (turn, session if turn.conclusion else None)
        # Knowledge gaps: what the assistant could not answer well.
        if record.fallback:
            record.gap = "fallback"
        elif record.action in MANUAL_ASKS and "manual_answer" not in record.reply_kinds \
                and set(record.flows) <= {"manual", "escalation"}:
            # No passage good enough: the question went to an engineer in the same turn
            # (flows manual + escalation), or got no answer; not a turn another flow took.
            record.gap = "low_score" if record.escalation_reason == "low_confidence" \
                else "no_answer"
        elif "out_of_domain" in record.reply_kinds:
            record.gap = "out_of_domain"

    def _diagnosis(self, turn: _Turn) -> str | None:
        """The diagnosis session this turn took part in (created, advanced, concluded)."""
        session = self.slots.get("diagnosis_session")
        if not session or not (turn.observations or turn.conclusion or turn.snapshot):
            return None
        session = str(session)
        diagnosis = self.diagnoses.get(session)
        if diagnosis is None:
            diagnosis = DiagnosisRecord(self.conv.conversation_id, session, turn.record.at,
                                        asset_serial=self.slots.get("asset_serial"),
                                        asset_model=self.slots.get("asset_model"),
                                        asset_family=self.slots.get("asset_family"))
            self.diagnoses[session] = diagnosis
            self.diagnosis_questions[session] = set()
            self.conv.diagnosis_sessions += 1
        asked = self.diagnosis_questions[session]
        asked.update(turn.observations)
        diagnosis.questions = len(asked)
        snapshot = turn.snapshot or {}
        if snapshot.get("error_code"):
            diagnosis.error_code = str(snapshot["error_code"])
        outcome = SNAPSHOT_OUTCOMES.get(str(snapshot.get("status")))
        if outcome:
            diagnosis.outcome = outcome
        conclusion = turn.conclusion or {}
        fault = conclusion.get("fault_id") or snapshot.get("fault_id")
        if fault:
            diagnosis.fault_id = str(fault)
            diagnosis.confidence = _number(conclusion.get("confidence")
                                           or snapshot.get("confidence"))
        if diagnosis.outcome != "open":
            diagnosis.ended_at = diagnosis.ended_at or turn.record.at
        self.conv.diagnosis_outcome = diagnosis.outcome
        self.conv.diagnosis_fault = diagnosis.fault_id
        return session

    def _escalation(self, turn: _Turn, flows: list[str], session: str | None) -> None:
        record = turn.record
        conv = self.conv
        ticket = turn.ticket or {}
        number = ticket.get("ticket_number")
        number = int(number) if isinstance(number, int | float) else None
        if ticket and ticket.get("reason") is None and not turn.pending_reason:
            flows.append("booking")  # a visit booked: a ticket, not an escalation
        pending = turn.pending_reason
        if self.slots.get("awaiting") == "offer":
            pending = None  # only offered ("shall an engineer take over?"), not decided
        reason = ticket.get("reason") or pending
        if number is not None and number not in conv.tickets:
            conv.tickets.append(number)
            conv.ticket_number = conv.ticket_number or number
        if not reason:
            return
        record.escalation_reason = str(reason)
        record.ticket_number = number
        flows.append("escalation")
        earlier = self.open_escalation
        if earlier is not None and earlier.record.escalation_reason == reason \
                and earlier.record.ticket_number is None:
            # The escalation decided before (the serial was asked for) got its ticket now.
            earlier.record.ticket_number = number
            self.open_escalation = None if number is not None else earlier
        else:
            conv.escalations += 1
            self.open_escalation = turn if number is None else None
        conv.escalated = True
        conv.escalation_reason = conv.escalation_reason or str(reason)
        if session is not None:
            diagnosis = self.diagnoses[session]
            diagnosis.outcome = "escalated"
            diagnosis.ended_at = diagnosis.ended_at or record.at
            diagnosis.escalation_reason = str(reason)
            diagnosis.ticket_number = number
            conv.diagnosis_outcome = "escalated"

    def result(self) -> Folded:
        self._close_turn()
        turns = []
        for turn in self.turns:
            record = turn.record
            record.text = turn.text if record.gap else None
            turns.append(record)
        return Folded(self.conv, turns, list(self.diagnoses.values()))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def fold(conversation_id: str, events: Iterable[dict[str, Any]]) -> Folded:
    """The rows of one conversation from its slimmed events, in their order
    (analytics.events.order)."""
    state = _Fold(conversation_id)
    for event in events:
        state.apply(event)
    return state.result()
