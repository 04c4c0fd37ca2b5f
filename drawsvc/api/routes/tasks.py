"""Tasks and their draws: create → pools → commit → draw (reveal) → responses, designations,
replacements → lock → dispatch → sub-draws; non-random inspections and the merge report.

Writes: a bureau key, for its own department's tasks only (the task service checks the
department on every operation; discipline never draws). Reads: the owning and participating
bureaus and discipline always; the public once the draw is published (locked or dispatched).
Task codes of sub-draws contain ``/`` (``T2026-0001/unit``), hence ``{code:path}``.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from fastapi import Path, Query
from fastapi.responses import HTMLResponse

from drawsvc.api import auth
from drawsvc.api.auth import Principal, Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.tasks import (
    CommitIn,
    CommitOut,
    DesignationIn,
    DisclosureIn,
    DisclosureOut,
    DispatchIn,
    DrawIn,
    DrawOut,
    DueIn,
    DueOut,
    InspectionIn,
    InspectionOut,
    MergeCandidateOut,
    PoolBuildIn,
    PoolBuilt,
    PoolMemberIn,
    PoolMemberOut,
    ReplacementIn,
    ReplacementOut,
    ResponseIn,
    SealOut,
    SlotOut,
    SubdrawIn,
    TaskIn,
    TaskOut,
)
from drawsvc.api.views import LogWindow
from drawsvc.errors import Forbidden, NotFound, Unauthenticated
from drawsvc.tasks import record, replay, seal, service
from drawsvc.tasks import repository as task_repo
from drawsvc.tasks.models import Draw, Task

router = api_router(tags=["tasks"])

TaskCode = Annotated[str, Path(min_length=1, max_length=200)]
Pool = Annotated[str, Path(pattern="^(targets|inspectors|experts)$")]
ExpertCode = Annotated[str, Path(min_length=1, max_length=64)]
PUBLISHED = ("locked", "dispatched")


def _writer(principal: Principal) -> None:
    auth.require_role(principal, Role.BUREAU)


def _readable(principal: Principal, session: SessionDep, code: str) -> Task:
    """The task if the caller may read it (published, or its bureau's, or discipline)."""
    task = service.get_task(session, code)
    if task.status in PUBLISHED and task_repo.current_draw(session, code) is not None:
        return task
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    if principal.role is Role.BUREAU and principal.department not in {task.organiser, task.unit,
                                                                      *task.departments}:
        auth.require_reader_of(principal, task.organiser)
    return task


def _may_open(principal: Principal, task: Task) -> bool:
    """SEAL-8: the discipline office and the owning bureau read a sealed draw before disclosure."""
    return principal.role is Role.DISCIPLINE or (
        principal.role is Role.BUREAU and principal.department in {task.organiser, task.unit}
    )


def _seal_reader(principal: Principal, session: SessionDep, task: Task) -> None:
    """Refuse everyone else a sealed, undisclosed draw: no key 401, another bureau 403, both
    with rule ``seal.undisclosed``."""
    state = service.current_seal(session, task.code)
    if state is None or state.get("disclosed") is not None or _may_open(principal, task):
        return
    message = f"task {task.code}: the draw is sealed until disclosed"
    if principal.role is Role.PUBLIC:
        raise Unauthenticated(message + "; a key is required", rule=seal.RULE_UNDISCLOSED, subject=task.code)
    raise Forbidden(message, rule=seal.RULE_UNDISCLOSED, subject=task.code)


def _draw_out(d: Draw, sealed: dict | None = None) -> DrawOut:
    return DrawOut(task=d.task_code, round=d.round, status=d.status, locked=d.locked, seed=d.seed,
                   log_index=d.log_index, drawn_at=d.drawn_at, targets=list(replay.drawn_targets(d.result)),
                   result=d.result, beacon=d.beacon, dispatch=d.dispatch, sealed=sealed)


def _public_seal(state: dict | None) -> dict | None:
    if state is None:
        return None
    return {"commitment": state["commitment"], "opens": state["opens"], "disclosed": state.get("disclosed")}


# --- tasks -----------------------------------------------------------------------------------

@router.post("/v1/tasks", response_model=TaskOut, status_code=201)
def create_task(body: TaskIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep) -> TaskOut:
    _writer(principal)
    organiser = body.organiser or principal.department
    assert organiser is not None
    task = service.create_task(
        session, runtime.journal, title=body.title, year=body.year, organiser=organiser, params=body.params,
        departments=body.departments, check_items=[c.raw() for c in body.check_items],
        period_start=body.period_start, period_end=body.period_end, code=body.code, actor=principal.actor)
    return TaskOut.model_validate(task)


TaskStatus = Literal["draft", "committed", "drawn", "locked", "dispatched"]


@router.get("/v1/tasks", response_model=list[TaskOut])
def list_tasks(principal: PrincipalDep, session: SessionDep,
               year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
               department: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
               status: TaskStatus | None = None,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[TaskOut]:
    """Tasks and sub-draws by code: the public (and admin) see published ones (locked or
    dispatched); a bureau also its own department's (organiser, unit or participant); discipline all.
    ``department`` matches the organiser, the drawing unit or a participating department."""
    rows = task_repo.list_tasks(
        session, year=year, department=department, status=status,
        published_only=principal.role not in (Role.BUREAU, Role.DISCIPLINE),
        visible_to=principal.department if principal.role is Role.BUREAU else None,
        offset=offset, limit=limit)
    return [TaskOut.model_validate(t) for t in rows]


# --- pools -----------------------------------------------------------------------------------

@router.post("/v1/tasks/{code:path}/pools/{pool}/build", response_model=PoolBuilt)
def build_pool(code: TaskCode, pool: Pool, body: PoolBuildIn, principal: PrincipalDep, runtime: RuntimeDep,
               session: SessionDep) -> PoolBuilt:
    """Build the pool from the registries by filters, or from explicit members."""
    _writer(principal)
    n = service.build_pool(session, runtime.journal, task=code, pool=pool,
                           filters=body.filters.raw() if body.filters is not None else None,
                           members=body.members, file_sha256=body.file_sha256, actor=principal.actor)
    return PoolBuilt(task=code, pool=pool, count=n)


@router.post("/v1/tasks/{code:path}/pools/{pool}/add", response_model=PoolBuilt)
def add_pool_member(code: TaskCode, pool: Pool, body: PoolMemberIn, principal: PrincipalDep,
                    runtime: RuntimeDep, session: SessionDep) -> PoolBuilt:
    _writer(principal)
    service.add_pool_member(session, runtime.journal, task=code, pool=pool, member=body.member,
                            reason=body.reason, actor=principal.actor)
    return PoolBuilt(task=code, pool=pool, count=len(task_repo.pool_member_ids(session, code, pool)))


@router.post("/v1/tasks/{code:path}/pools/{pool}/remove", response_model=PoolBuilt)
def remove_pool_member(code: TaskCode, pool: Pool, body: PoolMemberIn, principal: PrincipalDep,
                       runtime: RuntimeDep, session: SessionDep) -> PoolBuilt:
    _writer(principal)
    service.remove_pool_member(session, runtime.journal, task=code, pool=pool, member=body.member,
                               reason=body.reason, actor=principal.actor)
    return PoolBuilt(task=code, pool=pool, count=len(task_repo.pool_member_ids(session, code, pool)))


@router.get("/v1/tasks/{code:path}/pools/{pool}", response_model=list[PoolMemberOut])
def list_pool(code: TaskCode, pool: Pool, principal: PrincipalDep, session: SessionDep,
              offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[PoolMemberOut]:
    _readable(principal, session, code)
    rows = task_repo.pool_members(session, code, pool, include_removed=True)[offset:offset + limit]
    return [PoolMemberOut.model_validate(r) for r in rows]


# --- commit / reveal / draw ------------------------------------------------------------------

@router.post("/v1/tasks/{code:path}/commit", response_model=CommitOut, status_code=201)
def commit(code: TaskCode, body: CommitIn, principal: PrincipalDep, runtime: RuntimeDep,
           session: SessionDep) -> CommitOut:
    """Freeze the pools and commit to the seed (a second round is a redraw: reason and approver)."""
    _writer(principal)
    c = service.commit_task(session, runtime.journal, task=code,
                            commitments=[x.raw() for x in body.commitments],
                            beacon=body.beacon.raw() if body.beacon else None, reason=body.reason,
                            approver=body.approver, actor=principal.actor)
    return CommitOut(task=code, round=c.round, log_index=c.log_index, pools=c.pools)


@router.post("/v1/tasks/{code:path}/draw", response_model=DrawOut, status_code=201)
def draw(code: TaskCode, body: DrawIn, principal: PrincipalDep, runtime: RuntimeDep,
         session: SessionDep) -> DrawOut:
    """Reveal the committed secrets and draw. Retry with the same ``Idempotency-Key``."""
    _writer(principal)
    d = service.draw_task(session, runtime.journal, task=code, reveals=[r.raw() for r in body.reveals],
                          beacon_value=body.beacon_value, beacon_signature=body.beacon_signature,
                          actor=principal.actor)
    return _draw_out(d, _public_seal(service.seal_of_round(session, code, d.round)))  # d: the current round


@router.get("/v1/tasks/{code:path}/draw", response_model=DrawOut)
def get_draw(code: TaskCode, principal: PrincipalDep, session: SessionDep) -> DrawOut:
    """The current draw. Sealed and undisclosed: only the discipline office and the owner."""
    task = _readable(principal, session, code)
    _seal_reader(principal, session, task)
    return _draw_out(service.current_draw(session, code), _public_seal(service.current_seal(session, code)))


@router.get("/v1/tasks/{code:path}/seal", response_model=SealOut)
def get_seal(code: TaskCode, principal: PrincipalDep, session: SessionDep) -> SealOut:
    """A sealed draw's commitment and opening; the salt and plaintext to the discipline office
    (and the owner) at once, to anyone once disclosed, each checked against the commitment."""
    task = _readable(principal, session, code)
    state = service.current_seal(session, code)
    if state is None:
        raise NotFound(f"task {code}: the current draw is not sealed", subject=code,
                       rule=seal.RULE_NOT_SEALED)
    may_open = state.get("disclosed") is not None or _may_open(principal, task)
    base = {"task": code, "round": state["round"], "sealed_index": state["draw"],
            "disclosed_index": state.get("disclosed"), "opens": state["opens"],
            "commitment": state["commitment"]}
    if not may_open:
        return SealOut(**base, salt=None, plaintext=None, verified=None)
    opened = service.opened_state(session, code, state["round"])
    return SealOut(**base, salt=opened["salt"], plaintext=opened["plaintext"], verified=opened["verified"])


@router.post("/v1/tasks/{code:path}/disclose", response_model=DisclosureOut, status_code=201)
def disclose(code: TaskCode, body: DisclosureIn, principal: PrincipalDep, runtime: RuntimeDep,
             session: SessionDep) -> DisclosureOut:
    """Disclose the sealed draw (``draw.disclose``): the owning bureau or the discipline office."""
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    done = service.disclose_draw(session, runtime.journal, task=code, reason=body.reason, salt=body.salt,
                                 plaintext=body.plaintext, actor=principal.actor)
    return DisclosureOut(task=code, disclosed=done)


@router.post("/v1/seals/disclose-due", response_model=DueOut)
def disclose_due(body: DueIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep) -> DueOut:
    """Open every date seal whose date has come (a bureau: its own tasks only)."""
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE, Role.ADMIN)
    today = body.today or runtime.journal.today()
    done = service.disclose_due(session, runtime.journal, today=today, actor=principal.actor)
    return DueOut(disclosed=done)


@router.get("/v1/tasks/{code:path}/experts", response_model=list[SlotOut])
def list_expert_slots(code: TaskCode, principal: PrincipalDep, session: SessionDep) -> list[SlotOut]:
    task = _readable(principal, session, code)
    _seal_reader(principal, session, task)
    d = service.current_draw(session, code)
    return [SlotOut.model_validate(s) for s in task_repo.expert_slots(session, code, d.round)]


@router.post("/v1/tasks/{code:path}/experts/{expert}/response", response_model=list[SlotOut])
def respond(code: TaskCode, expert: ExpertCode, body: ResponseIn, principal: PrincipalDep,
            runtime: RuntimeDep, session: SessionDep) -> list[SlotOut]:
    """Accepted, declined or no answer (after the deadline); returns any top-up invitations."""
    _writer(principal)
    new = service.respond_expert(session, runtime.journal, task=code, expert=expert, response=body.response,
                                 reason=body.reason, actor=principal.actor)
    return [SlotOut.model_validate(s) for s in new]


@router.post("/v1/tasks/{code:path}/experts/expire", response_model=list[SlotOut])
def expire_invitations(code: TaskCode, principal: PrincipalDep, runtime: RuntimeDep,
                       session: SessionDep) -> list[SlotOut]:
    """Record every invitation past its deadline as no answer and top up; returns new invitations."""
    _writer(principal)
    new = service.expire_invitations(session, runtime.journal, task=code, today=runtime.journal.today(),
                                     actor=principal.actor)
    return [SlotOut.model_validate(s) for s in new]


@router.post("/v1/tasks/{code:path}/designations", response_model=list[SlotOut] | ReplacementOut,
             status_code=201)
def designate(code: TaskCode, body: DesignationIn, principal: PrincipalDep, runtime: RuntimeDep,
              session: SessionDep) -> list[SlotOut] | ReplacementOut:
    """Designate without a draw (written reason and approver): an expert before the commitment
    (answer: the designated slots), or a drawn team's leader after the draw (``role: leader``,
    ``target`` required; answer: the logged event)."""
    _writer(principal)
    target = body.target.upper() if body.target is not None else None
    event = service.designate(session, runtime.journal, task=code, person=body.person, reason=body.reason,
                              approver=body.approver, role=body.role, target=target, actor=principal.actor)
    if body.role == "leader":
        return ReplacementOut(task=code, event=event or {})
    return [SlotOut.model_validate(s) for s in task_repo.expert_slots(session, code, 0)]


@router.post("/v1/tasks/{code:path}/replacements", response_model=ReplacementOut, status_code=201)
def replace_inspector(code: TaskCode, body: ReplacementIn, principal: PrincipalDep, runtime: RuntimeDep,
                      session: SessionDep) -> ReplacementOut:
    """Replace a drawn inspector of a target's team (stream refill, or a swap for avoidance)."""
    _writer(principal)
    event = service.replace_inspector(session, runtime.journal, task=code, target=body.target.upper(),
                                      inspector=body.inspector, reason=body.reason, approver=body.approver,
                                      avoidance=body.avoidance, actor=principal.actor)
    return ReplacementOut(task=code, event=event)


@router.post("/v1/tasks/{code:path}/lock", response_model=DrawOut)
def lock(code: TaskCode, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep) -> DrawOut:
    _writer(principal)
    return _draw_out(service.lock_draw(session, runtime.journal, task=code, actor=principal.actor))


@router.post("/v1/tasks/{code:path}/dispatch", response_model=dict[str, list[str]])
def dispatch(code: TaskCode, body: DispatchIn, principal: PrincipalDep, runtime: RuntimeDep,
             session: SessionDep) -> dict[str, list[str]]:
    _writer(principal)
    return service.dispatch_draw(session, runtime.journal, task=code, by=body.by, actor=principal.actor)


@router.post("/v1/tasks/{code:path}/subdraws", response_model=TaskOut, status_code=201)
def create_subdraw(code: TaskCode, body: SubdrawIn, principal: PrincipalDep, runtime: RuntimeDep,
                   session: SessionDep) -> TaskOut:
    _writer(principal)
    sub = service.create_subdraw(session, runtime.journal, parent=code, unit=body.unit, params=body.params,
                                 title=body.title, actor=principal.actor)
    return TaskOut.model_validate(sub)


@router.get("/v1/tasks/{code:path}/subdraws", response_model=list[TaskOut])
def list_subdraws(code: TaskCode, principal: PrincipalDep, session: SessionDep) -> list[TaskOut]:
    """The sub-draws of a task that the caller may read."""
    _readable(principal, session, code)
    out = []
    for sub in task_repo.subtasks(session, code):
        try:
            out.append(TaskOut.model_validate(_readable(principal, session, sub.code)))
        except (Forbidden, Unauthenticated):
            continue
    return out


@router.get("/v1/tasks/{code:path}/record", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {}}, "description": "抽取记录表"}})
def get_record(code: TaskCode, principal: PrincipalDep, runtime: RuntimeDep,
               session: SessionDep) -> HTMLResponse:
    """The printable draw record (抽取记录表) built from the log, with its verification QR code."""
    task = _readable(principal, session, code)
    conn = session.connection()
    window = LogWindow(task.log_index, runtime.log.entries(conn, task.log_index, runtime.log.size(conn)))
    built = record.build_record(record.select_entries(window, code))
    base = os.environ.get("DRAWSVC_PUBLIC_BASE_URL") or "https://" + runtime.log.origin.split("/", 1)[0]
    return HTMLResponse(record.render_html(built, verify_base_url=base))


