"""Incremental static export of the log in the C2SP tlog-tiles layout; ``checkpoint`` last.

Durability order (docs/specs/ledger.md §Export):

1. read the stored size and checkpoint (a committed tree), then the tiles and entries in
   short read transactions (immutable rows; partial tiles cut to their width at that size);
2. find what the directory already publishes from its ``checkpoint`` (size ``old``); write
   only the tiles and entry bundles that differ between ``old`` and the new size: new full
   tiles and the new partial right edge (``tiles.changed_tiles``);
3. tiles and bundles are immutable: each is created exclusively (temp file + ``link``); if
   it exists already its bytes are compared and a difference raises ``TileConflict``;
4. fsync the files and their directories, then replace ``checkpoint`` atomically
   (temp + fsync + ``rename``): a reader never sees a checkpoint before what it commits to;
5. only then delete partial tiles whose full tile now exists (tlog-tiles §Partial Tiles:
   "MAY delete any partial tile once the corresponding full tile is available").

A crash anywhere leaves the old checkpoint valid; re-running is the recovery (identical
bytes are accepted).

Published files are 0644 and directories 0755 whatever the umask (:data:`FILE_MODE`,
:data:`DIR_MODE`): a web server running as another user must be able to serve them. Beside the
checkpoint, ``verifier-key`` holds the log's note verifier key (one line), so that an auditor who
pins it once can verify every later checkpoint (:func:`publish_verifier_key`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ledger import store, tiles
from ledger.checkpoint import parse_checkpoint, verify_checkpoint
from ledger.database import read_only_transaction
from ledger.errors import Inconsistent, MalformedError, RootMismatch, StorageError, TileConflict
from ledger.hashing import HASH_SIZE, leaf_hash
from ledger.note import Verifier
from ledger.tree import TILE_HEIGHT, TILE_WIDTH, perfect_root
from ledger.verify import root_from_tiles, tiles_for_root

FILE_MODE = 0o644  # published files: readable by a web server running as another user
DIR_MODE = 0o755
VKEY_PATH = "verifier-key"  # the log's note verifier key, beside the checkpoint


@dataclass
class ExportResult:
    old_size: int
    size: int
    written: list[str] = field(default_factory=list)  # paths created by this export
    unchanged: list[str] = field(default_factory=list)  # already present with identical bytes


# --- three named writes ---------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """``mkdir -p`` whose new directories are :data:`DIR_MODE` whatever the umask."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        os.chmod(d, DIR_MODE)


def _temp_with(directory: Path, data: bytes, fsync: bool) -> str:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")  # 0600: widened before it is linked
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def write_once(path: Path, data: bytes, *, fsync: bool = True) -> bool:
    """Create an immutable file exclusively; True if created, False if already identical.

    Raises ``TileConflict`` if it exists with different bytes (never overwrites).
    """
    if path.exists():
        if path.read_bytes() != data:
            raise TileConflict(str(path))
        return False
    _make_dirs(path.parent)
    tmp = _temp_with(path.parent, data, fsync)
    try:
        os.link(tmp, path)  # atomic, fails if the name exists
    except FileExistsError:
        if path.read_bytes() != data:
            raise TileConflict(str(path)) from None
        return False
    finally:
        os.unlink(tmp)
    return True


