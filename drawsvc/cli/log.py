"""`drawsvc log`: the transparency log as an operator publishes it (docs/specs/ledger.md §Export)."""

from __future__ import annotations

import typer

from drawsvc.cli.output import console

app = typer.Typer(no_args_is_help=True, help="The transparency log: its verifier key.")


@app.command("key")
def key_command() -> None:
    """Print the log's note verifier key (what auditors pin; published as log/verifier-key beside the
    checkpoint). Reads the signing key of the data directory; creates nothing."""
    from drawsvc.runtime import open_existing_runtime

    rt = open_existing_runtime()
    try:
        console.print(rt.log.signer.verifier_key(), highlight=False, soft_wrap=True)
    finally:
        rt.close()


@app.command("witness")
def witness_command(
    urls: list[str] = typer.Argument(..., help="Witness base URLs (each serving POST /add-checkpoint)."),
) -> None:
    """Ask each witness to cosign the current checkpoint (C2SP tlog-witness add-checkpoint), with
    a consistency proof from the size it last cosigned, and store the cosignatures it returns
    (only witnesses in DRAWSVC_WITNESS_KEYS are kept). Exit 4 if any witness did not cosign."""
    from drawsvc.cli.output import err_console
    from drawsvc.runtime import open_existing_runtime
    from drawsvc.witness import accept
    from drawsvc.witness.request import WitnessUnavailable, ask_witness

    rt = open_existing_runtime()
    failed = 0
    try:
        witnesses = accept.parse_witness_keys(rt.settings.witness_keys)
        for url in urls:
            try:
                with rt.transaction() as session:
                    got = ask_witness(session, rt.log, witnesses, url)
            except WitnessUnavailable as exc:
                err_console.print(f"[bold red]not cosigned[/] {exc}", highlight=False)
                failed += 1
                continue
            for a in got:
                console.print(f"cosigned size {a.tree_size} by {a.witness} at {a.timestamp}", highlight=False)
    finally:
        rt.close()
    if failed:
        raise typer.Exit(4)
