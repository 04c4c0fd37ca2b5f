"""A commitment's entries (pool chunks, avoidance tags, ``draw.commit``) go to the log as one
batch (``Journal.batch``): one writer-lock turn and one checkpoint, at the indices handed out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tasks_support import actor, ops, seed_registries

from drawsvc.errors import InvalidInput
from drawsvc.tasks import service
from ledger.errors import StorageError
from ledger.log import Log


def _task(rt: Any) -> str:
    with rt.transaction() as s:
        seed_registries(s, targets=30, inspectors_per_dept=4)
        code = service.create_task(s, rt.journal, title="抽查", year=2026, organiser="SCJG",
                                   params={"targets": {"ratio_bp": 5000}, "teams": {"size": 2}},
                                   actor=actor()).code
        for pool in ("targets", "inspectors"):
            service.build_pool(s, rt.journal, task=code, pool=pool, filters={}, actor=actor())
        return code


def _entries(rt: Any, start: int) -> list[dict[str, Any]]:
    with rt.engine.connect() as conn:
        return [json.loads(e) for e in rt.log.entries(conn, start, rt.log.size(conn))]


@pytest.mark.parametrize("db", ["runtime", pytest.param("pg_runtime", marks=pytest.mark.postgres)])
def test_commit_is_one_append_whose_entries_sit_where_the_commitment_cites_them(
    db: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = request.getfixturevalue(db)
    code = _task(rt)
    with rt.engine.connect() as conn:
        start = rt.log.size(conn)
    appends: list[int] = []
    original = Log.append

    def counting(self: Log, conn: Any, entries: Any) -> Any:
        appends.append(len(entries))
        return original(self, conn, entries)

    monkeypatch.setattr(Log, "append", counting)
    with rt.transaction() as s:
        c = service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor())
    logged = _entries(rt, start)
    assert appends == [len(logged)]
    assert [e["kind"] for e in logged] == ["draw.pool.members", "draw.pool.members", "draw.avoidance",
                                           "draw.commit"]
    assert c.log_index == start + 3 and logged[3]["body"]["task"] == code
    pools = logged[3]["body"]["pools"]
    for name in ("targets", "inspectors"):
        first, n = pools[name]["entries"]
        assert [(e["kind"], e["body"]["pool"]) for e in logged[first - start:first - start + n]] == \
            [("draw.pool.members", name)] * n
    first, n = logged[3]["body"]["avoidance"]["entries"]
    assert [e["kind"] for e in logged[first - start:first - start + n]] == ["draw.avoidance"] * n


def test_a_batch_refuses_to_append_when_something_appended_after_it_handed_out_indices(runtime: Any) -> None:
    with pytest.raises(StorageError, match="not at the"), runtime.transaction() as s:
        batch = runtime.journal.batch(s)
        assert batch.record("test.one", {"n": 1}, actor=actor()) == runtime.log.size(s.connection())
        runtime.journal.record(s, "test.bypass", {"n": 2}, actor=actor())  # not through the batch
        batch.append()
    with runtime.engine.connect() as conn:
        assert runtime.log.size(conn) == 0  # rolled back: nothing at indices other than handed out


def test_nothing_recorded_in_a_batch_is_logged_before_append(runtime: Any) -> None:
    with runtime.transaction() as s:
        batch = runtime.journal.batch(s)
        assert batch.record_many("test.many", [{"n": 1}, {"n": 2}], actor=actor()) == 0
        assert batch.record("test.one", {"n": 3}, actor=actor()) == 2
        assert runtime.log.size(s.connection()) == 0
        result = batch.append()
        assert result is not None and (result.first_index, result.size) == (0, 3)
    assert [e["body"]["n"] for e in _entries(runtime, 0)] == [1, 2, 3]


def test_the_first_draw_reads_its_commitment_and_what_it_cites_in_one_read(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks_support import reveal

    from drawsvc.tasks import replay

    code = _task(runtime)
    with runtime.transaction() as s:
        c = service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    replay.forget_frozen()  # as in another worker: the draw reads both pools from the log
    reads: list[tuple[int, int]] = []
    original = Log.entries

    def counting(self: Log, conn: Any, start: int, stop: int) -> Any:
        reads.append((start, stop))
        return original(self, conn, start, stop)

    monkeypatch.setattr(Log, "entries", counting)
    with runtime.transaction() as s:
        draw = service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    first = min(ref["entries"][0] for ref in c.pools["pools"].values())
    assert reads == [(first, c.log_index + 1)]  # the pools' chunks, the tags and the commitment
    assert len(replay.teams_of(draw.result)) == len(replay.drawn_targets(draw.result)) > 0


def test_a_draw_in_another_process_takes_both_logged_pools_under_their_roots_unhashed(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service's own draw (``own_log``) re-hashes neither the targets nor the inspectors
    pool it reads back from the log (50,000 inspectors ≈ 0.5 s); the verifier, which never
    takes that path, rebuilds both roots from the logged rows and accepts the draw."""
    from tasks_support import reveal

    from drawsvc.draw import pool as dpool
    from drawsvc.tasks import replay
    from drawsvc.tasks.logread import reader_for
    from drawsvc.tasks.verify import verify_draw

    code = _task(runtime)
    with runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    replay.forget_frozen()  # as in another worker
    with monkeypatch.context() as m:
        m.setattr(dpool, "_target_root", lambda cols: pytest.fail("the draw re-hashed the targets"))
        m.setattr(dpool, "_inspector_leaves", lambda *a: pytest.fail("the draw re-hashed the inspectors"))
        with runtime.transaction() as s:
            draw = service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
            index, seed = draw.log_index, draw.result["inspection"]["seed"]
    assert len(replay.teams_of(draw.result)) > 0
    replay.forget_frozen()
    hashed: list[int] = []
    original = dpool._inspector_leaves
    monkeypatch.setattr(dpool, "_inspector_leaves", lambda *a: hashed.append(1) or original(*a))
    with runtime.engine.connect() as conn:
        verified = verify_draw(reader_for(runtime.log, conn), index, size=runtime.log.size(conn), later=[])
    assert verified.seed == seed and hashed  # the verifier hashed the logged inspectors itself


