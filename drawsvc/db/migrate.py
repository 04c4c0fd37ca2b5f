"""Schema migrations through Alembic (the deployment path; tests and the demo may use create_all).

`tests/db/test_migrations.py` checks that the migrations build exactly the schema of the models
(ledger + domain) on SQLite and PostgreSQL; after a model change, add a revision with
:func:`autogenerate` against an empty database upgraded to head, and review it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(url: str) -> Config:
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def autogenerate(url: str, message: str, rev_id: str) -> None:
    """Write a new revision comparing the models with the database at ``url`` (upgraded to head)."""
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
