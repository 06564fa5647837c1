"""Criteria, events, chunk pages and the document history (tables added to main after 501e347).

Stores created by `create_all` after 501e347 and before Alembic may already have some of these tables
(stamped at the baseline by `store.migrate`, they come here): a table that exists is left as it is.

Revision ID: 0002_criteria_events_pages_log
Revises: 0001_baseline_501e347
Create Date: 2026-12-02
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002_criteria_events_pages_log"
down_revision: Union[str, Sequence[str], None] = "0001_baseline_501e347"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if 'document_events' not in existing:
        op.create_table('document_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('file_name', sa.String(length=400), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_document_events_created_at'), 'document_events', ['created_at'], unique=False)
        op.create_index(op.f('ix_document_events_document_id'), 'document_events', ['document_id'], unique=False)
    if 'chunk_pages' not in existing:
        op.create_table('chunk_pages',
        sa.Column('chunk_id', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('chunk_id')
        )
    if 'criteria' not in existing:
        op.create_table('criteria',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('criteria_set', sa.Text(), nullable=False),
        sa.Column('item', sa.Text(), nullable=False),
        sa.Column('points', sa.Float(), nullable=True),
        sa.Column('pass_mark', sa.Text(), nullable=True),
        sa.Column('recognised_by', sa.Text(), nullable=True),
        sa.Column('validity', sa.Text(), nullable=True),
        sa.Column('apply_by', sa.Text(), nullable=True),
        sa.Column('province', sa.String(length=80), nullable=True),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('chunk_id', sa.Integer(), nullable=True),
        sa.Column('section_path', sa.Text(), nullable=False),
        sa.Column('quote', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_criteria_document_id'), 'criteria', ['document_id'], unique=False)
    if 'events' not in existing:
        op.create_table('events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=True),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('when_text', sa.String(length=200), nullable=False),
        sa.Column('place', sa.Text(), nullable=True),
        sa.Column('recurrence', sa.String(length=20), nullable=False),
        sa.Column('province', sa.String(length=80), nullable=True),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('chunk_id', sa.Integer(), nullable=True),
        sa.Column('section_path', sa.Text(), nullable=False),
        sa.Column('quote', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_events_document_id'), 'events', ['document_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_events_document_id'), table_name='events')
    op.drop_table('events')
    op.drop_index(op.f('ix_criteria_document_id'), table_name='criteria')
    op.drop_table('criteria')
    op.drop_table('chunk_pages')
    op.drop_index(op.f('ix_document_events_document_id'), table_name='document_events')
    op.drop_index(op.f('ix_document_events_created_at'), table_name='document_events')
    op.drop_table('document_events')
