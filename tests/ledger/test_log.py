"""ledger.log.Log on SQLite: proofs from the stored log verify, tampering fails, batches are atomic."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import log as log_module
from ledger import store, tree
from ledger.checkpoint import verify_checkpoint
from ledger.errors import (
    EntryNotFound,
    EntryRejected,
    LedgerError,
    MalformedError,
    ProofRangeError,
    VerificationError,
)
from ledger.hashing import EMPTY_ROOT, leaf_hash, root_from_leaf_hashes
from ledger.verify import verify_consistency, verify_inclusion

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support

BATCHES = (1, 1, 3, 250, 1, 256, 300, 17, 512, 2)


def check_whole_log(engine: sa.Engine, log: log_module.Log, entries: list[bytes]) -> None:
    """Everything stored agrees with a recomputation from the entries alone."""
    leaves = [leaf_hash(e) for e in entries]
    with engine.connect() as conn:
        assert log.size(conn) == len(entries)
        assert log.root(conn) == root_from_leaf_hashes(leaves)
        if entries:
            assert log.entries(conn, 0, len(entries)) == entries
        cp = verify_checkpoint(log.checkpoint(conn), support.signer().verifier(), origin=support.ORIGIN)
        assert (cp.size, cp.root) == (len(entries), root_from_leaf_hashes(leaves))
        rows = conn.execute(sa.select(store.tiles_table)).all()
    for row in rows:
        if row.level == 0:
            assert bytes(row.hashes) == b"".join(
                leaves[row.idx * 256 : row.idx * 256 + len(row.hashes) // 32]
            )
    assert {(r.level, r.idx) for r in rows if len(r.hashes) < 8192} == {
        (lvl, idx) for lvl, idx, _ in tree.edge_tiles(len(entries))
    }


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory):
    engine = support.sqlite_engine(tmp_path_factory.mktemp("log") / "log.db")
    log = support.make_log()
    entries = support.random_entries(sum(BATCHES), seed=7)
    pos = 0
    for b in BATCHES:
        with engine.begin() as conn:
            res = log.append_encoded(conn, entries[pos : pos + b])
        assert (res.first_index, res.size) == (pos, pos + b)
        pos += b
    check_whole_log(engine, log, entries)
    roots = [root_from_leaf_hashes([leaf_hash(e) for e in entries[:n]]) for n in range(len(entries) + 1)]
    yield engine, log, entries, roots
    engine.dispose()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_every_stored_proof_verifies_and_any_flipped_byte_fails(stored, data: st.DataObject) -> None:
    engine, log, entries, roots = stored
    n = data.draw(st.integers(1, len(entries)), label="n")
    m = data.draw(st.integers(1, n), label="m")
    index = data.draw(st.integers(0, n - 1), label="index")
    with engine.connect() as conn:
        assert log.root(conn, n) == roots[n]
        incl = log.inclusion_proof(conn, index, n)
        cons = log.consistency_proof(conn, m, n)
    leaf = leaf_hash(entries[index])
    verify_inclusion(index, n, leaf, incl, roots[n])
    verify_consistency(m, n, cons, roots[m], roots[n])

    byte, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    with pytest.raises(VerificationError):
        verify_inclusion(index, n, leaf, incl, support.flip(roots[n], byte, bit))
    entry = entries[index]
    if entry:
        eb = data.draw(st.integers(0, len(entry) - 1))
        with pytest.raises(VerificationError):
            verify_inclusion(index, n, leaf_hash(support.flip(entry, eb, bit)), incl, roots[n])
    if incl:
        i = data.draw(st.integers(0, len(incl) - 1))
        with pytest.raises(VerificationError):
            verify_inclusion(
                index, n, leaf, [*incl[:i], support.flip(incl[i], byte, bit), *incl[i + 1 :]], roots[n]
            )
    with pytest.raises(VerificationError):
        verify_consistency(m, n, cons, support.flip(roots[m], byte, bit), roots[n])
    with pytest.raises(VerificationError):
        verify_consistency(m, n, cons, roots[m], support.flip(roots[n], byte, bit))
    if cons:
        i = data.draw(st.integers(0, len(cons) - 1))
        with pytest.raises(VerificationError):
            verify_consistency(
                m, n, [*cons[:i], support.flip(cons[i], byte, bit), *cons[i + 1 :]], roots[m], roots[n]
            )


def test_lookups(stored) -> None:
    engine, log, entries, _ = stored
    with engine.connect() as conn:
        assert log.entry(conn, 300) == entries[300]
        assert log.entries(conn, 255, 258) == entries[255:258]
        assert log.entries(conn, 5, 5) == []
        first = entries.index(entries[777])
        assert log.index_of_leaf(conn, leaf_hash(entries[777])) == first
        with pytest.raises(EntryNotFound):
            log.index_of_leaf(conn, leaf_hash(b"never appended"))
        with pytest.raises(MalformedError):
            log.index_of_leaf(conn, b"short")
        with pytest.raises(EntryNotFound):
            log.entry(conn, len(entries))
        with pytest.raises(ProofRangeError):
            log.entries(conn, 10, len(entries) + 1)


def test_proof_requests_beyond_the_tree_are_range_errors(stored) -> None:
    engine, log, entries, _ = stored
    n = len(entries)
    with engine.connect() as conn:
        for call in (
            lambda: log.inclusion_proof(conn, 0, n + 1),
            lambda: log.inclusion_proof(conn, n, n),
            lambda: log.inclusion_proof(conn, 5, 5),
            lambda: log.inclusion_proof(conn, -1, 5),
            lambda: log.consistency_proof(conn, 3, n + 1),
            lambda: log.consistency_proof(conn, 6, 5),
            lambda: log.consistency_proof(conn, 0, 5),
            lambda: log.root(conn, n + 1),
            lambda: log.root(conn, -1),
        ):
            with pytest.raises(ProofRangeError):
                call()


@pytest.fixture
def fresh(tmp_path: Path):
    engine = support.sqlite_engine(tmp_path / "log.db")
    yield engine, support.make_log()
    engine.dispose()


def test_empty_log(fresh) -> None:
    engine, log = fresh
    with engine.connect() as conn:
        assert log.size(conn) == 0
        assert log.root(conn) == EMPTY_ROOT
        cp = verify_checkpoint(log.checkpoint(conn), support.signer().verifier(), origin=support.ORIGIN)
        assert (cp.size, cp.root) == (0, EMPTY_ROOT)


def test_append_json_entries_canonicalizes_and_signs(fresh) -> None:
    engine, log = fresh
    with engine.begin() as conn:
        res = log.append(conn, [{"b": 1, "a": "x"}, {"kind": "k"}])
    assert res.first_index == 0 and res.size == 2
    cp = verify_checkpoint(res.checkpoint, support.signer().verifier(), origin=support.ORIGIN)
    assert (cp.size, cp.root) == (2, res.root)
    with engine.connect() as conn:
        assert log.entry(conn, 0) == b'{"a":"x","b":1}'
        assert log.checkpoint(conn) == res.checkpoint
    with pytest.raises(VerificationError):  # signed by us for our origin only
        verify_checkpoint(res.checkpoint, support.signer().verifier(), origin="other.example/log")


def test_a_malformed_entry_refuses_the_whole_batch(fresh) -> None:
    engine, log = fresh
    with engine.begin() as conn:
        log.append(conn, [{"n": 1}])
    for bad in (
        [{"n": 2}, {"x": float("nan")}],
        [{"n": 2}, {"x": 2**60}],
        [{"n": 2}, ["not", "an", "object"]],
        [{"n": 2}, {"big": "x" * 70_000}],
    ):
        with pytest.raises(EntryRejected), engine.begin() as conn:
            log.append(conn, bad)
    with pytest.raises(EntryRejected), engine.begin() as conn:
        log.append_encoded(conn, [b"ok", b"x" * 65_536])
    with pytest.raises(EntryRejected), engine.begin() as conn:
        log.append_encoded(conn, [b"ok", "text"])  # type: ignore[list-item]
    with engine.connect() as conn:
        assert log.size(conn) == 1
        assert store.read_bundles(conn, 0, 0) == {0: b'\x00\x07{"n":1}'}
        # The leaf index is written per completed generation (8,192 entries): none yet; the
        # one stored entry is found in the level-0 tile, the refused ones nowhere.
        assert conn.execute(sa.select(sa.func.count()).select_from(store.leaf_index_table)).scalar() == 0
        assert log.index_of_leaf(conn, leaf_hash(b'{"n":1}')) == 0
        for refused in (b'{"n":2}', b"ok"):
            with pytest.raises(EntryNotFound):
                log.index_of_leaf(conn, leaf_hash(refused))


def test_small_max_entry_size_is_enforced(tmp_path: Path) -> None:
    engine = support.sqlite_engine(tmp_path / "s.db")
    log = log_module.Log(origin=support.ORIGIN, signer=support.signer(), max_entry_size=10)
    with pytest.raises(EntryRejected), engine.begin() as conn:
        log.append_encoded(conn, [b"x" * 11])
    with engine.begin() as conn:
        log.append_encoded(conn, [b"x" * 10])


class Boom(Exception):
    pass


def test_crash_after_append_inside_the_transaction_leaves_previous_tree(fresh) -> None:
    engine, log = fresh
    entries = support.random_entries(300, seed=3)
    with engine.begin() as conn:
        log.append_encoded(conn, entries[:260])
    with pytest.raises(Boom), engine.begin() as conn:
        log.append_encoded(conn, entries[260:])
        raise Boom
    check_whole_log(engine, log, entries[:260])
    with engine.begin() as conn:
        log.append_encoded(conn, entries[260:])
    check_whole_log(engine, log, entries)


@pytest.mark.parametrize("fault", ["fail_signing", "fail_after_entries_insert", "fail_state_update"])
def test_fault_mid_batch_leaves_previous_tree(fresh, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    engine, log = fresh
    entries = support.random_entries(600, seed=4)
    with engine.begin() as conn:
        log.append_encoded(conn, entries[:255])
    check_whole_log(engine, log, entries[:255])

    if fault == "fail_signing":

        def sign(*a, **k):
            raise Boom

        monkeypatch.setattr(log_module.checkpoints, "sign_checkpoint", sign)
    else:  # the tile INSERT (after the entry bundles), or the final state UPDATE
        failing = {"fail_after_entries_insert": "INSERT INTO ledger_tiles"}.get(fault, "UPDATE ledger_state")
        # The append's writes go through ``store._driver`` (the DB-API cursor), its reads
        # through ``exec_driver_sql``: both are wrapped, so the statement fails either way.
        real, real_driver = sa.Connection.exec_driver_sql, store._driver
        calls = []

        def exec_driver_sql(self, sql, *a, **k):
            if sql.startswith(failing):
                calls.append(sql)
                raise Boom
            return real(self, sql, *a, **k)

        def driver(conn, sql, *a, **k):
            if sql.startswith(failing):
                calls.append(sql)
                raise Boom
            return real_driver(conn, sql, *a, **k)

        monkeypatch.setattr(sa.Connection, "exec_driver_sql", exec_driver_sql)
        monkeypatch.setattr(store, "_driver", driver)
    with pytest.raises(Boom), engine.begin() as conn:
        log.append_encoded(conn, entries[255:600])
    if fault != "fail_signing":
        assert calls, "the failing statement was never reached"
    monkeypatch.undo()
    check_whole_log(engine, log, entries[:255])
    with engine.begin() as conn:
        log.append_encoded(conn, entries[255:])
    check_whole_log(engine, log, entries)


def test_append_needs_a_transaction(fresh) -> None:
    engine, log = fresh
    with engine.connect() as conn:
        conn.commit()  # autobegin ends; a plain statement-level connection
        with pytest.raises(LedgerError):
            log.append_encoded(conn, [b"x"])


def _exercise_lookups_and_proofs(engine: sa.Engine) -> None:
    """Batches that split leaf-index generations (8,192 entries) and bundles; a duplicate entry."""
    log = support.make_log()
    entries = support.random_entries(20_000, seed=11)
    entries[15_000] = entries[3]  # the same entry twice: the lowest index wins
    pos = 0
    for b in (5000, 1, 4000, 255, 10_744):
        with engine.begin() as conn:
            log.append_encoded(conn, entries[pos : pos + b])
        pos += b
    assert pos == len(entries)
    leaves = [leaf_hash(e) for e in entries]
    with engine.connect() as conn:
        assert log.index_of_leaf(conn, leaves[3]) == 3
        for i in (0, 4999, 5000, 8191, 8192, 9000, 9255, 16_383, 16_384, 19_999):
            assert log.index_of_leaf(conn, leaves[i]) == i
            assert log.entry(conn, i) == entries[i]
        with pytest.raises(EntryNotFound):
            log.index_of_leaf(conn, leaf_hash(b"absent"))
        assert log.entries(conn, 8190, 8450) == entries[8190:8450]
        root = log.root(conn)
        assert root == root_from_leaf_hashes(leaves)
        verify_inclusion(12_345, 20_000, leaves[12_345], log.inclusion_proof(conn, 12_345, 20_000), root)
        r1 = log.root(conn, 9001)
        verify_consistency(9001, 20_000, log.consistency_proof(conn, 9001, 20_000), r1, root)


def test_index_of_leaf_across_generations(tmp_path: Path) -> None:
    engine = support.sqlite_engine(tmp_path / "gen.db")
    _exercise_lookups_and_proofs(engine)
    engine.dispose()


@pytest.mark.postgres
def test_log_on_postgres(pg_url: str) -> None:
    from ledger.database import create_engine

    engine = create_engine(pg_url)
    store.create_tables(engine)
    _exercise_lookups_and_proofs(engine)
    engine.dispose()


@pytest.mark.postgres
def test_large_values_are_stored_with_lz4_on_postgres(pg_url: str) -> None:
    """Entry bundles and edge entries (canonical JSON, compressible) go through TOAST with LZ4,
    not pglz (≈ 4× the server CPU for the same size), when the server offers it; they read back
    the same."""
    import json

    from ledger.database import create_engine

    engine = create_engine(pg_url)
    store.create_tables(engine)
    with engine.connect() as conn:
        if not conn.scalar(sa.text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )):
            pytest.skip("this PostgreSQL was built without LZ4")
        assert conn.scalar(sa.text("SHOW default_toast_compression")) == "lz4"
    log = support.make_log()
    records = [["杭州样例商贸有限公司", n] for n in range(600)]
    entries = [json.dumps({"i": i, "records": records}).encode() for i in range(300)]
    with engine.begin() as conn:
        log.append_encoded(conn, entries)
    with engine.connect() as conn:
        methods = {
            table: {m for (m,) in conn.execute(sa.text(f"SELECT pg_column_compression(data) FROM {table}"))}
            for table in ("ledger_bundles", "ledger_edge_entries")
        }
        assert methods == {"ledger_bundles": {"lz4"}, "ledger_edge_entries": {"lz4"}}
        assert log.entries(conn, 0, 300) == entries
    engine.dispose()


def test_an_empty_batch_re_signs_the_same_tree(fresh) -> None:
    engine, log = fresh
    with engine.begin() as conn:
        empty = log.append_encoded(conn, [])
    assert (empty.first_index, empty.size, empty.root) == (0, 0, EMPTY_ROOT)
    with engine.begin() as conn:
        first = log.append_encoded(conn, [b"a", b"b", b"c"])
        again = log.append_encoded(conn, [])
    assert (again.first_index, again.size, again.root) == (3, 3, first.root)
    cp = verify_checkpoint(again.checkpoint, support.signer().verifier(), origin=support.ORIGIN)
    assert (cp.size, cp.root) == (3, first.root)
    check_whole_log(engine, log, [b"a", b"b", b"c"])
