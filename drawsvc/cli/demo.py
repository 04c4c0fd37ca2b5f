"""`drawsvc demo`: build the demo (sample data, draws, site) and serve API + site on localhost."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from drawsvc.cli.output import console
from drawsvc.settings import Settings


def demo_command(
    data_dir: Path = typer.Option(Path("var/demo"), help="Fresh demo directory (wiped first)."),
    targets: int = typer.Option(20_000, min=100, max=2_000_000, help="Enterprises in the sample directory."),
    host: str = typer.Option("127.0.0.1", help="Address to serve on (keep it on loopback)."),
    port: int = typer.Option(8000, min=1, max=65535),
    serve: bool = typer.Option(True, help="Serve API and site after building."),
) -> None:
    """Load sample data, run complete draws, verify them from the log, build the site, serve it."""
    from drawsvc.demo import DEMO_ORIGIN, run_demo

    base_url = f"http://{host}:{port}/site"
    settings = Settings(data_dir=data_dir, database_url="", log_origin=DEMO_ORIGIN)
    with console.status("准备演示…") as status:

        def step(message: str) -> None:
            status.update(message)
            console.print(f"[green]✓[/] {message}")

        rt, report = run_demo(settings, targets=targets, base_url=base_url, step=step)

    table = Table(title="从日志独立核验的抽取 (verify-draw)")
    table.add_column("任务")
    table.add_column("日志序号", justify="right")
    table.add_column("抽中")
    table.add_column("结果")
    for task, index, drawn in report.verified:
        table.add_row(task, str(index), drawn, "[green]一致[/]")
    console.print(table)
    console.print(f"导入：{report.counts}；日志条目：{report.log_size}")
    _print_joint_record(rt, report.tasks[0], base_url)
    console.print(f"抽取记录表：{report.records[0].parent}/")
    console.print(f"公示网站：{report.site_dir}/index.html")
    a = report.audit
    verdict = "[green]通过，未发现问题[/]" if a["passed"] else f"[red]发现 {len(a['findings'])} 个问题[/]"
    console.print(f"纪检监察审计（AUD-1 … AUD-11）：{a['size']} 条日志、{a['draws']} 次抽取全部重算，"
                  f"{verdict}；报告：{report.audit_report}")
    console.print("演示 API 密钥（仅显示一次）：")
    for name, token in report.keys.items():
        console.print(f"  {name}: {token}", highlight=False)
    if not serve:
        rt.close()
        return

    import uvicorn
    from fastapi.staticfiles import StaticFiles

    from drawsvc.api.app import create_app

    app = create_app(rt)
    app.mount("/site", StaticFiles(directory=report.site_dir, html=True), name="site")
    console.print(f"[bold]API[/]  http://{host}:{port}/docs    [bold]公示网站[/]  {base_url}/index.html")
    console.print("Ctrl-C 停止。")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        rt.close()


def _print_joint_record(rt: object, task: str, base_url: str) -> None:
    """The joint task's 抽取记录表 in brief, rebuilt from the log (the full page is in records/)."""
    from drawsvc.cli.record import print_summary
    from drawsvc.runtime import Runtime
    from drawsvc.tasks import record as rec

    assert isinstance(rt, Runtime)
    with rt.engine.connect() as conn:
        raw = rt.log.entries(conn, 0, rt.log.size(conn))
    record = rec.build_record(rec.select_entries(raw, task))
    console.rule(f"抽取记录表 {task}")
    print_summary(record, rec.record_url(record, verify_base_url=base_url))
