"""`drawsvc result`: results, publication, objections, follow-ups, dispatch confirmation,
deadlines (docs/specs/results.md).

Commands only parse options and call the ``drawsvc.results`` services; errors become exit
codes in ``drawsvc.cli.output``. ``--department`` is the acting bureau (its entries carry it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from drawsvc.cli.output import console
from drawsvc.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="Inspection results: enter, publish, objections, deadlines.")

DeptOpt = typer.Option(..., "--department", "-d", help="The acting department (its bureau).")
OperatorOpt = typer.Option("cli", "--operator", help="Operator code recorded in the log.")


def _actor(department: str, operator: str) -> Any:
    from drawsvc.journal import Actor

    return Actor(role="bureau", department=department, name=operator)


def _json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput(f"{what}: a UTF-8 JSON file", field=what, rule="cli.json-file") from None


@app.command()
def submit(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="The result as JSON (the API's shape)."
    ),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """The team leader's inspection record and result (`result.submit`)."""
    from drawsvc.results import service
    from drawsvc.runtime import opened_runtime

    fields = _json_file(file, "file")
    if not isinstance(fields, dict):
        raise InvalidInput("file: a JSON object", field="file", rule="cli.json-file")
    task = fields.pop("task", None)
    with opened_runtime() as rt, rt.transaction() as s:
        row = service.submit_result(s, rt.journal, task=task, actor=_actor(department, operator), **fields)
        console.print(
            f"result {row.code} submitted (due {row.due}, log index {row.log_index})", highlight=False
        )


@app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A JSON list of result rows."),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Import results entered elsewhere, all or nothing (`result.import`)."""
    import hashlib

    from drawsvc.results import batch
    from drawsvc.runtime import opened_runtime

    rows = _json_file(file, "file")
    if not isinstance(rows, list):
        raise InvalidInput("file: a JSON list of rows", field="file", rule="cli.json-file")
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    with opened_runtime() as rt, rt.transaction() as s:
        report = batch.import_results(
            s, rt.journal, rows, actor=_actor(department, operator), file_sha256=digest
        )
        console.print(f"{report.rows} results imported (log {report.first_index}…)", highlight=False)


