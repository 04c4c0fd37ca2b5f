"""Hostile import files and exports (issue 19): encodings, broken workbooks, formula injection.

Each refusal leaves the database and the log as they were; each accepted file imports exactly
what it holds (never mangled text); nothing exported runs as a formula in Excel.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from reg_support import BUREAU, TODAY, csv_bytes, log_bytes

from drawsvc.errors import ImportRejected, InvalidInput
from drawsvc.registries import exports, imports, repository
from drawsvc.registries.tabular import iter_rows, neutralise_csv_cell, write_csv, write_xlsx
from drawsvc.sample import generate_targets, write_file

INJECTIONS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")",
              "'=already quoted", "\t=tab", "\r=cr"]


def run(rt: Any, data: bytes, fmt: str = "csv") -> imports.ImportReport:
    with rt.transaction() as s:
        return imports.import_file(s, rt.journal, data, kind="targets", fmt=fmt, actor=BUREAU, on=TODAY)


def names(rt: Any) -> dict[str, str]:
    with rt.transaction() as s:
        return {t.uscc: t.name for t in repository.iter_targets(s)}


def test_gbk_csv_is_decoded_exactly(rt: Any) -> None:
    base = generate_targets(20, seed=3)
    rows = [{**r, "name": f"杭州{'甲乙丙丁'[i % 4]}餐饮有限公司（分店）"} for i, r in enumerate(base)]
    run(rt, csv_bytes("targets", rows, encoding="gbk"), "csv")
    assert names(rt) == {r["uscc"]: r["name"] for r in rows}


def test_utf8_bom_and_no_bom_read_alike(rt: Any) -> None:
    rows = list(generate_targets(5, seed=4))
    with_bom = list(iter_rows(csv_bytes("targets", rows, encoding="utf-8-sig"), "csv"))
    without = list(iter_rows(csv_bytes("targets", rows, encoding="utf-8"), "csv"))
    assert with_bom == without and with_bom[0][1][0] == "统一社会信用代码"


def test_a_file_that_changes_encoding_midway_is_refused_and_nothing_written(rt: Any) -> None:
    rows = list(generate_targets(3000, seed=6))
    head = csv_bytes("targets", rows[:2000], encoding="utf-8")
    tail = csv_bytes("targets", rows[2000:], encoding="gbk").split(b"\n", 1)[1]  # no second header
    assert len(head) > 64 * 1024  # the sniffer saw UTF-8 only
    before = log_bytes(rt)
    with pytest.raises(InvalidInput) as exc:
        run(rt, head + tail)
    assert exc.value.field == "file"
    assert log_bytes(rt) == before and names(rt) == {}


def test_bytes_in_no_encoding_are_refused(rt: Any) -> None:
    with pytest.raises(InvalidInput) as exc:
        run(rt, b"\xff\xfe\xfa\x80\x81" * 100)
    assert exc.value.rule == "RG-02"
    assert names(rt) == {}


def test_duplicate_credit_codes_in_one_file_are_refused_naming_rows(rt: Any) -> None:
    rows = list(generate_targets(10, seed=7))
    rows.append({**rows[2], "name": "重复企业"})
    with pytest.raises(ImportRejected) as exc:
        run(rt, csv_bytes("targets", rows))
    assert [(e.row, e.rule) for e in exc.value.rows] == [(12, "RG-12")]
    assert names(rt) == {}


@pytest.fixture(scope="module")
def good_xlsx(tmp_path_factory: Any) -> bytes:
    path = tmp_path_factory.mktemp("x") / "t.xlsx"
    write_file("targets", list(generate_targets(30, seed=8)), path)
    return path.read_bytes()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 10_000), flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)),
                                                 max_size=4))
def test_broken_xlsx_is_refused_or_imported_whole_never_crashes(
    runtime: Any, good_xlsx: bytes, cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(good_xlsx[: len(good_xlsx) - cut % len(good_xlsx)])
    for at, bit in flips:
        if data:
            data[at % len(data)] ^= bit
    with runtime.transaction() as s:
        before = runtime.log.size(s.connection())
    try:
        with runtime.transaction() as s:
            imports.import_file(s, runtime.journal, bytes(data), kind="targets", fmt="xlsx", actor=BUREAU,
                                on=TODAY)
    except InvalidInput:  # ImportRejected included: a clear refusal
        with runtime.transaction() as s:
            assert runtime.log.size(s.connection()) == before


@pytest.mark.parametrize("name", [n for n in INJECTIONS if n[0] not in "\t\r"])  # RG-02 refuses those
def test_exported_xlsx_never_holds_a_formula(rt: Any, name: str) -> None:
    row = {**next(iter(generate_targets(1, seed=9))), "name": name}
    run(rt, csv_bytes("targets", [row]))
    out = io.BytesIO()
    with rt.transaction() as s:
        exports.export_registry(s, out, kind="targets")
    ws = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]  # not data_only: formulas stay formulas
    cells = [c for r in ws.iter_rows() for c in r]
    assert all(c.data_type != "f" for c in cells)
    # The text itself, unchanged; a CSV cell's leading apostrophe before a trigger is the
    # neutralisation of an earlier export (tabular.py), taken off when read.
    assert (name[1:] if name.startswith("'") else name) in [c.value for c in cells]


# Stored text never holds control characters other than TAB/LF/CR (RG-02), nor lone surrogates.
text_cells = st.text(st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\ufeff")
                     | st.sampled_from("\t\n\r"), max_size=12)


@given(st.lists(st.lists(st.one_of(text_cells, st.sampled_from(INJECTIONS)), min_size=1, max_size=4),
                min_size=1, max_size=6))
def test_csv_neutralisation_round_trips(rows: list[list[str]]) -> None:
    out = io.StringIO()
    write_csv(out, ["h"], rows)
    assert all(not str(neutralise_csv_cell(c)).startswith(("=", "+", "-", "@", "\t", "\r"))
               for r in rows for c in r)
    back = [cells for _, cells in iter_rows(out.getvalue().encode("utf-8"), "csv")][1:]
    assert back == rows


# XML turns a CR into LF (XML 1.0 §2.11); stored text never holds one (RG-02).
xlsx_cells = st.one_of(text_cells, st.sampled_from(INJECTIONS)).filter(lambda c: "\r" not in c)


@given(st.lists(xlsx_cells, min_size=1, max_size=6))
def test_xlsx_text_round_trips_as_text(cells: list[str]) -> None:
    out = io.BytesIO()
    write_xlsx(out, "t", ["h"] * len(cells), [cells])
    ws = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    row = [c for c in next(ws.iter_rows(min_row=2))]
    assert all(c.data_type == "s" for c in row if c.value is not None)
    assert [c.value if c.value is not None else "" for c in row] == cells


@given(st.lists(st.lists(st.text(alphabet="'=+a\x00,\"\t甲", max_size=6), min_size=1, max_size=5), min_size=1,
                max_size=5))
def test_csv_cells_read_back_with_exactly_one_apostrophe_taken_off_a_trigger(rows: list[list[str]]) -> None:
    """The reader's shortcut (rows without a cell starting with an apostrophe are passed on as
    they are) reads every row as the cell-by-cell rule does: one apostrophe off a cell that
    starts with apostrophes and then a formula trigger, nothing else changed."""
    import csv

    from drawsvc.registries.tabular import _restore_csv_cell

    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    read = [cells for _n, cells in iter_rows(text.getvalue().encode(), "csv")]
    assert read == [[_restore_csv_cell(c) if c[:1] == "'" else c for c in row] for row in rows]
