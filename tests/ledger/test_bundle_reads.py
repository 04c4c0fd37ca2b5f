"""Reading entries out of bundles (docs/specs/ledger.md §2 rule 10, §8 "Reading entries").

``store.read_entries`` copies only the entries asked for; ``store.read_entries_cached`` serves
full bundles from a ``BundleCache`` keyed by the reader's level-0 tile. Each test compares what a
read returns with the entries appended, at bundle edges, in the partial bundle and after it
fills, and checks that the cache never serves another database's, a rolled-back append's or a
tampered store's bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import store, tiles
from ledger.bundlecache import Bundle, BundleCache
from ledger.errors import MalformedError, StorageError
from ledger.log import CACHED_READ_MAX, Log

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support

# Ranges around the bundle edges of a 600-entry log (bundles 0, 1 full; bundle 2 partial, 88).
RANGES = [(0, 1), (0, 64), (200, 256), (255, 257), (256, 257), (250, 262), (511, 513),
          (512, 513), (500, 560), (540, 600), (599, 600), (255, 256), (300, 301)]


def _log(cache: BundleCache | None) -> Log:
    return Log(origin=support.ORIGIN, signer=support.signer(), bundle_cache=cache)


def _filled(engine: sa.Engine, log: Log, entries: list[bytes], batch: int = 97) -> None:
    for i in range(0, len(entries), batch):
        with engine.begin() as conn:
            log.append_encoded(conn, entries[i : i + batch])


def _cached_log(engine: sa.Engine, entries: list[bytes]) -> tuple[BundleCache, Log]:
    """A log with a cache of its own, ``entries`` appended to ``engine``'s store."""
    cache = BundleCache()
    log = _log(cache)
    _filled(engine, log, entries)
    return cache, log


@pytest.fixture
def db(tmp_path: Path):
    engine = support.sqlite_engine(tmp_path / "log.db")
    yield engine
    engine.dispose()


def test_bundle_offsets_locate_every_entry_without_decoding() -> None:
    entries = [b"", b"a", bytes(300), b"\xff" * 70]
    data = tiles.encode_bundle(entries)
    offsets = tiles.bundle_offsets(data, len(entries))
    assert [data[offsets[i] + 2 : offsets[i + 1]] for i in range(len(entries))] == entries
    assert offsets[-1] == len(data)


@pytest.mark.parametrize(
    "mutation",
    ["one entry short", "one entry more", "truncated last entry", "trailing byte", "half a length prefix"],
)
def test_bundle_offsets_refuse_a_bundle_of_the_wrong_shape(mutation: str) -> None:
    entries = [b"x" * k for k in range(1, 5)]
    data = tiles.encode_bundle(entries)
    width = len(entries)
    if mutation == "one entry short":
        width += 1
    elif mutation == "one entry more":
        width -= 1
    elif mutation == "truncated last entry":
        data = data[:-1]
    elif mutation == "trailing byte":
        data += b"\x00"
    else:
        data = data + b"\x00"
        width += 1
    with pytest.raises(MalformedError):
        tiles.bundle_offsets(data, width)


@pytest.mark.parametrize("cached", [False, True])
def test_reads_return_exactly_the_entries_asked_for_across_bundle_edges(db, cached: bool) -> None:
    entries = support.random_entries(600, seed=3, size=300)
    log = _log(BundleCache() if cached else None)
    _filled(db, log, entries)
    with db.connect() as conn:
        for start, stop in RANGES:
            assert log.entries(conn, start, stop) == entries[start:stop], (start, stop)
            assert store.read_entries(conn, start, stop) == entries[start:stop], (start, stop)
        assert log.entry(conn, 599) == entries[599]
        assert log.entries(conn, 0, 600) == entries  # a long read: the bundles directly
        assert log.entries(conn, 600, 600) == []


def test_the_partial_bundle_is_never_cached_and_reads_right_after_it_fills(db) -> None:
    entries = support.random_entries(300, seed=4, size=200)
    cache, log = _cached_log(db, entries)
    with db.connect() as conn:
        assert log.entries(conn, 250, 300) == entries[250:300]  # bundle 0 full, bundle 1 partial
    assert [key[0] for key in cache._items] == [0]
    more = support.random_entries(300, seed=5, size=200)
    _filled(db, log, more, batch=300)  # bundle 1 fills (and bundle 2 begins)
    both = entries + more
    with db.connect() as conn:
        assert log.entries(conn, 256, 300) == both[256:300]
        assert log.entries(conn, 500, 560) == both[500:560]
    assert sorted(key[0] for key in cache._items) == [0, 1]


