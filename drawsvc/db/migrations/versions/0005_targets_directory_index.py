"""targets directory index

``ix_targets_directory`` (status, target_type, credit_class): the coverage statistics count the
active directory per target type and credit class (docs/specs/coverage.md §5); with this index
the count reads the index in order instead of sorting a million rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 06:50:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index('ix_targets_directory', ['status', 'target_type', 'credit_class'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index('ix_targets_directory')
