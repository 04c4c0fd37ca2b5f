"""`drawsvc registry`: import and export registry files, write sample files (spec registries.md §5).

Commands only parse options and call ``drawsvc.registries`` functions; a rejected import is
shown as a table of bad rows and exits with the code ``output.exit_code_for`` gives it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from drawsvc.cli.output import console, err_console, exit_code_for, report_error
from drawsvc.errors import ImportRejected, InvalidInput
from drawsvc.runtime import run_in_transaction

app = typer.Typer(no_args_is_help=True, help="Registries: targets, inspectors, experts, declarations.")

KINDS = ("targets", "inspectors", "experts", "declarations")


def _kind(value: str) -> str:
    if value not in KINDS:
        raise typer.BadParameter(f"must be one of {', '.join(KINDS)}")
    return value


def _day(value: str | None) -> date:
    from drawsvc.journal import now_shanghai

    if value is None:
        return now_shanghai().date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("--on must be a date YYYY-MM-DD", field="on", rule="RG-04") from None


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
    return max(n - 1, 0)


def print_rejection(exc: ImportRejected) -> None:
    table = Table(title=f"import rejected: {exc.message}", title_justify="left")
    for col in ("row", "column", "rule", "problem"):
        table.add_column(col)
    for r in exc.rows:
        table.add_row(str(r.row), r.column, r.rule, r.message)
    err_console.print(table)


@app.command("import")
def import_command(
    kind: str = typer.Argument(..., callback=_kind, help="targets | inspectors | experts | declarations"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx file."),
    department: str | None = typer.Option(None, help="Department code: scope and default 部门代码."),
    pool: str | None = typer.Option(None, help="Default 专家库编号 for experts."),
    on: str | None = typer.Option(None, help="Date rules are checked against (default: today)."),
    operator: str = typer.Option("cli", help="Operator id recorded in the log."),
) -> None:
    """Import FILE all-or-nothing; on any bad row nothing is imported and every bad row is listed."""
    from drawsvc.journal import Actor
    from drawsvc.registries.imports import import_file
    from drawsvc.registries.tabular import format_of
    from drawsvc.runtime import opened_runtime

    fmt = format_of(file)
    day = _day(on)
    actor = Actor(role="bureau" if department else "admin", department=department, name=operator)
    total = _count_lines(file) if fmt == "csv" else None
    try:
        with opened_runtime() as rt, Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task(f"importing {kind}", total=total)
            with rt.transaction() as session:
                report = import_file(
                    session,
                    rt.journal,
                    file,
                    kind=kind,
                    fmt=fmt,
                    actor=actor,
                    on=day,
                    department=department,
                    pool_code=pool,
                    progress=lambda n: bar.update(task, completed=n),
                )
    except ImportRejected as exc:
        print_rejection(exc)
        raise typer.Exit(exit_code_for(exc)) from None
    console.print(
        f"imported {report.rows} {kind}: {report.created} new, {report.updated} changed, "
        f"{report.unchanged} unchanged; log entries {report.log_first_index}"
        f"–{(report.log_first_index or 0) + report.log_entries - 1} (import {report.import_ref})"
    )


@app.command("export")
def export_command(
    kind: str = typer.Argument(..., callback=_kind),
    file: Path = typer.Argument(..., dir_okay=False, help="Destination .xlsx"),
    department: str | None = typer.Option(None),
    pool: str | None = typer.Option(None),
    include_private: bool = typer.Option(False, help="Also write phones, ID numbers and birth dates."),
) -> None:
    """Export a registry to Excel with the Chinese headers the import reads."""
    from drawsvc.registries.exports import export_registry
    from drawsvc.runtime import opened_runtime

    if file.suffix.lower() != ".xlsx":
        report_error(InvalidInput("export writes .xlsx files", field="file", rule="RG-02"))
        raise typer.Exit(2)
    with opened_runtime() as rt, rt.transaction() as session:
        n = export_registry(
            session,
            file,
            kind=kind,
            department=department,
            pool_code=pool,
            include_private=include_private,
        )
    console.print(f"wrote {n} {kind} to {file}")


@app.command("sample")
def sample_command(
    kind: str = typer.Argument(..., callback=_kind),
    file: Path = typer.Argument(..., dir_okay=False, help="Destination .csv or .xlsx"),
    rows: int = typer.Option(1000, min=1, max=10_000_000),
    seed: int = typer.Option(1),
    department: str = typer.Option("SCJG"),
    pool: str = typer.Option("ZLZJ"),
) -> None:
    """Write a sample file (fake but valid data of 杭州市) for demos and benchmarks."""
    from drawsvc import sample

    if kind == "targets":
        data = sample.generate_targets(rows, seed)
    elif kind == "inspectors":  # certificates valid from today, so the file imports today
        data = sample.generate_inspectors(rows, seed, department=department, on=_day(None))
    elif kind == "experts":
        data = sample.generate_experts(rows, seed, pool=pool, on=_day(None))
    else:
        targets = [t["uscc"] for t in sample.generate_targets(max(rows, 10), seed)]
        people = [("inspector", f"{department}-{i + 1:05d}") for i in range(rows)]
        data = sample.generate_declarations(people, targets, seed)
    n = sample.write_file(kind, data, file)
    console.print(f"wrote {n} sample {kind} to {file}")


@app.command("flag-over-age")
def flag_over_age_command(
    on: str | None = typer.Option(None, help="Date of the check (default: today)."),
    pool: str | None = typer.Option(None, help="Only this pool."),
) -> None:
    """Flag every admitted expert over their pool's age limit (a person then confirms the exit)."""
    from drawsvc.journal import SYSTEM
    from drawsvc.registries.experts import flag_over_age
    from drawsvc.runtime import opened_runtime

    day = _day(on)
    with opened_runtime() as rt, rt.transaction() as session:
        flagged = flag_over_age(session, rt.journal, on=day, actor=SYSTEM, pool_code=pool)
    console.print(f"flagged {len(flagged)} expert(s) over age on {day}: {', '.join(flagged) or '-'}")


