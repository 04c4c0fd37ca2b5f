"""Streaming readers and writers of tabular files (CSV, XLSX). No database.

CSV: UTF-8 (with or without BOM) or, as Excel on Chinese Windows saves it, GB18030; the
encoding is decided from the first 64 KiB. XLSX: the first worksheet, read with openpyxl in
read-only mode. Rows are yielded one at a time with the 1-based row number a user sees in
a spreadsheet (the header is row 1), so memory stays bounded whatever the file size.

Formula injection (CWE-1236). Writers never let a cell become a formula: an XLSX text cell is
always stored as text (openpyxl would store a string starting with ``=`` as a formula), and a
CSV text cell starting with ``= + - @``, TAB or CR gets a leading apostrophe, which Excel shows
as text. The CSV reader takes that apostrophe off again, so an exported CSV imports back as
it was.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from drawsvc.errors import InvalidInput

Format = Literal["csv", "xlsx"]
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SNIFF_BYTES = 64 * 1024
MAX_CELL_CHARS = 4000
csv.field_size_limit(MAX_CELL_CHARS * 4)


def format_of(path: str | Path) -> Format:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise InvalidInput("file must be .csv or .xlsx", field="file", rule="RG-02")


def as_binary(source: IO[bytes] | bytes | str | Path) -> IO[bytes]:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(bytes(source))
    if isinstance(source, str | Path):
        return open(source, "rb")
    return source


def _csv_encoding(head: bytes) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise InvalidInput("CSV is neither UTF-8 nor GB18030", field="file", rule="RG-02") from None


def iter_csv(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    head = stream.read(SNIFF_BYTES)
    encoding = _csv_encoding(head)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        for n, row in enumerate(csv.reader(text), start=1):
            # a cell starting with an apostrophe is the first one or follows a separator: one
            # C-speed join finds whether any does (most rows: none), a false alarm only costs time
            joined = "\x00".join(row)
            if joined[:1] == "'" or "\x00'" in joined:
                row = [_restore_csv_cell(c) if c[:1] == "'" else c for c in row]
            yield n, row
    except (csv.Error, UnicodeDecodeError):
        raise InvalidInput("CSV is malformed or not in one encoding", field="file", rule="RG-02") from None
    finally:
        # The caller may have closed the stream already (an import rejected mid-file, API-2):
        # then there is nothing to detach from, and cleanup stays quiet.
        with contextlib.suppress(ValueError):
            text.detach()


def iter_xlsx(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    # openpyxl parses the untrusted zip and XML lazily, and a damaged file surfaces as whatever
    # its layers raise (zipfile, zlib, expat, ElementTree, its own descriptors: found by fuzzing,
    # tests/registries/test_import_formats_fuzz.py). Around openpyxl's own calls only, any error
    # is "not a readable workbook"; our code's errors are not caught here.
    unreadable = InvalidInput("not a readable .xlsx workbook", field="file", rule="RG-02")
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        try:
            ws = wb.worksheets[0]
            ws.reset_dimensions()  # some writers store a wrong <dimension>; read every row there is
            rows = ws.iter_rows(values_only=True)
        except Exception:
            raise unreadable from None
        n = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:
                raise unreadable from None
            n += 1
            yield n, ["" if v is None else v for v in row]
    finally:
        with contextlib.suppress(Exception):
            wb.close()


def iter_rows(source: IO[bytes] | bytes | str | Path, fmt: Format) -> Iterator[tuple[int, list[Any]]]:
    stream = as_binary(source)
    owned = isinstance(source, str | Path)
    try:
        yield from (iter_csv(stream) if fmt == "csv" else iter_xlsx(stream))
    finally:
        if owned:
            stream.close()


def write_xlsx(
    path_or_stream: str | Path | IO[bytes], title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write one sheet in openpyxl's write-only mode (streamed); return the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title)

    def text_cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell

    ws.append([text_cell(h) for h in header])
    n = 0
    for row in rows:
        ws.append([text_cell(v) for v in row])
        n += 1
    wb.save(path_or_stream)
    return n


def neutralise_csv_cell(value: Any) -> Any:
    """A CSV cell Excel will not run: text that starts with a formula trigger, after any
    apostrophes, gets one more apostrophe in front (so that the reader can take exactly one off)."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _restore_csv_cell(cell: str) -> str:
    """The inverse of :func:`neutralise_csv_cell` for a cell starting with an apostrophe."""
    return cell[1:] if cell.lstrip("'").startswith(FORMULA_TRIGGERS) else cell


def write_csv(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    writer = csv.writer(stream)
    writer.writerow([neutralise_csv_cell(h) for h in header])
    n = 0
    for row in rows:
        writer.writerow([neutralise_csv_cell(v) for v in row])
        n += 1
    return n
