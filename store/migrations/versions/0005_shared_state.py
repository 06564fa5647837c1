"""Shared state: keys with an expiry that every replica reads and writes (conversation contexts, rate-limit counters,
web admin sessions, the server's signing key) — `store.shared_state`.

Only a new table: no existing row is touched.

Revision ID: 0005_shared_state
Revises: 0004_index_publish
Create Date: 2026-12-06 12:00:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0005_shared_state'
down_revision: Union[str, Sequence[str], None] = '0004_index_publish'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('shared_state',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('shared_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_state_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('shared_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_state_expires_at'))

    op.drop_table('shared_state')
