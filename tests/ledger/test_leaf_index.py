"""The leaf-hash index (docs/specs/ledger.md §3): written per completed generation, the
current generation scanned in its level-0 tiles, every indexed candidate confirmed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import store, tiles
from ledger.errors import EntryNotFound
from ledger.hashing import leaf_hash

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support

GEN = store.LEAF_GENERATION


def test_generations_are_indexed_when_complete_and_duplicates_resolve_to_the_lowest(tmp_path: Path) -> None:
    engine = support.sqlite_engine(tmp_path / "li.db")
    log = support.make_log()
    entries = [b"e%d" % i for i in range(2 * GEN + 100)]
    entries[GEN + 5] = entries[7]  # duplicate inside the indexed generations
    entries[2 * GEN + 50] = entries[2 * GEN + 3]  # duplicate inside the unindexed tail
    entries[2 * GEN + 60] = entries[GEN + 9]  # tail duplicate of an indexed one
    with engine.begin() as conn:
        log.append_encoded(conn, entries[: GEN - 1])
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.leaf_index_table)).scalar() == 0
        assert log.index_of_leaf(conn, leaf_hash(entries[GEN - 2])) == GEN - 2
    for lo, hi in ((GEN - 1, GEN), (GEN, 2 * GEN + 100)):
        with engine.begin() as conn:
            log.append_encoded(conn, entries[lo:hi])
    with engine.connect() as conn:
        gens = {g for (g,) in conn.execute(sa.select(store.leaf_index_table.c.generation))}
        assert gens == {0, 1}
        li = store.leaf_index_table.c
        seen = []
        for bucket, gen, pairs in conn.execute(sa.select(li.bucket, li.generation, li.pairs)):
            n = len(pairs) // store.LEAF_RECORD
            assert len(pairs) == n * store.LEAF_RECORD
            for j in range(n):
                idx = gen * GEN + int.from_bytes(pairs[8 * n + 2 * j : 8 * n + 2 * j + 2], "big")
                leaf = leaf_hash(entries[idx])
                assert leaf[0] >> store.LEAF_BUCKET_SHIFT == bucket
                assert pairs[8 * j : 8 * j + 8] == leaf[:8]
                seen.append(idx)
        assert sorted(seen) == list(range(2 * GEN))
        assert log.index_of_leaf(conn, leaf_hash(entries[7])) == 7
        assert log.index_of_leaf(conn, leaf_hash(entries[2 * GEN + 3])) == 2 * GEN + 3
        assert log.index_of_leaf(conn, leaf_hash(entries[GEN + 9])) == GEN + 9
        for i in (0, GEN - 1, GEN, 2 * GEN - 1, 2 * GEN, 2 * GEN + 99):
            assert log.index_of_leaf(conn, leaf_hash(entries[i])) == i
        with pytest.raises(EntryNotFound):
            log.index_of_leaf(conn, leaf_hash(b"absent"))
    engine.dispose()


def test_a_forged_index_record_is_not_believed(tmp_path: Path) -> None:
    """A record whose prefix matches but whose leaf differs (a prefix collision, or damage)
    is checked against the level-0 tile and skipped; the real occurrence is still found."""
    engine = support.sqlite_engine(tmp_path / "forged.db")
    log = support.make_log()
    entries = [b"f%d" % i for i in range(GEN + 10)]
    with engine.begin() as conn:
        log.append_encoded(conn, entries)
    absent = leaf_hash(b"absent")
    present = leaf_hash(entries[GEN + 4])  # in the tail
    li = store.leaf_index_table.c
    with engine.begin() as conn:
        for target, offset in ((absent, 3), (present, 5)):
            bucket = target[0] >> store.LEAF_BUCKET_SHIFT
            where = (li.bucket == bucket, li.generation == 0)
            row = conn.execute(sa.select(li.pairs).where(*where)).scalar_one()
            n = len(row) // store.LEAF_RECORD  # columns: n 8-byte prefixes, then n offsets
            forged = (
                target[: store.LEAF_PREFIX_BYTES] + row[: 8 * n] + offset.to_bytes(2, "big") + row[8 * n :]
            )
            conn.execute(sa.update(store.leaf_index_table).where(*where).values(pairs=forged))
    with engine.connect() as conn:
        with pytest.raises(EntryNotFound):
            log.index_of_leaf(conn, absent)
        assert log.index_of_leaf(conn, present) == GEN + 4
        assert log.index_of_leaf(conn, leaf_hash(entries[3])) == 3
    engine.dispose()


@pytest.mark.parametrize("sizes", [[0], [1, 255, 4095, 4096, 65535], [300] * 600])
def test_fast_bundles_equal_the_codec(sizes: list[int]) -> None:
    entries = [bytes([i % 251]) * n for i, n in enumerate(sizes)]
    for size, edge in ((0, b""), (3, tiles.encode_bundle([b"a", b"bb", b"ccc"]))):
        assert store._extend_bundles(size, edge, entries) == tiles.extend_bundles(size, edge, entries)
