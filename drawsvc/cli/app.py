"""The ``drawsvc`` command: a root Typer app with one sub-app per area.

Each area module defines ``app = typer.Typer(...)`` and is registered below with one line.
"""

from __future__ import annotations

import typer

from drawsvc.cli import db
from drawsvc.cli.audit import audit_command
from drawsvc.cli.backup import backup_command, restore_command
from drawsvc.cli.calendar import app as calendar_app
from drawsvc.cli.demo import demo_command
from drawsvc.cli.exchange import app as exchange_app
from drawsvc.cli.keys import app as keys_app
from drawsvc.cli.log import app as log_app
from drawsvc.cli.monitor import monitor_command
from drawsvc.cli.notice import notice_command
from drawsvc.cli.output import run_guarded
from drawsvc.cli.plan import app as plan_app
from drawsvc.cli.record import app as record_app
from drawsvc.cli.registry import app as registry_app
from drawsvc.cli.result import app as result_app
from drawsvc.cli.serve import app as serve_app
from drawsvc.cli.stats import app as stats_app
from drawsvc.cli.task import app as task_app
from drawsvc.cli.verify import verify_draw_command
from drawsvc.cli.witness import app as witness_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help="drawsvc: verifiable random draws.")

# Sub-apps: one line each (area modules own their commands).
# app.add_typer(module.app, name="area")
app.add_typer(db.app, name="db")
app.command("demo")(demo_command)
app.add_typer(calendar_app, name="calendar")
app.add_typer(task_app, name="task")
app.command("verify-draw")(verify_draw_command)
app.add_typer(keys_app, name="keys")
app.add_typer(log_app, name="log")
app.add_typer(serve_app, name="serve")
app.add_typer(registry_app, name="registry")
app.add_typer(record_app, name="record")
app.add_typer(plan_app, name="plan")
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.add_typer(result_app, name="result")
app.add_typer(stats_app, name="stats")
record_app.command("notice")(notice_command)
app.add_typer(exchange_app, name="exchange")
app.command("audit")(audit_command)
app.command("monitor")(monitor_command)
app.add_typer(witness_app, name="witness")


def main() -> None:
    run_guarded(app)


if __name__ == "__main__":
    main()
