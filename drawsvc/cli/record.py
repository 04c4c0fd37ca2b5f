"""`drawsvc record`: print a task's draw record (抽取记录表) from the log (docs/specs/draw-record.md §6)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from drawsvc.cli.output import console

app = typer.Typer(no_args_is_help=True, help="Draw records (抽取记录表): printable pages built from the log.")

BASE_URL_ENV = "DRAWSVC_PUBLIC_BASE_URL"


def default_base_url(log_origin: str) -> str:
    """Without ``--base-url`` / ``DRAWSVC_PUBLIC_BASE_URL``: ``https://`` + the log origin's host."""
    return "https://" + log_origin.split("/", 1)[0]


@app.callback()
def record() -> None:
    """Draw records (抽取记录表): printable pages built from the log."""


@app.command()
def show(
    task_or_index: str = typer.Argument(
        ...,
        metavar="TASK_OR_INDEX",
        help="A task id (T2026-0001, T2026-0001/330102) or a log index of one of its entries.",
    ),
    html: Path | None = typer.Option(None, "--html", help="Write the printable HTML page here."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the PDF here (needs fonts-noto-cjk)."),
    base_url: str | None = typer.Option(
        None, "--base-url", envvar=BASE_URL_ENV, help="Public site address the QR code links to."
    ),
) -> None:
    """Build the draw record of a task from its log entries; print a summary, write HTML/PDF."""
    from drawsvc.runtime import opened_runtime
    from drawsvc.tasks import record as rec

    with opened_runtime() as runtime:
        with runtime.transaction() as session:
            conn = session.connection()
            raw = runtime.log.entries(conn, 0, runtime.log.size(conn))
        base = base_url or os.environ.get(BASE_URL_ENV) or default_base_url(runtime.settings.log_origin)
    record = rec.build_record(rec.select_entries(raw, task_or_index))
    url = rec.record_url(record, verify_base_url=base)
    # Render both before writing either, so a missing font leaves no half-written output.
    page = rec.render_html(record, verify_base_url=base) if html else None
    document = rec.render_pdf(record, verify_base_url=base) if pdf else None
    print_summary(record, url)
    if html and page is not None:
        html.write_text(page, encoding="utf-8")
        console.print(f"HTML written to {html}", highlight=False, markup=False, soft_wrap=True)
    if pdf and document is not None:
        pdf.write_bytes(document)
        console.print(f"PDF written to {pdf}", highlight=False, markup=False, soft_wrap=True)


def print_summary(record: object, url: str) -> None:
    from drawsvc.tasks.record import DrawRecord

    assert isinstance(record, DrawRecord)
    t = record.task

    def say(line: str) -> None:
        console.print(line, highlight=False, markup=False, soft_wrap=True)

    say(f"抽取记录表 {t.task} {t.title}")
    say(
        f"log entries {record.first_index}–{record.last_index} ({record.entry_count} of this task); "
        f"anchor index {record.anchor_index}"
    )
    for rnd in record.rounds:
        drawn = f"draw #{rnd.result.ref.index}, seed {rnd.result.seed}" if rnd.result else "not drawn"
        say(f"round {rnd.number}: commit #{rnd.commit.index}, {drawn}")
        if rnd.redraw:
            say(f"  redraw: {rnd.redraw.reason} (approved by {rnd.redraw.approver})")
    say(f"verify: {url}")
