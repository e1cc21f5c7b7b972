"""Guided-diagnosis sessions (the first revision of the "diagnostics" branch).

Revision ID: 0002_diagnostic_sessions
Revises: 0001_base
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_diagnostic_sessions"
down_revision = "0001_base"
branch_labels = ("diagnostics",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diagnostic_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("family", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostic_sessions")),
    )
    op.create_index(op.f("ix_diagnostic_sessions_status"), "diagnostic_sessions", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_diagnostic_sessions_status"), table_name="diagnostic_sessions")
    op.drop_table("diagnostic_sessions")
