"""`drawsvc witness init|cosign`: the discipline office's C2SP witness (docs/specs/witness.md §Witness).

Exit status of ``cosign``: 0 cosigned; 10 split view (fork, rollback, same size with another
root: refused, evidence kept); 11 unknown or changed log key, bad log signature; 13 tiles that do
not prove the checkpoint; 2 unreadable source, state or key; 1 other errors.
"""

from __future__ import annotations

from pathlib import Path

import typer

from drawsvc.cli.output import console, err_console

app = typer.Typer(no_args_is_help=True, help="Witness a log: cosign checkpoints proven consistent.")

StateOption = typer.Option(
    ..., "--state", help="Witness directory: its key and the last cosigned checkpoints."
)


@app.command("init")
def init_command(
    state: Path = StateOption,
    name: str = typer.Option(
        ..., "--name", help="Witness name, a schema-less URL (e.g. jiwei.example/witness)."
    ),
) -> None:
    """Generate the witness's Ed25519 key (mode 0600; never overwritten) and print its verifier key."""
    from drawsvc.witness.keys import KEY_FILE, init_witness

    signer = init_witness(state, name)
    err_console.print(
        f"witness key written to {state / KEY_FILE} (mode 0600; keep it secret)", highlight=False
    )
    console.print(signer.vkey, highlight=False, soft_wrap=True)


@app.command("cosign")
def cosign_command(
    source: str = typer.Argument(..., help="Log or site directory, or its http(s):// URL."),
    state: Path = StateOption,
    log_key: str | None = typer.Option(
        None, "--log-key", help="The log's verifier key (else the published one, trusted on first use)."
    ),
    submit_url: str | None = typer.Option(
        None, "--submit", help="Service base URL to POST the cosignature to."
    ),
    api_key: str | None = typer.Option(None, "--api-key", envvar="DRAWSVC_API_KEY",
                                       help="API key for --submit (discipline or admin)."),
) -> None:
    """Prove the checkpoint consistent with the last one cosigned, cosign it, print the line."""
    from drawsvc.monitor.service import Alarm
    from drawsvc.monitor.source import open_source
    from drawsvc.witness.service import run_cosign, submit

    if submit_url is not None and not api_key:
        err_console.print("[bold red]error[/] --submit needs --api-key (or DRAWSVC_API_KEY)", highlight=False)
        raise typer.Exit(2)
    try:
        result = run_cosign(open_source(source), state, log_key=log_key)
    except Alarm as alarm:
        label = "SPLIT VIEW" if alarm.kind == "inconsistent" else "REFUSED"
        err_console.print(f"[bold red]{label}[/] [{alarm.kind}] {alarm.message}", highlight=False)
        err_console.print("  not cosigned; witness state left unchanged", highlight=False)
        raise typer.Exit(alarm.exit_code) from None
    cp = result.checkpoint
    if result.first_run:
        how = ("trust on first use of the published log key (compare it with one obtained out of band)"
               if result.trust_on_first_use else "log key given with --log-key")
        err_console.print(f"FIRST RUN: {how}; checked the tiles from the empty tree", highlight=False)
    else:
        err_console.print(f"consistent with the cosigned size {result.old_size}", highlight=False)
    err_console.print(f"cosigned {cp.origin} size {cp.size} at {result.timestamp}", highlight=False)
    console.print(result.line, end="", highlight=False, soft_wrap=True)
    if submit_url is not None:
        assert api_key is not None
        answer = submit(submit_url, api_key, result.cosigned_note)
        err_console.print(f"submitted: {answer.get('accepted', answer)}", highlight=False)


@app.command("serve")
def serve_command(
    state: Path = StateOption,
    log_key: list[str] = typer.Option(
        ..., "--log-key", help="Verifier key of a log to witness (named by its origin); repeatable."
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(7380, "--port"),
) -> None:
    """Serve C2SP tlog-witness POST /add-checkpoint: cosign what a log proves consistent."""
    import uvicorn

    from drawsvc.witness.server import create_witness_app
    from drawsvc.witness.service import trusted_logs
    from ledger.errors import MalformedError

    try:
        trusted = trusted_logs(log_key)
    except MalformedError as exc:
        err_console.print(f"[bold red]error[/] --log-key: {exc}", highlight=False)
        raise typer.Exit(2) from None
    app_ = create_witness_app(state, trusted)
    err_console.print(f"witness serving http://{host}:{port}/add-checkpoint for "
                      f"{', '.join(sorted(trusted))}", highlight=False)
    uvicorn.run(app_, host=host, port=port, log_level="warning")
