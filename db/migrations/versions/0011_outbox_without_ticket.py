"""The outbox also carries messages that belong to no ticket: the one-time codes that verify a
chat (tickets/verification.py) are delivered, retried and signed like every ticket event.

Revision ID: 0011_outbox_without_ticket
Revises: 0010_kpi_indexes
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_outbox_without_ticket"
down_revision = "0010_kpi_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_outbox") as batch:  # SQLite rebuilds the table
        batch.alter_column("ticket_id", existing_type=sa.String(36), nullable=True)
    op.create_index("ix_ticket_outbox_type_created", "ticket_outbox",
                    ["event_type", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_outbox_type_created", table_name="ticket_outbox")
    op.execute("DELETE FROM ticket_outbox WHERE ticket_id IS NULL")
    with op.batch_alter_table("ticket_outbox") as batch:
        batch.alter_column("ticket_id", existing_type=sa.String(36), nullable=False)
