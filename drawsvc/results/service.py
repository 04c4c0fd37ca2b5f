"""Inspection results: vocabulary, settings, entry by the team, audit, publication, closing a
task (docs/specs/results.md).

Every function takes a ``Session`` already inside a transaction and the ``Journal``; it never
commits. Every input is checked before anything is written, so a refused call writes and logs
nothing (RES-1). Entry bodies: docs/specs/entries.md §8.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.calendar.arithmetic import Deadline, WorkCalendar
from drawsvc.calendar.service import load_calendar
from drawsvc.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from drawsvc.journal import SHANGHAI, Actor, Journal
from drawsvc.privacy import Sealed, public_body, seal
from drawsvc.registries import repository as registries
from drawsvc.results import deadlines as dl
from drawsvc.results import repository as repo
from drawsvc.results.models import (
    ANSWERS,
    METHODS,
    InspectionResult,
    ResultAnswer,
    ResultSetting,
    ResultVocabulary,
    TaskClosure,
    new_result_code,
)
from drawsvc.results.published import public_form
from drawsvc.results.vocabulary import NATIONAL, Vocabulary, bundled_vocabulary, parse_vocabulary
from drawsvc.tasks import repository as tasks
from drawsvc.tasks.models import Draw, Task
from drawsvc.tasks.service import sealing

KIND_VOCABULARY = "result.vocabulary"
KIND_SETTINGS = "result.settings"
KIND_SUBMIT = "result.submit"
KIND_CONFIRM = "result.confirm"
KIND_DISSENT = "result.dissent"
KIND_AUDIT = "result.audit"
KIND_PUBLISH = "result.publish"
KIND_CLOSE = "result.task.close"
MAX_TEXT = 2000
MAX_NAME = 200
MAX_WORKING_DAYS = 250
WRITER_ROLES = ("bureau", "system")


# --- small validators -------------------------------------------------------------------------


def text(value: Any, field: str, *, rule: str, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    """A trimmed free text of at most ``limit`` characters without control characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{field}: required", field=field, rule=rule)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: a text", field=field, rule=rule)
    out = value.strip()
    if len(out) > limit or any(ord(c) < 0x20 and c not in "\n\t" for c in out):
        raise InvalidInput(
            f"{field}: at most {limit} characters, no control characters", field=field, rule="result.text"
        )
    return out


