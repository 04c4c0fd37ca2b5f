"""pool read indexes

Two partial indexes for the small reads of a commit (docs/performance.md, "Pool reads"):
``ix_task_pool_members_edits`` (a task's hand-edited pool rows, ``tasks.models.pool_edited``) and
``ix_targets_flagged`` (risk-flagged targets, ``registries.models.target_flagged``). Each
predicate is written as the models render it on that dialect: a planner uses a partial index
only for queries whose WHERE carries the same term (tests/db/test_partial_indexes.py compares).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:31:08.316112
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

FLAGGED = sa.text("CAST(risk_flags AS VARCHAR) != '[]'")
EDITED_SQLITE = sa.text("removed IS 1 OR origin = 'manual'")
EDITED_POSTGRESQL = sa.text("removed IS true OR origin = 'manual'")


def upgrade() -> None:
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index('ix_targets_flagged', ['uscc'], unique=False,
                              sqlite_where=FLAGGED, postgresql_where=FLAGGED)

    with op.batch_alter_table('task_pool_members', schema=None) as batch_op:
        batch_op.create_index('ix_task_pool_members_edits',
                              ['task_code', 'pool', 'member', 'origin', 'removed'], unique=False,
                              sqlite_where=EDITED_SQLITE, postgresql_where=EDITED_POSTGRESQL)


def downgrade() -> None:
    with op.batch_alter_table('task_pool_members', schema=None) as batch_op:
        batch_op.drop_index('ix_task_pool_members_edits')

    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index('ix_targets_flagged')
