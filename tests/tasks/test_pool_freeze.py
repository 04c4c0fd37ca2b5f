"""Freezing a targets pool at commit: column reads, column-encoded chunks, drawn inspections.

The service reads and logs a million-target pool as columns (``TargetColumns``); these tests pin
that path to the record path it replaced (same chunks, same rows in the database).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import sqlalchemy as sa
from tasks_support import actor, ops, reveal, seed_registries, task_with_targets_pool

from drawsvc.draw.pool import USCC_ALPHABET, TargetColumns
from drawsvc.tasks import replay, service
from drawsvc.tasks.models import Inspection


def _columns(n: int, seed: int) -> TargetColumns:
    rnd = random.Random(seed)
    ids = sorted({"91" + "".join(rnd.choices(USCC_ALPHABET, k=16)) for _ in range(n)})
    strata = [("A" if k < len(ids) // 2 else "小型") if seed % 2 else "" for k in range(len(ids))]
    checks = [rnd.choice([0, 0, 0, 1, 3]) for _ in ids]
    risk = [rnd.random() < 0.1 for _ in ids]
    return TargetColumns(ids, strata, checks, risk)


@pytest.mark.parametrize(("n", "budget"), [(7_000, 56 * 1024), (500, 2_000), (1, 10), (0, 100)])
@pytest.mark.parametrize("seed", [1, 2])
def test_column_chunks_equal_the_record_chunks_and_decode_to_the_pool(n: int, budget: int, seed: int) -> None:
    cols = _columns(n, seed)
    records = cols.records()
    chunks = replay.target_column_chunks(cols, budget)
    assert chunks == replay.target_chunks(records, budget)
    assert [r for c in chunks for r in replay.decode_target_chunk(c)] == records
    if n > 1:
        assert all(len(replay.encoded(c)) <= budget for c in chunks if len(c["ids"]) > 18)


def _task(rt: Any, targets: int = 40) -> str:
    with rt.transaction() as s:
        return task_with_targets_pool(rt, s, targets)


@pytest.mark.parametrize("db", ["runtime", pytest.param("pg_runtime", marks=pytest.mark.postgres)])
def test_members_leave_out_removals_and_edits_are_counted(db: str, request: pytest.FixtureRequest) -> None:
    runtime = request.getfixturevalue(db)
    code = _task(runtime)
    with runtime.transaction() as s:
        ids = service.repo.pool_member_ids(s, code, "targets")
        assert ids == sorted(ids) and len(ids) == 40
        for member in ids[:3]:
            service.remove_pool_member(
                s, runtime.journal, task=code, pool="targets", member=member, reason="停业", actor=actor()
            )
        service.add_pool_member(
            s, runtime.journal, task=code, pool="targets", member=ids[1], reason="复查", actor=actor()
        )
        now = service.repo.pool_member_ids(s, code, "targets")
        assert now == sorted([ids[1], *ids[3:]])
        edits = service.repo.pool_edits(s, code)  # ids[1] was restored: not an edit
        assert sorted((e.member, e.removed) for e in edits) == [(ids[0], True), (ids[2], True)]
        assert service.repo.manual_counts(s, code) == {"targets": {"added": 0, "removed": 2}}
        assert service.repo.pool_member_ids(s, code, "inspectors") == []


@pytest.mark.parametrize("db", ["runtime", pytest.param("pg_runtime", marks=pytest.mark.postgres)])
def test_drawn_inspections_read_back_as_orm_rows(db: str, request: pytest.FixtureRequest) -> None:
    runtime = request.getfixturevalue(db)
    code = _task(runtime)
    with runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    with runtime.transaction() as s:
        draw = service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
        drawn = replay.summary(draw.result)["targets"]
        task = service.get_task(s, code)
        q = sa.select(Inspection).where(Inspection.task_code == code).order_by(Inspection.id)
        rows = list(s.scalars(q))
        assert [r.target_uscc for r in rows] == sorted(drawn) and len(drawn) == 10  # in USCC order
        on = runtime.journal.clock().date()
        day = on if task.period_start <= on <= task.period_end else task.period_start
        for r in rows:
            assert (r.year, r.on, r.kind, r.department, r.round) == (2026, day, "random", "SCJG", 1)
            assert (r.check_items, r.reason, r.superseded) == (task.check_items, None, False)
            assert r.log_index == draw.log_index
        assert service.repo.inspections_per_target(s, 2026) == dict.fromkeys(drawn, 1)


def test_decoding_slices_18_characters_even_across_a_line_break() -> None:
    ids = "A" * 18 + "B\n" + "B" * 16 + "C" * 18
    body = {"ids": ids, "strata": [["x", 3]], "checks": [[1, 2]], "risk": [2]}
    rows = replay.decode_target_chunk(body)
    assert [r.id for r in rows] == ["A" * 18, "B\n" + "B" * 16, "C" * 18]
    assert [(r.checks, r.risk) for r in rows] == [(0, False), (2, False), (0, True)]


@pytest.mark.parametrize("seed", [1, 2])
def test_column_decoding_equals_the_record_decoding(seed: int) -> None:
    cols = _columns(3_000, seed)
    for chunk in replay.target_column_chunks(cols, 20_000):
        decoded = replay.decode_target_columns(chunk)
        assert decoded.records() == replay.decode_target_chunk(chunk)
        assert all(type(c) is list for c in decoded)


@pytest.mark.parametrize(
    "mutation",
    [
        {"ids": "A" * 17},
        {"strata": [["", 0]]},
        {"strata": [["", 2]]},
        {"strata": [["", True]]},
        {"checks": [[1, 0]]},
        {"checks": [[1, 1.0]]},
        {"checks": [[3, 1]]},
        {"risk": [3]},
        {"risk": [True]},
        {"risk": None},
    ],
)
def test_column_decoding_refuses_what_the_record_decoding_refuses(mutation: dict[str, Any]) -> None:
    from drawsvc.errors import InvalidInput

    body = {"ids": "A" * 18 + "B" * 18 + "C" * 18, "strata": [["", 3]], "checks": [], "risk": [], **mutation}
    with pytest.raises(InvalidInput):
        replay.decode_target_chunk(body)
    with pytest.raises(InvalidInput):
        replay.decode_target_columns(body)


def test_a_draw_in_a_fresh_process_reads_the_pool_back_without_rehashing_it(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with two API workers or a restart between commit and draw: nothing frozen by the commit
    is in memory; the draw takes the pool from the log under the committed root (no page built)
    and logs the result the verifier recomputes from the log alone."""
    from drawsvc.draw import pool as dpool
    from drawsvc.tasks.logread import reader_for
    from drawsvc.tasks.verify import verify_draw

    code = _task(runtime, targets=60)
    with runtime.transaction() as s:
        c = service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
        assert not replay.cached_pools(c.pools["pools"])  # the commit keeps no frozen targets pool
    replay.forget_frozen()
    with monkeypatch.context() as m:
        m.setattr(dpool, "_target_root", lambda cols: pytest.fail("the draw re-hashed the pool"))
        with runtime.transaction() as s:
            draw = service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
            result, index = draw.result, draw.log_index
    assert len(replay.drawn_targets(result)) == 15
    with runtime.engine.connect() as conn:
        verified = verify_draw(reader_for(runtime.log, conn), index, size=runtime.log.size(conn), later=[])
    assert verified.seed == result["inspection"]["seed"]