def day(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{field}: a date YYYY-MM-DD", field=field, rule="result.date")


def shanghai_day(at: datetime) -> date:
    """The Asia/Shanghai calendar day of a stored instant (SQLite returns it naive: already local)."""
    return (at.astimezone(SHANGHAI) if at.tzinfo is not None else at).date()


def check_scope(department: str, actor: Actor, what: str) -> None:
    """RES-2: only the department that owns the task (谁检查、谁录入、谁公开), as a bureau, writes."""
    if actor.role not in WRITER_ROLES:
        raise Forbidden(
            f"{what}: role {actor.role} may not write results", rule="result.scope", subject=department
        )
    if actor.role == "bureau" and actor.department != department:
        raise Forbidden(
            f"{what}: department {actor.department} may not act for {department}",
            rule="result.scope",
            subject=department,
        )


def deadline_body(deadline: Deadline) -> dict[str, Any]:
    return {"due": deadline.due.isoformat(), "calendar_version": list(deadline.calendar_version)}


# --- vocabulary and settings ------------------------------------------------------------------


def ensure_vocabulary(
    session: Session, journal: Journal, vocabulary: Vocabulary | None = None, *, actor: Actor
) -> ResultVocabulary:
    """The logged row of ``vocabulary`` (default: the bundled national one), logging it once (RES-V1)."""
    vocab = vocabulary or bundled_vocabulary(NATIONAL)
    row = repo.vocabulary(session, vocab.id, vocab.version)
    if row is not None:
        if row.content_sha256 != vocab.content_sha256:
            raise Conflict(
                f"vocabulary: {vocab.key} is already loaded with other content; a change is a new version",
                field="vocabulary",
                rule="result.vocabulary-version",
            )
        return row
    body = {"vocabulary": dict(vocab.raw), "content_sha256": vocab.content_sha256}
    index = journal.record(session, KIND_VOCABULARY, body, actor=actor)
    row = ResultVocabulary(
        vocabulary_id=vocab.id,
        version=vocab.version,
        content=dict(vocab.raw),
        content_sha256=vocab.content_sha256,
        log_index=index,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class DepartmentSettings:
    department: str
    results_due_working_days: int
    objection_window_working_days: int
    vocabulary: str  # "<id>/v<version>"
    log_index: int | None  # None: the defaults, never set


def settings_for(session: Session, department: str) -> DepartmentSettings:
    """RES-S1: the department's settings, or the defaults (20 working days; the national vocabulary)."""
    row = repo.setting(session, department)
    if row is None:
        return DepartmentSettings(
            department,
            dl.DEFAULT_RESULTS_DUE_WORKING_DAYS,
            dl.DEFAULT_OBJECTION_WINDOW_WORKING_DAYS,
            f"{NATIONAL}/v1",
            None,
        )
    return DepartmentSettings(
        department,
        row.results_due_working_days,
        row.objection_window_working_days,
        row.vocabulary,
        row.log_index,
    )


def _working_days(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKING_DAYS:
        raise InvalidInput(f"{field}: an integer 1..{MAX_WORKING_DAYS}", field=field, rule="result.settings")
    return value


def set_department_settings(
    session: Session,
    journal: Journal,
    *,
    department: str,
    results_due_working_days: int | None = None,
    objection_window_working_days: int | None = None,
    vocabulary: Mapping[str, Any] | str | None = None,
    actor: Actor,
) -> DepartmentSettings:
    """Set a department's result deadlines and vocabulary (``result.settings``; RES-S1, RES-S2).

    ``vocabulary``: a bundled id (``"cn-national"``, latest version) or a decoded vocabulary
    file (a province's own), logged once by :func:`ensure_vocabulary`.
    """
    check_scope(department, actor, f"settings of {department}")
    if registries.get_department(session, department) is None:
        raise NotFound(
            f"department: {department} is not registered", field="department", rule="result.department"
        )
    current = settings_for(session, department)
    due = (
        current.results_due_working_days
        if results_due_working_days is None
        else _working_days(results_due_working_days, "results_due_working_days")
    )
    window = (
        current.objection_window_working_days
        if objection_window_working_days is None
        else _working_days(objection_window_working_days, "objection_window_working_days")
    )
    key = current.vocabulary
    vocab_index = None
    if vocabulary is not None:
        vocab = (
            bundled_vocabulary(vocabulary) if isinstance(vocabulary, str) else parse_vocabulary(vocabulary)
        )
        vocab_index = ensure_vocabulary(session, journal, vocab, actor=actor).log_index
        key = vocab.key
    body = {
        "department": department,
        "results_due_working_days": due,
        "objection_window_working_days": window,
        "vocabulary": key,
        "vocabulary_entry": vocab_index,
    }
    index = journal.record(session, KIND_SETTINGS, body, actor=actor)
    row = repo.setting(session, department)
    if row is None:
        session.add(
            ResultSetting(
                department_code=department,
                results_due_working_days=due,
                objection_window_working_days=window,
                vocabulary=key,
                log_index=index,
            )
        )
    else:
        row.results_due_working_days, row.objection_window_working_days = due, window
        row.vocabulary, row.log_index = key, index
    session.flush()
    return settings_for(session, department)


def vocabulary_of(
    session: Session, journal: Journal, department: str, *, actor: Actor
) -> tuple[Vocabulary, int]:
    """The department's vocabulary and its ``result.vocabulary`` log index (logged on first use)."""
    key = settings_for(session, department).vocabulary
    vid, _, version = key.rpartition("/v")
    row = repo.vocabulary(session, vid, int(version))
    if row is None:
        row = ensure_vocabulary(session, journal, bundled_vocabulary(vid, int(version)), actor=actor)
    return parse_vocabulary(row.content), row.log_index


# --- what a result refers to --------------------------------------------------------------------


Teams = Mapping[str, tuple[str | None, tuple[str, ...]]]


@dataclass(frozen=True)
class TaskContext:
    """A task's current draw as the result rules read it: teams by target, items, owner, closure."""

    task: Task
    draw: Draw
    department: str
    items: frozenset[tuple[str, str]]
    teams: Teams  # target → (leader, members)
    drawn: frozenset[str]
    closed: bool


_TEAMS: dict[str, tuple[frozenset[str], Teams]] = {}
_TEAMS_CACHED = 4


def drawn_teams(draw: Draw) -> tuple[frozenset[str], Teams]:
    """The drawn targets and target → (leader, members) of a locked draw (entries.md §4).

    Expanding a 50,000-team result takes ≈ 0.2 s; a locked draw no longer changes (no
    responses, replacements or redraws after ``task.lock``), so the view is kept per digest of
    the draw's stored row (its content, not its id: another database may hold another draw
    under the same task code and id)."""
    digest = hashlib.sha256(
        json.dumps(
            [draw.task_code, draw.round, draw.seed, draw.stored_result], sort_keys=True, ensure_ascii=False
        ).encode()
    ).hexdigest()
    cached = _TEAMS.get(digest)
    if cached is not None:
        return cached
    ins = draw.result.get("inspection") or {}
    drawn = frozenset(ins.get("targets", {}).get("selected", []))
    teams: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for a in (ins.get("teams") or {}).get("assignments", []):
        members = tuple(m["id"] for m in a["members"])
        leader = next((m["id"] for m in a["members"] if m.get("leader")), None)
        teams[a["target"]] = (leader, members)
    if draw.locked:
        if len(_TEAMS) >= _TEAMS_CACHED:
            _TEAMS.pop(next(iter(_TEAMS)))
        _TEAMS[digest] = (drawn, teams)
    return drawn, teams


def task_context(session: Session, code: str, actor: Actor) -> TaskContext:
    """RES-E1 … E4 read this: the task, its current locked draw, its teams and check items.
    ``actor`` must write for the task's department (RES-2), checked before anything about the
    task's state is said."""
    if not isinstance(code, str) or not code:
        raise InvalidInput("task: a task id", field="task", rule="result.task")
    task = tasks.get_task(session, code)
    check_scope(repo.owner_of(task), actor, f"result of task {code}")
    draw = tasks.current_draw(session, code)
    if draw is None:
        raise RuleViolation(f"task {code}: nothing drawn yet", rule="result.task-drawn", subject=code)
    if not draw.locked:
        raise RuleViolation(
            f"task {code}: results follow the locked draw (lock it first)",
            rule="result.draw-locked",
            subject=code,
        )
    # SEAL-6: a result names its target, so none is entered for a sealed draw before disclosure
    sealing.require_disclosed(session, code, draw.round, "a result")
    drawn, teams = drawn_teams(draw)
    closed = repo.closure(session, code) is not None or (
        task.parent_code is not None and repo.closure(session, task.parent_code) is not None
    )
    return TaskContext(
        task=task,
        draw=draw,
        department=repo.owner_of(task),
        items=frozenset((i["department"], i["code"]) for i in task.check_items),
        teams=teams,
        drawn=drawn,
        closed=closed,
    )


def check_item_ref(value: Any, field: str = "check_item") -> tuple[str, str]:
    if (
        isinstance(value, Mapping)
        and isinstance(value.get("department"), str)
        and isinstance(value.get("code"), str)
    ):
        return value["department"], value["code"]
    raise InvalidInput(
        f"{field}: an object {{department, code}}", field=field, rule="result.check-item-in-task"
    )


@dataclass(frozen=True)
class Entry:
    """One result as entered (by the team or in an import row), checked against its task (RES-E*)."""

    target: str
    item: tuple[str, str]
    leader: str
    members: tuple[str, ...]
    inspected_on: date
    completed_on: date
    method: str
    firm_signed: bool
    refusal_note: Sealed | None
    witness: Sealed | None
    categories: list[str]
    subcategories: list[str]


def check_entry(ctx: TaskContext, vocab: Vocabulary, raw: Mapping[str, Any], *, today: date) -> Entry:
    """Every rule of an entered result (RES-E1 … E9), in a fixed order; ``InvalidInput`` names the field.

    Closing (RES-E5) and the once-per-target-and-item rule (RES-E8) are the caller's (they need
    the database); everything else is decided here from ``ctx`` and ``raw``.
    """
    target = raw.get("target")
    if not isinstance(target, str) or target not in ctx.drawn:
        raise InvalidInput(
            f"target: not a target drawn by task {ctx.task.code}", field="target", rule="result.target-drawn"
        )
    team = ctx.teams.get(target)
    if team is None:
        raise InvalidInput(
            f"target: task {ctx.task.code} drew no team for it (enter the result in the sub-draw that did)",
            field="target",
            rule="result.target-team",
        )
    leader, members = team
    inspector = raw.get("inspector")
    if not isinstance(inspector, str) or inspector not in members:
        raise InvalidInput(
            f"inspector: not a member of the team drawn for {target}",
            field="inspector",
            rule="result.team-member",
        )
    if inspector != leader:
        raise InvalidInput(
            "inspector: the team leader submits the result; members confirm it",
            field="inspector",
            rule="result.leader-submits",
        )
    item = check_item_ref(raw.get("check_item"))
    if item not in ctx.items:
        raise InvalidInput(
            f"check_item: {item[0]}/{item[1]} is not a check item of task {ctx.task.code}",
            field="check_item",
            rule="result.check-item-in-task",
        )
    inspected = day(raw.get("inspected_on"), "inspected_on")
    completed = day(raw.get("completed_on") or inspected, "completed_on")
    if inspected < shanghai_day(ctx.draw.drawn_at):
        raise InvalidInput("inspected_on: before the draw", field="inspected_on", rule="result.dates")
    if completed < inspected:
        raise InvalidInput("completed_on: before inspected_on", field="completed_on", rule="result.dates")
    if completed > today:
        raise InvalidInput("completed_on: in the future", field="completed_on", rule="result.dates")
    method = raw.get("method")
    if method not in METHODS:
        raise InvalidInput(f"method: one of {'、'.join(METHODS)}", field="method", rule="result.method")
    signed = raw.get("firm_signed")
    if not isinstance(signed, bool):
        raise InvalidInput(
            "firm_signed: true (the firm signed the record) or false (refused)",
            field="firm_signed",
            rule="result.firm-signature",
        )
    note = text(raw.get("refusal_note"), "refusal_note", rule="result.refusal-note", required=not signed)
    witness = text(raw.get("witness"), "witness", rule="result.refusal-note", required=False, limit=MAX_NAME)
    if signed and (note is not None or witness is not None):
        raise InvalidInput(
            "refusal_note: only when the firm refused to sign",
            field="refusal_note",
            rule="result.refusal-note",
        )
    categories, subs = vocab.check(raw.get("categories") or [], raw.get("subcategories") or [])
    return Entry(
        target=target,
        item=item,
        leader=leader,
        members=members,
        inspected_on=inspected,
        completed_on=completed,
        method=method,
        firm_signed=signed,
        refusal_note=seal(note),
        witness=seal(witness),
        categories=categories,
        subcategories=subs,
    )


def require_open(ctx: TaskContext) -> None:
    if ctx.closed:
        raise RuleViolation(
            f"task {ctx.task.code}: closed for results", rule="result.task-closed", subject=ctx.task.code
        )


def entry_body(
    row: InspectionResult, *, refusal_note: Sealed | None, witness: Sealed | None
) -> dict[str, Any]:
    """The body of ``result.submit`` / ``result.import`` (entries.md §8); private fields as commitments."""
    return public_body(
        {
            "result": row.code,
            "version": row.version,
            "task": row.task_code,
            "round": row.round,
            "department": row.department,
            "target": row.target_uscc,
            "check_item": {"department": row.item_department, "code": row.item_code},
            "leader": row.leader,
            "team": list(row.team),
            "inspected_on": row.inspected_on.isoformat(),
            "completed_on": row.completed_on.isoformat(),
            "method": row.method,
            "firm_signed": row.firm_signed,
            "categories": list(row.categories),
            "subcategories": list(row.subcategories),
            "vocabulary": row.vocabulary_index,
            "due": {"due": row.due.isoformat(), "calendar_version": list(row.due_calendar_version)},
        },
        {"refusal_note": refusal_note, "witness": witness},
    )


def new_row(
    ctx: TaskContext,
    entry: Entry,
    *,
    vocab: Vocabulary,
    vocab_index: int,
    due: Deadline,
    journal: Journal,
    source: str,
) -> InspectionResult:
    return InspectionResult(
        code=new_result_code(),
        version=1,
        task_code=ctx.task.code,
        round=ctx.draw.round,
        department=ctx.department,
        target_uscc=entry.target,
        item_department=entry.item[0],
        item_code=entry.item[1],
        leader=entry.leader,
        team=list(entry.members),
        inspected_on=entry.inspected_on,
        completed_on=entry.completed_on,
        method=entry.method,
        firm_signed=entry.firm_signed,
        refusal_note=entry.refusal_note.value if entry.refusal_note else None,
        refusal_note_salt=entry.refusal_note.salt if entry.refusal_note else None,
        witness=entry.witness.value if entry.witness else None,
        witness_salt=entry.witness.salt if entry.witness else None,
        categories=entry.categories,
        subcategories=entry.subcategories,
        vocabulary_index=vocab_index,
        problem=vocab.has_problem(entry.categories),
        status="submitted",
        source=source,
        superseded=False,
        due=due.due,
        due_calendar_version=list(due.calendar_version),
        submitted_at=journal.clock(),
        log_index=0,
    )


def results_due(calendar: WorkCalendar, completed_on: date, working_days: int) -> Deadline:
    """RES-D1: the result is formed within N working days of the inspection's completion."""
    return calendar.deadline(completed_on, working_days).require_binding()


# --- entry by the team --------------------------------------------------------------------------


def submit_result(
    session: Session, journal: Journal, *, task: str, actor: Actor, **fields: Any
) -> InspectionResult:
    """The team leader submits the inspection record and result (``result.submit``, RES-E1 … E9).

    ``fields``: ``target``, ``check_item`` ({department, code}), ``inspector`` (the leader),
    ``inspected_on``, ``completed_on`` (default: inspected_on), ``method``, ``firm_signed``,
    ``refusal_note`` and ``witness`` (only when refused; private), ``categories``,
    ``subcategories``. Every other member then confirms or dissents (:func:`answer_result`).
    """
    ctx = task_context(session, task, actor)
    require_open(ctx)
    vocab, vocab_index = vocabulary_of(session, journal, ctx.department, actor=actor)
    today = journal.today()
    entry = check_entry(ctx, vocab, fields, today=today)
    if repo.has_result(session, task, entry.target, entry.item):
        raise Conflict(
            f"check_item: task {task} already has a result for this target and check item "
            "(an objection corrects it)",
            field="check_item",
            rule="result.once-per-target-item",
        )
    n = settings_for(session, ctx.department).results_due_working_days
    due = results_due(load_calendar(session), entry.completed_on, n)
    row = new_row(ctx, entry, vocab=vocab, vocab_index=vocab_index, due=due, journal=journal, source="entry")
    session.add(row)
    session.flush()
    row.log_index = journal.record(
        session,
        KIND_SUBMIT,
        entry_body(row, refusal_note=entry.refusal_note, witness=entry.witness),
        actor=actor,
    )
    session.flush()
    return row


def publish_due(calendar: WorkCalendar, formed_on: date) -> Deadline:
    """RES-D3: published within 20 working days of being formed (the national rule)."""
    return calendar.deadline(formed_on, dl.PUBLISH_WORKING_DAYS).require_binding()


def answer_result(
    session: Session,
    journal: Journal,
    *,
    result: str,
    inspector: str,
    answer: str,
    reason: str | None = None,
    actor: Actor,
) -> InspectionResult:
    """A team member confirms (``result.confirm``) or dissents with a reason (``result.dissent``).

    When the last member has answered the result is *formed* (RES-E10): its publication
    deadline (20 working days, RES-D3) is stored with its calendar version and logged in the
    answer that formed it.
    """
    if answer not in ANSWERS:
        raise InvalidInput("answer: confirm or dissent", field="answer", rule="result.answer")
    row = repo.latest_result(session, result)
    check_scope(row.department, actor, f"result {result}")
    if row.status != "submitted":
        raise RuleViolation(
            f"result {result}: already formed (status {row.status})", rule="result.formed", subject=result
        )
    if inspector not in row.team:
        raise InvalidInput(
            f"inspector: not a member of the team of result {result}",
            field="inspector",
            rule="result.team-member",
        )
    if inspector == row.leader:
        raise InvalidInput(
            "inspector: the leader submitted the result; members confirm it",
            field="inspector",
            rule="result.leader-submits",
        )
    done = {a.inspector for a in repo.answers(session, row.id)}
    if inspector in done:
        raise Conflict(
            f"inspector: has already answered result {result}", field="inspector", rule="result.answer-once"
        )
    why = text(reason, "reason", rule="result.dissent-reason", required=answer == "dissent")
    if answer == "confirm" and why is not None:
        raise InvalidInput(
            "reason: only a dissent carries a reason", field="reason", rule="result.dissent-reason"
        )
    today = journal.today()
    formed = set(row.team) - {row.leader} <= done | {inspector}
    body: dict[str, Any] = {"result": row.code, "version": row.version, "inspector": inspector}
    if answer == "dissent":
        body["reason"] = why
    body["formed"] = formed
    if formed:
        deadline = publish_due(load_calendar(session), today)
        row.status, row.formed_on = "formed", today
        row.publish_due, row.publish_due_calendar_version = deadline.due, list(deadline.calendar_version)
        body["formed_on"] = today.isoformat()
        body["publish_due"] = deadline_body(deadline)
    index = journal.record(session, KIND_CONFIRM if answer == "confirm" else KIND_DISSENT, body, actor=actor)
    session.add(
        ResultAnswer(result_id=row.id, inspector=inspector, answer=answer, reason=why, log_index=index)
    )
    session.flush()
    return row


def confirm_result(
    session: Session, journal: Journal, *, result: str, inspector: str, actor: Actor
) -> InspectionResult:
    return answer_result(session, journal, result=result, inspector=inspector, answer="confirm", actor=actor)


def dissent_result(
    session: Session, journal: Journal, *, result: str, inspector: str, reason: str, actor: Actor
) -> InspectionResult:
    return answer_result(
        session, journal, result=result, inspector=inspector, answer="dissent", reason=reason, actor=actor
    )


# --- audit and publication ------------------------------------------------------------------------


def audit_results(
    session: Session, journal: Journal, *, results: Sequence[str], approver: str, actor: Actor
) -> list[InspectionResult]:
    """The responsible head reviews formed results before publication (``result.audit``, RES-P1).

    ``approver`` (the reviewer's public code) must not be on the team. All or nothing.
    """
    who = text(approver, "approver", rule="result.audit-approver", limit=MAX_NAME)
    rows = _batch(session, results)
    for i, row in enumerate(rows):
        check_scope(row.department, actor, f"result {row.code}")
        if row.status != "formed":
            raise RuleViolation(
                f"results[{i}]: result {row.code} is {row.status}, not formed",
                rule="result.audit-needs-formed",
                subject=row.code,
                field=f"results[{i}]",
            )
        if who in row.team:
            raise InvalidInput(
                f"approver: on the team of result {row.code}; the review is independent",
                field="approver",
                rule="result.audit-independent",
            )
    today = journal.today()
    bodies = [{"result": r.code, "version": r.version, "approver": who} for r in rows]
    journal.record_many(session, KIND_AUDIT, bodies, actor=actor)
    session.execute(
        sa.update(InspectionResult),
        [{"id": r.id, "status": "audited", "auditor": who, "audited_on": today} for r in rows],
    )
    _refresh(session, rows)
    return rows


def publish_results(
    session: Session, journal: Journal, *, results: Sequence[str], actor: Actor
) -> list[dict[str, Any]]:
    """Publish audited results (``result.publish``, RES-P1 … P5); returns their published forms.

    Only the department that owns a result publishes it (a bureau key of that department, or
    the system). A correction's publication marks the earlier version superseded; the earlier
    version stays published (RES-O5). All or nothing.
    """
    rows = _batch(session, results)
    for i, row in enumerate(rows):
        check_scope(row.department, actor, f"result {row.code}")
        if row.status != "audited":
            raise RuleViolation(
                f"results[{i}]: result {row.code} is {row.status}; it is published only after the audit",
                rule="result.publish-needs-audit",
                subject=row.code,
                field=f"results[{i}]",
            )
    today = journal.today()
    names = repo.firm_names(session, (r.target_uscc for r in rows))
    items = repo.item_names(session, ((r.item_department, r.item_code) for r in rows))
    bodies, forms = [], []
    for r in rows:
        form = public_form(
            r,
            firm_name=names.get(r.target_uscc, ""),
            item_name=items.get((r.item_department, r.item_code)),
            published_on=today,
            objection=_objection_ref(r),
        )
        on_time = r.publish_due is None or today <= r.publish_due
        bodies.append(
            {
                "result": r.code,
                "version": r.version,
                "published": form,
                "publish_due": None
                if r.publish_due is None
                else {
                    "due": r.publish_due.isoformat(),
                    "calendar_version": list(r.publish_due_calendar_version or []),
                },
                "on_time": on_time,
            }
        )
        forms.append(form)
    first = journal.record_many(session, KIND_PUBLISH, bodies, actor=actor).first_index if bodies else 0
    session.execute(
        sa.update(InspectionResult),
        [
            {"id": r.id, "status": "published", "published_on": today, "publish_index": first + i}
            for i, r in enumerate(rows)
        ],
    )
    earlier = [(r.code, r.version) for r in rows if r.version > 1]
    for code, version in earlier:
        session.execute(
            sa.update(InspectionResult)
            .where(InspectionResult.code == code, InspectionResult.version < version)
            .values(superseded=True)
        )
    _refresh(session, rows)
    return forms


def _objection_ref(row: InspectionResult) -> dict[str, Any] | None:
    return {"objection": row.objection_code, "outcome": "更正"} if row.objection_code else None


def _batch(session: Session, codes: Sequence[str]) -> list[InspectionResult]:
    if isinstance(codes, str) or not codes:
        raise InvalidInput("results: one or more result codes", field="results", rule="result.batch")
    if len(set(codes)) != len(codes):
        raise InvalidInput("results: a code listed twice", field="results", rule="result.batch")
    found = repo.results_by_codes(session, list(codes))
    for i, code in enumerate(codes):
        if code not in found:
            raise NotFound(
                f"results[{i}]: no result {code}", field=f"results[{i}]", rule="result.exists", subject=code
            )
    return [found[c] for c in codes]


def _refresh(session: Session, rows: Sequence[InspectionResult]) -> None:
    for r in rows:
        session.expire(r)


def publish_result(session: Session, journal: Journal, *, result: str, actor: Actor) -> dict[str, Any]:
    return publish_results(session, journal, results=[result], actor=actor)[0]


def audit_result(
    session: Session, journal: Journal, *, result: str, approver: str, actor: Actor
) -> InspectionResult:
    return audit_results(session, journal, results=[result], approver=approver, actor=actor)[0]


# --- reading --------------------------------------------------------------------------------------


def published_forms(session: Session, rows: Sequence[InspectionResult]) -> list[dict[str, Any]]:
    """The current published form of each published row (follow-up state as of now)."""
    shown = [r for r in rows if r.status == "published"]
    names = repo.firm_names(session, (r.target_uscc for r in shown))
    items = repo.item_names(session, ((r.item_department, r.item_code) for r in shown))
    return [
        public_form(
            r,
            firm_name=names.get(r.target_uscc, ""),
            item_name=items.get((r.item_department, r.item_code)),
            objection=_objection_ref(r),
        )
        for r in shown
    ]


def list_published(
    session: Session, *, task: str | None = None, target: str | None = None, offset: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """Published versions (a corrected result shows both), by task or firm (RES-P4)."""
    q = sa.select(InspectionResult).where(InspectionResult.status == "published")
    if task is not None:
        q = q.where(InspectionResult.task_code == task)
    if target is not None:
        q = q.where(InspectionResult.target_uscc == target)
    rows = list(session.scalars(q.order_by(InspectionResult.id).offset(offset).limit(limit)))
    return published_forms(session, rows)


def private_view(session: Session, code: str) -> dict[str, Any]:
    """A result for its department and the discipline office: every version, answers, objections,
    follow-ups; private fields (refusal note, witness) in clear."""
    versions = repo.result_versions(session, code)
    if not versions:
        raise NotFound(f"result {code}: no such result", field="result", rule="result.exists", subject=code)
    out = []
    for r in versions:
        out.append(
            {
                "result": r.code,
                "version": r.version,
                "task": r.task_code,
                "round": r.round,
                "department": r.department,
                "target": r.target_uscc,
                "check_item": {"department": r.item_department, "code": r.item_code},
                "leader": r.leader,
                "team": r.team,
                "inspected_on": r.inspected_on.isoformat(),
                "completed_on": r.completed_on.isoformat(),
                "method": r.method,
                "firm_signed": r.firm_signed,
                "refusal_note": r.refusal_note,
                "witness": r.witness,
                "categories": r.categories,
                "subcategories": r.subcategories,
                "status": r.status,
                "source": r.source,
                "due": r.due.isoformat(),
                "due_calendar_version": r.due_calendar_version,
                "formed_on": r.formed_on.isoformat() if r.formed_on else None,
                "publish_due": r.publish_due.isoformat() if r.publish_due else None,
                "publish_due_calendar_version": r.publish_due_calendar_version,
                "auditor": r.auditor,
                "published_on": r.published_on.isoformat() if r.published_on else None,
                "superseded": r.superseded,
                "objection": r.objection_code,
                "follow_up": r.follow_up,
                "log_index": r.log_index,
                "answers": [
                    {
                        "inspector": a.inspector,
                        "answer": a.answer,
                        "reason": a.reason,
                        "log_index": a.log_index,
                    }
                    for a in repo.answers(session, r.id)
                ],
            }
        )
    return {
        "result": code,
        "department": versions[-1].department,
        "versions": out,
        "objections": [
            {
                "objection": o.code,
                "status": o.status,
                "received_on": o.received_on.isoformat(),
                "review_due": o.review_due.isoformat(),
            }
            for o in repo.objections_of(session, code)
        ],
        "follow_ups": [
            {
                "step": f.step,
                "on": f.on.isoformat(),
                "unit": f.unit,
                "decision_no": f.decision_no,
                "transfer_kind": f.transfer_kind,
                "transferred_to": f.transferred_to,
                "log_index": f.log_index,
            }
            for f in repo.follow_ups(session, code)
        ],
    }


# --- closing a task -------------------------------------------------------------------------------


def close_task(session: Session, journal: Journal, *, task: str, actor: Actor) -> TaskClosure:
    """Close a task for results (``result.task.close``, RES-E5): no result is entered after it.

    Closing a parent closes its sub-draws too. Results already entered go on (answers, audit,
    publication, objections, follow-ups).
    """
    t = tasks.get_task(session, task)
    check_scope(repo.owner_of(t), actor, f"task {task}")
    if repo.closure(session, task) is not None:
        raise Conflict(f"task {task}: already closed", field="task", rule="result.task-closed")
    today = journal.today()
    index = journal.record(session, KIND_CLOSE, {"task": task, "closed_on": today.isoformat()}, actor=actor)
    row = TaskClosure(task_code=task, closed_on=today, log_index=index)
    session.add(row)
    session.flush()
    return row
