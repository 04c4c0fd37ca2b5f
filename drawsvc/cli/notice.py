"""`drawsvc record notice TASK USCC`: the notice to the firm (抽查告知书, docs/specs/notice.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from drawsvc.cli.output import console


def notice_command(
    task: str = typer.Argument(..., help="The task id (T2026-0001, or a sub-draw T2026-0001/330102)."),
    uscc: str = typer.Argument(..., help="The drawn target's unified social credit code."),
    html: Path | None = typer.Option(None, "--html", help="Write the printable HTML page here."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the PDF here (needs fonts-noto-cjk)."),
    base_url: str | None = typer.Option(None, "--base-url", help="Public site address the QR code links to."),
) -> None:
    """Build the notice for one drawn target; print a summary, write HTML/PDF."""
    from drawsvc.notice import render
    from drawsvc.notice.service import notice_for, public_base_url
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        notice = notice_for(s, task=task, uscc=uscc.upper(),
                            verify_base_url=base_url or public_base_url(rt.settings.log_origin))
    # Render both before writing either, so a missing font leaves no half-written output.
    page = render.render_html(notice) if html else None
    document = render.render_pdf(notice) if pdf else None

    def say(line: str) -> None:
        console.print(line, highlight=False, markup=False, soft_wrap=True)

    say(f"抽查告知书 {notice.task} {notice.firm_uscc} {notice.firm_name}")
    team = "、".join(f"{m.name}（{m.code}）{'组长' if m.leader else ''}" for m in notice.team)
    say("检查组：" + (team or "待抽取"))
    say(f"抽取记录：日志 #{notice.draw_index}")
    say(f"verify: {notice.verify_url}")
    if html and page is not None:
        html.write_text(page, encoding="utf-8")
        say(f"HTML written to {html}")
    if pdf and document is not None:
        pdf.write_bytes(document)
        say(f"PDF written to {pdf}")
