"""``drawsvc audit SOURCE``: AUD-1 … AUD-9 over a published log (thin: the checks live in drawsvc.audit)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from drawsvc.audit.replay import Auditor, BundleReader, Finding
from drawsvc.audit.report import report, to_html, to_json
from drawsvc.audit.source import open_source
from drawsvc.audit.tree import CompactRange, check_root, checkpoint_of, entries, hash_entry
from drawsvc.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, EXIT_VERIFICATION_FAILED
from ledger.errors import LedgerError
from ledger.export import VKEY_PATH
from ledger.note import parse_verifier_key

STATE_VERSION = 1


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
        state = json.loads(path.read_text(encoding="utf-8"))
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"version {state.get('version')!r}")
        return dict(state)
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
        key = str(state["key"])
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
    if state is not None and key != state["key"]:
        console.print(
            f"[red]refused[/red]: the state {state_path} belongs to another log "
            f"(key {str(state['key']).split('+')[0]})"
        )
        raise typer.Exit(EXIT_INVALID)
    try:
        verifier = parse_verifier_key(key)
    except LedgerError as exc:
        console.print(f"[red]not a verifier key[/red]: {escape(str(exc))}")
        raise typer.Exit(EXIT_INVALID) from None
    origin = key.split("+")[0]
    findings: list[Finding] = []
    earlier = [Finding(**f) for f in state["findings"]] if state is not None else []
    start = 0
    rng = CompactRange()
    auditor = Auditor()
    if state is not None:
        start = int(state["size"])
        rng = CompactRange(start, [bytes.fromhex(h) for h in state["range"]])
        auditor = Auditor.from_state(state["auditor"])
    size, root, tree_ok = 0, "", False
    try:
        cp = checkpoint_of(fetch, verifier, origin)
    except (LedgerError, FileNotFoundError) as exc:
        findings.append(Finding("AUD-1", None, str(exc)))
        cp = None
    if cp is not None:
        size, root = cp.size, cp.root.hex()
        if cp.size < start:
            findings.append(
                Finding(
                    "AUD-9",
                    cp.size,
                    f"the log shrank: {cp.size} entries signed, {start} verified before (rollback)",
                )
            )
        else:
            read = BundleReader(fetch, cp.size)
            try:
                with Progress(console=console, transient=True) as progress:
                    bar = progress.add_task("entries", total=cp.size - start)
                    for i, raw in entries(fetch, cp.size, start):
                        hash_entry(rng, raw)
                        auditor.observe_raw(i, raw, read)
                        progress.advance(bar)
                check_root(cp, rng)
                tree_ok = True
            except (LedgerError, FileNotFoundError) as exc:
                rule = "AUD-9" if state is not None else "AUD-2"
                extra = " (the new tree does not extend the saved checkpoint, or its new entries changed)"
                findings.append(Finding(rule, None, str(exc) + (extra if state is not None else "")))
            with Progress(console=console, transient=True) as progress:
                bar = progress.add_task("draws", total=len(auditor.dirty))
                auditor.finish(read, cp.size, progress=lambda: progress.advance(bar))
            findings.extend(auditor.findings)
    all_findings = [f.as_dict() for f in [*earlier, *findings]]
    incremental = {"start": start, "earlier_findings": len(earlier)} if state is not None else None
    rep = report(
        origin=origin,
        size=size,
        root=root,
        findings=all_findings,
        summary=auditor.summary(),
        incremental=incremental,
    )
    if json_out is not None:
        _write(json_out, to_json(rep))
    if html_out is not None:
        _write(html_out, to_html(rep))
    if state_path is not None and tree_ok and cp is not None:
        auditor.findings = []
        _write(
            state_path,
            json.dumps(
                {
                    "version": STATE_VERSION,
                    "origin": origin,
                    "key": key,
                    "size": cp.size,
                    "root": root,
                    "range": [h.hex() for h in rng.stack],
                    "auditor": auditor.to_state(),
                    "findings": all_findings,
                },
                ensure_ascii=False,
            ),
        )
    for f in all_findings[:50]:
        at = f"entry {f['index']}" if f["index"] is not None else "log"
        console.print(f"[red]{f['rule']}[/red] {at}: {escape(str(f['message']))}", highlight=False)
    s = auditor.summary()
    console.print(
        f"{size} entries, {s['tasks']} tasks, {s['draws']} draws ({s['verified']} recomputed in all)"
    )
    if len(all_findings) > 50:
        console.print(f"… {len(all_findings) - 50} more findings in the --json/--html report")
    omitted = sum(auditor.omitted.values())
    if all_findings or omitted:
        more = f" and {omitted} more not listed (by rule: {auditor.omitted})" if omitted else ""
        console.print(f"[red]{len(all_findings)} finding(s){more}[/red]")
        raise typer.Exit(EXIT_VERIFICATION_FAILED)
    console.print(
        f"[green]passed[/green]: AUD-1 … AUD-11{'' if state_path else ' (AUD-9 needs --state)'}, no findings"
    )
