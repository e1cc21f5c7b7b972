"""Conversation analytics from Rasa's events (db/analytics.py, analytics/).

Revision ID: 0009_analytics
Revises: 0008_alert_details
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_analytics"
down_revision = "0008_alert_details"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Times are naive UTC, as everywhere.
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("event_key", name="uq_analytics_events_event_key"),
    )
    op.create_index("ix_analytics_events_conversation", "analytics_events",
                    ["conversation_id", "ts"])
    op.create_table(
        "analytics_conversations",
        sa.Column("conversation_id", sa.String(length=255), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("last_event_at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("asset_serial", sa.String(length=60), nullable=True),
        sa.Column("asset_model", sa.String(length=60), nullable=True),
        sa.Column("asset_family", sa.String(length=60), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("flows", sa.JSON(), nullable=False),
        sa.Column("diagnosis_sessions", sa.Integer(), nullable=False),
        sa.Column("diagnosis_outcome", sa.String(length=20), nullable=True),
        sa.Column("diagnosis_fault", sa.String(length=100), nullable=True),
        sa.Column("manual_answers", sa.Integer(), nullable=False),
        sa.Column("helped_yes", sa.Integer(), nullable=False),
        sa.Column("helped_no", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("escalation_reason", sa.String(length=40), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.Integer(), nullable=True),
        sa.Column("tickets", sa.JSON(), nullable=False),
    )
    op.create_index("ix_analytics_conversations_customer_id", "analytics_conversations",
                    ["customer_id"])
    op.create_table(
        "analytics_turns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("intent", sa.String(length=60), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=True),
        sa.Column("flows", sa.JSON(), nullable=False),
        sa.Column("reply_kinds", sa.JSON(), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("answer_document", sa.String(length=100), nullable=True),
        sa.Column("answer_section", sa.String(length=200), nullable=True),
        sa.Column("answer_score", sa.Float(), nullable=True),
        sa.Column("helped", sa.Boolean(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("escalation_reason", sa.String(length=40), nullable=True),
        sa.Column("ticket_number", sa.Integer(), nullable=True),
        sa.Column("gap", sa.String(length=20), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("response_ms", sa.Integer(), nullable=True),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_analytics_turns_seq"),
    )
    op.create_index("ix_analytics_turns_intent", "analytics_turns", ["intent"])
    op.create_index("ix_analytics_turns_gap", "analytics_turns", ["gap"])
    op.create_table(
        "analytics_diagnoses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("session_id", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("asset_serial", sa.String(length=60), nullable=True),
        sa.Column("asset_model", sa.String(length=60), nullable=True),
        sa.Column("asset_family", sa.String(length=60), nullable=True),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("fault_id", sa.String(length=100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("helped", sa.Boolean(), nullable=True),
        sa.Column("escalation_reason", sa.String(length=40), nullable=True),
        sa.Column("ticket_number", sa.Integer(), nullable=True),
        sa.UniqueConstraint("conversation_id", "session_id",
                            name="uq_analytics_diagnoses_session"),
    )
    op.create_index("ix_analytics_diagnoses_asset_model", "analytics_diagnoses",
                    ["asset_model"])
    op.create_table(
        "analytics_cursors",
        sa.Column("name", sa.String(length=200), primary_key=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("analytics_cursors")
    op.drop_index("ix_analytics_diagnoses_asset_model", table_name="analytics_diagnoses")
    op.drop_table("analytics_diagnoses")
    op.drop_index("ix_analytics_turns_gap", table_name="analytics_turns")
    op.drop_index("ix_analytics_turns_intent", table_name="analytics_turns")
    op.drop_table("analytics_turns")
    op.drop_index("ix_analytics_conversations_customer_id", table_name="analytics_conversations")
    op.drop_table("analytics_conversations")
    op.drop_index("ix_analytics_events_conversation", table_name="analytics_events")
    op.drop_table("analytics_events")
