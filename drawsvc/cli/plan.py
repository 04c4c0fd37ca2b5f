"""`drawsvc plan`: annual plans (年度抽查计划, docs/specs/plans.md).

Commands only parse options and call :mod:`drawsvc.plans.service`; errors become exit codes in
``drawsvc.cli.output``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from drawsvc.cli.output import console
from drawsvc.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="Annual plans: create or revise, publish, show.")

DeptOpt = typer.Option(..., "--department", "-d", help="The plan's department (the acting bureau).")
YearOpt = typer.Option(..., "--year", help="The plan's year.")
OperatorOpt = typer.Option("cli", "--operator", help="Operator code recorded in the log.")
ITEM_HELP = ("CODE,RATIO_BP,FREQUENCY,START,END[,JOINT+JOINT…] (repeatable), e.g. "
             "CI-1,500,1,2026-04-01,2026-06-30,WSJ")


def parse_item(spec: str, n: int) -> dict[str, Any]:
    """One ``--item``: check item, ratio (bp), frequency, period start and end, joint departments."""
    parts = [p.strip() for p in spec.split(",")]
    field = f"items[{n}]"
    if len(parts) not in (5, 6):
        raise InvalidInput(f"--item {n + 1}: {ITEM_HELP}", field=field, rule="cli.plan-item")
    numbers = []
    for name, text in (("ratio_bp", parts[1]), ("frequency", parts[2])):
        if not text.isdigit():
            raise InvalidInput(f"--item {n + 1}: {name} must be a whole number", field=f"{field}.{name}",
                               rule="cli.plan-item")
        numbers.append(int(text))
    joint = [d for d in parts[5].split("+") if d] if len(parts) == 6 else []
    return {"check_item": parts[0], "ratio_bp": numbers[0], "frequency": numbers[1],
            "period_start": parts[3], "period_end": parts[4], "joint_departments": joint}


def _items(item: list[str], items_file: Path | None) -> list[Any]:
    items: list[Any] = [parse_item(spec, n) for n, spec in enumerate(item)]
    if items_file is not None:
        try:
            loaded = json.loads(items_file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            loaded = None
        if not isinstance(loaded, list):
            raise InvalidInput("--items-file: a JSON list of items", field="items", rule="cli.plan-item")
        items.extend(loaded)
    return items


def _show(row: Any) -> None:
    table = Table(title=f"{row.department_code} {row.year} plan, version {row.version} ({row.status})",
                  title_justify="left")
    for col in ("check item", "ratio (bp)", "frequency", "period", "joint"):
        table.add_column(col)
    for it in row.items:
        table.add_row(it["check_item"], str(it["ratio_bp"]), str(it["frequency"]),
                      f"{it['period']['start']} … {it['period']['end']}", ", ".join(it["joint_departments"]))
    console.print(table)
    if row.reason:
        console.print(f"reason: {row.reason}", highlight=False)
    console.print(f"log index: {row.log_index}", highlight=False)


@app.command()
def create(
    department: str = DeptOpt,
    year: int = YearOpt,
    item: list[str] = typer.Option([], "--item", help=ITEM_HELP),
    items_file: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                           help="Items as a JSON list (the API's item shape)."),
    reason: str | None = typer.Option(None, help="Required to revise a published plan (a new version)."),
    operator: str = OperatorOpt,
) -> None:
    """Create or edit the year's draft; revising a published plan makes a new version."""
    from drawsvc.journal import Actor
    from drawsvc.plans import service
    from drawsvc.runtime import opened_runtime

    items = _items(item, items_file)
    actor = Actor(role="bureau", department=department, name=operator)
    with opened_runtime() as rt, rt.transaction() as session:
        row = service.upsert_plan(session, rt.journal, department=department, year=year, items=items,
                                  reason=reason, actor=actor)
        _show(row)


@app.command()
def publish(department: str = DeptOpt, year: int = YearOpt, operator: str = OperatorOpt) -> None:
    """Publish the draft (logged); an earlier published version becomes superseded."""
    from drawsvc.journal import Actor
    from drawsvc.plans import service
    from drawsvc.runtime import opened_runtime

    actor = Actor(role="bureau", department=department, name=operator)
    with opened_runtime() as rt, rt.transaction() as session:
        row = service.publish_plan(session, rt.journal, department=department, year=year, actor=actor)
        console.print(f"{department} {year} plan version {row.version} published "
                      f"(log index {row.log_index})", highlight=False)


@app.command()
def show(
    department: str = DeptOpt,
    year: int = YearOpt,
    version: int | None = typer.Option(None, help="A version (default: the latest)."),
) -> None:
    """Show a plan version (drafts too: this is the department's own console)."""
    from drawsvc.plans import service
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as session:
        _show(service.get_plan(session, department=department, year=year, version=version))
