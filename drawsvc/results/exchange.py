"""Exchange files of results (docs/specs/exchange.md): export published results in the columns
provincial platforms import, and import results entered elsewhere, all or nothing.

Files are CSV (written UTF-8 with BOM, so Excel on Chinese Windows opens it right; read in
UTF-8 or GB18030) or XLSX (first sheet), read and written by ``drawsvc.registries.tabular``
with headers declared as ``drawsvc.registries.formats.Layout`` (Chinese header first, then
aliases, English field names accepted). Every text cell written is neutralised against
formula injection (EX-3): a value starting with ``= + - @`` (or a tab / carriage return) gets
a leading ``'``; the reader removes exactly that prefix again, so an exported file re-reads
to the same values.

The import parses the file into the rows of ``batch.import_results`` (RES-I1) and lets it
check every row; its errors come back with the file's row number and the column's header.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from drawsvc.errors import ImportRejected, InvalidInput, RowError
from drawsvc.journal import Actor, Journal
from drawsvc.registries.formats import Column, Layout
from drawsvc.registries.tabular import Format, iter_rows, write_csv, write_xlsx
from drawsvc.results import batch

EXCHANGE_SPEC = "drawsvc/result-exchange/v1"
SHEET_TITLE = "抽查检查结果"
LIST_SEPARATORS = ("；", ";", "、", "\n")
ITEM_SEPARATOR = "/"
YES, NO = ("是", "true", "1", "y", "yes"), ("否", "false", "0", "n", "no")

# Published results, one row per result version (EX-1). Order = the file's column order.
EXPORT = Layout(
    "results-export",
    (
        Column("uscc", ("统一社会信用代码",)),
        Column("firm", ("企业名称",)),
        Column("task", ("抽查任务编号",)),
        Column("check_item", ("检查事项编码",)),
        Column("check_item_name", ("检查事项名称",)),
        Column("inspected_on", ("检查日期",)),
        Column("method", ("检查方式",)),
        Column("categories", ("检查结果",)),
        Column("subcategories", ("问题细类",)),
        Column("follow_up", ("后续处置",)),
        Column("published_on", ("公示日期",)),
        Column("result", ("结果编号",)),
        Column("version", ("版本",)),
        Column("supersedes", ("更正的版本",)),
    ),
)

# Results entered elsewhere (EX-2): the fields of RES-I1.
IMPORT = Layout(
    "results-import",
    (
        Column("task", ("抽查任务编号", "任务编号"), required=True),
        Column("target", ("统一社会信用代码", "信用代码"), required=True),
        Column("check_item", ("检查事项编码", "检查事项"), required=True),
        Column("inspector", ("检查组长编号", "组长编号"), required=True),
        Column("inspected_on", ("检查日期",), required=True),
        Column("completed_on", ("完成日期", "检查完成日期")),
        Column("method", ("检查方式",), required=True),
        Column("firm_signed", ("企业是否签字", "是否签字"), required=True),
        Column("refusal_note", ("拒签说明",)),
        Column("witness", ("见证人",)),
        Column("categories", ("检查结果",), required=True),
        Column("subcategories", ("问题细类",)),
        Column("dissents", ("不同意见",)),
    ),
)


# --------------------------------------------------------------------------- cells


def _joined(values: Iterable[str]) -> str:
    return LIST_SEPARATORS[0].join(values)


def _split(value: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        value = value.replace(sep, LIST_SEPARATORS[0])
    return [v.strip() for v in value.split(LIST_SEPARATORS[0]) if v.strip()]


# --------------------------------------------------------------------------- export


def export_rows(forms: Iterable[Mapping[str, Any]]) -> Iterator[list[Any]]:
    """Published forms (``drawsvc/published-result/v1``) → rows in :data:`EXPORT` order (pure)."""
    for f in forms:
        for item in f["check_items"]:
            values = {
                "uscc": f["firm"]["uscc"],
                "firm": f["firm"]["name"],
                "task": f["task"],
                "check_item": f"{item['department']}{ITEM_SEPARATOR}{item['code']}",
                "check_item_name": item.get("name") or "",
                "inspected_on": f["inspected_on"],
                "method": f["method"],
                "categories": _joined(f["categories"]),
                "subcategories": _joined(f["subcategories"]),
                "follow_up": f["follow_up"] or "",
                "published_on": f["published_on"] or "",
                "result": f["result"],
                "version": f["version"],
                "supersedes": f["supersedes"] if f["supersedes"] is not None else "",
            }
            # EX-3: the writers neutralise formula cells (registries/tabular.py), the readers undo it
            yield [values[c.field] for c in EXPORT.columns]


def write_export(forms: Iterable[Mapping[str, Any]], fmt: Format) -> bytes:
    """The export file's bytes: XLSX, or CSV in UTF-8 with BOM (EX-1)."""
    header = [c.header for c in EXPORT.columns]
    if fmt == "xlsx":
        out = io.BytesIO()
        write_xlsx(out, SHEET_TITLE, header, export_rows(forms))
        return out.getvalue()
    text = io.StringIO(newline="")
    write_csv(text, header, export_rows(forms))
    return text.getvalue().encode("utf-8-sig")


