"""`drawsvc keys`: create, list and revoke API keys (docs/api.md §Roles).

The key is printed once, by ``create``; only its hash is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from drawsvc.cli.output import console

if TYPE_CHECKING:
    from drawsvc.journal import Actor

app = typer.Typer(no_args_is_help=True, help="API keys: roles bureau, discipline, admin.")


def _actor(operator: str) -> Actor:
    from drawsvc.journal import Actor as JournalActor

    return JournalActor(role="admin", department=None, name=operator)


@app.command()
def create(
    role: str = typer.Option(..., help="bureau, discipline or admin."),
    department: str | None = typer.Option(None, help="The department a bureau key acts for."),
    label: str = typer.Option("", help="A note for operators (not secret, not personal data)."),
    operator: str = typer.Option("cli", help="Operator code recorded in the log."),
) -> None:
    """Create a key and print it once."""
    from drawsvc.api import auth
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as session:
        row, token = auth.create_api_key(session, rt.journal, role=role, department=department,
                                         label=label, actor=_actor(operator))
    console.print(f"created key {row.id} (role {row.role}"
                  + (f", department {row.department}" if row.department else "") + ")", highlight=False)
    console.print("store it now; it cannot be shown again:", style="bold")
    typer.echo(token)


@app.command("list")
def list_(all_: bool = typer.Option(False, "--all", help="Include revoked keys.")) -> None:
    """List keys (ids, roles, departments; never the keys themselves)."""
    from drawsvc.api import auth
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as session:
        rows = auth.list_api_keys(session, include_revoked=all_)
    table = Table("id", "role", "department", "label", "created", "revoked")
    for r in rows:
        table.add_row(r.id, r.role, r.department or "", r.label, r.created_at.isoformat(),
                      r.revoked_at.isoformat() if r.revoked_at else "")
    console.print(table)


@app.command()
def revoke(
    key_id: str = typer.Argument(..., help="The key id (the part after dsk_)."),
    operator: str = typer.Option("cli", help="Operator code recorded in the log."),
) -> None:
    """Revoke a key: it stops working at once."""
    from drawsvc.api import auth
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as session:
        auth.revoke_api_key(session, rt.journal, key_id=key_id, actor=_actor(operator))
    console.print(f"revoked key {key_id}")
