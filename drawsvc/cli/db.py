"""`drawsvc db`: schema management."""

from __future__ import annotations

import typer

from drawsvc.cli.output import console
from drawsvc.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from drawsvc.db import migrate  # Alembic: ≈ 0.4 s to import, paid by every drawsvc command otherwise

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url, revision)
    console.print(f"database at revision {revision}")