@app.command()
def answer(
    result: str,
    inspector: str = typer.Option(..., help="The team member's inspector code."),
    dissent: str | None = typer.Option(None, help="Dissent with this reason (default: confirm)."),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """A team member confirms the result, or dissents with a reason."""
    from drawsvc.results import service
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        row = service.answer_result(
            s,
            rt.journal,
            result=result,
            inspector=inspector,
            answer="dissent" if dissent else "confirm",
            reason=dissent,
            actor=_actor(department, operator),
        )
        console.print(f"result {row.code}: {row.status}", highlight=False)


@app.command()
def publish(
    results: list[str] = typer.Argument(..., help="Result codes."),
    approver: str | None = typer.Option(None, help="Audit them first as this reviewer (not on the team)."),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Audit (with --approver) and publish results (`result.audit`, `result.publish`)."""
    from drawsvc.results import service
    from drawsvc.runtime import opened_runtime

    actor = _actor(department, operator)
    with opened_runtime() as rt, rt.transaction() as s:
        if approver:
            service.audit_results(s, rt.journal, results=results, approver=approver, actor=actor)
        forms = service.publish_results(s, rt.journal, results=results, actor=actor)
        console.print(f"{len(forms)} results published", highlight=False)


@app.command("object")
def object_(
    result: str,
    firm: str = typer.Option(..., help="USCC of the objecting firm."),
    channel: str = typer.Option("书面", help="书面, 窗口 or 网上."),
    received: str = typer.Option(..., help="Date received (YYYY-MM-DD)."),
    grounds: str = typer.Option(..., help="The firm's grounds."),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Record a firm's objection to a published result (the firm's authorised channel)."""
    from drawsvc.results import objections
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        o = objections.file_objection(
            s,
            rt.journal,
            result=result,
            firm=firm,
            channel=channel,
            received_on=received,
            grounds=grounds,
            actor=_actor(department, operator),
        )
        console.print(f"objection {o.code}: review due {o.review_due}", highlight=False)


@app.command()
def decide(
    objection: str,
    outcome: str = typer.Option(..., help="更正 or 维持."),
    reasons: str = typer.Option(...),
    category: list[str] = typer.Option([], help="Corrected category (更正; repeatable)."),
    subcategory: list[str] = typer.Option([], help="Corrected subcategory (repeatable)."),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Decide an objection; a correction is published by `result publish` beside the original."""
    from drawsvc.results import objections
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        o = objections.decide_objection(
            s,
            rt.journal,
            objection=objection,
            outcome=outcome,
            reasons=reasons,
            categories=category or None,
            subcategories=subcategory or None,
            actor=_actor(department, operator),
        )
        console.print(f"objection {o.code}: {o.status}", highlight=False)


@app.command("follow-up")
def follow_up(
    result: str,
    step: str = typer.Option(
        ..., help="rectification.ordered|rectification.confirmed|case.opened|penalty.decided|transferred"
    ),
    on: str = typer.Option(..., help="Date (YYYY-MM-DD)."),
    unit: str = typer.Option(..., help="Responsible unit."),
    decision_no: str | None = typer.Option(None, help="Penalty decision number."),
    transfer_kind: str | None = typer.Option(None, help="authority or judiciary."),
    to: str | None = typer.Option(None, help="Authority transferred to."),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Record one follow-up step (后续处置) of a result with a problem."""
    from drawsvc.results import followups
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        fu = followups.record_follow_up(
            s,
            rt.journal,
            result=result,
            step=step,
            on=on,
            unit=unit,
            decision_no=decision_no,
            transfer_kind=transfer_kind,
            transferred_to=to,
            actor=_actor(department, operator),
        )
        console.print(f"result {result}: {fu.step} (log index {fu.log_index})", highlight=False)


@app.command("confirm-dispatch")
def confirm_dispatch(
    task: str,
    unit: str = typer.Option(..., help="The receiving unit (acts for itself)."),
    operator: str = OperatorOpt,
) -> None:
    """The receiving unit confirms its dispatched targets (within 1 working day)."""
    from drawsvc.results import dispatch
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        row = dispatch.confirm_dispatch(s, rt.journal, task=task, unit=unit, actor=_actor(unit, operator))
        late = "" if row.confirmed_on <= row.due else " (late)"
        console.print(f"{unit} confirmed {row.targets} targets of {task}{late}", highlight=False)


@app.command()
def close(task: str, department: str = DeptOpt, operator: str = OperatorOpt) -> None:
    """Close a task for results."""
    from drawsvc.results import service
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        service.close_task(s, rt.journal, task=task, actor=_actor(department, operator))
        console.print(f"task {task} closed for results", highlight=False)


@app.command()
def settings(
    department: str = DeptOpt,
    due: int | None = typer.Option(None, help="Results due N working days after the inspection."),
    window: int | None = typer.Option(None, help="Objection window in working days."),
    vocabulary: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="A province's vocabulary file."
    ),
    operator: str = OperatorOpt,
) -> None:
    """Show or set a department's results deadline, objection window and vocabulary."""
    from drawsvc.results import service
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        if due is None and window is None and vocabulary is None:
            got = service.settings_for(s, department)
        else:
            got = service.set_department_settings(
                s,
                rt.journal,
                department=department,
                results_due_working_days=due,
                objection_window_working_days=window,
                vocabulary=None if vocabulary is None else _json_file(vocabulary, "vocabulary"),
                actor=_actor(department, operator),
            )
        console.print(
            f"{department}: results due {got.results_due_working_days} working days, objections within "
            f"{got.objection_window_working_days}, vocabulary {got.vocabulary}",
            highlight=False,
        )


def _deadline_table(title: str, rows: list[Any], today: Any) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("kind", "subject", "department", "start", "due", "calendar", "done", "state"):
        table.add_column(col)
    for d in rows:
        row = d.as_dict(today)
        table.add_row(
            row["kind"],
            row["subject"],
            row["department"],
            row["start"],
            row["due"],
            ",".join(map(str, row["calendar_version"])),
            row["done_on"] or "—",
            row["state"],
        )
    return table


@app.command()
def overdue(
    department: str | None = typer.Option(None, "--department", "-d", help="Default: all."),
    all_deadlines: bool = typer.Option(False, "--all", help="Every deadline, met or missed (auditor)."),
) -> None:
    """The overdue list of a department (and publications due soon); --all for the auditor's view."""
    from drawsvc.results import overdue as views
    from drawsvc.runtime import opened_runtime

    with opened_runtime() as rt, rt.transaction() as s:
        today = rt.journal.today()
        if all_deadlines:
            console.print(
                _deadline_table(
                    f"deadlines on {today}",
                    views.deadlines(s, rt.log, department=department, today=today),
                    today,
                )
            )
            return
        got = views.overdue(s, rt.log, department=department, today=today)
        console.print(_deadline_table(f"overdue on {today}", got["overdue"], today))
        if got["due_soon"]:
            console.print(
                _deadline_table("publication due soon (20 working-day rule)", got["due_soon"], today)
            )


@app.command("verify-deadlines")
def verify_deadlines() -> None:
    """Recompute every logged results deadline from the log alone (exit 3 on a mismatch)."""
    from drawsvc.results.replay import verify_deadlines as verify
    from drawsvc.runtime import opened_runtime
    from drawsvc.tasks.logread import decode

    with opened_runtime() as rt, rt.engine.connect() as conn:
        size = rt.log.size(conn)
        checked = verify((i, decode(raw)) for i, raw in enumerate(rt.log.entries(conn, 0, size)))
    console.print(f"{checked} deadlines recomputed from {size} log entries: all match", highlight=False)
