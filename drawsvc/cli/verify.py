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
) -> None:
    """Recompute a draw from the log alone and say whether it matches."""
    from drawsvc.runtime import open_runtime
    from drawsvc.tasks.logread import reader_for
    from drawsvc.tasks.verify import verify_index_or_task

    rt = open_runtime()
    try:
        with rt.engine.connect() as conn:
            size = rt.log.size(conn)
            verified = verify_index_or_task(reader_for(rt.log, conn), target, size=size)
    finally:
        rt.close()

    def show(v: object, indent: str = "") -> None:
        console.print(
            f"{indent}[green]OK[/] task {v.task} round {v.round}: draw at log index {v.draw_index} "  # type: ignore[attr-defined]
            f"recomputed from the log; seed {v.seed[:16]}…, "  # type: ignore[attr-defined]
            f"{len(v.events)} follow-up event(s) replayed",
            highlight=False,
        )  # type: ignore[attr-defined]
        for sub in v.subdraws:  # type: ignore[attr-defined]
            show(sub, indent + "  ")

    show(verified)
