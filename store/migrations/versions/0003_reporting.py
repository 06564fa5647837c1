"""Reporting: registered units, each occurrence's status per unit, the audit trail, used one-time tokens.

Only new tables: no existing row (subscriptions, reminders, Zalo tokens) is touched. A subscription becomes a
unit's through `report_unit_subscriptions`, so `reminder_subscriptions` keeps its columns.

Revision ID: 0003_reporting
Revises: 0002_criteria_events_pages_log
Create Date: 2026-12-06 09:17:42.011740
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0003_reporting'
down_revision: Union[str, Sequence[str], None] = '0002_criteria_events_pages_log'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('report_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('unit_name', sa.String(length=300), nullable=False),
    sa.Column('deadline_id', sa.String(length=40), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_events_unit_id'), ['unit_id'], unique=False)

    op.create_table('report_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('province', sa.String(length=80), nullable=True),
    sa.Column('group', sa.String(length=200), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('telegram', sa.String(length=120), nullable=True),
    sa.Column('zalo', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', name='uq_report_unit_name')
    )
    op.create_table('report_used_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('report_statuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deadline_id', sa.String(length=40), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.Column('marked_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['report_units.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('deadline_id', 'due_date', 'unit_id', name='uq_report_status')
    )
    with op.batch_alter_table('report_statuses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_statuses_unit_id'), ['unit_id'], unique=False)

    op.create_table('report_unit_subscriptions',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['reminder_subscriptions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['report_units.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subscription_id')
    )
    with op.batch_alter_table('report_unit_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_unit_subscriptions_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report_unit_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_unit_subscriptions_unit_id'))

    op.drop_table('report_unit_subscriptions')
    with op.batch_alter_table('report_statuses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_statuses_unit_id'))

    op.drop_table('report_statuses')
    op.drop_table('report_used_tokens')
    op.drop_table('report_units')
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_events_unit_id'))
        batch_op.drop_index(batch_op.f('ix_report_events_created_at'))

    op.drop_table('report_events')
