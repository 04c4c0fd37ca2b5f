"""`drawsvc task`: run an inspection task end to end (docs/tasks.md).

Commands only parse options and call :mod:`drawsvc.tasks.service`; errors become exit codes in
``drawsvc.cli.output``. The operator's secret is generated here and kept in the data directory
(``secrets/<task>.r<round>.secret``, mode 0600) until the reveal.
"""

from __future__ import annotations

import json
import os
import secrets as pysecrets
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from drawsvc.cli.output import console
from drawsvc.errors import InvalidInput, NotFound
from ledger.keys import require_private_mode

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from drawsvc.journal import Actor, Journal

app = typer.Typer(no_args_is_help=True, help="Inspection tasks: pools, commitment, draw, lock, dispatch.")
pool_app = typer.Typer(no_args_is_help=True, help="Candidate pools (before the commitment).")
app.add_typer(pool_app, name="pool")

T = TypeVar("T")
SECRET_BYTES = 32

DeptOpt = typer.Option(..., "--department", "-d", help="Acting department (recorded as actor.department).")
OperatorOpt = typer.Option("cli", "--operator", help="Operator code recorded in the log.")


def _actor(department: str, operator: str) -> Actor:
    from drawsvc.journal import Actor

    return Actor(role="bureau", department=department, name=operator)


def _run(fn: Callable[[Session, Journal], T]) -> T:
    from drawsvc.runtime import run_in_transaction

    return run_in_transaction(fn)


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: must be YYYY-MM-DD", field=field, rule="cli.date") from None


def _secret_path(task: str, round_: int, party: str = "operator") -> Path:
    from drawsvc.settings import get_settings

    safe = task.replace("/", "__")
    return get_settings().data_dir / "secrets" / f"{safe}.r{round_}.{party}.secret"


