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
