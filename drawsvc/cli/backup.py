"""`drawsvc backup FILE` / `drawsvc restore FILE`: the whole database in one archive
(docs/specs/backup.md). Thin: options, then ``drawsvc.backup.service``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from drawsvc.cli.output import console


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True)


def backup_command(
    file: Path = typer.Argument(..., help="Archive to write (gzip JSON lines, mode 0600)."),
) -> None:
    """Write every table of the database, as of one log size, to FILE."""
    from drawsvc.backup.service import backup
    from drawsvc.db.session import create_engine
    from drawsvc.journal import now_shanghai
    from drawsvc.settings import get_settings

    engine = create_engine(get_settings().resolved_database_url)
    try:
        with _progress() as bar:
            task = bar.add_task("reading", total=None)
            summary = backup(engine, file, now=now_shanghai(),
                             progress=lambda t, n: bar.update(task, description=f"{t}: {n} rows"))
    finally:
        engine.dispose()
    console.print(f"backup written to {summary.path}: log size {summary.log_size}, "
                  f"{sum(summary.rows.values())} rows in {len(summary.rows)} tables. "
                  "Back up the signing key and the secrets directory apart.", highlight=False)


def restore_command(
    file: Path = typer.Argument(..., help="Archive written by `drawsvc backup`."),
    published: list[Path] = typer.Option(
        [], "--published", help="A checkpoint already published or cosigned (file, site or log "
        "directory); repeat. The restore is refused if the backup is behind any of them."),
    verifier_key: str | None = typer.Option(
        None, help="The log's verifier key; default: the one of the signing key in the data directory."),
) -> None:
    """Restore FILE into an empty database, all or nothing, after checking it against the log."""
    from drawsvc.backup.service import published_checkpoint, restore
    from drawsvc.db.session import create_engine, create_schema
    from drawsvc.settings import get_settings
    from ledger.keys import load_signer
    from ledger.note import parse_verifier_key

    settings = get_settings()
    verifier = (parse_verifier_key(verifier_key) if verifier_key
                else load_signer(settings.resolved_key_file).verifier())
    notes = [published_checkpoint(p) for p in published]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    try:
        create_schema(engine)
        with _progress() as bar:
            task = bar.add_task("restoring", total=None)
            summary = restore(engine, file, verifier=verifier, origin=settings.log_origin, published=notes,
                              progress=lambda t, n: bar.update(task, description=f"{t}: {n} rows"))
    finally:
        engine.dispose()
    console.print(f"[green]restored[/] {sum(summary.rows.values())} rows; log size {summary.log_size}, "
                  f"root recomputed from the entries and checked against the signed checkpoint"
                  f"{' and ' + str(len(notes)) + ' published checkpoint(s)' if notes else ''}.",
                  highlight=False)
