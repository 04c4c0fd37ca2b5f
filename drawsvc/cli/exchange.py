"""`drawsvc exchange`: results exchange files (docs/specs/exchange.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from drawsvc.cli.output import console

app = typer.Typer(no_args_is_help=True, help="Results exchange files (XLSX/CSV) for provincial platforms.")


@app.callback()
def exchange() -> None:
    """Results exchange files (XLSX/CSV) for provincial platforms."""


def _say(line: str) -> None:
    console.print(line, highlight=False, markup=False, soft_wrap=True)


@app.command("export")
def export_command(
    out: Path = typer.Argument(..., help="File to write: .xlsx, or .csv (UTF-8 with BOM)."),
    task: str | None = typer.Option(None, "--task", help="Only this task's results."),
    department: str | None = typer.Option(None, "--department", "-d", help="Only this department's."),
) -> None:
    """Write every published result version in the exchange columns."""
    from drawsvc.registries.tabular import format_of
    from drawsvc.results import exchange as ex
    from drawsvc.runtime import opened_runtime

    fmt = format_of(out)
    with opened_runtime() as rt, rt.transaction() as s:
        data = ex.export_published(s, fmt=fmt, task=task, department=department)
    out.write_bytes(data)
    _say(f"written to {out}")


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An exchange file (.xlsx or .csv)."),
    department: str = typer.Option(..., "--department", "-d", help="The acting department (its bureau)."),
    operator: str = typer.Option("cli", "--operator", help="Operator code recorded in the log."),
) -> None:
    """Import results entered elsewhere: all or nothing; a refusal lists every bad row."""
    from drawsvc.journal import Actor
    from drawsvc.registries.tabular import format_of
    from drawsvc.results import exchange as ex
    from drawsvc.runtime import opened_runtime

    fmt = format_of(file)
    with opened_runtime() as rt, rt.transaction() as s:
        report = ex.import_file(s, rt.journal, file.read_bytes(), fmt=fmt,
                                actor=Actor(role="bureau", department=department, name=operator))
    _say(f"imported {report.rows} results (log #{report.first_index}…)")
