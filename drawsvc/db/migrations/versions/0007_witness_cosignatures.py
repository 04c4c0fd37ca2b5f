"""witness cosignatures

``log_cosignatures``: the C2SP tlog-cosignature lines accepted from the configured witnesses,
one per (witness key, tree size) (docs/specs/witness.md W-10, issue 18).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'log_cosignatures',
        sa.Column('witness_key', sa.String(length=300), nullable=False),
        sa.Column('tree_size', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('witness_name', sa.String(length=200), nullable=False),
        sa.Column('root_hash', sa.String(length=64), nullable=False),
        sa.Column('cosigned_at', sa.BigInteger(), nullable=False),
        sa.Column('line', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('witness_key', 'tree_size', name=op.f('pk_log_cosignatures')),
    )
    with op.batch_alter_table('log_cosignatures', schema=None) as batch_op:
        batch_op.create_index('ix_log_cosignatures_tree_size', ['tree_size'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('log_cosignatures', schema=None) as batch_op:
        batch_op.drop_index('ix_log_cosignatures_tree_size')
    op.drop_table('log_cosignatures')
