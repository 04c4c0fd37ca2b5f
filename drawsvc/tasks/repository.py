"""Queries of the tasks area (no logging, no rules): the service composes these."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.db.arrays import text_array
from drawsvc.errors import NotFound
from drawsvc.registries import models as reg
from drawsvc.tasks.models import (
    POOLS,
    Commitment,
    Draw,
    ExpertSlot,
    Inspection,
    PoolMember,
    Task,
    pool_edited,
)
from ledger import store

LARGE_POOL = 20_000
IN_LIST = 900  # keys per IN (...) list


def get_task(session: Session, code: str, *, for_update: bool = False) -> Task:
    """The task ``code``. ``for_update`` locks its row until the transaction ends (PostgreSQL
    ``SELECT … FOR UPDATE``; SQLite's write transactions are serial already) and reads it afresh,
    so that two requests changing one task run one after the other and the second sees the
    first's result (two draws of one task at once: the second is refused, not a key error)."""
    query = sa.select(Task).where(Task.code == code)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    task = session.scalars(query).one_or_none()
    if task is None:
        raise NotFound(f"task {code}: no such task", subject=code)
    return task


def next_task_code(session: Session, year: int) -> str:
    """The next automatic task code ``T<year>-<n>`` (n from 1, at least 4 digits; API-1).

    Allocated under the log's writer lock (``ledger.store.lock_for_append``: SQLite's write lock,
    PostgreSQL's transaction advisory lock), which the ``task.create`` append of the same
    transaction takes anyway: a concurrent creation waits until this one commits and then sees
    its task, so two creations never compute the same ``n``. ``n`` is the number of top-level
    tasks of the year plus one, moved past any code already taken (a task created with its own
    code ``T2026-0003``).
    """
    store.lock_for_append(session.connection())
    n = (
        int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(Task)
                .where(Task.year == year, Task.parent_code.is_(None))
            )
            or 0
        )
        + 1
    )
    taken = set(session.scalars(sa.select(Task.code).where(Task.code.like(f"T{year}-%"))))
    while f"T{year}-{n:04d}" in taken:
        n += 1
    return f"T{year}-{n:04d}"


def subtasks(session: Session, parent_code: str) -> list[Task]:
    return list(session.scalars(sa.select(Task).where(Task.parent_code == parent_code).order_by(Task.code)))


def pool_members(
    session: Session, task_code: str, pool: str, *, include_removed: bool = False
) -> list[PoolMember]:
    q = sa.select(PoolMember).where(PoolMember.task_code == task_code, PoolMember.pool == pool)
    if not include_removed:
        q = q.where(PoolMember.removed.is_(False))
    return list(session.scalars(q.order_by(PoolMember.member)))


def pool_member_ids(
    session: Session, task_code: str, pool: str, *, edits: Sequence[PoolEdit] | None = None
) -> list[str]:
    """Current members, sorted by id (a pool may hold millions).

    One aggregate returns the members as one newline-joined string and their count; the few
    removed members (``pool_edits``, pass ``edits`` when already read) are then taken out.
    Registry codes hold no newline; if the count disagrees, the members are read row by row.
    The order comes from storage, and the final ``sort`` makes it right whatever it was (one
    comparison pass when it already is): SQLite aggregates over the covering unique index
    (task, pool, member), which is in byte order; PostgreSQL aggregates in the order of the
    table, in which ``insert_filtered_targets`` wrote a built pool in byte order — sorting ten
    million codes inside the aggregate (``ORDER BY member COLLATE "C"``) was 11 of the 15.6 s
    of server CPU this read took at 10M (docs/performance.md).
    """
    session.flush()  # pending ORM edits first (the reads below bypass autoflush)
    m = PoolMember
    conn = session.connection()
    where = (m.task_code == task_code, m.pool == pool)
    joined: Any = sa.func.aggregate_strings(m.member, "\n")
    count, text = conn.execute(sa.select(sa.func.count(m.member), joined).where(*where)).one()
    out: list[str] = text.split("\n") if count else []
    if len(out) != count:
        out = list(conn.execute(sa.select(m.member).where(*where)).scalars())
    if edits is None:
        edits = pool_edits(session, task_code)
    removed = {e.member for e in edits if e.pool == pool and e.removed}
    if removed:
        out = [u for u in out if u not in removed]
    out.sort()  # DRAW-16 byte order; usually already so (see above): then one comparison pass
    return out