def write_replace(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Atomically replace a mutable file (temp + fsync + rename + fsync the directory)."""
    _make_dirs(path.parent)
    tmp = _temp_with(path.parent, data, fsync)
    os.replace(tmp, path)
    if fsync:
        _fsync_dir(path.parent)


# --- export ---------------------------------------------------------------------------


def published_size(directory: Path) -> int:
    """Tree size of the directory's ``checkpoint`` (0 if none). Our own file: not re-verified."""
    path = directory / tiles.CHECKPOINT_PATH
    if not path.exists():
        return 0
    return parse_checkpoint(_note_text(path.read_bytes())).size


def _note_text(note: bytes) -> str:
    text, sep, _ = note.partition(b"\n\n")
    if not sep:
        raise MalformedError("checkpoint note has no signature block")
    return text.decode("utf-8") + "\n"


EXPORT_CHUNK_TILES = 64  # tiles read per short read transaction


def export_tiles(
    conn: sa.Connection,
    directory: Path | str,
    *,
    fsync: bool = True,
    empty_checkpoint: bytes | None = None,
    cosign: Callable[[int, bytes], bytes] | None = None,
) -> ExportResult:
    """Publish the log's latest checkpoint and every tile and bundle it needs into ``directory``.

    Only tiles changed since the directory's current checkpoint are written. Reads happen in
    short read-only transactions (``ledger.database.read_only_transaction``: on SQLite a
    deferred ``BEGIN``, so the export never holds or waits for the write lock), none of them
    open while files are written, unless the caller's ``conn`` is
    already in a transaction, which is then used throughout. Reading in pieces is safe:
    entries and full tiles never change, and a partial tile only grows, so its first ``w``
    hashes are those of width ``w``.

    A log with no entry has no stored checkpoint; ``empty_checkpoint`` (``Log.checkpoint``:
    a signed checkpoint of size 0 and the empty root) is then published, so that a reader of
    a new log finds a signed statement that it is empty, not a missing file.

    ``cosign(size, note)`` returns the checkpoint note of ``size`` to publish, with witness
    cosignatures appended (C2SP tlog-cosignature; the caller verified them against that note):
    the checkpoint file is then rewritten whenever its bytes change, even at the same size, so
    that cosignatures arriving after an export are published by the next one.
    """
    directory = Path(directory)
    _make_dirs(directory)
    old_size = published_size(directory)
    with _reading(conn):
        state = store.read_state(conn)
    size = state.size
    if old_size > size:
        raise StorageError(f"directory publishes size {old_size}, the log has only {size}")
    result = ExportResult(old_size, size)
    if state.checkpoint is None:
        if empty_checkpoint is not None and not (directory / tiles.CHECKPOINT_PATH).exists():
            write_replace(directory / tiles.CHECKPOINT_PATH, empty_checkpoint, fsync=fsync)
        return result
    note = state.checkpoint if cosign is None else cosign(size, state.checkpoint)
    if old_size == size:
        path = directory / tiles.CHECKPOINT_PATH
        if cosign is not None and path.read_bytes() != note:  # same tree, new cosignatures
            write_replace(path, note, fsync=fsync)
        return result
    changed = tiles.changed_tiles(old_size, size)
    dirs: set[Path] = set()
    for pos in range(0, len(changed), EXPORT_CHUNK_TILES):
        chunk = changed[pos : pos + EXPORT_CHUNK_TILES]
        with _reading(conn):
            files = _read_chunk(conn, chunk, size)
        for rel, data in files:
            path = directory / rel
            (result.written if write_once(path, data, fsync=fsync) else result.unchanged).append(rel)
            dirs.add(path.parent)
    if fsync:
        for d in sorted(dirs):
            _fsync_dir(d)
    write_replace(directory / tiles.CHECKPOINT_PATH, note, fsync=fsync)
    for level, index, width in changed:
        if width == TILE_WIDTH:
            for rel in (tiles.tile_path(level, index), *([tiles.entries_path(index)] if level == 0 else [])):
                stale = directory / (rel + ".p")
                if stale.is_dir():
                    shutil.rmtree(stale)
    return result


def publish_verifier_key(directory: Path | str, verifier_key: str, *, fsync: bool = True) -> None:
    """Write ``verifier-key`` (the note verifier key ``<name>+<hash>+<base64>`` and a newline) beside
    the checkpoint; rewritten only when it differs (a new key is a new log: say so loudly)."""
    path = Path(directory) / VKEY_PATH
    data = (verifier_key + "\n").encode("ascii")
    if path.exists() and path.read_bytes() == data:
        return
    write_replace(path, data, fsync=fsync)


def _reading(conn: sa.Connection) -> AbstractContextManager[object]:
    """The caller's open transaction, else a short read-only one (``ledger.database``)."""
    return nullcontext() if conn.in_transaction() else read_only_transaction(conn)


def _read_chunk(conn: sa.Connection, chunk: list[tuple[int, int, int]], size: int) -> list[tuple[str, bytes]]:
    """(path, bytes) of the tiles in ``chunk`` and of the entry bundles of its level-0 tiles."""
    by_level: dict[int, list[int]] = {}
    for level, index, _ in chunk:
        by_level.setdefault(level, []).append(index)
    blobs: dict[tuple[int, int], bytes] = {}
    t = store.tiles_table.c
    for level, indexes in by_level.items():
        rows = conn.execute(
            sa.select(t.idx, t.hashes).where(t.level == level, t.idx >= min(indexes), t.idx <= max(indexes))
        )
        blobs.update({(level, int(r.idx)): bytes(r.hashes) for r in rows})
    out = []
    for level, index, width in chunk:
        blob = blobs.get((level, index), b"")
        if len(blob) < width * HASH_SIZE:
            raise StorageError(f"tile {level}/{index} holds {len(blob) // HASH_SIZE} hashes, needs {width}")
        out.append((tiles.tile_path(level, index, width), blob[: width * HASH_SIZE]))
    level0 = [(index, width) for level, index, width in chunk if level == 0]
    if level0:
        bundles = store.read_bundles(conn, level0[0][0], level0[-1][0])
        for index, width in level0:
            data = bundles.get(index)
            if data is None:
                raise StorageError(f"entry bundle {index} missing from storage")
            try:
                data = data if width == TILE_WIDTH else tiles.bundle_prefix(data, width)
            except MalformedError as exc:
                raise StorageError(f"entry bundle {index} is damaged: {exc}") from exc
            out.append((tiles.entries_path(index, width), data))
    return out


# --- reading a published directory ------------------------------------------------------


def _read_prefix(directory: Path, exact: str, full: str, width: int) -> tuple[bytes, bool]:
    """The file ``exact`` (a tile or bundle of exactly ``width``), else a wider one it is a
    prefix of: the full file, or the narrowest wider partial (tlog-tiles §Partial Tiles: a
    client may use a wider tile; partial tiles may be deleted once the full one exists). Returns
    (bytes, True when they came from a wider file and must be cut to ``width``)."""
    path = directory / exact
    if path.exists():
        return path.read_bytes(), False
    if width < TILE_WIDTH:
        if (directory / full).exists():
            return (directory / full).read_bytes(), True
        partials = directory / (full + ".p")
        if partials.is_dir():
            wider = sorted(int(p.name) for p in partials.iterdir()
                           if p.name.isdigit() and width < int(p.name) < TILE_WIDTH)
            if wider:
                return (partials / str(wider[0])).read_bytes(), True
    raise MalformedError(f"{exact} missing")


def read_tile(directory: Path | str, level: int, index: int, width: int) -> bytes:
    """One published tile of ``width`` hashes: its own file, or the prefix of a wider one (a
    signed size that was never exported is recomputed from the tiles published after it)."""
    blob, wider = _read_prefix(Path(directory), tiles.tile_path(level, index, width),
                               tiles.tile_path(level, index), width)
    if wider:
        if len(blob) < width * HASH_SIZE:
            raise MalformedError(f"tile {tiles.tile_path(level, index, width)}: wider tile too short")
        return blob[: width * HASH_SIZE]
    return blob


def read_bundle(directory: Path | str, index: int, width: int) -> list[bytes]:
    """The ``width`` entries of entry bundle ``index``: its own file must hold exactly ``width``
    entries; a wider file (full, or a wider partial) at least that many, of which the first
    ``width`` are taken."""
    data, wider = _read_prefix(Path(directory), tiles.entries_path(index, width), tiles.entries_path(index),
                               width)
    entries = tiles.decode_bundle(data)
    if len(entries) < width or (not wider and len(entries) != width):
        raise MalformedError(
            f"{tiles.entries_path(index, width)}: holds {len(entries)} entries, not {width}"
        )
    return entries[:width]


def root_from_directory(directory: Path | str, size: int) -> bytes:
    """MTH(D[size]) recomputed from a published tile directory (``verify.root_from_tiles``)."""
    needed = {(lvl, idx): read_tile(directory, lvl, idx, w) for lvl, idx, w in tiles_for_root(size)}
    return root_from_tiles(size, needed)


def verify_directory(directory: Path | str, verifier: Verifier, *, origin: str, full: bool = True) -> int:
    """Check a published tile directory; returns its verified tree size.

    Verifies the checkpoint signature and origin first, then recomputes the root from the
    tiles (``verify.root_from_tiles``) and compares it (``RootMismatch``). By default (``full``,
    what an auditor needs) it also re-hashes every entry bundle into level-0 tiles and every
    full tile into the level above, so every published byte is checked: an edited entry fails.
    ``full=False`` is the cheap check of the signature and the right edge only, for a monitor
    that already verified the rest.
    """
    directory = Path(directory)
    cp = verify_checkpoint((directory / tiles.CHECKPOINT_PATH).read_bytes(), verifier, origin=origin)
    calculated = root_from_directory(directory, cp.size)
    if calculated != cp.root:
        raise RootMismatch(cp.root, calculated, "tile directory root")
    if full:
        _verify_all_tiles(directory, cp.size)
    return cp.size


def _verify_all_tiles(directory: Path, size: int) -> None:
    level = 0
    below: list[bytes] | None = None  # roots of full tiles at the level below
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        roots = []
        for index in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            width = tiles.tile_span(size, level, index)
            blob = read_tile(directory, level, index, width)
            tiles.check_tile(blob, width)
            if level == 0:
                expected = b"".join(leaf_hash(e) for e in read_bundle(directory, index, width))
            else:
                assert below is not None
                expected = b"".join(below[index * TILE_WIDTH : index * TILE_WIDTH + width])
            if blob != expected:
                at = next((i for i in range(0, len(blob), HASH_SIZE)
                           if blob[i : i + HASH_SIZE] != expected[i : i + HASH_SIZE]), 0)
                raise RootMismatch(expected[at : at + HASH_SIZE], blob[at : at + HASH_SIZE],
                                   f"tile {level}/{index} content, hash {at // HASH_SIZE}")
            if width == TILE_WIDTH:
                roots.append(perfect_root(blob))
        below = roots
        level += 1


def verify_consistency_with_directory(
    old_checkpoint: bytes, directory: Path | str, verifier: Verifier, *, origin: str, full: bool = True
) -> int:
    """Check that a directory still publishes the history of an earlier checkpoint.

    Verifies both checkpoints (signature, then origin), the directory itself
    (:func:`verify_directory`), then recomputes the root at the old size from the new tree's
    tiles (those the directory check verified, cut to the old widths) and compares it with the
    old root: the old
    tree must be a prefix of the new one (RFC 9162 §2.1.4's property, checked from the tiles
    instead of a proof). Raises ``Inconsistent`` with both sizes and roots otherwise (a rewritten
    or forked log); returns the directory's size.
    """
    old = verify_checkpoint(old_checkpoint, verifier, origin=origin)
    size = verify_directory(directory, verifier, origin=origin, full=full)
    new = verify_checkpoint((Path(directory) / tiles.CHECKPOINT_PATH).read_bytes(), verifier, origin=origin)
    if old.size > size:
        raise Inconsistent(f"the directory publishes size {size}, smaller than the earlier checkpoint's "
                           f"{old.size}: the log was rolled back")
    # The old root comes from the tiles of the *new* tree, which the full check has just verified
    # (each cut to the old width), never from an old-width file: a server could keep the old
    # history's partial tiles beside a forked tree, and those were never checked against it.
    needed = {(lvl, idx): read_tile(directory, lvl, idx, tiles.tile_span(size, lvl, idx))[: w * HASH_SIZE]
              for lvl, idx, w in tiles_for_root(old.size)}
    calculated = root_from_tiles(old.size, needed)
    if calculated != old.root:
        raise Inconsistent(f"earlier checkpoint (size {old.size}, root {old.root.hex()}) is not a prefix of "
                           f"the directory (size {new.size}, root {new.root.hex()}): its tiles give root "
                           f"{calculated.hex()} at size {old.size}")
    return size
