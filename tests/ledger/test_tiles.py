"""ledger.tiles: C2SP tlog-tiles paths and entry-bundle codec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import tiles
from ledger.errors import MalformedError


def test_index_encoding_uses_the_spec_example() -> None:
    assert tiles.encode_index(1234067) == "x001/x234/067"  # tlog-tiles §Merkle Tree
    assert tiles.encode_index(0) == "000"
    assert tiles.encode_index(999) == "999"
    assert tiles.encode_index(1000) == "x001/000"
    with pytest.raises(ValueError):
        tiles.encode_index(-1)


def test_paths() -> None:
    assert tiles.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tiles.tile_path(1, 5, 17) == "tile/1/005.p/17"
    assert tiles.entries_path(273, 112) == "tile/entries/273.p/112"
    assert tiles.entries_path(2) == "tile/entries/002"
    for bad in (0, 257, -1):
        with pytest.raises(ValueError):
            tiles.tile_path(0, 1, bad)
    with pytest.raises(ValueError):
        tiles.tile_path(64, 0)


def test_changed_tiles() -> None:
    # tlog-tiles §Partial Tiles example: a tree of 70,000.
    full = tiles.changed_tiles(0, 70_000)
    assert (0, 273, 112) in full and (1, 0, 256) in full and (1, 1, 17) in full and (2, 0, 1) in full
    assert len([t for t in full if t[0] == 0]) == 274
    assert tiles.changed_tiles(70_000, 70_000) == []
    # 12 more entries: the level-0 partial grows; levels 1 and 2 are unchanged.
    assert tiles.changed_tiles(70_000, 70_012) == [(0, 273, 124)]
    assert tiles.changed_tiles(255, 256) == [(0, 0, 256), (1, 0, 1)]


@given(st.lists(st.binary(max_size=300), max_size=256))
def test_bundle_roundtrip(entries: list[bytes]) -> None:
    data = tiles.encode_bundle(entries)
    assert tiles.decode_bundle(data, len(entries)) == entries
    assert len(data) == sum(2 + len(e) for e in entries)


def test_bundle_length_prefix_is_big_endian_uint16() -> None:
    assert tiles.encode_bundle([b"ab", b""]) == b"\x00\x02ab\x00\x00"
    assert tiles.encode_bundle([b"x" * 0x0102])[:2] == b"\x01\x02"
    with pytest.raises(MalformedError):
        tiles.encode_bundle([b"x" * 65_536])


@pytest.mark.parametrize(
    "data, width",
    [
        (b"\x00", None),  # truncated length prefix
        (b"\x00\x03ab", None),  # truncated entry
        (b"\x00\x01a\x00", None),  # trailing garbage
        (b"\x00\x01a", 2),  # wrong count
        (b"\x00\x00" * 257, None),  # more than a full bundle
    ],
)
def test_bad_bundles_are_refused(data: bytes, width: int | None) -> None:
    with pytest.raises(MalformedError):
        tiles.decode_bundle(data, width)