class PoolEdit(NamedTuple):
    pool: str
    member: str
    origin: str
    removed: bool


def pool_edits(session: Session, task_code: str) -> list[PoolEdit]:
    """The task's hand-edited pool rows (manual additions and removals: few).

    One lookup in the partial index ``ix_task_pool_members_edits`` (``pool_edited``), not a
    pass over the task's million built rows.
    """
    session.flush()
    m = PoolMember
    q = sa.select(m.pool, m.member, m.origin, m.removed).where(m.task_code == task_code, pool_edited())
    return [PoolEdit(p, u, o, bool(r)) for p, u, o, r in session.connection().execute(q)]


def find_pool_member(session: Session, task_code: str, pool: str, member: str) -> PoolMember | None:
    return session.scalars(
        sa.select(PoolMember).where(
            PoolMember.task_code == task_code, PoolMember.pool == pool, PoolMember.member == member
        )
    ).one_or_none()


def delete_built_members(session: Session, task_code: str, pool: str) -> None:
    """Drop filter/import members; manual edits (hand additions, removals with reasons) stay."""
    session.execute(
        sa.delete(PoolMember).where(
            PoolMember.task_code == task_code,
            PoolMember.pool == pool,
            PoolMember.origin != "manual",
            PoolMember.removed.is_(False),
        )
    )


def insert_pool_members(
    session: Session, task_code: str, pool: str, members: Iterable[str], origin: str
) -> int:
    rows = [
        {"task_code": task_code, "pool": pool, "member": m, "origin": origin, "removed": False}
        for m in members
    ]
    if rows:
        session.execute(sa.insert(PoolMember), rows)
    return len(rows)


def insert_inspections(session: Session, targets: Sequence[str], values: Mapping[str, Any]) -> None:
    """One ``Inspection`` per target, all with the same other column ``values`` (a draw's
    50,000 random inspections).

    The constant values are converted once by their own column types' bind processors (the
    conversion SQLAlchemy applies per row), then bound once: the rows are one ``INSERT … SELECT``
    over the targets as one array — ``json_each`` of a JSON array on SQLite (50,000 rows
    ≈ 0.06 s instead of ≈ 0.2 s with ``executemany``), ``unnest`` of a ``text[]`` on PostgreSQL
    (300,000 rows: 0.03 s of client CPU instead of 3.2–3.6 s by ``COPY``, whose ``write_row``
    formats and dumps the constant JSON again on every row); same rows, same ids in the same
    order. Elsewhere a Core ``executemany``.
    """
    conn = session.connection()
    if not targets:
        return
    # in USCC order, not draw order: the (target, year) index then takes the rows as one ordered
    # run instead of 50,000 random B-tree inserts (≈ 30 % less on SQLite, docs/performance.md)
    targets = sorted(targets)
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        conn.execute(sa.insert(Inspection), [{"target_uscc": u, **values} for u in targets])
        return
    table = Inspection.__table__
    names = list(values)
    consts: list[Any] = []
    for name in names:
        process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        consts.append(process(values[name]) if process else values[name])
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(c) for c in ["target_uscc", *names])
    if dialect == "postgresql":
        # unnest walks the array in order, as json_each below. Typed casts: a bound None or
        # string is of unknown type, which the SELECT list would otherwise resolve as text.
        casts = ", ".join(f"CAST(%s AS {table.c[n].type.compile(conn.dialect)})" for n in names)
        conn.exec_driver_sql(
            f"INSERT INTO {quote(table.name)} ({columns}) SELECT u, {casts} FROM unnest(%s::text[]) AS u",
            (*consts, text_array(targets)),
        )
        return
    if all(type(u) is str for u in targets):
        # json_each walks the array in order, so the rows go in in USCC order as above (an
        # ``ORDER BY key`` would add a temporary B-tree sort, +40 %; tests/tasks check the order);
        # a JSON string element comes back as the same TEXT value
        marks = ", ".join("?" * len(names))
        conn.exec_driver_sql(
            f"INSERT INTO {quote(table.name)} ({columns}) SELECT value, {marks} FROM json_each(?)",
            (*consts, json.dumps(targets, ensure_ascii=False)),
        )
        return
    marks = ", ".join("?" * (len(names) + 1))
    conn.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})", [(u, *consts) for u in targets]
    )


