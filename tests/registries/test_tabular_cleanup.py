"""API-2: closing a CSV row generator after its stream was closed is quiet."""

from __future__ import annotations

import io

import pytest

from drawsvc.errors import InvalidInput
from drawsvc.registries import tabular


def _csv(rows: int) -> bytes:
    return ("a,b\n" + "".join(f"{i},x\n" for i in range(rows))).encode()


def test_generator_closed_after_its_stream_is_quiet():
    stream = io.BytesIO(_csv(10))
    rows = tabular.iter_rows(stream, "csv")
    assert next(rows) == (1, ["a", "b"])
    stream.close()  # the request's upload is closed while rows are still being read
    rows.close()  # used to raise "I/O operation on closed file" from text.detach()


def test_generator_closed_midway_leaves_the_stream_open_and_usable():
    stream = io.BytesIO(_csv(10))
    rows = tabular.iter_csv(stream)
    next(rows)
    next(rows)
    rows.close()
    assert not stream.closed
    stream.seek(0)
    assert stream.read(3) == b"a,b"


def test_malformed_csv_still_rejected_after_the_fix():
    bad = b"a,b\n" + b"y" * (tabular.MAX_CELL_CHARS * 4 + 1) + b"\n"  # over the field size limit
    with pytest.raises(InvalidInput) as err:
        list(tabular.iter_rows(io.BytesIO(bad), "csv"))
    assert err.value.rule == "RG-02"
