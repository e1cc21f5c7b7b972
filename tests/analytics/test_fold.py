"""A conversation's events folded into its rows (analytics/fold.py), on event streams the
real Rasa server produced."""

from __future__ import annotations

import random

from analytics.events import event_key, order, slim
from analytics.fold import Folded, fold
from tests.analytics.conftest import of


def folded(events: list[dict], sender: str) -> Folded:
    slimmed = [e for e in (slim(raw) for raw in of(events, sender)) if e is not None]
    slimmed.sort(key=lambda e: order(e, event_key(e)))
    return fold(sender, slimmed)


def test_manual_answers_that_did_not_help_are_gaps_then_a_ticket(recorded):
    result = folded(recorded, "c-manual")
    conv = result.conversation
    assert (conv.language, conv.asset_serial, conv.asset_family, conv.customer_id) == (
        "de", "P100-2021-00542", "centrifugal_process_pump", "CUST-001")
    assert conv.intents == {"greet": 1, "ask_how_to": 2, "deny": 2}
    assert conv.flows == ["manual", "escalation"]
    assert (conv.manual_answers, conv.helped_yes, conv.helped_no) == (2, 0, 2)
    assert (conv.escalated, conv.escalation_reason, conv.escalations) == (
        True, "repeated_failure", 1)
    assert (conv.ticket_number, conv.tickets) == (1, [1])
    answers = [t for t in result.turns if t.answer_document]
    assert [(t.answer_section, t.answer_score, t.helped, t.gap) for t in answers] == [
        ("hcp.fault.pump_not_primed_air_bound", 1.2786, False, "not_helped"),
        ("hcp.fault.mechanical_seal_failure", 0.7005, False, "not_helped")]
    assert answers[0].text == "Wie entlüfte ich die Pumpe P100-2021-00542?"
    last = result.turns[-1]
    assert (last.intent, last.escalation_reason, last.ticket_number) == (
        "deny", "repeated_failure", 1)
    # Only the gaps keep the customer's words.
    assert [t.text is not None for t in result.turns] == [t.gap is not None
                                                         for t in result.turns]


def test_an_answer_that_helped(recorded):
    result = folded(recorded, "c-manual-yes")
    assert (result.conversation.helped_yes, result.conversation.escalated) == (1, False)
    assert result.turns[0].helped is True and result.turns[0].gap is None
    assert result.turns[0].text is None


def test_fallbacks_keep_their_text_and_the_escalation_waits_for_the_serial(recorded):
    result = folded(recorded, "c-fallback")
    conv = result.conversation
    assert (conv.fallbacks, conv.escalations, conv.escalation_reason) == (2, 1, "low_confidence")
    assert conv.ticket_number is None  # the serial was asked for; no ticket yet
    assert [(t.gap, t.text) for t in result.turns[:2]] == [
        ("fallback", "asdkjh qwe zzz"), ("fallback", "xqzv plorf")]
    assert result.turns[1].escalation_reason == "low_confidence"


def test_an_emergency_is_safety_then_a_p1_ticket(recorded):
    conv = folded(recorded, "c-urgent").conversation
    assert conv.flows == ["safety", "escalation"]
    assert (conv.escalation_reason, conv.ticket_number) == ("critical", 2)


def test_a_request_for_a_person(recorded):
    conv = folded(recorded, "c-human").conversation
    assert (conv.escalated, conv.escalation_reason) == (True, "customer_request")


def test_a_diagnosis_concluded_and_one_left_open(recorded):
    done = folded(recorded, "c-diag2")
    [diagnosis] = done.diagnoses
    assert (diagnosis.outcome, diagnosis.fault_id, diagnosis.questions, diagnosis.helped,
            diagnosis.error_code, diagnosis.asset_model) == (
        "concluded", "bearing_failure", 1, True, "A022", "HCP-100")
    assert diagnosis.confidence is not None and diagnosis.confidence > 0.9
    assert diagnosis.ended_at is not None
    assert (done.conversation.diagnosis_outcome, done.conversation.diagnosis_fault,
            done.conversation.helped_yes) == ("concluded", "bearing_failure", 1)
    open_ = folded(recorded, "c-diag")
    [diagnosis] = open_.diagnoses
    assert (diagnosis.outcome, diagnosis.questions, diagnosis.ended_at) == ("open", 1, None)
    assert open_.conversation.user_messages == 9


def test_the_order_of_arrival_does_not_matter(recorded):
    expected = {s: folded(recorded, s) for s in {e["sender_id"] for e in recorded}}
    shuffled = list(recorded)
    random.Random(7).shuffle(shuffled)
    for sender, result in expected.items():
        assert folded(shuffled, sender) == result


def test_a_pending_escalation_and_its_ticket_count_once(recorded):
    events = of(recorded, "c-fallback")
    last = max(e["timestamp"] for e in events)
    # The customer gives the serial; the ticket of the escalation decided before is opened.
    events = events + [
        {"event": "user", "sender_id": "c-fallback", "timestamp": last + 1, "text": "P100",
         "parse_data": {"intent": {"name": "identify_asset", "confidence": 0.9},
                        "entities": []}},
        {"event": "bot", "sender_id": "c-fallback", "timestamp": last + 1.1, "text": "#7",
         "data": {"custom": {"kind": "ticket", "ticket_number": 7, "priority": "P3",
                             "reason": "low_confidence"}}},
    ]
    result = folded(events, "c-fallback")
    assert (result.conversation.escalations, result.conversation.ticket_number) == (1, 7)
    assert result.turns[1].ticket_number == 7


def test_slim_keeps_what_the_fold_reads_and_the_key_is_stable(recorded):
    kinds = {e["event"] for e in recorded}
    assert "user_featurization" in kinds
    slimmed = [slim(e) for e in recorded]
    assert all(s is None or s["event"] != "user_featurization" for s in slimmed)
    user = next(s for s in slimmed if s and s["event"] == "user")
    assert set(user) >= {"text", "intent", "confidence", "entities", "message_id"}
    assert "parse_data" not in user and "metadata" not in user
    first = next(s for s in slimmed if s)
    assert event_key(dict(first)) == event_key(first)
    assert event_key({**first, "timestamp": first["timestamp"] + 1}) != event_key(first)


def test_a_rating_in_the_message_metadata():
    events = [{"event": "user", "sender_id": "r", "timestamp": 1.0, "text": "thanks",
               "parse_data": {"intent": {"name": "thank", "confidence": 1.0}},
               "metadata": {"rating": 4}},
              {"event": "user", "sender_id": "r", "timestamp": 2.0, "text": "x",
               "parse_data": {"intent": {"name": "thank", "confidence": 1.0}},
               "metadata": {"rating": 9}}]
    result = fold("r", [s for s in (slim(e) for e in events) if s])
    assert result.conversation.rating == 4
    assert [t.rating for t in result.turns] == [4, None]
