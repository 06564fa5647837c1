"""Baseline: the tables as they were on main at commit 501e347, before Alembic.

A database created by `create_all` in those days (it has the tables but no `alembic_version`) is stamped
at this revision by `store.migrate` and then upgraded; tests/store/test_migrations.py keeps such databases
(tests/data/schema-501e347-*.sql) and checks their rows survive. One that lacks some of these tables
(create_all ran while a models module could not be imported) is not stamped but upgraded from nothing:
a table that exists is left as it is, the missing ones are made.

Revision ID: 0001_baseline_501e347
Revises:
Create Date: 2026-12-02
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001_baseline_501e347"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if 'channel_chats' not in existing:
        op.create_table('channel_chats',
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('chat_id', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('first_seen', sa.DateTime(), nullable=False),
        sa.Column('last_seen', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'chat_id')
        )
    if 'channel_delivery_failures' not in existing:
        op.create_table('channel_delivery_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('chat_id', sa.String(length=100), nullable=False),
        sa.Column('error_code', sa.String(length=40), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_channel_delivery_failures_chat_id'), 'channel_delivery_failures', ['chat_id'], unique=False)
    if 'channel_feedback' not in existing:
        op.create_table('channel_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('chat_id', sa.String(length=100), nullable=False),
        sa.Column('query_id', sa.Integer(), nullable=True),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'chat_id', 'query_id', name='uq_feedback_once')
        )
        op.create_index(op.f('ix_channel_feedback_chat_id'), 'channel_feedback', ['chat_id'], unique=False)
        op.create_index(op.f('ix_channel_feedback_query_id'), 'channel_feedback', ['query_id'], unique=False)
    if 'channel_processed' not in existing:
        op.create_table('channel_processed',
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'key')
        )
        op.create_index(op.f('ix_channel_processed_created_at'), 'channel_processed', ['created_at'], unique=False)
    if 'channel_queries' not in existing:
        op.create_table('channel_queries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('chat_id', sa.String(length=100), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('answered', sa.Boolean(), nullable=False),
        sa.Column('intent', sa.String(length=40), nullable=False),
        sa.Column('elapsed_ms', sa.Float(), nullable=False),
        sa.Column('top_source', sa.String(length=200), nullable=True),
        sa.Column('suggestions', sa.JSON(), nullable=False),
        sa.Column('deadline_ids', sa.JSON(), nullable=False),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_channel_queries_channel'), 'channel_queries', ['channel'], unique=False)
        op.create_index(op.f('ix_channel_queries_chat_id'), 'channel_queries', ['chat_id'], unique=False)
        op.create_index(op.f('ix_channel_queries_created_at'), 'channel_queries', ['created_at'], unique=False)
    if 'documents' not in existing:
        op.create_table('documents',
        sa.Column('id', sa.String(length=200), nullable=False),
        sa.Column('file_name', sa.String(length=400), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('doc_type', sa.String(length=40), nullable=True),
        sa.Column('number', sa.String(length=80), nullable=True),
        sa.Column('issuer', sa.String(length=300), nullable=True),
        sa.Column('place', sa.String(length=120), nullable=True),
        sa.Column('date', sa.Date(), nullable=True),
        sa.Column('date_text', sa.String(length=120), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('subject', sa.Text(), nullable=True),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('receivers', sa.JSON(), nullable=False),
        sa.Column('signer', sa.String(length=200), nullable=True),
        sa.Column('signer_title', sa.String(length=200), nullable=True),
        sa.Column('province', sa.String(length=80), nullable=True),
        sa.Column('indexed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
    if 'reminder_subscriptions' not in existing:
        op.create_table('reminder_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('chat_id', sa.String(length=120), nullable=False),
        sa.Column('province', sa.String(length=80), nullable=True),
        sa.Column('agency', sa.String(length=300), nullable=True),
        sa.Column('deadline_id', sa.String(length=40), nullable=True),
        sa.Column('scope_key', sa.String(length=500), nullable=False),
        sa.Column('lead_days', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'chat_id', 'scope_key', name='uq_reminder_subscription')
        )
    if 'zalo_tokens' not in existing:
        op.create_table('zalo_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('access_token', sa.Text(), nullable=False),
        sa.Column('refresh_token', sa.Text(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('seed', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
    if 'chunks' not in existing:
        op.create_table('chunks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('ordinal', sa.Integer(), nullable=False),
        sa.Column('section_path', sa.Text(), nullable=False),
        sa.Column('headings', sa.JSON(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_chunks_document_id'), 'chunks', ['document_id'], unique=False)
    if 'reminders' not in existing:
        op.create_table('reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('chat_id', sa.String(length=120), nullable=False),
        sa.Column('deadline_id', sa.String(length=40), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('lead_days', sa.Integer(), nullable=False),
        sa.Column('send_at', sa.DateTime(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claim_token', sa.String(length=64), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['reminder_subscriptions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subscription_id', 'deadline_id', 'due_date', 'lead_days', name='uq_reminder')
        )
        op.create_index('ix_reminders_chat', 'reminders', ['channel', 'chat_id'], unique=False)
        op.create_index('ix_reminders_due', 'reminders', ['status', 'next_attempt_at'], unique=False)
        op.create_index(op.f('ix_reminders_subscription_id'), 'reminders', ['subscription_id'], unique=False)
    if 'cited_documents' not in existing:
        op.create_table('cited_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('doc_type', sa.String(length=40), nullable=False),
        sa.Column('number', sa.String(length=80), nullable=False),
        sa.Column('date', sa.Date(), nullable=True),
        sa.Column('issuer', sa.String(length=300), nullable=True),
        sa.Column('about', sa.Text(), nullable=True),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('chunk_id', sa.Integer(), nullable=True),
        sa.Column('section_path', sa.Text(), nullable=False),
        sa.Column('quote', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_cited_documents_document_id'), 'cited_documents', ['document_id'], unique=False)
    if 'contacts' not in existing:
        op.create_table('contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('role', sa.Text(), nullable=True),
        sa.Column('phone', sa.String(length=40), nullable=True),
        sa.Column('email', sa.String(length=200), nullable=True),
        sa.Column('organization', sa.String(length=300), nullable=True),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('chunk_id', sa.Integer(), nullable=True),
        sa.Column('section_path', sa.Text(), nullable=False),
        sa.Column('quote', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_contacts_document_id'), 'contacts', ['document_id'], unique=False)
    if 'deadlines' not in existing:
        op.create_table('deadlines',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('actors', sa.JSON(), nullable=False),
        sa.Column('actor_text', sa.Text(), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('recipient', sa.String(length=300), nullable=True),
        sa.Column('due_day', sa.Integer(), nullable=True),
        sa.Column('due_month', sa.Integer(), nullable=True),
        sa.Column('due_year', sa.Integer(), nullable=True),
        sa.Column('recurrence', sa.String(length=20), nullable=False),
        sa.Column('due_text', sa.String(length=200), nullable=False),
        sa.Column('period', sa.String(length=60), nullable=True),
        sa.Column('interpretation', sa.String(length=200), nullable=True),
        sa.Column('province', sa.String(length=80), nullable=True),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('chunk_id', sa.Integer(), nullable=True),
        sa.Column('section_path', sa.Text(), nullable=False),
        sa.Column('quote', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_deadlines_document_id'), 'deadlines', ['document_id'], unique=False)
    if 'responsibilities' not in existing:
        op.create_table('responsibilities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency', sa.String(length=300), nullable=False),
        sa.Column('agency_text', sa.String(length=400), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('task', sa.Text(), nullable=False),
        sa.Column('province', sa.String(length=80), nullable=True),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('chunk_id', sa.Integer(), nullable=True),
        sa.Column('section_path', sa.Text(), nullable=False),
        sa.Column('quote', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_responsibilities_document_id'), 'responsibilities', ['document_id'], unique=False)
    if 'targets' not in existing:
        op.create_table('targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator', sa.Text(), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('province', sa.String(length=80), nullable=True),
        sa.Column('document_id', sa.String(length=200), nullable=False),
        sa.Column('chunk_id', sa.Integer(), nullable=True),
        sa.Column('section_path', sa.Text(), nullable=False),
        sa.Column('quote', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_targets_document_id'), 'targets', ['document_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_targets_document_id'), table_name='targets')
    op.drop_table('targets')
    op.drop_index(op.f('ix_responsibilities_document_id'), table_name='responsibilities')
    op.drop_table('responsibilities')
    op.drop_index(op.f('ix_deadlines_document_id'), table_name='deadlines')
    op.drop_table('deadlines')
    op.drop_index(op.f('ix_contacts_document_id'), table_name='contacts')
    op.drop_table('contacts')
    op.drop_index(op.f('ix_cited_documents_document_id'), table_name='cited_documents')
    op.drop_table('cited_documents')
    op.drop_index(op.f('ix_reminders_subscription_id'), table_name='reminders')
    op.drop_index('ix_reminders_due', table_name='reminders')
    op.drop_index('ix_reminders_chat', table_name='reminders')
    op.drop_table('reminders')
    op.drop_index(op.f('ix_chunks_document_id'), table_name='chunks')
    op.drop_table('chunks')
    op.drop_table('zalo_tokens')
    op.drop_table('reminder_subscriptions')
    op.drop_table('documents')
    op.drop_index(op.f('ix_channel_queries_created_at'), table_name='channel_queries')
    op.drop_index(op.f('ix_channel_queries_chat_id'), table_name='channel_queries')
    op.drop_index(op.f('ix_channel_queries_channel'), table_name='channel_queries')
    op.drop_table('channel_queries')
    op.drop_index(op.f('ix_channel_processed_created_at'), table_name='channel_processed')
    op.drop_table('channel_processed')
    op.drop_index(op.f('ix_channel_feedback_query_id'), table_name='channel_feedback')
    op.drop_index(op.f('ix_channel_feedback_chat_id'), table_name='channel_feedback')
    op.drop_table('channel_feedback')
    op.drop_index(op.f('ix_channel_delivery_failures_chat_id'), table_name='channel_delivery_failures')
    op.drop_table('channel_delivery_failures')
    op.drop_table('channel_chats')
