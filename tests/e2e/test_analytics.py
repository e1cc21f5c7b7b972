"""Conversation analytics end to end: conversations through the real Rasa server, whose SQL
event broker (the default of `make run`) writes every event into its table, become analytics
rows through the API's consumer (analytics/)."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import create_engine, select

from db.analytics import AnalyticsConversation, AnalyticsTurn

pytestmark = pytest.mark.e2e


def test_a_conversation_becomes_analytics_rows(system):
    sender = f"analytics-{uuid.uuid4().hex[:10]}"
    system.chat(sender, "Guten Morgen")
    answer = system.chat(sender, "Wie entlüfte ich die Pumpe P100-2021-00542?")
    assert any((m.get("custom") or {}).get("kind") == "manual_answer" for m in answer)
    system.chat(sender, "/deny")
    system.chat(sender, "asdkjh qwe zzz")
    engine = create_engine(system.settings.resolved_db_url(system.settings.database_url))
    try:
        deadline = time.monotonic() + 30
        row = None
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                row = connection.execute(select(AnalyticsConversation).where(
                    AnalyticsConversation.conversation_id == sender)).mappings().first()
            if row is not None and row["user_messages"] == 4 and row["fallbacks"] == 1:
                break
            time.sleep(0.3)
        assert row is not None, "no analytics row for the conversation"
        assert (row["language"], row["asset_serial"], row["asset_family"]) == (
            "de", "P100-2021-00542", "centrifugal_process_pump")
        assert (row["manual_answers"], row["helped_no"], row["fallbacks"]) == (1, 1, 1)
        assert row["flows"][0] == "manual"
        with engine.connect() as connection:
            gaps = connection.execute(select(AnalyticsTurn.gap, AnalyticsTurn.text).where(
                AnalyticsTurn.conversation_id == sender, AnalyticsTurn.gap.is_not(None))
                .order_by(AnalyticsTurn.seq)).all()
        assert [tuple(g) for g in gaps] == [
            ("not_helped", "Wie entlüfte ich die Pumpe P100-2021-00542?"),
            ("fallback", "asdkjh qwe zzz")]
    finally:
        engine.dispose()