def manual_counts(
    session: Session, task_code: str, *, edits: Sequence[PoolEdit] | None = None
) -> dict[str, dict[str, int]]:
    """Per pool holding any row: hand additions still in the pool, and removals (``manual``)."""
    session.flush()
    m = PoolMember
    conn = session.connection()
    # which pools hold any row: one statement of one index probe per pool (not DISTINCT, which
    # would pass over a million-member pool)
    held = conn.execute(sa.select(*(
        sa.exists().where(m.task_code == task_code, m.pool == pool) for pool in POOLS))).one()
    out: dict[str, dict[str, int]] = {
        pool: {"added": 0, "removed": 0} for pool, present in zip(POOLS, held, strict=True) if present}
    for e in pool_edits(session, task_code) if edits is None else edits:
        counts = out.setdefault(e.pool, {"added": 0, "removed": 0})
        if e.origin == "manual" and not e.removed:
            counts["added"] += 1
        if e.removed:
            counts["removed"] += 1
    return out


def commitment(session: Session, task_code: str, round_: int) -> Commitment | None:
    return session.scalars(
        sa.select(Commitment).where(Commitment.task_code == task_code, Commitment.round == round_)
    ).one_or_none()


# session.info key: commitments a service kept for a later step of the same transaction
_KEPT_COMMITMENTS = "drawsvc.kept_commitments"


def keep_commitment(session: Session, c: Commitment) -> None:
    """Hold ``c`` for :func:`loaded_commitment` until the session ends (the identity map holds
    clean objects only weakly: it would be gone once the service returns)."""
    session.info.setdefault(_KEPT_COMMITMENTS, {})[(c.task_code, c.round)] = c


def loaded_commitment(session: Session, task_code: str, round_: int) -> Commitment | None:
    """``commitment``, without a query when the service kept it in this session
    (``keep_commitment``: the draw route's seal state, right after the draw updated it). A
    query would return that same object, its attributes untouched (no ``populate_existing``),
    so this is the same answer one statement cheaper."""
    kept = session.info.get(_KEPT_COMMITMENTS, {}).get((task_code, round_))
    if kept is not None and kept in session and kept not in session.deleted:
        return kept
    return commitment(session, task_code, round_)


def first_commitment(session: Session, task_code: str) -> Commitment | None:
    return commitment(session, task_code, 1)


def current_draw(session: Session, task_code: str) -> Draw | None:
    return session.scalars(
        sa.select(Draw).where(Draw.task_code == task_code, Draw.status == "current")
    ).one_or_none()


def recent_draws(session: Session, *, exclude_task: str, limit: int = 200) -> list[Draw]:
    return list(
        session.scalars(
            sa.select(Draw)
            .where(Draw.status == "current", Draw.task_code != exclude_task)
            .order_by(Draw.log_index.desc())
            .limit(limit)
        )
    )


def draws(session: Session, task_code: str) -> list[Draw]:
    return list(session.scalars(sa.select(Draw).where(Draw.task_code == task_code).order_by(Draw.round)))


def expert_slots(session: Session, task_code: str, round_: int) -> list[ExpertSlot]:
    return list(
        session.scalars(
            sa.select(ExpertSlot)
            .where(ExpertSlot.task_code == task_code, ExpertSlot.round == round_)
            .order_by(ExpertSlot.id)
        )
    )


# --- registries ------------------------------------------------------------------------------


