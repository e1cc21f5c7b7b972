"""Telemetry of the installed units and the alerts raised on it (db/telemetry.py).

Revision ID: 0007_telemetry
Revises: 0006_late_turns
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_telemetry"
down_revision = "0006_late_turns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Times are naive UTC, as everywhere.
    op.create_table(
        "telemetry",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("serial", sa.String(length=60), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("readings", sa.JSON(), nullable=False),
        sa.Column("active_codes", sa.JSON(), nullable=False),
        sa.Column("running_hours", sa.Float(), nullable=True),
    )
    op.create_index("ix_telemetry_serial_at", "telemetry", ["serial", "at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("open_key", sa.String(length=200), nullable=True, unique=True),
        sa.Column("serial", sa.String(length=60), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("condition_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("ticket_id", sa.String(length=36), nullable=True),
    )
    op.create_index("ix_alerts_serial_state", "alerts", ["serial", "state"])
    op.create_index("ix_alerts_customer_id", "alerts", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_alerts_customer_id", table_name="alerts")
    op.drop_index("ix_alerts_serial_state", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_telemetry_serial_at", table_name="telemetry")
    op.drop_table("telemetry")
