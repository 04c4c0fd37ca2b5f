"""`drawsvc stats`: coverage and fairness statistics of a year (docs/specs/coverage.md)."""

from __future__ import annotations

import json
from typing import Any

import typer

from drawsvc.cli.output import console

app = typer.Typer(no_args_is_help=True, help="Coverage and fairness statistics (抽查覆盖率与公平性).")


@app.callback()
def stats() -> None:
    """Coverage and fairness statistics (抽查覆盖率与公平性)."""


def _pct(bp: int | None) -> str:
    return "—" if bp is None else f"{bp / 100:.2f}%"


@app.command("coverage")
def coverage_command(
    year: int = typer.Option(..., "--year", "-y", help="The year counted."),
    department: str | None = typer.Option(None, "--department", "-d", help="Only this department."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON (drawsvc/coverage/v1)."),
    charts: bool = typer.Option(False, "--charts", help="Print the chart data as JSON instead."),
) -> None:
    """Per check item: targets drawn against the minimum ratio, checks per target against the cap."""
    from drawsvc.coverage.service import coverage
    from drawsvc.coverage.statistics import chart_data
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        report = coverage(s, year=year, department=department)
    if as_json or charts:
        data = chart_data(report) if charts else report
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    print_report(report)


def print_report(report: dict[str, Any]) -> None:
    from rich.table import Table

    items = Table(title=f"{report['year']} 抽查事项覆盖率", show_lines=False)
    for col in ("事项", "名录", "抽中", "比例", "最低", "应抽", "达标", "超上限", "豁免", "非随机"):
        items.add_column(col, justify="left" if col == "事项" else "right")
    for i in report["items"]:
        items.add_row(
            f"{i['department']}/{i['code']} {i['name']}", str(i["directory"]), str(i["targets_checked"]),
            _pct(i["ratio_bp"]), _pct(i["min_ratio_bp"]), str(i["required"]), "是" if i["meets"] else "否",
            str(i["over_cap"]), str(i["over_cap_exempt"]), str(i["nonrandom_inspections"]),
        )
    console.print(items)
    depts = Table(title=f"{report['year']} 部门", show_lines=False)
    for col in ("部门", "抽中", "超上限", "豁免", "非随机", "每户次数分布"):
        depts.add_column(col)
    for d in report["departments"]:
        spread = ", ".join(f"{b['checks']}次:{b['targets']}" for b in d["checks_per_target"]) or "—"
        depts.add_row(d["department"], str(d["targets_checked"]), str(d["over_cap"]),
                      str(d["over_cap_exempt"]), str(d["nonrandom_inspections"]), spread)
    console.print(depts)