def target_filter(filters: dict[str, Any]) -> sa.Select[tuple[str]]:
    """SELECT of the USCCs of active targets matching the SQL-expressible ``filters``."""
    t = reg.Target
    q = sa.select(t.uscc).where(t.status == "active")
    if filters.get("target_type"):
        q = q.where(t.target_type.in_(_as_list(filters["target_type"])))
    if filters.get("scale"):
        q = q.where(t.scale.in_(_as_list(filters["scale"])))
    if filters.get("region_code"):
        q = q.where(sa.or_(*[t.region_code.startswith(p) for p in _as_list(filters["region_code"])]))
    if filters.get("industry"):
        q = q.where(t.industry.in_(_as_list(filters["industry"])))
    if filters.get("credit_class"):
        q = q.where(t.credit_class.in_(_as_list(filters["credit_class"])))
    if filters.get("registration_authority"):
        q = q.where(t.registration_authority.in_(_as_list(filters["registration_authority"])))
    return q


def target_rows(session: Session, filters: dict[str, Any]) -> list[str]:
    """USCCs of active targets matching ``filters`` (entries.md §2 ``task.pool.build``), sorted."""
    t = reg.Target
    conn = session.connection()
    ids = sorted(conn.execute(target_filter(filters)).scalars())
    flags = _as_list(filters.get("risk_flags") or [])
    if flags:
        wanted = set(flags)
        rows = conn.execute(sa.select(t.uscc, t.risk_flags).where(t.status == "active"))
        flagged = {u for u, fl in rows if wanted & set(fl or [])}
        ids = [u for u in ids if u in flagged]
    return ids


def insert_filtered_targets(session: Session, task_code: str, filters: dict[str, Any]) -> tuple[int, int]:
    """INSERT … SELECT of the filter's targets not already in the pool by hand; (matching, inserted)."""
    q = target_filter(filters)
    conn = session.connection()
    matching = int(conn.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one())
    manual = sa.select(PoolMember.member).where(
        PoolMember.task_code == task_code, PoolMember.pool == "targets"
    )
    src = q.where(reg.Target.uscc.not_in(manual)).with_only_columns(
        sa.literal(task_code), sa.literal("targets"), reg.Target.uscc, sa.literal("filter"), sa.false()
    )
    if conn.dialect.name == "postgresql":
        # written in byte order: the unique index (task, pool, member) then grows at one end
        # (cheaper than without the sort, measured), and ``pool_member_ids`` reads the table in
        # that order without sorting in the server
        src = src.order_by(reg.Target.uscc.collate("C"))
    result = conn.execute(
        sa.insert(PoolMember).from_select(["task_code", "pool", "member", "origin", "removed"], src)
    )
    return matching, result.rowcount


def inspector_rows(session: Session, filters: dict[str, Any], on: date) -> list[str]:
    i = reg.Inspector
    q = sa.select(i.code, i.specialties).where(i.status == "active", i.certificate_valid_until >= on)
    if filters.get("departments"):
        q = q.where(i.department_code.in_(_as_list(filters["departments"])))
    if filters.get("leader_eligible"):
        q = q.where(i.leader_eligible.is_(True))
    spec = filters.get("specialty")
    return [c for c, sp in session.execute(q.order_by(i.code)) if not spec or spec in (sp or [])]


def expert_rows(session: Session, filters: dict[str, Any], on: date) -> list[str]:
    """Codes of the experts a filter may draw on ``on``: the registries' rule
    (``registries.repository.eligible_experts``: admitted, term covering ``on``, no exit flag
    awaiting confirmation, registries.md RG-33/RG-34), then the pools and groups asked for."""
    e = reg.Expert
    q = sa.select(e.code, e.groups, e.exit_flags).where(e.status == "admitted")
    q = q.where(e.term_start <= on, e.term_end >= on)
    if filters.get("pools"):
        q = q.where(e.pool_code.in_(_as_list(filters["pools"])))
    groups = set(_as_list(filters.get("groups") or []))
    return [
        c
        for c, g, flags in session.execute(q.order_by(e.code))
        if not flags and (not groups or groups & set(g or []))
    ]


def existing(session: Session, pool: str, ids: Sequence[str]) -> set[str]:
    col = {"targets": reg.Target.uscc, "inspectors": reg.Inspector.code, "experts": reg.Expert.code}[pool]
    found: set[str] = set()
    for i in range(0, len(ids), 900):
        found.update(session.scalars(sa.select(col).where(col.in_(ids[i : i + 900]))))
    return found


