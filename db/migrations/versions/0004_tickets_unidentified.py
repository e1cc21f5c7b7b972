"""Tickets: the customer may be unknown when the ticket opens.

An emergency reported in the chat opens a P1 ticket at once, before anyone has given the
machine's serial; the customer, site and asset are filled in when it is given.

Revision ID: 0004_tickets_unidentified
Revises: 0003_tickets_sla_pause
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_tickets_unidentified"
down_revision = "0003_tickets_sla_pause"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.String(length=40), nullable=True)


def downgrade() -> None:
    # Tickets still without a customer cannot go back to a schema that requires one; nothing
    # is deleted on the way down: the operator identifies them first.
    count = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM tickets WHERE customer_id IS NULL")).scalar()
    if count:
        raise RuntimeError(f"{count} ticket(s) have no customer yet; set their customer_id "
                           "before downgrading below 0004_tickets_unidentified")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.String(length=40), nullable=False)
