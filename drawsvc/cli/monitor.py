"""`drawsvc monitor SOURCE --state FILE`: follow a published log (docs/specs/witness.md §Monitor).

Exit status: 0 consistent; 10 fork or rollback; 11 unknown or changed key; 12 stale checkpoint;
13 tiles that do not prove the checkpoint; 2 unreadable source or state file.
"""

from __future__ import annotations

from pathlib import Path

import typer

from drawsvc.cli.output import console, err_console


def monitor_command(
    source: str = typer.Argument(..., help="Log or site directory, or its http(s):// URL."),
    state: Path = typer.Option(
        ..., "--state", help="State file: the pinned key and last verified checkpoint."
    ),
    key: str | None = typer.Option(
        None, "--key", help="The log's verifier key (else the published one, trusted on first use)."
    ),
    max_age: float | None = typer.Option(
        None,
        "--max-age",
        min=0,
        help="Alarm when the checkpoint is older than this many seconds (file mtime or HTTP Last-Modified).",
    ),
) -> None:
    """Check that the log only grew since the last run; alarm on fork, rollback, key change, staleness."""
    from drawsvc.monitor.service import Alarm, run_monitor
    from drawsvc.monitor.source import open_source

    try:
        result = run_monitor(open_source(source), state, key=key, max_age=max_age)
    except Alarm as alarm:
        err_console.print(f"[bold red]ALARM[/] [{alarm.kind}] {alarm.message}", highlight=False)
        err_console.print(f"  state file {state} left unchanged", highlight=False)
        raise typer.Exit(alarm.exit_code) from None
    cp = result.checkpoint
    if result.first_run:
        how = (
            "trust on first use: pinned the key the log publishes (compare it with one obtained out of band)"
            if result.trust_on_first_use
            else "pinned the key given with --key"
        )
        console.print(
            f"[yellow]FIRST RUN[/] {how}; checkpoint size {cp.size} of {cp.origin} saved in {state}",
            highlight=False,
        )
        return
    grown = "unchanged" if cp.size == result.old_size else f"grew {result.old_size} -> {cp.size}"
    age = "" if result.age is None else f", published {result.age:.0f} s ago"
    console.print(
        f"[green]OK[/] {cp.origin}: consistent, {grown}{age}; root {cp.root.hex()[:16]}…", highlight=False
    )
