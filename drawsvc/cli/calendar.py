"""`drawsvc calendar`: load holiday arrangements, show a year, compute a deadline (spec calendar.md)."""

from __future__ import annotations

import calendar as stdcal
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.columns import Columns
from rich.panel import Panel
from rich.table import Table

from drawsvc.calendar import WorkCalendar, service
from drawsvc.calendar.provisional import provisional_arrangement, provisional_deadline
from drawsvc.cli.output import console
from drawsvc.errors import InvalidInput

if TYPE_CHECKING:
    from drawsvc.journal import Actor

app = typer.Typer(no_args_is_help=True, help="Working-day calendar: official holiday arrangements.")

WEEKDAYS = "一二三四五六日"
STYLE = {
    "holiday": "bold white on red",
    "adjusted-workday": "bold black on yellow",
    "weekend": "dim",
    "workday": "",
}
MARK = {"holiday": "休", "adjusted-workday": "班", "weekend": " ", "workday": " "}


def _actor(operator: str) -> Actor:
    from drawsvc.journal import Actor  # lazily: the journal needs the ledger

    return Actor(role="admin", department=None, name=operator)


def _parse_day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: must be a date written YYYY-MM-DD", field=field,
                           rule="calendar.date-format") from None


@app.command()
def seed(operator: str = typer.Option("cli", help="Operator code recorded in the log.")) -> None:
    """Load the bundled arrangements (2004–2026) that are not loaded yet (idempotent)."""
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as session:
        indices = service.ensure_bundled(session, rt.journal, actor=_actor(operator))
    if indices:
        console.print(f"loaded {len(indices)} bundled years, log indices {indices[0]}–{indices[-1]}")
    else:
        console.print("bundled years already loaded")


@app.command()
def add(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="Arrangement JSON (docs/specs/calendar.md §3)."),
    reason: str | None = typer.Option(None, help="Required to replace a loaded year (a logged correction)."),
    operator: str = typer.Option("cli", help="Operator code recorded in the log."),
) -> None:
    """Validate FILE and append it to the log as a year's holiday arrangement."""
    from drawsvc.runtime import opened_runtime

    arrangement = service.parse_arrangement_file(file.read_bytes())
    with opened_runtime() as rt, rt.transaction() as session:
        row = service.add_arrangement(session, rt.journal, arrangement, actor=_actor(operator),
                                      reason=reason)
        year, version, index, supersedes = row.year, row.version, row.log_index, row.supersedes_log_index
    console.print(f"loaded {year} arrangement version {version} at log index {index}"
                  + (f" (supersedes log index {supersedes})" if supersedes is not None else ""))


@app.command("list")
def list_() -> None:
    """List every loaded arrangement version (current and superseded)."""
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as session:
        rows = service.list_arrangements(session)
        table = Table("year", "version", "log index", "source", "status", "notice", "reason")
        for r in rows:
            table.add_row(str(r.year), str(r.version), str(r.log_index), r.source,
                          "superseded" if r.superseded else "current",
                          r.body["notice"]["document_number"] or "(number unknown)", r.reason or "")
    console.print(table if rows else "no arrangements loaded; run `drawsvc calendar seed`")


def month_table(cal: WorkCalendar, year: int, month: int) -> Table:
    table = Table(title=f"{year}年{month}月", show_edge=False, pad_edge=False, box=None)
    for name in WEEKDAYS:
        table.add_column(name, justify="right", min_width=4)
    for week in stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for d in week:
            if d.month != month:
                cells.append("")
                continue
            kind = cal.day_kind(d)
            text = f"{d.day:2d}{MARK[kind]}"
            cells.append(f"[{STYLE[kind]}]{text}[/]" if STYLE[kind] else text)
        table.add_row(*cells)
    return table


def year_view(cal: WorkCalendar, year: int, *, provisional: bool) -> Panel:
    arr = cal.arrangements[year]
    months = Columns([month_table(cal, year, m) for m in range(1, 13)], equal=True, expand=False)
    version = "PROVISIONAL — not binding" if provisional else f"log index {cal.versions.get(year)}"
    subtitle = f"{arr.notice.title} · {arr.notice.document_number or 'document number unknown'} · {version}"
    legend = ("[bold white on red] 休 [/] holiday   [bold black on yellow] 班 [/] adjusted working day   "
              "[dim]weekend[/]")
    title = f"{year}" + (" [bold red]PROVISIONAL ESTIMATE[/]" if provisional else "")
    return Panel(_stack(months, legend, arr.notes), title=title, subtitle=subtitle)


def _stack(*parts: object) -> Table:
    grid = Table.grid()
    for part in parts:
        if part:
            grid.add_row(part)  # type: ignore[arg-type]
    return grid


@app.command()
def show(
    year: int = typer.Argument(..., help="Year to show."),
    provisional: bool = typer.Option(False, help="If YEAR is not loaded, show a planning-only estimate."),
) -> None:
    """Print YEAR as a month grid with holidays (休) and adjusted working days (班) marked."""
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as session:
        cal = service.load_calendar(session)
    if year not in cal.arrangements and provisional:
        console.print(year_view(WorkCalendar([provisional_arrangement(year)]), year, provisional=True))
        return
    cal.day_kind(date(year, 1, 1))  # raises CalendarUnavailable naming the year
    console.print(year_view(cal, year, provisional=False))


@app.command()
def deadline(
    start: str = typer.Argument(..., metavar="DATE", help="The day D the period counts from (YYYY-MM-DD)."),
    working_days: int = typer.Argument(..., metavar="N", help="Number of working days (≥ 1)."),
    provisional: bool = typer.Option(False, help="If a year is not loaded, print a planning-only estimate."),
) -> None:
    """Print the deadline 'within N working days after DATE' (ends 24:00 Asia/Shanghai)."""
    from drawsvc.runtime import opened_runtime

    d = _parse_day(start, "DATE")
    with opened_runtime() as rt, rt.transaction() as session:
        cal = service.load_calendar(session)
    result = provisional_deadline(cal, d, working_days) if provisional else cal.deadline(d, working_days)
    if result.provisional:
        console.print(f"[bold red]PROVISIONAL[/] (planning only, not binding): {result.due.isoformat()} "
                      "24:00 Asia/Shanghai — estimated from statutory rules, lunar festivals and "
                      "adjusted working days unknown", highlight=False)
    else:
        console.print(f"{result.due.isoformat()} 24:00 Asia/Shanghai "
                      f"(calendar version: log indices {', '.join(map(str, result.calendar_version))})",
                      highlight=False)