def save_secret(task: str, round_: int, secret: bytes, party: str = "operator") -> Path:
    """Durably write the secret (hex, mode 0600) before its commitment is logged.

    Written to an exclusive temporary file, fsynced, then renamed over the round's path: a file
    left by an attempt whose commitment was never logged (that round is still open) is replaced,
    and a crash never leaves a commitment whose secret was not saved first.
    """
    path = _secret_path(task, round_, party)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{pysecrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secret.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def load_secret(task: str, round_: int, party: str = "operator") -> str:
    path = _secret_path(task, round_, party)
    try:
        with path.open("r", encoding="ascii") as fh:
            require_private_mode(path, os.fstat(fh.fileno()).st_mode)
            return fh.read().strip()
    except FileNotFoundError:
        raise NotFound(
            f"task {task}: no saved {party} secret for round {round_} (pass --secret)", subject=task
        ) from None


def _print(obj: Any) -> None:
    console.print_json(json.dumps(obj, ensure_ascii=False, default=str))


# --- task ------------------------------------------------------------------------------------


@app.command()
def create(
    title: str = typer.Option(...),
    year: int = typer.Option(...),
    department: str = DeptOpt,
    departments: str = typer.Option(
        "", help="Other participating departments, comma-separated (joint task)."
    ),
    check_items: str = typer.Option("", help="Check items as DEPT/CODE, comma-separated."),
    ratio_bp: int | None = typer.Option(None, help="Share of targets in basis points (300 = 3%)."),
    count: int | None = typer.Option(None, help="Number of targets."),
    strata: str = typer.Option("", help="Stratify by region,authority,scale,credit."),
    team_size: int | None = typer.Option(
        None, help="Inspectors per team, one team per target (omit: no teams)."
    ),
    team_departments: str = typer.Option("", help="Joint teams: one member of each listed department."),
    experts: int | None = typer.Option(None, help="Expert headcount (omit: no experts)."),
    expert_pool: str = typer.Option("", help="Expert pool code."),
    expert_group: str = typer.Option("", help="Expert group (专业组)."),
    prefer_uninspected: bool = typer.Option(False),
    params_file: Path | None = typer.Option(None, help="Draw parameters as JSON (entries.md §3)."),
    seal_until: str | None = typer.Option(
        None, help="Seal the draw until this date YYYY-MM-DD (docs/specs/sealed-draws.md)."
    ),
    seal_event: str | None = typer.Option(None, help="Seal the draw until this event (e.g. 评审会开始)."),
    code: str | None = typer.Option(None),
    operator: str = OperatorOpt,
) -> None:
    """Create a task (draws targets and/or teams and/or experts), optionally sealed."""
    from drawsvc.tasks import service

    if params_file is not None:
        params = json.loads(params_file.read_text(encoding="utf-8"))
    else:
        params = {}
        if ratio_bp is not None or count is not None:
            params["targets"] = {
                "ratio_bp": ratio_bp,
                "count": count,
                "strata": _split(strata),
                "prefer_uninspected": prefer_uninspected,
            }
        if team_size is not None:
            params["teams"] = {"size": team_size, "departments": _split(team_departments)}
        if experts is not None:
            params["experts"] = {"headcount": experts, "pool": expert_pool, "group": expert_group}
        if seal_until is not None or seal_event is not None:
            opens = {"date": seal_until} if seal_until is not None else {}
            params["seal"] = {"opens": {**opens, **({"event": seal_event} if seal_event is not None else {})}}
    items = [
        {"department": i.split("/", 1)[0], "code": i.split("/", 1)[1]}
        for i in _split(check_items)
        if "/" in i
    ]
    task = _run(
        lambda s, j: (
            service.create_task(
                s,
                j,
                title=title,
                year=year,
                organiser=department,
                departments=_split(departments),
                check_items=items,
                params=params,
                code=code,
                actor=_actor(department, operator),
            ).code
        )
    )
    console.print(f"task {task} created")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@app.command()
def show(task: str) -> None:
    """Show a task, its current draw and its sub-draws."""
    from drawsvc.tasks import repository as repo
    from drawsvc.tasks.replay import summary

    def go(s: Session, _j: Journal) -> dict[str, Any]:
        t = repo.get_task(s, task)
        d = repo.current_draw(s, task)
        return {
            "task": t.code,
            "title": t.title,
            "status": t.status,
            "round": t.round,
            "organiser": t.organiser,
            "departments": t.departments,
            "unit": t.unit,
            "params": t.params,
            "pools": {p: len(repo.pool_member_ids(s, task, p)) for p in ("targets", "inspectors", "experts")},
            "draw": None
            if d is None
            else {
                "log_index": d.log_index,
                "seed": d.seed,
                "locked": d.locked,
                "result": summary(d.result),
                "dispatch": d.dispatch,
            },
            "subdraws": [x.code for x in repo.subtasks(s, task)],
        }

    _print(_run(go))


# --- pools -----------------------------------------------------------------------------------


@pool_app.command("build")
def pool_build(
    task: str,
    pool: str = typer.Option("targets"),
    filter_: list[str] = typer.Option([], "--filter", help="key=value (value list: a,b); repeatable."),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Build a pool from the registries by filters (replaces earlier filter/import members)."""
    from drawsvc.tasks import service

    filters: dict[str, Any] = {}
    for f in filter_:
        key, _, value = f.partition("=")
        values = _split(value)
        filters[key.strip()] = (
            values
            if len(values) != 1
            or key.strip() in ("departments", "risk_flags", "credit_class", "pools", "groups")
            else values[0]
        )
        if key.strip() == "leader_eligible":
            filters["leader_eligible"] = value.lower() in ("1", "true", "yes")
    n = _run(
        lambda s, j: service.build_pool(
            s, j, task=task, pool=pool, filters=filters, actor=_actor(department, operator)
        )
    )
    console.print(f"task {task}: {pool} pool built, {n} members")


@pool_app.command("import")
def pool_import(
    task: str,
    file: Path,
    pool: str = typer.Option("targets"),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Import a pool from a list file (one id per line)."""
    import hashlib

    from drawsvc.tasks import service

    data = file.read_bytes()
    members = [line.strip() for line in data.decode("utf-8").splitlines() if line.strip()]
    n = _run(
        lambda s, j: service.build_pool(
            s,
            j,
            task=task,
            pool=pool,
            members=members,
            file_sha256=hashlib.sha256(data).hexdigest(),
            actor=_actor(department, operator),
        )
    )
    console.print(f"task {task}: {pool} pool imported, {n} members")


@pool_app.command("add")
def pool_add(
    task: str,
    member: str,
    reason: str = typer.Option(...),
    pool: str = typer.Option("targets"),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Add one candidate by hand (with a reason)."""
    from drawsvc.tasks import service

    _run(
        lambda s, j: service.add_pool_member(
            s, j, task=task, pool=pool, member=member, reason=reason, actor=_actor(department, operator)
        )
    )
    console.print(f"task {task}: {member} added to the {pool} pool")


@pool_app.command("remove")
def pool_remove(
    task: str,
    member: str,
    reason: str = typer.Option(...),
    pool: str = typer.Option("targets"),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Remove one candidate by hand (with a reason)."""
    from drawsvc.tasks import service

    _run(
        lambda s, j: service.remove_pool_member(
            s, j, task=task, pool=pool, member=member, reason=reason, actor=_actor(department, operator)
        )
    )
    console.print(f"task {task}: {member} removed from the {pool} pool")


# --- commit / draw ---------------------------------------------------------------------------


@app.command()
def commit(
    task: str,
    department: str = DeptOpt,
    commitment: str | None = typer.Option(
        None,
        help="The operator's SHA-256(secret); omit to generate "
        "a secret and keep it in the data directory (0600).",
    ),
    discipline_commitment: str | None = typer.Option(None, help="The discipline office's commitment."),
    beacon_source: str | None = typer.Option(None, help="Public beacon chain: drand-quicknet."),
    beacon_round: int | None = typer.Option(None, help="A future round of that chain."),
    reason: str | None = typer.Option(None, help="Redraw: the approved reason."),
    approver: str | None = typer.Option(None, help="Redraw: who approved it."),
    operator: str = OperatorOpt,
) -> None:
    """Freeze the pools and log the seed commitment(s)."""
    from drawsvc.draw.seed import commitment as commit_of
    from drawsvc.tasks import repository as repo
    from drawsvc.tasks import service

    def go(s: Session, j: Journal) -> tuple[int, int, Path | None]:
        round_ = repo.get_task(s, task).round + 1  # this transaction holds the write lock
        path = None
        op = commitment
        if op is None:
            secret = pysecrets.token_bytes(SECRET_BYTES)
            op = commit_of(secret)
            path = save_secret(task, round_, secret)  # saved before the commitment is logged
        parties = [{"party": "operator", "department": department, "commitment": op}]
        if discipline_commitment:
            parties.append({"party": "discipline", "department": None, "commitment": discipline_commitment})
        beacon = {"source": beacon_source, "round": beacon_round} if beacon_source else None
        c = service.commit_task(
            s,
            j,
            task=task,
            commitments=parties,
            beacon=beacon,
            reason=reason,
            approver=approver,
            actor=_actor(department, operator),
        )
        return c.round, c.log_index, path

    round_, index, path = _run(go)
    console.print(f"task {task}: round {round_} committed at log index {index}")
    if path is not None:
        console.print(f"operator secret kept in {path} (0600); reveal it with `drawsvc task draw {task}`")


@app.command()
def draw(
    task: str,
    department: str = DeptOpt,
    secret: str | None = typer.Option(None, help="Operator secret (hex); default: the saved one."),
    discipline_secret: str | None = typer.Option(None),
    beacon_value: str | None = typer.Option(None, help="The committed round's randomness (hex)."),
    beacon_signature: str | None = typer.Option(None, help="The committed drand round's signature (hex)."),
    operator: str = OperatorOpt,
) -> None:
    """Reveal the secret(s) and draw; the result is logged at once."""
    from drawsvc.tasks import repository as repo
    from drawsvc.tasks import service

    def go(s: Session, j: Journal) -> Any:
        round_ = repo.get_task(s, task).round
        reveals = [{"party": "operator", "secret": secret or load_secret(task, round_)}]
        if discipline_secret:
            reveals.append({"party": "discipline", "secret": discipline_secret})
        d = service.draw_task(
            s,
            j,
            task=task,
            reveals=reveals,
            beacon_value=beacon_value,
            beacon_signature=beacon_signature,
            actor=_actor(department, operator),
        )
        from drawsvc.tasks.replay import summary

        view = summary(d.result)
        return {
            "log_index": d.log_index,
            "round": d.round,
            "seed": d.seed,
            "targets": len(view["targets"]),
            "teams": view["teams"][:20],
            "experts": view["experts"],
        }

    _print(_run(go))


@app.command()
def respond(
    task: str,
    expert: str = typer.Option(...),
    response: str = typer.Option(...),
    reason: str | None = typer.Option(None, help="Why the expert declined (required with declined)."),
    on: str | None = typer.Option(None),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Record an expert's answer (accepted / declined / no_answer); tops up from the stream."""
    from drawsvc.tasks import service

    new = _run(
        lambda s, j: [
            x.expert_code
            for x in service.respond_expert(
                s,
                j,
                task=task,
                expert=expert,
                response=response,
                reason=reason,
                on=_day(on, "on"),
                actor=_actor(department, operator),
            )
        ]
    )
    console.print(f"task {task}: {expert} {response}" + (f"; topped up: {', '.join(new)}" if new else ""))


@app.command()
def replace(
    task: str,
    target: str = typer.Option(..., help="USCC of the team's target."),
    inspector: str = typer.Option(...),
    reason: str = typer.Option(...),
    approver: str = typer.Option(...),
    avoidance: bool = typer.Option(
        False,
        help="The inspector declared an interest after the draw (a swap with another team is tried first).",
    ),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Replace a drawn inspector (approver + reason): swap or refill from the continued stream."""
    from drawsvc.tasks import service

    record = _run(
        lambda s, j: service.replace_inspector(
            s,
            j,
            task=task,
            target=target,
            inspector=inspector,
            reason=reason,
            approver=approver,
            avoidance=avoidance,
            actor=_actor(department, operator),
        )
    )
    console.print(f"task {task}: {inspector} replaced by {record['replacement']} ({record['mode']})")


@app.command()
def designate(
    task: str,
    person: str = typer.Option(..., "--person", "--expert", "--inspector", help="expert or inspector code"),
    reason: str = typer.Option(...),
    approver: str = typer.Option(...),
    role: str = typer.Option("expert", help="expert (before the commitment) or leader (after the draw)"),
    target: str | None = typer.Option(None, help="the drawn target (USCC) whose team leader is designated"),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Designate without a draw (written reason + approver): an expert before the commitment
    (DRAW-64), or, with ``--role leader --target USCC``, the leader of a drawn team before the
    lock (DRAW-44a; the person must be a member of that team)."""
    from drawsvc.tasks import service

    _run(
        lambda s, j: service.designate(
            s,
            j,
            task=task,
            person=person,
            reason=reason,
            approver=approver,
            role=role,
            target=target,
            actor=_actor(department, operator),
        )
    )
    what = f"leader of {target}" if role == "leader" else "designated"
    console.print(f"task {task}: {person} {what}")


@app.command()
def lock(task: str, department: str = DeptOpt, operator: str = OperatorOpt) -> None:
    """Lock the current draw."""
    from drawsvc.tasks import service

    _run(lambda s, j: service.lock_draw(s, j, task=task, actor=_actor(department, operator)))
    console.print(f"task {task}: locked")


@app.command()
def dispatch(
    task: str,
    by: str = typer.Option("region", help="region or authority"),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Dispatch the locked draw's targets to implementing units."""
    from drawsvc.tasks import service

    units = _run(
        lambda s, j: service.dispatch_draw(s, j, task=task, by=by, actor=_actor(department, operator))
    )
    _print({u: len(v) for u, v in units.items()})


@app.command()
def subdraw(
    parent: str,
    unit: str = typer.Option(...),
    team_size: int = typer.Option(2),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Create a sub-draw of a locked task for a department / implementing unit (then commit + draw it)."""
    from drawsvc.tasks import service

    code = _run(
        lambda s, j: (
            service.create_subdraw(
                s,
                j,
                parent=parent,
                unit=unit,
                params={"teams": {"size": team_size}},
                actor=_actor(department, operator),
            ).code
        )
    )
    console.print(f"sub-draw {code} created; commit and draw it with `drawsvc task commit {code}`")


@app.command()
def inspect(
    target: str = typer.Option(...),
    kind: str = typer.Option(..., help="complaint, assigned, patrol"),
    on: str = typer.Option(...),
    reason: str = typer.Option(...),
    department: str = DeptOpt,
    operator: str = OperatorOpt,
) -> None:
    """Record a non-random inspection of a target."""
    from drawsvc.tasks import service

    day = _day(on, "on")
    assert day is not None
    index = _run(
        lambda s, j: (
            service.record_inspection(
                s,
                j,
                target=target,
                kind=kind,
                on=day,
                department=department,
                reason=reason,
                actor=_actor(department, operator),
            ).log_index
        )
    )
    console.print(f"inspection of {target} recorded at log index {index}")


@app.command("merge-report")
def merge_report(
    year: int = typer.Option(...),
    start: str | None = typer.Option(None),
    end: str | None = typer.Option(None),
) -> None:
    """Targets inspected by several tasks/departments in the period (进一次门、查多项事)."""
    from drawsvc.tasks import service

    rows = _run(
        lambda s, _j: [
            {"target": m.target, "inspections": m.inspections}
            for m in service.merge_report(s, year=year, start=_day(start, "start"), end=_day(end, "end"))
        ]
    )
    _print(rows)


# --- sealed draws (docs/specs/sealed-draws.md) -----------------------------------------------


@app.command("seal")
def seal_show(
    task: str,
    show_plaintext: bool = typer.Option(False, "--plaintext", help="Also print the salt and plaintext."),
) -> None:
    """Show a sealed draw's commitment and opening, checked against its salt and plaintext."""
    from drawsvc.tasks import service

    def go(s: Session, _j: Journal) -> dict[str, Any]:
        state = service.current_seal(s, task)
        if state is None:
            raise NotFound(f"task {task}: the current draw is not sealed", subject=task)
        opened = service.opened_state(s, task, state["round"])
        hidden = () if show_plaintext else ("salt", "plaintext")
        return {k: v for k, v in opened.items() if k not in hidden}

    _print(_run(go))


@app.command()
def disclose(
    task: str,
    department: str = typer.Option(
        ..., "--department", "-d", help="Acting department: the task's owner, or the discipline office."
    ),
    role: str = typer.Option("bureau", help="bureau (the owner) or discipline."),
    reason: str | None = typer.Option(None, help="Written reason; required before a date seal's date."),
    salt: str | None = typer.Option(None, help="The salt you hold, checked against the commitment."),
    plaintext_file: Path | None = typer.Option(None, help="The plaintext you hold (JSON), checked too."),
    on: str | None = typer.Option(None, help="Day of disclosure (default today)."),
    operator: str = OperatorOpt,
) -> None:
    """Disclose a sealed draw (``draw.disclose``): publish its plaintext and salt."""
    from drawsvc.journal import Actor
    from drawsvc.tasks import service

    if role not in ("bureau", "discipline"):
        raise InvalidInput("role: bureau or discipline", field="role", rule="seal.role")
    plaintext = json.loads(plaintext_file.read_text(encoding="utf-8")) if plaintext_file else None
    who = Actor(role=role, department=department, name=operator)
    indices = _run(
        lambda s, j: service.disclose_draw(
            s, j, task=task, reason=reason, salt=salt, plaintext=plaintext, on=_day(on, "on"), actor=who
        )
    )
    console.print(f"task {task} disclosed at log index {', '.join(map(str, indices))}")


@app.command("disclose-due")
def disclose_due(today: str | None = typer.Option(None, help="Day to check (default today).")) -> None:
    """Disclose every date-sealed draw whose date has come."""
    from drawsvc.journal import SYSTEM
    from drawsvc.tasks import service

    done = _run(
        lambda s, j: service.disclose_due(s, j, today=_day(today, "today") or j.today(), actor=SYSTEM)
    )
    console.print(f"disclosed: {', '.join(done) if done else 'none due'}")