@app.command("department")
def department_command(
    code: str = typer.Argument(..., help="Department code, e.g. SCJG."),
    name: str = typer.Argument(..., help="Full name, e.g. 杭州市市场监督管理局."),
    operator: str = typer.Option("cli", help="Operator id recorded in the log."),
) -> None:
    """Register a department (or rename it); logged."""
    from drawsvc.journal import Actor
    from drawsvc.registries.service import upsert_department

    actor = Actor(role="admin", department=None, name=operator)
    row = run_in_transaction(lambda s, j: upsert_department(s, j, code=code, name=name, actor=actor))
    console.print(f"department {row.code}: {row.name}")


@app.command("check-items")
def check_items_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON: one check item or a list."),
    department: str = typer.Option(..., help="The department whose 随机抽查事项清单 this is."),
    operator: str = typer.Option("cli", help="Operator id recorded in the log."),
) -> None:
    """Create or adjust check items from a JSON file (fields: docs/specs/registries.md); all or nothing."""
    import json

    from drawsvc.journal import Actor
    from drawsvc.registries.service import upsert_check_item

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{file.name} is not UTF-8 JSON", field="file", rule="RG-04") from exc
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        raise InvalidInput("each check item must be a JSON object", field="file", rule="RG-04")
    actor = Actor(role="bureau", department=department, name=operator)

    def upsert_all(s: Any, j: Any) -> list[Any]:
        rows = []
        for n, item in enumerate(items, start=1):
            try:
                rows.append(upsert_check_item(s, j, item, department=department, actor=actor))
            except InvalidInput as exc:  # name the item too: the file may hold many
                raise InvalidInput(f"check item {n}: {exc.message}", field=f"[{n}].{exc.field}",
                                   rule=exc.rule) from exc
        return rows

    rows = run_in_transaction(upsert_all)
    for row in rows:
        console.print(f"check item {row.department_code}/{row.code} v{row.version}: {row.name}")


@app.command("pool")
def pool_command(
    code: str = typer.Argument(..., help="Pool code, e.g. ZLZJ."),
    name: str = typer.Argument(..., help="Pool name, e.g. 产品质量专家库."),
    department: str | None = typer.Option(None, help="Owning department (omit: a shared pool)."),
    age_limit: int = typer.Option(60, help="Age limit on the draw date."),
    groups: str = typer.Option("", help="Specialty groups, comma-separated."),
    min_years: int = typer.Option(0, help="Minimum years in the field."),
    operator: str = typer.Option("cli", help="Operator id recorded in the log."),
) -> None:
    """Create or reconfigure an expert pool (专家库) and its admission rules; logged."""
    from drawsvc.journal import Actor
    from drawsvc.registries.expert_rules import PoolRules
    from drawsvc.registries.experts import upsert_pool

    rules = PoolRules(age_limit=age_limit, min_years=min_years,
                      groups=tuple(g.strip() for g in groups.split(",") if g.strip()))
    actor = Actor(role="bureau" if department else "admin", department=department, name=operator)
    row = run_in_transaction(lambda s, j: upsert_pool(s, j, code=code, name=name, department=department,
                                              pool=rules, actor=actor))
    console.print(f"expert pool {row.code}: {row.name} (groups: {', '.join(row.groups) or 'any'})")
