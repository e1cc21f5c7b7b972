"""Tickets: the SLA clock pauses while the customer owes an answer (waiting_customer).

`sla_paused_at` is when the running pause began (NULL: the clock runs); `sla_paused_seconds`
the clock time of the pauses that have ended. Tickets already waiting for the customer are
taken as paused since their last update (the best the old rows tell), and stop racing a
deadline they had not missed by then.

Revision ID: 0003_tickets_sla_pause
Revises: 0002_tickets
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_tickets_sla_pause"
down_revision = "0002_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_paused_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sla_paused_seconds", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.execute(sa.text("UPDATE tickets SET sla_paused_at = updated_at "
                       "WHERE status = 'waiting_customer'"))
    op.execute(sa.text("UPDATE tickets SET next_due_at = NULL WHERE status = 'waiting_customer' "
                       "AND next_due_at > sla_paused_at"))


def downgrade() -> None:
    # A paused ticket races its (unshifted) deadline again.
    op.execute(sa.text(
        "UPDATE tickets SET next_due_at = CASE WHEN first_response_at IS NULL "
        "THEN response_due_at ELSE resolution_due_at END "
        "WHERE sla_paused_at IS NOT NULL AND status = 'waiting_customer'"))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("sla_paused_seconds")
        batch_op.drop_column("sla_paused_at")
