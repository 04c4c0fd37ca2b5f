"""Declarative base for drawsvc's ORM models (SQLAlchemy 2, typed ``Mapped[]``).

Relationships are declared ``lazy="raise"`` so that no query happens behind a service's back.
The ledger's tables live in ``ledger.store.metadata``; drawsvc's in ``Base.metadata``; the
Alembic environment and :func:`drawsvc.db.session.create_schema` use both.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