def test_a_logged_pool_of_another_size_than_committed_is_frozen_again() -> None:
    """Columns whose size is not the committed one are never taken under the committed root,
    nor are columns given by anything but the service's own draw (``own_log``)."""
    cols = _columns(50, 1)
    frozen = replay.freeze("targets", cols)
    committed = {"root": "00" * 32, "size": len(cols.ids)}
    taken = replay.frozen_for("targets", cols, committed, trust_cache=True, own_log=True)
    assert taken.root == bytes(32) and taken.records == frozen.records  # the committed root, unchecked
    short = cols._replace(**{k: v[:-1] for k, v in cols._asdict().items()})
    again = replay.frozen_for("targets", short, committed, trust_cache=True, own_log=True)
    assert again.root == replay.freeze("targets", short).root != bytes(32)
    assert replay.frozen_for("targets", cols, committed, trust_cache=False).root == frozen.root
    assert replay.frozen_for("targets", cols, committed, trust_cache=True).root == frozen.root  # a verifier


@pytest.mark.parametrize("odd", [False, True])
@pytest.mark.parametrize("db", ["runtime", pytest.param("pg_runtime", marks=pytest.mark.postgres)])
def test_inspections_inserted_in_bulk_are_the_rows_a_core_insert_writes(
    db: str, odd: bool, request: pytest.FixtureRequest
) -> None:
    """A draw's inspections go in by one ``INSERT … SELECT`` over the targets as one array
    (``unnest`` on PostgreSQL, ``json_each`` on SQLite): the stored values, JSON text included,
    must be those of the Core insert (SQLAlchemy's own conversions) they replace, and the rows
    go in in USCC order. ``odd``: codes an array literal would need quoted go in unchanged."""
    import random
    from datetime import date

    runtime = request.getfixturevalue(db)
    code = _task(runtime)
    values = {
        "year": 2026, "on": date(2026, 3, 2), "kind": "random", "department": "SCJG", "task_code": code,
        "round": 1, "check_items": [{"code": "SC-1", "name": "食品\"经营\"\\n"}], "reason": None,
        "superseded": False, "log_index": 7,
    }
    ids = sorted(f"91330100MA{k:06d}{'ABCDEFGH'[k % 8]}{k % 10}" for k in range(0, 3_000, 7))
    if odd:
        ids = sorted([*ids[:-5], 'a,b', 'x"y', "{z}", "p q", "b\\s"])
    shuffled = random.Random(3).sample(ids, len(ids))  # draw order
    table = Inspection.__table__
    columns = [c for c in table.columns if c.name != "id"]
    with runtime.transaction() as s:
        service.repo.insert_inspections(s, shuffled, values)
        s.execute(sa.insert(Inspection), [{"target_uscc": u, **values, "round": 2} for u in ids])
        text = sa.cast(table.c.check_items, sa.Text)
        rows = s.execute(sa.select(*columns, text).order_by(table.c.id)).all()
    bulk, inserted = rows[: len(ids)], rows[len(ids) :]
    assert [r.target_uscc for r in bulk] == ids  # in USCC order
    assert [r[:6] + r[7:] for r in bulk] == [r[:6] + r[7:] for r in inserted]  # all but round
    assert {r.round for r in bulk} == {1}


