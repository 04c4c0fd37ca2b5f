"""ledger edge entries

The partial (right-edge) entry bundle is stored as one row per entry in
``ledger_edge_entries`` instead of one ``ledger_bundles`` row rewritten whole by every append
(docs/specs/ledger.md §3, issue 20). Upgrade moves the entries of an existing partial bundle
into the new table; downgrade puts them back as one bundle row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 06:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

WIDTH = 256


def _encode(entries: list[bytes]) -> bytes:
    return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def _decode(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 2], "big")
        out.append(data[pos + 2 : pos + 2 + n])
        pos += 2 + n
    return out


def upgrade() -> None:
    op.create_table(
        'ledger_edge_entries',
        sa.Column('idx', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False,
                  nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('idx'),
    )
    conn = op.get_bind()
    size = conn.execute(sa.text("SELECT size FROM ledger_state WHERE id = 1")).scalar()
    if size and size % WIDTH:
        bundle = size // WIDTH
        data = conn.execute(sa.text("SELECT data FROM ledger_bundles WHERE idx = :i"), {"i": bundle}).scalar()
        entries = _decode(bytes(data))[: size % WIDTH]
        conn.execute(
            sa.text("INSERT INTO ledger_edge_entries (idx, data) VALUES (:i, :d)"),
            [{"i": bundle * WIDTH + k, "d": e} for k, e in enumerate(entries)],
        )
        conn.execute(sa.text("DELETE FROM ledger_bundles WHERE idx = :i"), {"i": bundle})


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT idx, data FROM ledger_edge_entries ORDER BY idx")).all()
    if rows:
        conn.execute(
            sa.text("INSERT INTO ledger_bundles (idx, data) VALUES (:i, :d)"),
            {"i": rows[0][0] // WIDTH, "d": _encode([bytes(d) for _, d in rows])},
        )
    op.drop_table('ledger_edge_entries')