def test_only_the_services_own_draw_takes_logged_inspectors_under_the_committed_root() -> None:
    from drawsvc.tasks import replay

    rows = [[f"I{k:03d}", "SCJG", k == 0, []] for k in range(5)]
    true_root = replay.freeze("inspectors", rows).root
    committed = {"root": "00" * 32, "size": len(rows)}
    taken = replay.frozen_for("inspectors", rows, committed, trust_cache=True, own_log=True)
    assert taken.root == bytes(32) and [r.id for r in taken.records] == [r[0] for r in rows]
    assert replay.frozen_for("inspectors", rows, committed, trust_cache=True).root == true_root  # verifiers
    short = replay.frozen_for("inspectors", rows[:-1], committed, trust_cache=True, own_log=True)
    assert short.root != bytes(32)
    with pytest.raises(InvalidInput, match="strict id order"):  # still ordered
        replay.frozen_for("inspectors", rows[::-1], committed, trust_cache=True, own_log=True)


def test_prefetching_serves_its_range_from_one_read_and_passes_others_through() -> None:
    from drawsvc.tasks.logread import prefetching

    calls: list[tuple[int, int]] = []

    def read(a: int, b: int) -> list[dict[str, Any]]:
        calls.append((a, b))
        return [{"i": i} for i in range(a, b)]

    r = prefetching(read, 10, 14)
    assert r(11, 13) == [{"i": 11}, {"i": 12}] and r(10, 14)[0] == {"i": 10} and r(13, 13) == []
    assert calls == [(10, 14)]
    assert r(9, 11) == [{"i": 9}, {"i": 10}] and calls[-1] == (9, 11)


def test_queued_entries_take_their_indices_from_the_size_read_under_the_lock(runtime: Any) -> None:
    with runtime.transaction() as s:
        runtime.journal.record(s, "test.before", {"n": 0}, actor=actor())
    with runtime.transaction() as s:
        batch = runtime.journal.batch(s)
        assert batch.queue_many("test.queued", [{"n": 1}, {"n": 2}], actor=actor()) == 0
        assert batch.start is None  # nothing locked or read yet
        assert batch.first_index() == 1
        assert batch.record("test.cites", {"n": 3}, actor=actor()) == 3
        batch.append()
    assert [(e["kind"], e["body"]["n"]) for e in _entries(runtime, 0)] == [
        ("test.before", 0), ("test.queued", 1), ("test.queued", 2), ("test.cites", 3)]
