"""What an alert says beyond the readings that raised it: the candidate faults and the expert
system's next question, a forecast, a maintenance task (db/telemetry.py); and one telemetry row
per unit and timestamp (a QoS-1 message delivered twice is stored once).

Revision ID: 0008_alert_details
Revises: 0007_telemetry
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_alert_details"
down_revision = "0007_telemetry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
    op.execute("DELETE FROM telemetry WHERE id NOT IN "
               "(SELECT MIN(id) FROM telemetry GROUP BY serial, at)")
    op.drop_index("ix_telemetry_serial_at", table_name="telemetry")
    op.create_index("ix_telemetry_serial_at", "telemetry", ["serial", "at"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_telemetry_serial_at", table_name="telemetry")
    op.create_index("ix_telemetry_serial_at", "telemetry", ["serial", "at"])
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("details")