def export_published(session: Session, *, fmt: Format, task: str | None = None,
                     department: str | None = None) -> bytes:
    """Every published result version (of a task, or of a department's tasks) as an exchange file."""
    import sqlalchemy as sa

    from drawsvc.results.models import InspectionResult
    from drawsvc.results.service import published_forms

    q = sa.select(InspectionResult).where(InspectionResult.status == "published")
    if task is not None:
        q = q.where(InspectionResult.task_code == task)
    if department is not None:
        q = q.where(InspectionResult.department == department)
    rows = list(session.scalars(q.order_by(InspectionResult.task_code, InspectionResult.target_uscc,
                                           InspectionResult.item_code, InspectionResult.version)))
    return write_export(published_forms(session, rows), fmt)


# --------------------------------------------------------------------------- import


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _day(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    parts = text.replace("/", "-").replace(".", "-").split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):  # 2026/6/5 as Excel users type it
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
        except ValueError:
            pass
    return text  # the batch rules name it (result.date)


def _field(name: str, value: Any) -> Any:
    """One cell → the row value of RES-I1 (``None`` for an empty optional cell)."""
    if name in ("inspected_on", "completed_on"):
        return _day(value) if _text(value) else None
    text = _text(value)
    if not text:
        return [] if name in ("categories", "subcategories") else None
    if name in ("categories", "subcategories"):
        return _split(text)
    if name == "check_item":
        department, sep, code = text.partition(ITEM_SEPARATOR)
        if not sep or not department or not code:
            raise InvalidInput("check_item: 部门/事项编码, e.g. QY/QY-01", field=name,
                               rule="exchange.check-item")
        return {"department": department, "code": code}
    if name == "firm_signed":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise InvalidInput("firm_signed: 是 or 否", field=name, rule="exchange.yes-no")
    if name == "dissents":  # 编号：理由；编号：理由
        out = []
        for part in _split(text):
            who, sep, why = part.replace(":", "：").partition("：")
            if not sep or not who.strip():
                raise InvalidInput("dissents: 编号：理由；…", field=name, rule="exchange.dissents")
            out.append({"inspector": who.strip(), "reason": why.strip()})
        return out
    if name in ("task", "target", "inspector"):
        return text.upper() if name == "target" else text
    return text


def _columns(header: Sequence[Any]) -> dict[int, str]:
    lookup = IMPORT.lookup()
    cols: dict[int, str] = {}
    for i, h in enumerate(header):
        name = lookup.get(_text(h)) if _text(h) else None
        if name is None:
            if _text(h):
                raise InvalidInput(f"header: unknown column {_text(h)!r}", field="file",
                                   rule="exchange.header", column=_text(h))
            continue
        if name in cols.values():
            raise InvalidInput(f"header: column {IMPORT.header_of(name)} twice", field="file",
                               rule="exchange.header", column=IMPORT.header_of(name))
        cols[i] = name
    missing = [c.header for c in IMPORT.columns if c.required and c.field not in cols.values()]
    if missing:
        raise InvalidInput(f"header: missing column(s) {'、'.join(missing)}", field="file",
                           rule="exchange.header", columns=missing)
    return cols


def parse_import(
    source: IO[bytes] | bytes | str | Path, fmt: Format
) -> tuple[list[int], list[dict[str, Any]]]:
    """The file → (file row numbers, rows of RES-I1). Every bad cell is reported at once
    (``ImportRejected``: file row, column header, rule); blank rows are skipped."""
    rows_in = iter_rows(source, fmt)
    try:
        first = next(rows_in, None)
        if first is None:
            raise InvalidInput("file: empty (a header row is needed)", field="file", rule="exchange.header")
        cols = _columns(first[1])
        numbers: list[int] = []
        rows: list[dict[str, Any]] = []
        errors: list[RowError] = []
        for n, cells in rows_in:
            if not any(_text(c) for c in cells):
                continue
            row: dict[str, Any] = {}
            for i, name in cols.items():
                try:
                    row[name] = _field(name, cells[i] if i < len(cells) else "")
                except InvalidInput as exc:
                    errors.append(RowError(row=n, column=IMPORT.header_of(name), rule=exc.rule,
                                           message=exc.message))
            row = {k: v for k, v in row.items() if v is not None}
            numbers.append(n)
            rows.append(row)
            if len(rows) > batch.MAX_ROWS:
                raise InvalidInput(f"file: at most {batch.MAX_ROWS} rows", field="file", rule="import.rows")
    finally:
        rows_in.close()
    if errors:
        bad = len({e.row for e in errors})
        raise ImportRejected(f"{bad} rows refused; nothing was imported", rows=errors)
    if not rows:
        raise InvalidInput("file: no data rows", field="file", rule="import.rows")
    return numbers, rows


def _header_of(field: str) -> str:
    """A batch error's field (``check_item``, ``dissents[0].inspector``) → the column header."""
    base = field.split("[", 1)[0].split(".", 1)[0]
    return IMPORT.header_of(base) if base in {c.field for c in IMPORT.columns} else field


def import_file(session: Session, journal: Journal, source: IO[bytes] | bytes | str | Path, *,
                fmt: Format, actor: Actor) -> batch.ImportReport:
    """Import an exchange file through ``batch.import_results``: all or nothing (EX-2).

    Errors name the file's row (the header is row 1), the column's header and the rule."""
    data = source if isinstance(source, bytes) else (
        Path(source).read_bytes() if isinstance(source, str | Path) else source.read())
    numbers, rows = parse_import(data, fmt)
    try:
        return batch.import_results(session, journal, rows, actor=actor,
                                    file_sha256=hashlib.sha256(data).hexdigest())
    except ImportRejected as exc:
        remapped = [RowError(row=numbers[e.row - 1], column=_header_of(e.column), rule=e.rule,
                             message=e.message) for e in exc.rows]
        raise ImportRejected(exc.message, rows=remapped) from None