@router.get("/v1/tasks/{code:path}", response_model=TaskOut)
def get_task(code: TaskCode, principal: PrincipalDep, session: SessionDep) -> TaskOut:
    return TaskOut.model_validate(_readable(principal, session, code))


# --- non-random inspections, merge report ----------------------------------------------------

@router.post("/v1/inspections", response_model=InspectionOut, status_code=201)
def record_inspection(body: InspectionIn, principal: PrincipalDep, runtime: RuntimeDep,
                      session: SessionDep) -> InspectionOut:
    """A non-random inspection (complaint, assigned by a superior, patrol) of a target."""
    _writer(principal)
    department = body.department or principal.department
    assert department is not None
    row = service.record_inspection(session, runtime.journal, target=body.target.upper(), kind=body.kind,
                                    on=body.on, department=department, reason=body.reason,
                                    check_items=[c.raw() for c in body.check_items], task=body.task,
                                    actor=principal.actor)
    return InspectionOut.model_validate(row)


@router.get("/v1/reports/merge", response_model=list[MergeCandidateOut])
def merge_report(principal: PrincipalDep, session: SessionDep,
                 year: Annotated[int, Query(ge=2000, le=2100)]) -> list[MergeCandidateOut]:
    """Targets inspected by several tasks or departments (进一次门、查多项事)."""
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    return [MergeCandidateOut(target=c.target, inspections=c.inspections)
            for c in service.merge_report(session, year=year)]
