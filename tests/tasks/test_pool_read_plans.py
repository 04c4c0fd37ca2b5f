"""The two small reads of a commit use their partial indexes (docs/performance.md, "Pool reads").

``pool_edits`` (a task's hand-edited pool rows) and ``flagged_targets`` (risk-flagged targets)
return a handful of rows out of a million; each must be an index lookup, not a table scan. The
statements the functions really execute are captured and handed to the planner: SQLite's
``EXPLAIN QUERY PLAN``; PostgreSQL's ``EXPLAIN`` with ``enable_seqscan`` off (on tables this
small its planner rightly prefers a sequential scan, so this asserts that the index is valid and
that the query's WHERE implies its predicate, not which plan a million rows get).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from tasks_support import actor, seed_registries, task_with_targets_pool

from drawsvc.registries import models as reg
from drawsvc.tasks import repository as repo
from drawsvc.tasks import service

DBS = ["runtime", pytest.param("pg_runtime", marks=pytest.mark.postgres)]


@contextmanager
def _captured(engine: sa.Engine, table: str) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs reading ``table`` executed meanwhile, as (driver SQL, parameters)."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _plan(session: Any, statement: str, parameters: Any) -> str:
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        return "\n".join(r[-1] for r in rows)
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all())


def _planned(rt: Any, table: str, read: Callable[[Any], Any]) -> tuple[Any, str]:
    """``read(session)``'s result and the plan of its (one) SELECT of ``table``."""
    with rt.transaction() as s:
        with _captured(rt.engine, table) as seen:
            result = read(s)
        assert len(seen) == 1, seen
        return result, _plan(s, *seen[0])


def _task(rt: Any) -> tuple[str, list[str]]:
    with rt.transaction() as s:
        code = task_with_targets_pool(rt, s, 30)
        ids = repo.pool_member_ids(s, code, "targets")
        for member in ids[:2]:
            service.remove_pool_member(
                s, rt.journal, task=code, pool="targets", member=member, reason="停业", actor=actor()
            )
        service.build_pool(s, rt.journal, task=code, pool="inspectors", filters={}, actor=actor())
        service.remove_pool_member(
            s, rt.journal, task=code, pool="inspectors", member="SCJG-0001", reason="调岗", actor=actor()
        )
        service.add_pool_member(
            s, rt.journal, task=code, pool="inspectors", member="SCJG-0001", reason="复岗", actor=actor()
        )
    return code, ids


@pytest.mark.parametrize("db", DBS)
def test_pool_edits_is_a_lookup_in_the_edits_index(db: str, request: pytest.FixtureRequest) -> None:
    rt = request.getfixturevalue(db)
    code, ids = _task(rt)
    edits, plan = _planned(rt, "task_pool_members", lambda s: repo.pool_edits(s, code))
    assert sorted((e.pool, e.member, e.removed) for e in edits) == [
        ("targets", ids[0], True),
        ("targets", ids[1], True),
    ]  # SCJG-0001 was removed then restored: a built row again, outside the index
    assert "ix_task_pool_members_edits" in plan, plan
    if db == "runtime":
        expected = "SEARCH task_pool_members USING COVERING INDEX ix_task_pool_members_edits (task_code=?)"
        assert plan == expected, plan


@pytest.mark.parametrize("db", DBS)
def test_flagged_targets_is_read_from_the_flagged_index(db: str, request: pytest.FixtureRequest) -> None:
    rt = request.getfixturevalue(db)
    with rt.transaction() as s:
        seed_registries(s, targets=30)
        usccs = sorted(s.scalars(sa.select(reg.Target.uscc)))
        t = reg.Target
        s.execute(sa.update(t).where(t.uscc.in_(usccs[:3])).values(risk_flags=["complaints"]))
        s.execute(sa.update(t).where(t.uscc == usccs[0]).values(risk_flags=[]))  # flag cleared
    flagged, plan = _planned(rt, "targets", repo.flagged_targets)
    assert flagged == {usccs[1], usccs[2]}
    assert "ix_targets_flagged" in plan, plan
    if db == "runtime":  # each flagged row then read from the table: few
        assert plan == "SCAN targets USING INDEX ix_targets_flagged", plan


@pytest.mark.parametrize("db", DBS)
def test_a_built_pool_is_stored_and_read_in_byte_order_whatever_the_table_order(
    db: str, request: pytest.FixtureRequest
) -> None:
    """PostgreSQL: the pool build writes the targets in byte order (so the members read needs no
    sort in the server); on either database the read returns byte order even when the table's
    order is another (rows added by hand, rows in reverse)."""
    rt = request.getfixturevalue(db)
    with rt.transaction() as s:
        code = task_with_targets_pool(rt, s, 60)
        conn = s.connection()
        m = repo.PoolMember
        where = (m.task_code == code, m.pool == "targets")
        if conn.dialect.name == "postgresql":
            stored = list(conn.execute(sa.select(m.member).where(*where).order_by(sa.text("ctid"))).scalars())
            assert stored == sorted(stored) and len(stored) > 40
        ids = repo.pool_member_ids(s, code, "targets")
        assert ids == sorted(ids)
        # the same members again, written in reverse order under another pool name
        conn.execute(sa.insert(m), [
            {"task_code": code, "pool": "experts", "member": u, "origin": "manual", "removed": False}
            for u in reversed(ids)
        ])
        assert repo.pool_member_ids(s, code, "experts") == ids
