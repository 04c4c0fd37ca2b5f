"""The published directory as an independent check found it wanting (issue 18), each gap with a
tampered or awkward directory: partial bundles holding too much, signed sizes never exported,
an empty log, an old checkpoint against a rewritten directory, file modes, the verifier key."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from ledger import export, tiles
from ledger.errors import Inconsistent, MalformedError
from ledger.hashing import EMPTY_ROOT
from ledger.note import parse_verifier_key

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support


@pytest.fixture
def log_at(tmp_path: Path):
    """(append(k), export(dir), log, engine) over one SQLite log."""
    engine = support.sqlite_engine(tmp_path / "log.db")
    log = support.make_log()
    entries = support.random_entries(2_000, seed=3)

    def append(k: int) -> None:
        with engine.begin() as conn:
            n = log.size(conn)
            log.append_encoded(conn, entries[n : n + k])

    def publish(site: Path) -> None:
        with engine.connect() as conn:
            export.export_tiles(conn, site, fsync=False, empty_checkpoint=log.checkpoint(conn))

    yield append, publish, log, engine
    engine.dispose()


def verifier():
    return support.signer().verifier()


def test_a_partial_bundle_holding_more_than_its_width_is_refused(log_at, tmp_path: Path) -> None:
    append, publish, _, _ = log_at
    append(300)  # bundle 1 is partial, width 44
    site = tmp_path / "site"
    publish(site)
    partial = site / tiles.entries_path(1, 44)
    full_bundle = partial.read_bytes()
    partial.write_bytes(full_bundle + full_bundle[:20])  # 44 entries and then some (an extra entry)
    with pytest.raises(MalformedError, match="not 44"):
        export.verify_directory(site, verifier(), origin=support.ORIGIN)


def test_a_signed_size_never_exported_is_recomputed_from_wider_tiles(log_at, tmp_path: Path) -> None:
    append, publish, log, engine = log_at
    append(280)
    with engine.connect() as conn:
        note_280, root_280 = log.checkpoint(conn), log.root(conn)
    append(20)  # 300: exported; 280 never was
    site = tmp_path / "site"
    publish(site)
    assert not (site / tiles.tile_path(0, 1, 24)).exists()
    assert export.root_from_directory(site, 280) == root_280  # from the width-44 partial tile
    assert export.verify_consistency_with_directory(note_280, site, verifier(), origin=support.ORIGIN) == 300
    append(300)  # 600: tile 1 is full now and its partials are deleted
    publish(site)
    assert not (site / (tiles.tile_path(0, 1) + ".p")).exists()
    assert export.root_from_directory(site, 280) == root_280  # from the full tile


def test_an_empty_log_publishes_a_signed_empty_checkpoint(log_at, tmp_path: Path) -> None:
    _, publish, _, _ = log_at
    site = tmp_path / "site"
    publish(site)
    assert export.verify_directory(site, verifier(), origin=support.ORIGIN) == 0
    assert export.root_from_directory(site, 0) == EMPTY_ROOT


def test_an_old_checkpoint_is_checked_against_a_rewritten_directory(log_at, tmp_path: Path) -> None:
    append, publish, log, engine = log_at
    append(500)
    site = tmp_path / "site"
    publish(site)
    with engine.connect() as conn:
        old = log.checkpoint(conn)
    # Another history under the same key (a forked log): same size, other entries.
    fork_engine = support.sqlite_engine(tmp_path / "fork.db")
    with fork_engine.begin() as conn:
        log.append_encoded(conn, support.random_entries(700, seed=99))
    forked = tmp_path / "forked"
    with fork_engine.connect() as conn:
        export.export_tiles(conn, forked, fsync=False)
    fork_engine.dispose()
    with pytest.raises(Inconsistent, match="not a prefix"):
        export.verify_consistency_with_directory(old, forked, verifier(), origin=support.ORIGIN)
    # A directory rolled back below the old checkpoint.
    append(100)
    with engine.connect() as conn:
        newer = log.checkpoint(conn)
    with pytest.raises(Inconsistent, match="rolled back"):
        export.verify_consistency_with_directory(newer, site, verifier(), origin=support.ORIGIN)
    publish(site)
    assert export.verify_consistency_with_directory(old, site, verifier(), origin=support.ORIGIN) == 600


def test_published_files_are_world_readable_whatever_the_umask(log_at, tmp_path: Path) -> None:
    append, publish, log, _ = log_at
    append(700)
    site = tmp_path / "site"
    old = os.umask(0o077)
    try:
        publish(site)
        export.publish_verifier_key(site, log.signer.verifier_key(), fsync=False)
    finally:
        os.umask(old)
    paths = list(site.rglob("*"))
    assert any(p.is_file() for p in paths) and any(p.is_dir() for p in paths)
    for p in paths:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o755 if p.is_dir() else 0o644), (p, oct(mode))


def test_the_verifier_key_is_published_beside_the_checkpoint(log_at, tmp_path: Path) -> None:
    append, publish, log, _ = log_at
    append(10)
    site = tmp_path / "site"
    publish(site)
    export.publish_verifier_key(site, log.signer.verifier_key(), fsync=False)
    vkey = (site / export.VKEY_PATH).read_text().strip()
    assert export.verify_directory(site, parse_verifier_key(vkey), origin=support.ORIGIN) == 10
    shutil.rmtree(site / "tile")
    with pytest.raises(MalformedError, match="missing"):
        export.verify_directory(site, parse_verifier_key(vkey), origin=support.ORIGIN)


def test_old_partial_tiles_left_beside_a_forked_tree_do_not_pass_it(log_at, tmp_path: Path) -> None:
    append, publish, log, engine = log_at
    append(300)  # old size: level-0 tile 1 is partial (width 44)
    site = tmp_path / "site"
    publish(site)
    with engine.connect() as conn:
        old = log.checkpoint(conn)
    kept = {p.relative_to(site): p.read_bytes() for p in (site / "tile").rglob("*") if p.is_file()}
    # A fork of the same size range under the same key, grown past the old size, published
    # over a copy of the old directory whose old-width partial files the server kept.
    fork_engine = support.sqlite_engine(tmp_path / "fork.db")
    with fork_engine.begin() as conn:
        log.append_encoded(conn, support.random_entries(600, seed=77))  # old-width files differ
    forked = tmp_path / "forked"
    with fork_engine.connect() as conn:
        export.export_tiles(conn, forked, fsync=False)
    fork_engine.dispose()
    for rel, data in kept.items():
        path = forked / rel
        if ".p" in rel.parts or rel.parent.name.endswith(".p"):
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.write_bytes(data)
    assert (forked / tiles.tile_path(0, 1, 44)).exists()  # the old history's tile is there
    assert export.root_from_directory(forked, 300) == export.root_from_directory(site, 300)
    with pytest.raises(Inconsistent, match="not a prefix"):
        export.verify_consistency_with_directory(old, forked, verifier(), origin=support.ORIGIN)
