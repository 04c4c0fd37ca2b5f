"""``drawsvc audit SOURCE``: AUD-1/AUD-2 over a published log (thin: the checks live in drawsvc.audit)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from drawsvc.audit.source import open_source
from drawsvc.audit.tree import CompactRange, check_root, checkpoint_of, entries, hash_entry
from drawsvc.cli.output import EXIT_VERIFICATION_FAILED
from ledger.errors import LedgerError
from ledger.export import VKEY_PATH
from ledger.note import parse_verifier_key


def audit_command(
    source: str = typer.Argument(..., help="site or log directory, or an http(s) URL of either"),
    key: str = typer.Option(None, "--key", help="note verifier key (default: the published verifier-key)"),
    json_out: Path = typer.Option(None, "--json", help="write findings as JSON"),
) -> None:
    """Check the signed checkpoint (AUD-1) and recompute the tree from the entries (AUD-2)."""
    console = Console()
    fetch = open_source(source)
    if key is None:
        key = fetch(VKEY_PATH).decode().strip()
        console.print(f"key from {VKEY_PATH} (trust on first use): {key.split('+')[0]}")
    verifier = parse_verifier_key(key)
    origin = key.split("+")[0]
    findings: list[dict[str, object]] = []
    size = 0
    try:
        cp = checkpoint_of(fetch, verifier, origin)
        size = cp.size
        rng = CompactRange()
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task("entries", total=cp.size)
            for _i, raw in entries(fetch, cp.size):
                hash_entry(rng, raw)
                progress.advance(bar)
        check_root(cp, rng)
    except (LedgerError, FileNotFoundError) as exc:
        rule = "AUD-1" if size == 0 else "AUD-2"
        findings.append({"rule": rule, "index": None, "message": str(exc)})
    if json_out is not None:
        json_out.write_text(json.dumps({"size": size, "findings": findings}, ensure_ascii=False, indent=2))
    for f in findings:
        console.print(f"[red]{f['rule']}[/red] {f['message']}")
    if findings:
        raise typer.Exit(EXIT_VERIFICATION_FAILED)
    console.print(f"[green]AUD-1 AUD-2 passed[/green]: {size} entries rebuild the signed root")
