"""Exchange files of results: import all or nothing with row/column/rule errors, export with
Chinese headers, UTF-8 BOM and formula-injection cells neutralised."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "results"))
sys.path.insert(0, str(Path(__file__).parent))
from exchange_support import EVIL, HEADER, _csv, _row, _xlsx
from results_support import bureau, log_size, table_counts

from drawsvc.errors import ImportRejected, InvalidInput
from drawsvc.results import exchange, service


def test_import_csv_and_xlsx_then_export_published(world: Any) -> None:
    rt, task, t = world
    (u0, (l0, _)), (u1, (l1, _)), (u2, (l2, _)) = t[:3]
    rows = [_row(task, u0, l0),
            _row(task, u1, l1, 检查结果="发现问题待后续处理", 问题细类="未按规定公示应当公示的信息")]
    with rt.transaction() as s:
        report = exchange.import_file(s, rt.journal, _csv(rows), fmt="csv", actor=bureau())
    assert report.rows == 2
    with rt.transaction() as s:  # XLSX with a real date cell and 否 + refusal note
        refused = _row(task, u2, l2, 企业是否签字="否", 拒签说明="负责人拒绝签字")
        refused[HEADER.index("检查日期")] = date(2026, 6, 15)  # type: ignore[call-overload]
        more = exchange.import_file(s, rt.journal, _xlsx([refused]), fmt="xlsx", actor=bureau())
        codes = report.results + more.results
        service.audit_results(s, rt.journal, results=codes, approver="QY-HEAD", actor=bureau())
        service.publish_results(s, rt.journal, results=codes, actor=bureau())
    with rt.transaction() as s:
        data = exchange.export_published(s, fmt="csv", task=task)
        book = exchange.export_published(s, fmt="xlsx", department="QY")
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == [c.header for c in exchange.EXPORT.columns]
    assert table[0][:3] == ["统一社会信用代码", "企业名称", "抽查任务编号"]
    by_firm = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
    assert set(by_firm) == {u0, u1, u2}
    assert by_firm[u0]["企业名称"] == "'" + EVIL  # neutralised: a spreadsheet shows text
    assert by_firm[u1]["检查结果"] == "发现问题待后续处理"
    assert by_firm[u1]["问题细类"] == "未按规定公示应当公示的信息"
    assert by_firm[u2]["检查日期"] == "2026-06-15" and by_firm[u2]["检查事项编码"] == "QY/QY-01"
    assert "负责人拒绝签字" not in data.decode("utf-8-sig")  # private refusal note never exported
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(book)).worksheets[0]
    cells = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(2, ws.max_row + 1)}
    assert cells[u0].value == EVIL and cells[u0].data_type == "s"  # a string cell, never a formula


def test_a_bad_file_names_row_column_and_rule_and_writes_nothing(world: Any) -> None:
    rt, task, t = world
    (u0, (l0, _)), (u1, (l1, _)), (u2, (l2, _)) = t[:3]
    rows = [
        _row(task, u0, l0),                                  # row 2: good
        _row(task, u1, l1, 检查结果="查无此类"),              # row 3: category not in the vocabulary
        _row(task, u2, l2, 检查组长编号="QY-9999"),           # row 4: not the team's leader
        _row(task, u0, l0),                                  # row 5: same target and item twice
    ]
    before, counts = log_size(rt), table_counts(rt)
    with pytest.raises(ImportRejected) as rejected, rt.transaction() as s:
        exchange.import_file(s, rt.journal, _csv(rows), fmt="csv", actor=bureau())
    got = {(e.row, e.column) for e in rejected.value.rows}
    assert got == {(3, "检查结果"), (4, "检查组长编号"), (5, "检查事项编码")}
    assert all(e.rule for e in rejected.value.rows)
    assert (log_size(rt), table_counts(rt)) == (before, counts)


def test_cells_that_do_not_parse_are_all_reported(world: Any) -> None:
    rt, task, t = world
    (u0, (l0, _)), (u1, (l1, _)) = t[:2]
    rows = [_row(task, u0, l0, 企业是否签字="也许"), [], _row(task, u1, l1, 检查事项编码="QY-01")]
    with pytest.raises(ImportRejected) as rejected, rt.transaction() as s:
        exchange.import_file(s, rt.journal, _csv(rows), fmt="csv", actor=bureau())
    assert [(e.row, e.column, e.rule) for e in rejected.value.rows] == [
        (2, "企业是否签字", "exchange.yes-no"), (4, "检查事项编码", "exchange.check-item")]


def test_headers_are_checked(world: Any) -> None:
    rt, _task, _t = world
    with rt.transaction() as s:
        with pytest.raises(InvalidInput) as missing:
            exchange.import_file(s, rt.journal, "抽查任务编号,统一社会信用代码\n".encode(), fmt="csv",
                                 actor=bureau())
        assert missing.value.rule == "exchange.header" and "检查结果" in missing.value.message
        with pytest.raises(InvalidInput) as unknown:
            exchange.import_file(s, rt.journal, _csv([]).replace("拒签说明".encode(), "备注".encode()),
                                 fmt="csv", actor=bureau())
        assert unknown.value.detail["column"] == "备注"
        with pytest.raises(InvalidInput) as empty:
            exchange.import_file(s, rt.journal, _csv([]), fmt="csv", actor=bureau())
        assert empty.value.rule == "import.rows"


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised_and_read_back(value: str) -> None:
    from drawsvc.registries.tabular import iter_rows, neutralise_csv_cell, write_csv

    assert neutralise_csv_cell(value) == "'" + value
    assert neutralise_csv_cell("未发现问题") == "未发现问题" and neutralise_csv_cell(3) == 3
    out = io.StringIO()
    write_csv(out, ["h"], [[value, "'plain"]])
    assert list(iter_rows(out.getvalue().encode(), "csv"))[1][1] == [value, "'plain"]
