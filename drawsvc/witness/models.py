"""Cosignatures the service accepted from its witnesses (docs/specs/witness.md W-10).

One row per (witness key, tree size): the newest cosignature that witness gave the log's
checkpoint of that size. The log's checkpoint of a size is unique (its body is a function of
the size and the root), so a row's ``line`` always verifies against it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from drawsvc.db.base import Base


class LogCosignature(Base):
    __tablename__ = "log_cosignatures"
    __table_args__ = (sa.Index("ix_log_cosignatures_tree_size", "tree_size"),)

    witness_key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)  # cosignature/v1 vkey
    tree_size: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    witness_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    root_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)  # hex, of the cosigned tree
    cosigned_at: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)  # the cosignature's timestamp
    line: Mapped[str] = mapped_column(sa.Text, nullable=False)  # the signature line, with its newline
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
