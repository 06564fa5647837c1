"""Index publishing: each build's search indexes in parts, and the uploaded files (bot.index_publish).

For replicas that share the database but no disk. Only new tables: no existing row is touched.

Revision ID: 0004_index_publish
Revises: 0003_reporting
Create Date: 2026-12-06 11:52:12.891329
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0004_index_publish'
down_revision: Union[str, Sequence[str], None] = '0003_reporting'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('document_files',
    sa.Column('document_id', sa.String(length=200), nullable=False),
    sa.Column('file_name', sa.String(length=400), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('document_id')
    )
    op.create_table('index_builds',
    sa.Column('build_id', sa.String(length=80), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('total_bytes', sa.BigInteger(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('build_id')
    )
    op.create_table('index_files',
    sa.Column('build_id', sa.String(length=80), nullable=False),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['build_id'], ['index_builds.build_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('build_id', 'path', 'part')
    )


def downgrade() -> None:
    op.drop_table('index_files')
    op.drop_table('index_builds')
    op.drop_table('document_files')
