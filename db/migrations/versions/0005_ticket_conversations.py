"""Tickets: the other conversations whose reports joined a ticket.

A report about a machine that already has an open incident for the same reason joins that
incident instead of opening a new ticket; the reporting chat is linked to it, so that the
engineer's replies reach every conversation that reported it.

Revision ID: 0005_ticket_conversations
Revises: 0004_tickets_unidentified
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_ticket_conversations"
down_revision = "0004_tickets_unidentified"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_conversations",
        sa.Column("ticket_id", sa.String(length=36),
                  sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("conversation_id", sa.String(length=200), primary_key=True),
        sa.Column("joined_at", sa.DateTime(), nullable=False),  # naive UTC, as everywhere
    )
    op.create_index("ix_ticket_conversations_conversation", "ticket_conversations",
                    ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_conversations_conversation", table_name="ticket_conversations")
    op.drop_table("ticket_conversations")
