"""Late turns: answers the action server finished after its deadline (db/late_turns.py).

Revision ID: 0006_late_turns
Revises: 0005_ticket_conversations
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_late_turns"
down_revision = "0005_ticket_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "late_turns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),  # naive UTC, as everywhere
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("shown_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("conversation_id", "message_id", name="uq_late_turns_message"),
    )
    op.create_index("ix_late_turns_conversation_id", "late_turns", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_late_turns_conversation_id", table_name="late_turns")
    op.drop_table("late_turns")