@pytest.mark.parametrize("db", ["runtime", pytest.param("pg_runtime", marks=pytest.mark.postgres)])
def test_inspector_attributes_by_scan_equal_those_by_in_list(
    db: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool of more than one ``IN`` list is read by one scan of the inspectors: same answer,
    and the answer of the ORM's own JSON loading (specialties sorted; none, empty, non-ASCII)."""
    from drawsvc.registries import models as reg

    runtime = request.getfixturevalue(db)
    with runtime.transaction() as s:
        seed_registries(s, targets=5, departments=("SCJG", "JTJ"), inspectors_per_dept=6)
        people = s.scalars(sa.select(reg.Inspector).order_by(reg.Inspector.code)).all()
        for person, sp in zip(people, [["食品安全", "价格", "a\"b"], [], None, ["特种设备"]], strict=False):
            person.specialties = sp
        s.flush()
        expected = {p.code: (p.department_code, p.leader_eligible, sorted(p.specialties or []))
                    for p in people}
        codes = sorted(expected)[:-2]  # not every inspector
        by_list = service.repo.inspector_attributes(s, codes)
        monkeypatch.setattr(service.repo, "IN_LIST", 3)
        by_scan = service.repo.inspector_attributes(s, codes)
    assert by_scan == by_list == {c: expected[c] for c in codes}
    assert {d for d, _, _ in by_list.values()} == {"SCJG", "JTJ"}
    assert [by_list[c][2] for c in codes[:4]] == [['a"b', "价格", "食品安全"], [], [], ["特种设备"]]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_service_reads_target_ids_back_as_the_chunks_text_equal_to_the_decoded_ids(seed: int) -> None:
    from drawsvc.draw.pool import FixedWidthIds
    from drawsvc.tasks import logread

    cols = _columns(3_000, seed)
    chunks = replay.target_column_chunks(cols, 20_000)
    entries = [{"kind": "draw.pool.members", "body": {"task": "T", "pool": "targets", "chunk": i,
                                                      "chunks": len(chunks), **c}}
               for i, c in enumerate(chunks)]
    read = lambda a, b: entries[a:b]  # noqa: E731
    back = logread.read_target_columns(read, "T", [0, len(chunks)])
    assert isinstance(back.ids, FixedWidthIds) and back.ids.text == "".join(cols.ids)
    assert back == cols and back.records() == cols.records()
    assert logread.read_target_chunks(read, "T", [0, len(chunks)]) == cols.records()


@pytest.mark.parametrize(
    "ids", ["", "91330100MA000000A1" * 3, "abc", 'A"B', "A\\B", "A\nB", "企业", "A B", "Ａ１", "A\x7f"]
)
def test_a_chunks_encoded_size_is_the_length_of_its_json(ids: str) -> None:
    body = {"ids": ids, "strata": [["小型", 3]], "checks": [[1, 2]], "risk": [0]}
    assert replay.encoded_size(body) == len(replay.encoded(body))