def test_two_databases_in_one_process_never_see_each_others_bundles(tmp_path: Path) -> None:
    cache = BundleCache()
    a, b = support.sqlite_engine(tmp_path / "a.db"), support.sqlite_engine(tmp_path / "b.db")
    ea, eb = support.random_entries(300, seed=6), support.random_entries(300, seed=7)
    _filled(a, _log(cache), ea)
    _filled(b, _log(cache), eb)
    for _ in range(2):  # the second round is served from the cache, each from its own bundle
        with a.connect() as conn:
            assert _log(cache).entries(conn, 10, 20) == ea[10:20]
        with b.connect() as conn:
            assert _log(cache).entries(conn, 10, 20) == eb[10:20]
    assert len(cache) == 2 and cache.hits == 2
    a.dispose()
    b.dispose()


def test_a_bundle_read_inside_a_rolled_back_append_is_not_served_afterwards(db) -> None:
    cache = BundleCache()
    log = _log(cache)
    gone, kept = support.random_entries(256, seed=8), support.random_entries(256, seed=9)
    with db.connect() as conn, conn.begin() as tx:
        log.append_encoded(conn, gone)
        assert log.entries(conn, 0, 8) == gone[:8]  # bundle 0 cached under the doomed tile
        assert len(cache) == 1
        tx.rollback()
    _filled(db, log, kept, batch=256)
    with db.connect() as conn:
        assert log.entries(conn, 0, 8) == kept[:8]


def test_a_tampered_bundle_is_refused_and_not_cached(db) -> None:
    entries = support.random_entries(256, seed=10, size=50)
    cache, log = _cached_log(db, entries)
    with db.begin() as conn:
        data = conn.execute(sa.select(store.bundles_table.c.data)).scalar_one()
        conn.execute(sa.update(store.bundles_table).values(data=support.flip(bytes(data), len(data) - 1)))
    with db.connect() as conn, pytest.raises(StorageError, match="leaf hash"):
        log.entries(conn, 0, 1)  # entry 255 is the one changed: the whole bundle is checked
    assert len(cache) == 0


def test_a_cached_bundle_is_not_served_once_its_tile_changed(db) -> None:
    """The key is the snapshot's tile: a store whose tile no longer matches is read (and refused)."""
    entries = support.random_entries(256, seed=11)
    _, log = _cached_log(db, entries)
    with db.connect() as conn:
        assert log.entries(conn, 0, 2) == entries[:2]
    t = store.tiles_table
    with db.begin() as conn:
        hashes = conn.execute(sa.select(t.c.hashes).where(t.c.level == 0, t.c.idx == 0)).scalar_one()
        changed = support.flip(bytes(hashes), 0)
        conn.execute(sa.update(t).where(t.c.level == 0, t.c.idx == 0).values(hashes=changed))
    with db.connect() as conn, pytest.raises(StorageError, match="leaf hash"):
        log.entries(conn, 0, 2)


def test_long_reads_do_not_fill_the_cache(db) -> None:
    entries = support.random_entries(600, seed=12)
    cache, log = _cached_log(db, entries)
    with db.connect() as conn:
        assert log.entries(conn, 0, CACHED_READ_MAX + 1) == entries[: CACHED_READ_MAX + 1]
    assert len(cache) == 0


def test_the_cache_keeps_the_most_recently_used_bundles_within_its_bounds() -> None:
    cache = BundleCache(max_bytes=250, max_bundles=3)
    bundle = {k: Bundle(bytes(100), (0,)) for k in range(4)}
    for k in range(3):
        cache.put(k, b"tile", bundle[k])
    assert len(cache) == 2 and cache.bytes == 200  # the third would exceed 250 bytes
    assert cache.get(1, b"tile") is bundle[1] and cache.get(0, b"tile") is None
    cache.put(3, b"tile", bundle[3])
    assert cache.get(2, b"tile") is None and cache.get(1, b"tile") is bundle[1]
    assert cache.get(1, b"other tile") is None  # same index, another tile: a miss
    cache.put(9, b"tile", Bundle(bytes(251), (0,)))  # larger than the cache: not kept
    assert cache.get(9, b"tile") is None and cache.bytes == 200
    small = BundleCache(max_bytes=10_000, max_bundles=2)
    for k in range(3):
        small.put(k, b"t", bundle[k])
    assert len(small) == 2 and small.get(0, b"t") is None


def test_postgresql_reads_match_sqlite(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    store.create_tables(engine)
    entries = support.random_entries(600, seed=13, size=300)
    cache, log = _cached_log(engine, entries)
    with engine.connect() as conn:
        for start, stop in RANGES:
            assert log.entries(conn, start, stop) == entries[start:stop], (start, stop)
            assert store.read_entries(conn, start, stop) == entries[start:stop], (start, stop)
    assert len(cache) == 2
    engine.dispose()
