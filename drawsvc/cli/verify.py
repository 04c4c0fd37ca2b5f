"""`drawsvc verify-draw INDEX|TASK`: recompute a draw from the log alone (docs/tasks.md §5).

Reads only log entries (``Log.entries``); a mismatch raises a ``VerificationError`` that
``drawsvc.cli.output`` turns into exit code 3, naming what differs.
"""

from __future__ import annotations

import typer

from drawsvc.cli.output import console


def verify_draw_command(
    target: str = typer.Argument(
        ...,
        metavar="INDEX|TASK",
        help="Log index of a draw.result entry, or a task id (verifies its sub-draws too).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the verified draw(s) as one JSON line."),
) -> None:
    """Recompute a draw from the log alone and say whether it matches."""
    import json

    from drawsvc.runtime import open_existing_runtime
    from drawsvc.tasks.logread import reader_for
    from drawsvc.tasks.verify import Verified, verify_index_or_task

    rt = open_existing_runtime()  # never creates a database or a key (a wrong directory is an error)
    try:
        with rt.engine.connect() as conn:
            size = rt.log.size(conn)
            verified = verify_index_or_task(reader_for(rt.log, conn), target, size=size)
    finally:
        rt.close()

    if as_json:
        console.print(
            json.dumps({"ok": True, "log_size": size, **verified.as_dict()}, ensure_ascii=False),
            highlight=False,
            soft_wrap=True,
        )
        return

    def show(v: Verified, indent: str = "") -> None:
        if v.sealed is not None and v.sealed.get("disclosed") is None:
            console.print(
                f"{indent}[yellow]SEALED[/] task {v.task} round {v.round}: draw at log index {v.draw_index} "
                f"is sealed until {v.sealed.get('opens')}; its commitment, pools and seal were checked "
                "from the log, the result can be recomputed once it is disclosed",
                highlight=False,
            )
            return
        console.print(
            f"{indent}[green]OK[/] task {v.task} round {v.round}: draw at log index {v.draw_index} "
            f"recomputed from the log (size {size}); seed {v.seed[:16]}…, "
            f"{v.counts.get('targets', 0)} targets, {v.counts.get('teams', 0)} teams, "
            f"{v.counts.get('experts', 0)} experts; {len(v.events)} follow-up event(s) replayed",
            highlight=False,
        )
        for sub in v.subdraws:
            show(sub, indent + "  ")

    show(verified)
