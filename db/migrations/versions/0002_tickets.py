"""Tickets (ticket service): tickets, comments, the notification outbox and API keys.

Datetimes are stored as naive UTC on every backend (db.tickets.UTCDateTime).

The first revision of the "tickets" branch, which starts from the base revision.

Revision ID: 0002_tickets
Revises: 0001_base
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_tickets'
down_revision = '0001_base'
branch_labels = ('tickets',)
depends_on = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=128), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_id', name=op.f('uq_api_keys_key_id'))
    )
    op.create_table('ticket_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_outbox'))
    )
    with op.batch_alter_table('ticket_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_outbox_due', ['delivered_at', 'next_attempt_at'],
                              unique=False)

    op.create_table('tickets',
    sa.Column('number', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.String(length=2), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=False),
    sa.Column('site_id', sa.String(length=40), nullable=True),
    sa.Column('serial', sa.String(length=60), nullable=True),
    sa.Column('model', sa.String(length=40), nullable=True),
    sa.Column('family', sa.String(length=60), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('conversation_id', sa.String(length=200), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('escalation_reason', sa.String(length=40), nullable=True),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('assignee', sa.String(length=100), nullable=True),
    sa.Column('contract_tier', sa.String(length=40), nullable=False),
    sa.Column('time_zone', sa.String(length=60), nullable=False),
    sa.Column('transcript', sa.JSON(), nullable=False),
    sa.Column('diagnosis', sa.JSON(), nullable=True),
    sa.Column('citations', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('idempotency_scope', sa.String(length=100), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('first_response_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('response_due_at', sa.DateTime(), nullable=False),
    sa.Column('resolution_due_at', sa.DateTime(), nullable=False),
    sa.Column('next_due_at', sa.DateTime(), nullable=True),
    sa.Column('breach_notified_at', sa.DateTime(), nullable=True),
    sa.Column('human_active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_tickets')),
    sa.UniqueConstraint('id', name=op.f('uq_tickets_id')),
    sa.UniqueConstraint('idempotency_scope', 'idempotency_key', name='uq_tickets_idempotency')
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_assignee'), ['assignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_conversation_id'), ['conversation_id'],
                              unique=False)
        batch_op.create_index('ix_tickets_customer_status', ['customer_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_family'), ['family'], unique=False)
        batch_op.create_index('ix_tickets_next_due_at', ['next_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_priority'), ['priority'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_status'), ['status'], unique=False)

    op.create_table('ticket_comments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('author_role', sa.String(length=20), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                            name=op.f('fk_ticket_comments_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_comments'))
    )
    with op.batch_alter_table('ticket_comments', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_comments_ticket', ['ticket_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_comments_ticket')

    op.drop_table('ticket_comments')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_status'))
        batch_op.drop_index(batch_op.f('ix_tickets_priority'))
        batch_op.drop_index('ix_tickets_next_due_at')
        batch_op.drop_index(batch_op.f('ix_tickets_family'))
        batch_op.drop_index('ix_tickets_customer_status')
        batch_op.drop_index(batch_op.f('ix_tickets_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_assignee'))

    op.drop_table('tickets')
    with op.batch_alter_table('ticket_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_outbox_due')

    op.drop_table('ticket_outbox')
    op.drop_table('api_keys')