def target_attributes(session: Session, ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """uscc → {region, authority, scale, credit, risk} (all targets when ``ids`` is None: bulk read)."""
    t = reg.Target
    cols = (t.uscc, t.region_code, t.registration_authority, t.scale, t.credit_class, t.risk_flags)
    out: dict[str, dict[str, Any]] = {}

    def add(rows: Iterable[Any]) -> None:
        for u, r, a, s, c, f in rows:
            out[u] = {"region": r, "authority": a, "scale": s, "credit": c, "risk": bool(f)}

    if ids is None:
        add(session.execute(sa.select(*cols)))
    else:
        for k in range(0, len(ids), 900):
            add(session.execute(sa.select(*cols).where(t.uscc.in_(ids[k : k + 900]))))
    return out


def flagged_targets(session: Session) -> set[str]:
    """USCCs of the targets carrying a risk flag (a small share of the directory), read from
    the partial index ``ix_targets_flagged`` alone (``registries.models.target_flagged``)."""
    t = reg.Target
    # fetched at once (``all``): row by row cost ≈ 2 µs a row more (100,000 flagged of 1,000,000)
    return set(session.connection().execute(sa.select(t.uscc).where(reg.target_flagged())).scalars().all())


def target_pool_rows(session: Session, members: Sequence[str], *, with_strata: bool) -> list[tuple[Any, ...]]:
    """``(uscc, risk[, region, authority, scale, credit])`` of the pool's ``members`` (any order).

    Core rows fetched at once. A pool that is a large part of the directory is read with one
    sequential scan of the targets instead of one index lookup per member.
    """
    if not members:
        return []
    t = reg.Target
    conn = session.connection()
    cols: list[Any] = [t.uscc, reg.target_flagged()]
    if with_strata:
        cols += [t.region_code, t.registration_authority, t.scale, t.credit_class]
    if len(members) > LARGE_POOL:
        wanted = set(members)
        return [r for r in conn.execute(sa.select(*cols)).all() if r[0] in wanted]
    ordered = sorted(members)
    out: list[tuple[Any, ...]] = []
    for k in range(0, len(ordered), 900):
        out.extend(conn.execute(sa.select(*cols).where(t.uscc.in_(ordered[k : k + 900]))).all())
    return out


def inspector_attributes(session: Session, codes: Sequence[str]) -> dict[str, tuple[str, bool, list[str]]]:
    """``code → (department, leader, sorted specialties)`` of ``codes``. Core rows fetched at
    once; a pool of more than one ``IN`` list (a province's 50,000 inspectors: 56 compiled
    lists) is read with one scan of the inspectors instead. The specialties come as their JSON
    text and are parsed by one ``json.loads`` of them all: the driver's JSON loader per row and
    fetching row by row were ≈ 0.8 s of a 50,000-inspector commit (docs/performance.md)."""
    i = reg.Inspector
    conn = session.connection()
    cols = (i.code, i.department_code, i.leader_eligible, sa.cast(i.specialties, sa.Text))
    if len(codes) > IN_LIST:
        wanted = set(codes)
        rows = [r for r in conn.execute(sa.select(*cols)).all() if r[0] in wanted]
    else:
        rows = conn.execute(sa.select(*cols).where(i.code.in_(codes))).all()
    specialties = json.loads("[" + ",".join(r[3] or "null" for r in rows) + "]")
    return {
        c: (d, bool(lead), sorted(sp or []))
        for (c, d, lead, _), sp in zip(rows, specialties, strict=True)
    }


def expert_attributes(session: Session, codes: Sequence[str]) -> dict[str, list[str]]:
    e = reg.Expert
    out: dict[str, list[str]] = {}
    for k in range(0, len(codes), 900):
        for c, g in session.execute(sa.select(e.code, e.groups).where(e.code.in_(codes[k : k + 900]))):
            out[c] = sorted(g or [])
    return out


def inspections_per_target(session: Session, year: int, *, exclude_task: str | None = None) -> dict[str, int]:
    q = (
        sa.select(Inspection.target_uscc, sa.func.count())
        .where(Inspection.year == year, Inspection.superseded.is_(False))
        .group_by(Inspection.target_uscc)
    )
    if exclude_task is not None:
        q = q.where(sa.or_(Inspection.task_code.is_(None), Inspection.task_code != exclude_task))
    return {u: n for u, n in session.execute(q)}


def pool_inspector_declarations(
    session: Session, task_code: str, *, in_force_on: date | None
) -> list[tuple[str, str]]:
    """(inspector, USCC) declarations of the inspectors in the task's pool, with any target.

    ``in_force_on`` a date: those in force that day (not withdrawn), of inspectors still in the
    pool; callers keep the pairs whose target is in the targets pool — checked in memory
    against the pool's ids rather than joined with a pool that may hold a million rows.
    ``None``: every declaration ever made by a pool inspector (withdrawn and expired ones too),
    a superset of the pairs behind the task's avoidance tags, for ``Avoidance.explained_by``.
    """
    d = reg.InterestDeclaration
    pi = PoolMember
    q = (
        sa.select(d.person_code, d.counterpart_uscc)
        .join(pi, sa.and_(pi.member == d.person_code, pi.task_code == task_code, pi.pool == "inspectors"))
        .where(d.person_kind == "inspector")
    )
    if in_force_on is not None:
        q = q.where(
            pi.removed.is_(False),
            d.withdrawn.is_(False),
            d.valid_from <= in_force_on,
            sa.or_(d.valid_until.is_(None), d.valid_until >= in_force_on),
        )
    return [(p, u) for p, u in session.connection().execute(q).all()]


def declarations_in_force(session: Session, person_kind: str, on: date) -> list[tuple[str, str]]:
    d = reg.InterestDeclaration
    return [
        (p, u)
        for p, u in session.execute(
            sa.select(d.person_code, d.counterpart_uscc).where(
                d.person_kind == person_kind,
                d.withdrawn.is_(False),
                d.valid_from <= on,
                sa.or_(d.valid_until.is_(None), d.valid_until >= on),
            )
        )
    ]


def inspections_in(session: Session, year: int, start: date | None, end: date | None) -> list[Inspection]:
    q = sa.select(Inspection).where(Inspection.year == year, Inspection.superseded.is_(False))
    if start is not None:
        q = q.where(Inspection.on >= start)
    if end is not None:
        q = q.where(Inspection.on <= end)
    return list(session.scalars(q.order_by(Inspection.target_uscc, Inspection.id)))


def supersede_inspections(session: Session, task_code: str, round_: int) -> None:
    session.execute(
        sa.update(Inspection)
        .where(Inspection.task_code == task_code, Inspection.round == round_, Inspection.kind == "random")
        .values(superseded=True)
    )


def department_exists(session: Session, code: str) -> bool:
    return (
        session.scalar(
            sa.select(sa.func.count()).select_from(reg.Department).where(reg.Department.code == code)
        )
        == 1
    )


PUBLISHED_STATUSES = ("locked", "dispatched")


def _involves(department: str) -> sa.ColumnElement[bool]:
    """Organiser, drawing unit or participating department (``departments`` is a JSON list of codes)."""
    listed = sa.cast(Task.departments, sa.Text).contains(f'"{department}"', autoescape=True)
    return sa.or_(Task.organiser == department, Task.unit == department, listed)


def list_tasks(
    session: Session,
    *,
    year: int | None = None,
    department: str | None = None,
    status: str | None = None,
    visible_to: str | None = None,
    published_only: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> list[Task]:
    """Tasks and sub-draws by code, filtered; the caller decides visibility (docs/api.md).

    ``published_only``: locked or dispatched tasks only; ``visible_to``: published tasks plus every
    task that department organises, draws or takes part in (a bureau's view).
    """
    query = sa.select(Task)
    if year is not None:
        query = query.where(Task.year == year)
    if department is not None:
        query = query.where(_involves(department))
    if status is not None:
        query = query.where(Task.status == status)
    if published_only:
        query = query.where(Task.status.in_(PUBLISHED_STATUSES))
    elif visible_to is not None:
        query = query.where(sa.or_(Task.status.in_(PUBLISHED_STATUSES), _involves(visible_to)))
    return list(session.scalars(query.order_by(Task.code).offset(offset).limit(limit)))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set)) else [value]
