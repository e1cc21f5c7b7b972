"""Knowledge gaps clustered by meaning (analytics/kpi_gaps.py) with the retrieval's real
embedding model: paraphrases fall together, other questions apart, whatever the order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from analytics import kpi_gaps
from db.analytics import AnalyticsConversation, AnalyticsTurn

QUESTIONS = [
    ("How do I bleed the air out of the pump?", "not_helped"),
    ("how do i bleed the air out of the pump?  ", "fallback"),  # the same text, again
    ("How can I vent trapped air from my pump?", "low_score"),
    ("Which oil does the screw compressor need?", "no_answer"),
    ("What type of compressor oil should I use?", "not_helped"),
    ("The chiller display shows a high pressure alarm", "fallback"),
    ("what is the weather tomorrow", "out_of_domain"),
]
T0 = datetime(2026, 11, 3, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def encode():
    from retrieval.encoder import DEFAULT_MODEL, get_encoder

    try:
        encoder = get_encoder(DEFAULT_MODEL)
    except Exception as exc:  # pragma: no cover - the model is part of the environment
        pytest.skip(f"embedding model not available: {exc}")
    return encoder.encode


def fill(engine, order: list[int]) -> None:
    with Session(engine) as session, session.begin():
        for n, index in enumerate(order):
            text, gap = QUESTIONS[index]
            conversation = f"g{index}"
            session.add(AnalyticsConversation(
                conversation_id=conversation, started_at=T0, last_event_at=T0, language="en",
                events=1, user_messages=1, fallbacks=0, intents={}, flows=[],
                diagnosis_sessions=0, manual_answers=0, helped_yes=0, helped_no=0,
                escalated=False, escalations=0, tickets=[]))
            session.add(AnalyticsTurn(conversation_id=conversation, seq=1,
                                      at=T0 + timedelta(minutes=n), language="en", gap=gap,
                                      text=text, flows=[], reply_kinds=[]))


def clusters(engine, encode, **options):
    kpi_gaps.clear_cache()
    report = kpi_gaps.knowledge_gaps(engine, start=T0, end=T0 + timedelta(days=1),
                                     encode=encode, model="test", **options)
    return report, [sorted(c.examples) for c in report.clusters]


def test_paraphrases_cluster_and_the_order_does_not_matter(engine, encode):
    fill(engine, list(range(len(QUESTIONS))))
    report, found = clusters(engine, encode)
    # out_of_domain is not a documentation gap by default: 6 questions, 5 distinct texts
    assert (report.questions, report.distinct) == (6, 5)
    assert found == [
        ["How can I vent trapped air from my pump?", "How do I bleed the air out of the pump?"],
        ["What type of compressor oil should I use?", "Which oil does the screw compressor need?"],
        ["The chiller display shows a high pressure alarm"]]
    assert report.clusters[0].questions == 3  # the bleeding question was asked twice
    assert report.clusters[0].kinds == {"fallback": 1, "low_score": 1, "not_helped": 1}
    with_ood, _ = clusters(engine, encode, kinds=kpi_gaps.ALL_GAP_KINDS)
    assert with_ood.questions == 7 and len(with_ood.clusters) == 4


def test_same_clusters_in_another_order(engine, encode, tmp_path):
    from db.migrate import upgrade
    from tickets.database import create_store_engine

    fill(engine, list(range(len(QUESTIONS))))
    first, _ = clusters(engine, encode)
    url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(url)
    other = create_store_engine(url)
    try:
        order = list(range(len(QUESTIONS)))
        random.Random(3).shuffle(order)
        fill(other, order)
        second, _ = clusters(other, encode)
    finally:
        other.dispose()
    assert [(c.label, c.examples, c.questions, c.kinds) for c in second.clusters] == [
        (c.label, c.examples, c.questions, c.kinds) for c in first.clusters]
