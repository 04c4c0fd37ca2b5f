"""The same import and life-cycle paths on PostgreSQL (the non-SQLite code paths of imports.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from reg_support import BUREAU, TODAY, csv_bytes, log_bytes

from drawsvc.calendar.service import ensure_bundled
from drawsvc.errors import ImportRejected
from drawsvc.registries import experts, imports, repository, service
from drawsvc.registries.expert_rules import PoolRules
from drawsvc.sample import generate_experts, generate_inspectors, generate_targets

pytestmark = pytest.mark.postgres


def test_imports_and_life_cycle_on_postgres(pg_runtime: Any) -> None:
    rt = pg_runtime
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal)
        service.upsert_department(s, rt.journal, code="SCJG", name="市场监督管理局", actor=BUREAU)
        experts.upsert_pool(
            s,
            rt.journal,
            code="ZLZJ",
            name="产品质量专家库",
            department="SCJG",
            pool=PoolRules(groups=("机械", "电子", "化工", "轻工", "纺织", "食品")),
            actor=BUREAU,
        )
    targets = list(generate_targets(300, seed=1))

    def run(kind: str, rows: list[dict[str, Any]], **kw: Any) -> imports.ImportReport:
        with rt.transaction() as s:
            return imports.import_file(
                s,
                rt.journal,
                csv_bytes(kind, rows),
                kind=kind,
                fmt="csv",
                actor=BUREAU,
                on=TODAY,
                batch_rows=100,
                **kw,
            )

    assert run("targets", targets).created == 300
    changed = [dict(t) for t in targets]
    changed[7]["credit_class"] = "D"
    report = run("targets", changed)
    assert (report.updated, report.unchanged) == (1, 299)
    before = log_bytes(rt)
    with pytest.raises(ImportRejected) as exc:
        run("targets", [*targets[:150], targets[3]])
    assert [(e.row, e.rule) for e in exc.value.rows] == [(152, "RG-12")]
    assert log_bytes(rt) == before
    assert run("inspectors", list(generate_inspectors(10, seed=1, on=TODAY)), department="SCJG").created == 10
    assert run("experts", list(generate_experts(10, seed=1, on=TODAY)), department="SCJG").created == 10
    with rt.transaction() as s:
        assert repository.get_target(s, targets[7]["uscc"]).credit_class == "D"
        assert len(repository.eligible_inspectors(s, department_code="SCJG", on=TODAY)) == 10
        experts.record_invitation_outcome(
            s, rt.journal, "ZLZJ-0001", "no_answer", actor=BUREAU, task_ref="T1"
        )
        assert repository.get_expert(s, "ZLZJ-0001").consecutive_no_answer == 1
        assert experts.flag_over_age(s, rt.journal, on=date(2026, 6, 1), actor=BUREAU) == []


def test_targets_copied_into_postgres_are_the_rows_sqlite_stores(runtime: Any, pg_runtime: Any) -> None:
    """The PostgreSQL import writes targets by COPY (text format, psycopg escaping) and looks old
    rows up with one ``= ANY(array)``: the stored rows must be those of the driver-level SQLite
    insert, quotes, backslashes and risk flags included; a rejected file leaves nothing."""
    import sqlalchemy as sa

    from drawsvc.registries.models import Target

    targets = list(generate_targets(250, seed=4))
    targets[3]["name"] = '杭州"引号"\\反斜杠餐饮店'
    targets[4]["name"] = "杭州 \\N 餐饮店"  # COPY's NULL marker as text
    columns = [c for c in Target.__table__.columns if c.name not in ("id", "import_ref")]
    stored = []
    for rt in (runtime, pg_runtime):
        with rt.transaction() as s:
            report = imports.import_file(
                s, rt.journal, csv_bytes("targets", targets), kind="targets", fmt="csv",
                actor=BUREAU, on=TODAY, batch_rows=100,
            )
            assert report.created == 250
            stored.append(sorted(tuple(r) for r in s.execute(sa.select(*columns))))
    assert stored[0] == stored[1] and len(stored[1]) == 250
    assert any(r[1] == '杭州"引号"\\反斜杠餐饮店' for r in stored[1])
    assert any(r[1] == "杭州 \\N 餐饮店" for r in stored[1])
    assert any(r[7] for r in stored[1])  # some risk flags, read back as lists
    fresh = list(generate_targets(500, seed=4))[250:]  # new codes; the file ends with a repeat
    with pytest.raises(ImportRejected), pg_runtime.transaction() as s:
        imports.import_file(
            s, pg_runtime.journal, csv_bytes("targets", [*fresh, fresh[0]]), kind="targets",
            fmt="csv", actor=BUREAU, on=TODAY, batch_rows=100,
        )
    with pg_runtime.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Target)) == 250


def test_a_target_import_copies_each_batch_while_the_next_is_parsed(
    pg_runtime: Any, monkeypatch: Any
) -> None:
    """On PostgreSQL each batch's new rows are copied on a worker thread (the server's COPY
    overlaps parsing the next batch); the import still sees every earlier batch's rows (a repeat
    two batches later is found) and stores them all."""
    import threading

    import sqlalchemy as sa

    from drawsvc.db import copy as db_copy
    from drawsvc.registries.models import Target

    threads: list[str] = []
    real = db_copy.copy_into

    def recording(*args: Any) -> None:
        threads.append(threading.current_thread().name)
        real(*args)

    monkeypatch.setattr(db_copy, "copy_into", recording)
    targets = list(generate_targets(350, seed=6))
    with pg_runtime.transaction() as s:
        report = imports.import_file(
            s, pg_runtime.journal, csv_bytes("targets", targets), kind="targets", fmt="csv",
            actor=BUREAU, on=TODAY, batch_rows=100,
        )
        assert report.created == 350
        assert s.scalar(sa.select(sa.func.count()).select_from(Target)) == 350
    assert len(threads) == 4 and all(name.startswith("copy") for name in threads)
    with pytest.raises(ImportRejected) as exc, pg_runtime.transaction() as s:
        fresh = list(generate_targets(700, seed=6))[350:]
        imports.import_file(
            s, pg_runtime.journal, csv_bytes("targets", [*fresh[:250], fresh[10]]), kind="targets",
            fmt="csv", actor=BUREAU, on=TODAY, batch_rows=100,
        )
    assert [(e.row, e.rule) for e in exc.value.rows] == [(252, "RG-12")]
    with pg_runtime.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Target)) == 350


def test_a_background_copy_reports_its_own_error_or_yields_to_the_callers(pg_runtime: Any) -> None:
    """``settle`` raises the copy's error (here the unique key: another import got there first);
    when the caller fails while a copy is in flight, the caller's error is the one raised and the
    connection is free for the rollback."""
    import psycopg
    import sqlalchemy as sa

    from drawsvc.db.copy import background_copies

    with pg_runtime.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE copied (k text PRIMARY KEY)"))
    with pg_runtime.engine.connect() as conn:
        with pytest.raises(psycopg.errors.UniqueViolation), conn.begin(), background_copies() as copies:
            copies.start(conn, "copied", ["k"], [("a",), ("a",)])
            copies.settle()
        with pytest.raises(KeyError), conn.begin(), background_copies() as copies:
            copies.start(conn, "copied", ["k"], [("b",), ("b",)])
            raise KeyError("the caller's own error")
        with conn.begin(), background_copies() as copies:
            copies.start(conn, "copied", ["k"], [(str(i),) for i in range(1000)])
        assert conn.scalar(sa.text("SELECT count(*) FROM copied")) == 1000


def test_look_ups_by_key_are_one_array_statement_on_postgres(pg_runtime: Any) -> None:
    """By-key look-ups send one ``= ANY(array)`` on PostgreSQL, whatever the number of keys (an
    ``IN`` list of 500 prepared by psycopg kept a plan made for the empty table: a sequential
    scan per batch, quadratic over an import), and find exactly the rows there are."""
    import sqlalchemy as sa

    rt = pg_runtime
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal)
        service.upsert_department(s, rt.journal, code="SCJG", name="市场监督管理局", actor=BUREAU)
    inspectors = list(generate_inspectors(1200, seed=3, on=TODAY))
    with rt.transaction() as s:
        imports.import_file(s, rt.journal, csv_bytes("inspectors", inspectors), kind="inspectors", fmt="csv",
                            actor=BUREAU, on=TODAY, department="SCJG")
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with rt.transaction() as s:
        codes = [i.code for i in repository.list_inspectors(s)]
        assert len(codes) == 1200
        sa.event.listen(rt.engine, "before_cursor_execute", count)
        try:
            found = repository.inspectors_by_code(s, [*codes, "SCJG-NOSUCH"])
            none = repository.inspectors_by_code(s, [])
        finally:
            sa.event.remove(rt.engine, "before_cursor_execute", count)
    assert sorted(found) == sorted(codes) and none == {}
    assert len(statements) == 1 and "= ANY (" in statements[0]
