"""Batch import of results entered elsewhere (docs/specs/results.md §9): all or nothing.

``import_results`` takes parsed rows (the exchange-file reader of ``drawsvc.results.exchange``
or the API's JSON rows) and checks every row with the same rules as one entered result
(``service.check_entry``), plus the team's answers given in the row. Any bad row: every bad
row is reported (``ImportRejected``, 1-based row numbers) and nothing is written. Otherwise
each row becomes one *formed* result and one ``result.import`` entry (appended as one batch
through the canonicalizing log path), each storing its deadlines with their calendar version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.calendar.service import load_calendar
from drawsvc.errors import DrawsvcError, ImportRejected, InvalidInput, RowError
from drawsvc.journal import Actor, Journal
from drawsvc.results import repository as repo
from drawsvc.results.models import InspectionResult, ResultAnswer
from drawsvc.results.service import (
    TaskContext,
    check_entry,
    check_item_ref,
    deadline_body,
    entry_body,
    new_row,
    publish_due,
    results_due,
    settings_for,
    task_context,
    text,
    vocabulary_of,
)

KIND_IMPORT = "result.import"
MAX_ROWS = 200_000


@dataclass(frozen=True)
class ImportReport:
    rows: int
    first_index: int
    results: list[str]  # result codes, in row order


def _row_error(n: int, exc: DrawsvcError) -> RowError:
    return RowError(
        row=n,
        column=str(exc.detail.get("field") or "row"),
        rule=str(exc.detail.get("rule") or exc.code),
        message=exc.message,
    )


def _dissents(raw: Any, members: Sequence[str], leader: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInput(
            "dissents: a list of {inspector, reason}", field="dissents", rule="result.dissent-reason"
        )
    out: dict[str, str] = {}
    for i, d in enumerate(raw):
        who = d.get("inspector") if isinstance(d, Mapping) else None
        if who not in members or who == leader or who in out:
            raise InvalidInput(
                f"dissents[{i}].inspector: a member of the team (not the leader), once",
                field=f"dissents[{i}].inspector",
                rule="result.team-member",
            )
        out[who] = text(d.get("reason"), f"dissents[{i}].reason", rule="result.dissent-reason") or ""
    return out


def import_results(
    session: Session,
    journal: Journal,
    rows: Sequence[Mapping[str, Any]],
    *,
    actor: Actor,
    file_sha256: str | None = None,
) -> ImportReport:
    """Import ``rows`` as formed results; all or nothing (RES-I1 … I4).

    A row: ``task``, ``target``, ``check_item`` ({department, code}), ``inspector`` (the leader),
    ``inspected_on``, ``completed_on``, ``method``, ``firm_signed``, ``refusal_note``, ``witness``,
    ``categories``, ``subcategories``, optional ``dissents`` ([{inspector, reason}]); every other
    member of the team is recorded as having confirmed.
    """
    if isinstance(rows, str) or not 1 <= len(rows) <= MAX_ROWS:
        raise InvalidInput(f"rows: 1..{MAX_ROWS} results", field="rows", rule="import.rows")
    today = journal.today()
    calendar = load_calendar(session)
    contexts: dict[str, TaskContext | DrawsvcError] = {}
    existing: dict[str, set[tuple[str, str, str]]] = {}
    vocabs: dict[str, Any] = {}
    errors: list[RowError] = []
    seen: set[tuple[str, str, str, str]] = set()
    accepted: list[tuple[TaskContext, Any, dict[str, str]]] = []
    for n, raw in enumerate(rows, start=1):
        try:
            if not isinstance(raw, Mapping):
                raise InvalidInput("row: an object", field="row", rule="import.row")
            code = raw.get("task")
            if not isinstance(code, str):
                raise InvalidInput("task: a task id", field="task", rule="result.task")
            if code not in contexts:
                try:
                    ctx = task_context(session, code, actor)
                    contexts[code] = ctx
                    existing[code] = repo.existing_keys(session, code)
                    if ctx.department not in vocabs:
                        vocabs[ctx.department] = vocabulary_of(session, journal, ctx.department, actor=actor)
                except DrawsvcError as exc:
                    contexts[code] = exc
            got = contexts[code]
            if isinstance(got, DrawsvcError):
                raise got
            ctx = got
            if ctx.closed:
                raise InvalidInput(
                    f"task: {code} is closed for results", field="task", rule="result.task-closed"
                )
            vocab, _index = vocabs[ctx.department]
            entry = check_entry(ctx, vocab, raw, today=today)
            key = (code, entry.target, *check_item_ref(raw.get("check_item")))
            if key[1:] in existing[code] or key in seen:
                raise InvalidInput(
                    "check_item: a result for this target and check item exists (or is in the file twice)",
                    field="check_item",
                    rule="result.once-per-target-item",
                )
            seen.add(key)
            accepted.append((ctx, entry, _dissents(raw.get("dissents"), entry.members, entry.leader)))
        except DrawsvcError as exc:
            errors.append(_row_error(n, exc))
    if errors:
        raise ImportRejected(f"{len(errors)} of {len(rows)} rows refused; nothing was imported", rows=errors)

    formed = publish_due(calendar, today)
    objs: list[InspectionResult] = []
    bodies: list[dict[str, Any]] = []
    days: dict[str, int] = {}
    due_cache: dict[tuple[Any, int], Any] = {}
    for ctx, entry, dissents in accepted:
        vocab, vocab_index = vocabs[ctx.department]
        if ctx.department not in days:
            days[ctx.department] = settings_for(session, ctx.department).results_due_working_days
        n_days = days[ctx.department]
        dkey = (entry.completed_on, n_days)
        if dkey not in due_cache:
            due_cache[dkey] = results_due(calendar, entry.completed_on, n_days)
        row = new_row(
            ctx,
            entry,
            vocab=vocab,
            vocab_index=vocab_index,
            due=due_cache[dkey],
            journal=journal,
            source="import",
        )
        row.status, row.formed_on = "formed", today
        row.publish_due, row.publish_due_calendar_version = formed.due, list(formed.calendar_version)
        body = entry_body(row, refusal_note=entry.refusal_note, witness=entry.witness)
        body["confirmed_by"] = [m for m in entry.members if m != entry.leader and m not in dissents]
        body["dissents"] = [{"inspector": k, "reason": v} for k, v in dissents.items()]
        body["formed_on"] = today.isoformat()
        body["publish_due"] = deadline_body(formed)
        body["file_sha256"] = file_sha256
        objs.append(row)
        bodies.append(body)
    first = journal.record_many(session, KIND_IMPORT, bodies, actor=actor).first_index
    values = []
    for i, row in enumerate(objs):
        row.log_index = first + i
        values.append(
            {c.key: getattr(row, c.key) for c in InspectionResult.__table__.columns if c.key != "id"}
        )
    session.execute(sa.insert(InspectionResult), values)
    dissent_rows = [
        (row.code, who, why, first + i)
        for i, ((_c, _e, d), row) in enumerate(zip(accepted, objs, strict=True))
        for who, why in d.items()
    ]
    if dissent_rows:
        ids = dict(
            session.execute(
                sa.select(InspectionResult.code, InspectionResult.id).where(
                    InspectionResult.code.in_([c for c, *_ in dissent_rows])
                )
            )
            .tuples()
            .all()
        )
        session.execute(
            sa.insert(ResultAnswer),
            [
                {"result_id": ids[c], "inspector": w, "answer": "dissent", "reason": r, "log_index": li}
                for c, w, r, li in dissent_rows
            ],
        )
    return ImportReport(rows=len(objs), first_index=first, results=[r.code for r in objs])
