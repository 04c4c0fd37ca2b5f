"""``drawsvc audit SOURCE``: AUD-1 … AUD-11 over a published log (thin: ``drawsvc.audit.run``)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from drawsvc.audit.report import to_html, to_json
from drawsvc.audit.run import StateRefused, run_audit
from drawsvc.audit.source import open_source
from drawsvc.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, EXIT_VERIFICATION_FAILED
from ledger.errors import LedgerError
from ledger.export import VKEY_PATH


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=".audit-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _load_state(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.exists():
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OSError) as exc:
        raise typer.BadParameter(f"{path}: not an audit state file ({exc})") from None


def audit_command(
    source: str = typer.Argument(..., help="site or log directory, or an http(s) URL of either"),
    key: str = typer.Option(
        None, "--key", help="note verifier key (default: pinned in --state, else published)"
    ),
    json_out: Path = typer.Option(None, "--json", help="write the report as JSON"),
    html_out: Path = typer.Option(None, "--html", help="write the report as HTML (for a non-programmer)"),
    state_path: Path = typer.Option(None, "--state", help="incremental: read and update this state file"),
) -> None:
    """Verify the checkpoint and tree, replay every entry, recompute every draw, check the rules."""
    console = Console()
    state = _load_state(state_path)
    try:
        fetch = open_source(source)
        if key is None and state is None:
            key = fetch(VKEY_PATH).decode().strip()
            console.print(f"key from {VKEY_PATH} (trust on first use): {key.split('+')[0]}")
    except (FileNotFoundError, OSError) as exc:
        console.print(f"[red]cannot read the log[/red]: {escape(str(exc))}")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    if key is None and state is not None:
        key = str(state.get("key"))
        try:
            published = fetch(VKEY_PATH).decode().strip()
        except FileNotFoundError:
            published = key
        if published != key:
            console.print(
                f"[red]refused[/red]: the state {state_path} was made for another log or key "
                f"({key.split('+')[0]}); the source publishes {published.split('+')[0]}"
            )
            raise typer.Exit(EXIT_INVALID)
    with Progress(console=console, transient=True) as bars:

        def progress(phase: str, total: int) -> Callable[[], None]:
            bar = bars.add_task(phase, total=total)
            return lambda: bars.advance(bar)

        try:
            run = run_audit(fetch, key, state, progress=progress)
        except StateRefused as exc:
            console.print(f"[red]refused[/red]: {state_path}: {escape(str(exc))}")
            raise typer.Exit(EXIT_INVALID) from None
        except LedgerError as exc:
            console.print(f"[red]not a verifier key[/red]: {escape(str(exc))}")
            raise typer.Exit(EXIT_INVALID) from None
    if json_out is not None:
        _write(json_out, to_json(run.report))
    if html_out is not None:
        _write(html_out, to_html(run.report))
    if state_path is not None and run.state is not None:
        _write(state_path, json.dumps(run.state, ensure_ascii=False))
    for f in run.findings[:50]:
        at = f"entry {f['index']}" if f["index"] is not None else "log"
        console.print(f"[red]{f['rule']}[/red] {at}: {escape(str(f['message']))}", highlight=False)
    s = run.summary
    size = run.report["size"]
    console.print(f"{size} entries, {s['tasks']} tasks, {s['draws']} draws ({s['verified']} recomputed)")
    if len(run.findings) > 50:
        console.print(f"… {len(run.findings) - 50} more findings in the --json/--html report")
    if not run.passed:
        more = f" and {run.omitted} more not listed (by rule: {s['omitted_findings']})" if run.omitted else ""
        console.print(f"[red]{len(run.findings)} finding(s){more}[/red]")
        raise typer.Exit(EXIT_VERIFICATION_FAILED)
    console.print(
        f"[green]passed[/green]: AUD-1 … AUD-11{'' if state_path else ' (AUD-9 needs --state)'}, no findings"
    )
