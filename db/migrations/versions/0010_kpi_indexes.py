"""Indexes the KPI queries read by (analytics/kpis.py): conversations by start time and by
machine then start time (the 72 h repeat check), diagnosis sessions by start time.

Revision ID: 0010_kpi_indexes
Revises: 0009_analytics
Create Date: 2026-12-05
"""
from __future__ import annotations

from alembic import op

revision = "0010_kpi_indexes"
down_revision = "0009_analytics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_analytics_conversations_started_at", "analytics_conversations",
                    ["started_at"])
    op.create_index("ix_analytics_conversations_asset_started", "analytics_conversations",
                    ["asset_serial", "started_at"])
    op.create_index("ix_analytics_diagnoses_started_at", "analytics_diagnoses", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_analytics_diagnoses_started_at", table_name="analytics_diagnoses")
    op.drop_index("ix_analytics_conversations_asset_started", table_name="analytics_conversations")
    op.drop_index("ix_analytics_conversations_started_at", table_name="analytics_conversations")
