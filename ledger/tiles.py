"""C2SP tlog-tiles path math and codecs (no I/O). https://c2sp.org/tlog-tiles

- Merkle tiles at ``tile/<L>/<N>[.p/<W>]``; ``<N>`` in zero-padded 3-digit path elements,
  all but the last prefixed with ``x`` — the spec's example: index 1234067 is
  ``x001/x234/067``. ``.p/<W>`` marks a partial tile of width 1..255.
- Entry bundles at ``tile/entries/<N>[.p/<W>]``: a sequence of big-endian uint16
  length-prefixed entries (§Log entries).
- The signed checkpoint at ``checkpoint``.

Full tiles are 256 hashes (8,192 bytes); the hashes of a level-``L`` tile ``N`` are
``MTH(D[(N*256 + i) * 256**L : (N*256 + i + 1) * 256**L])`` (§Merkle Tree).
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.errors import MalformedError
from ledger.hashing import HASH_SIZE
from ledger.tree import TILE_HEIGHT, TILE_WIDTH

MAX_LEVEL = 63
CHECKPOINT_PATH = "checkpoint"
MAX_BUNDLE_ENTRY_SIZE = 0xFFFF


def encode_index(n: int) -> str:
    """``1234067`` -> ``x001/x234/067`` (tlog-tiles §Merkle Tree, the spec's own example)."""
    if n < 0:
        raise ValueError(f"tile index {n} is negative")
    groups = []
    while True:
        n, rem = divmod(n, 1000)
        groups.append(f"{rem:03d}")
        if n == 0:
            break
    groups.reverse()
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} is not in 1..{TILE_WIDTH}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """Path of Merkle tile ``index`` at ``level`` (partial when ``width < 256``)."""
    if not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"tile level {level} is not in 0..{MAX_LEVEL}")
    return f"tile/{level}/{encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """Path of entry bundle ``index`` (partial when ``width < 256``)."""
    return f"tile/entries/{encode_index(index)}{_suffix(width)}"


def tile_span(size: int, level: int, index: int) -> int:
    """Width of tile ``index`` at ``level`` in a tree of ``size`` (0 if it does not exist yet)."""
    count = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


def changed_tiles(old_size: int, new_size: int) -> list[tuple[int, int, int]]:
    """``(level, index, width)`` of every tile whose content at ``new_size`` is not yet
    published at ``old_size``: new full tiles and the grown partial ones, level by level."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"sizes {old_size} > {new_size}")
    out = []
    level = 0
    while new_size >> (TILE_HEIGHT * level):
        old_count = old_size >> (TILE_HEIGHT * level)
        new_count = new_size >> (TILE_HEIGHT * level)
        if new_count != old_count:
            for index in range(old_count >> TILE_HEIGHT, ((new_count - 1) >> TILE_HEIGHT) + 1):
                out.append((level, index, tile_span(new_size, level, index)))
        level += 1
    return out


def check_tile(data: bytes, width: int) -> None:
    if len(data) != width * HASH_SIZE:
        raise MalformedError(f"tile is {len(data)} bytes, expected {width} hashes")


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as big-endian uint16 length || bytes."""
    parts = []
    for i, e in enumerate(entries):
        if len(e) > MAX_BUNDLE_ENTRY_SIZE:
            raise MalformedError(f"entry {i} of the bundle is {len(e)} bytes, over {MAX_BUNDLE_ENTRY_SIZE}")
        parts.append(len(e).to_bytes(2, "big"))
        parts.append(e)
    return b"".join(parts)


def decode_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """Strictly decode an entry bundle; a truncated entry, or a count other than ``width``, is refused."""
    out = []
    pos, end = 0, len(data)
    while pos < end:
        if end - pos < 2:
            raise MalformedError(f"entry bundle: truncated length prefix at byte {pos}")
        n = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if end - pos < n:
            raise MalformedError(f"entry bundle: entry {len(out)} truncated ({end - pos} of {n} bytes)")
        out.append(data[pos : pos + n])
        pos += n
    if len(out) > TILE_WIDTH or (width is not None and len(out) != width):
        raise MalformedError(f"entry bundle holds {len(out)} entries, expected {width}")
    return out


def bundle_offsets(data: bytes, width: int) -> list[int]:
    """Where each of the ``width`` entries of a bundle starts, and where the bundle ends: entry
    ``i`` is ``data[offsets[i] + 2 : offsets[i + 1]]``. As strict as :func:`decode_bundle` (a
    truncated entry, a count other than ``width`` or trailing bytes are refused) but nothing is
    copied: a reader that wants 3 entries of a 1 MB bundle skips the others by their length."""
    offsets = _entry_offsets(data, width)
    if offsets[-1] != len(data):
        raise MalformedError(
            f"entry bundle holds more than {width} entries ({len(data) - offsets[-1]} bytes after)"
        )
    return offsets


def bundle_prefix(data: bytes, count: int) -> bytes:
    """The bytes of the first ``count`` entries of a bundle (a grown partial bundle cut back)."""
    return data[: _entry_offsets(data, count)[-1]]


def _entry_offsets(data: bytes, count: int) -> list[int]:
    """The start of each of the first ``count`` entries, then the end of the last."""
    offsets = [0]
    pos, end = 0, len(data)
    for k in range(count):
        if end - pos < 2:
            raise MalformedError(f"entry bundle: entry {k} missing (expected {count})")
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
        if pos > end:
            raise MalformedError(f"entry bundle: entry {k} truncated")
        offsets.append(pos)
    return offsets


def extend_bundles(size: int, edge: bytes, entries: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """Entry bundles ``(index, bytes)`` new or grown when ``entries`` follow a tree of ``size``.

    ``edge`` is the partial bundle of ``size`` (``size mod 256`` entries; empty if none).
    """
    out = []
    first = size >> TILE_HEIGHT
    room = TILE_WIDTH - (size & (TILE_WIDTH - 1))
    chunks = [entries[:room]]
    chunks += [entries[i : i + TILE_WIDTH] for i in range(room, len(entries), TILE_WIDTH)]
    for k, chunk in enumerate(chunks):
        if chunk:
            out.append((first + k, (edge if k == 0 else b"") + encode_bundle(chunk)))
    return out
