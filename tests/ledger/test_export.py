"""ledger.export: incremental tlog-tiles export, immutable tiles, checkpoint last, root from the directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ledger import export, tiles
from ledger.errors import RootMismatch, SignatureError, TileConflict
from ledger.hashing import leaf_hash, root_from_leaf_hashes

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support


@pytest.fixture
def grown(tmp_path: Path):
    engine = support.sqlite_engine(tmp_path / "log.db")
    log = support.make_log()
    entries = support.random_entries(70_000 + 5, seed=9)

    def append(k: int) -> None:
        with engine.begin() as conn:
            n = log.size(conn)
            log.append_encoded(conn, entries[n : n + k])

    yield engine, log, entries, append, tmp_path / "site"
    engine.dispose()


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def verifier():
    return support.signer().verifier()


def test_export_then_incremental_export_touches_only_changed_tiles(grown) -> None:
    engine, log, entries, append, site = grown
    append(70_000)
    with engine.connect() as conn:
        first = export.export_tiles(conn, site, fsync=False)
    assert (first.old_size, first.size) == (0, 70_000)
    assert "tile/0/273.p/112" in first.written and "tile/1/001.p/17" in first.written
    assert "tile/2/000.p/1" in first.written and "tile/entries/273.p/112" in first.written
    assert export.verify_directory(site, verifier(), origin=support.ORIGIN, full=True) == 70_000
    before = {p: os.stat(site / p).st_mtime_ns for p in files(site)}

    append(5)
    with engine.connect() as conn:
        second = export.export_tiles(conn, site, fsync=False)
        root = log.root(conn)
    # Only the grown level-0 partial tile and bundle; levels 1 and 2 are unchanged.
    assert sorted(second.written) == ["tile/0/273.p/117", "tile/entries/273.p/117"]
    assert second.unchanged == []
    after = files(site)
    changed = {p for p in before if os.stat(site / p).st_mtime_ns != before[p]}
    assert changed == {"checkpoint"}
    assert "tile/0/273.p/112" in after  # still served for the older checkpoint
    assert export.verify_directory(site, verifier(), origin=support.ORIGIN, full=True) == 70_005
    assert root == root_from_leaf_hashes([leaf_hash(e) for e in entries[:70_005]])
    assert export.root_from_directory(site, 70_005) == root
    with engine.connect() as conn:
        assert export.root_from_directory(site, 70_000) == log.root(conn, 70_000)  # older partials kept


def test_partial_tiles_are_deleted_once_the_full_tile_exists(grown) -> None:
    engine, _, _, append, site = grown
    append(250)
    with engine.connect() as conn:
        export.export_tiles(conn, site, fsync=False)
    assert (site / "tile/0/000.p/250").exists()
    append(10)
    with engine.connect() as conn:
        res = export.export_tiles(conn, site, fsync=False)
    assert "tile/0/000" in res.written and "tile/0/001.p/4" in res.written and "tile/1/000.p/1" in res.written
    assert not (site / "tile/0/000.p").exists() and not (site / "tile/entries/000.p").exists()
    assert export.verify_directory(site, verifier(), origin=support.ORIGIN, full=True) == 260


def test_re_export_is_idempotent_and_recovers_a_lost_checkpoint(grown) -> None:
    engine, _, _, append, site = grown
    append(300)
    with engine.connect() as conn:
        export.export_tiles(conn, site, fsync=False)
    snapshot = files(site)
    (site / "checkpoint").unlink()  # crash before the checkpoint was published
    with engine.connect() as conn:
        res = export.export_tiles(conn, site, fsync=True)
    assert res.written == [] and len(res.unchanged) > 0
    assert files(site) == snapshot


def test_rewriting_an_immutable_tile_with_different_bytes_raises(grown) -> None:
    engine, _, _, append, site = grown
    append(300)
    with engine.connect() as conn:
        export.export_tiles(conn, site, fsync=False)
    (site / "checkpoint").unlink()
    tile = site / "tile/0/000"
    tile.write_bytes(support.flip(tile.read_bytes(), 5))
    with pytest.raises(TileConflict) as exc, engine.connect() as conn:
        export.export_tiles(conn, site, fsync=False)
    assert exc.value.path.endswith("tile/0/000")
    assert not (site / "checkpoint").exists()  # nothing published over a conflicting tile


def test_write_once_semantics(tmp_path: Path) -> None:
    p = tmp_path / "a" / "b"
    assert export.write_once(p, b"one") is True
    assert export.write_once(p, b"one") is False
    with pytest.raises(TileConflict):
        export.write_once(p, b"two")
    assert p.read_bytes() == b"one"
    assert [x.name for x in p.parent.iterdir()] == ["b"]  # no temp files left


def test_tampered_directory_fails_verification(grown) -> None:
    engine, _, _, append, site = grown
    append(600)
    with engine.connect() as conn:
        export.export_tiles(conn, site, fsync=False)
    path = site / tiles.tile_path(1, 0, 2)
    good = path.read_bytes()
    path.write_bytes(support.flip(good, 0))
    with pytest.raises(RootMismatch):
        export.verify_directory(site, verifier(), origin=support.ORIGIN)
    path.write_bytes(good)
    bundle = site / "tile/entries/001"
    data = bundle.read_bytes()
    bundle.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    # the cheap check (signature and right edge) does not read bundles; the default does
    export.verify_directory(site, verifier(), origin=support.ORIGIN, full=False)
    with pytest.raises(RootMismatch, match="hash 255"):
        export.verify_directory(site, verifier(), origin=support.ORIGIN)
    cp = site / "checkpoint"
    cp.write_bytes(cp.read_bytes().replace(b"\n600\n", b"\n601\n"))
    with pytest.raises(SignatureError):
        export.verify_directory(site, verifier(), origin=support.ORIGIN)


def test_export_of_a_size_that_has_since_grown_cuts_partial_tiles(grown, monkeypatch) -> None:
    """Reads are not one snapshot: a partial tile that grew meanwhile is cut to its width."""
    engine, _, _, append, site = grown
    append(280)
    from ledger import store

    with engine.connect() as conn:
        state_280 = store.read_state(conn)
    append(20)
    monkeypatch.setattr(export.store, "read_state", lambda conn: state_280)
    with engine.connect() as conn:
        res = export.export_tiles(conn, site, fsync=False)
    monkeypatch.undo()
    assert "tile/0/001.p/24" in res.written and "tile/entries/001.p/24" in res.written
    assert export.verify_directory(site, verifier(), origin=support.ORIGIN, full=True) == 280
    with engine.connect() as conn:
        export.export_tiles(conn, site, fsync=False)
    assert export.verify_directory(site, verifier(), origin=support.ORIGIN, full=True) == 300
