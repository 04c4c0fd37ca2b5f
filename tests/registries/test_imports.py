"""All-or-nothing imports of CSV and XLSX files (spec §5), exports, and privacy of the log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reg_support import BUREAU, TODAY, csv_bytes, log_bytes, log_entries

from drawsvc.errors import ImportRejected, InvalidInput
from drawsvc.registries import exports, imports, repository, rules
from drawsvc.registries.formats import LAYOUTS
from drawsvc.registries.records import batch_records
from drawsvc.registries.tabular import iter_rows
from drawsvc.sample import generate_experts, generate_inspectors, generate_targets, write_file


def run(rt: Any, source: Any, kind: str, fmt: str = "csv", **kw: Any) -> imports.ImportReport:
    with rt.transaction() as s:
        return imports.import_file(s, rt.journal, source, kind=kind, fmt=fmt, actor=BUREAU, on=TODAY, **kw)


def count(rt: Any, kind: str) -> int:
    with rt.transaction() as s:
        if kind == "targets":
            return sum(1 for _ in repository.iter_targets(s))
        if kind == "inspectors":
            return len(repository.list_inspectors(s))
        return len(repository.list_experts(s))


# --------------------------------------------------------------------------- good files
def test_good_csv_imports_and_logs_every_record_in_packed_entries(rt: Any) -> None:
    rows = list(generate_targets(700, seed=5))
    report = run(rt, csv_bytes("targets", rows), "targets", batch_rows=200)
    assert (report.rows, report.created, report.updated) == (700, 700, 0)
    entries = log_entries(rt)[-report.log_entries :]
    assert entries[-1]["kind"] == "registry.import" and entries[-1]["body"]["created"] == 700
    logged = [r for e in entries[:-1] for r in batch_records(e["body"])]
    assert [r["uscc"] for r in logged] == [r["uscc"] for r in rows]  # file order, each exactly once
    assert all(e["kind"] == "registry.target.batch.v2" for e in entries[:-1])
    assert all(e["body"]["fields"] == list(imports.TARGET_FIELDS) for e in entries[:-1])
    assert [e["body"]["part"] for e in entries[:-1]] == list(range(len(entries) - 1))
    with rt.transaction() as s:
        t = repository.get_target(s, rows[0]["uscc"])
        assert (t.name, t.region_code, t.registration_authority) == (
            rows[0]["name"],
            rows[0]["region_code"],
            rows[0]["registration_authority"],
        )


def test_reimport_changes_only_what_changed(rt: Any) -> None:
    rows = list(generate_targets(50, seed=5))
    run(rt, csv_bytes("targets", rows), "targets")
    rows[3] = {**rows[3], "credit_class": "D", "risk_flags": "严重违法违规"}
    report = run(rt, csv_bytes("targets", rows), "targets")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 49)
    batch = batch_records([e for e in log_entries(rt) if e["kind"] == "registry.target.batch.v2"][-1]["body"])
    assert [(r["uscc"], r["credit_class"], r["risk_flags"], r["version"]) for r in batch] == [
        (rows[3]["uscc"], "D", ["serious_violation"], 2)
    ]


def test_gb18030_csv_from_excel_is_read(rt: Any) -> None:
    rows = list(generate_targets(20, seed=6))
    report = run(rt, csv_bytes("targets", rows, encoding="gb18030"), "targets")
    assert report.created == 20
    with rt.transaction() as s:
        assert repository.get_target(s, rows[0]["uscc"]).name == rows[0]["name"]


def test_xlsx_inspectors_and_experts_import(rt: Any, tmp_path: Path) -> None:
    write_file("inspectors", generate_inspectors(30, seed=2, on=TODAY), tmp_path / "i.xlsx")
    write_file("experts", generate_experts(12, seed=2, on=TODAY), tmp_path / "e.xlsx")
    assert run(rt, tmp_path / "i.xlsx", "inspectors", "xlsx", department="SCJG").created == 30
    with (tmp_path / "e.xlsx").open("rb") as fh:  # a file object, as the API passes it
        assert run(rt, fh, "experts", "xlsx", department="SCJG").created == 12
    with rt.transaction() as s:
        assert len(repository.eligible_experts(s, pool_code="ZLZJ", on=TODAY)) == 12


def test_export_roundtrips_through_import(rt: Any, tmp_path: Path) -> None:
    rows = list(generate_targets(40, seed=8))
    run(rt, csv_bytes("targets", rows), "targets")
    with rt.transaction() as s:
        assert exports.export_registry(s, tmp_path / "t.xlsx", kind="targets") == 40
    exported = list(iter_rows(tmp_path / "t.xlsx", "xlsx"))
    header = exported[0][1]
    by_uscc = {r[1][0]: dict(zip(header, r[1], strict=False)) for r in exported[1:]}
    first = rows[0]
    assert by_uscc[first["uscc"]]["名称"] == first["name"]
    assert by_uscc[first["uscc"]]["风险标识"] == first["risk_flags"]
    report = run(rt, tmp_path / "t.xlsx", "targets", "xlsx")
    assert (report.unchanged, report.updated, report.created) == (40, 0, 0)


def test_export_leaves_private_columns_empty_unless_asked(rt: Any, tmp_path: Path) -> None:
    run(
        rt,
        csv_bytes("inspectors", list(generate_inspectors(3, seed=1, on=TODAY))),
        "inspectors",
        department="SCJG",
    )
    with rt.transaction() as s:
        exports.export_registry(s, tmp_path / "a.xlsx", kind="inspectors")
        exports.export_registry(s, tmp_path / "b.xlsx", kind="inspectors", include_private=True)
    phone_col = [c.header for c in LAYOUTS["inspectors"].columns].index("联系电话")
    public = [r[1][phone_col] for r in list(iter_rows(tmp_path / "a.xlsx", "xlsx"))[1:]]
    private = [r[1][phone_col] for r in list(iter_rows(tmp_path / "b.xlsx", "xlsx"))[1:]]
    assert public == ["", "", ""] and all(p.startswith("100") for p in private)


# --------------------------------------------------------------------------- bad files
def test_bad_rows_are_all_listed_and_nothing_is_imported(rt: Any) -> None:
    rows = list(generate_targets(30, seed=9))
    good_before = log_bytes(rt)
    bad = [dict(r) for r in rows]
    bad[2]["uscc"] = bad[2]["uscc"][:17] + ("0" if bad[2]["uscc"][17] != "0" else "1")
    bad[5]["region_code"] = "3301"
    bad[5]["credit_class"] = "Z"
    bad[9]["risk_flags"] = "偷税漏税"
    bad[20]["name"] = ""
    bad.append(dict(rows[11]))  # duplicate, in a later batch
    with pytest.raises(ImportRejected) as exc:
        run(rt, csv_bytes("targets", bad), "targets", batch_rows=10)
    got = [(e.row, e.column, e.rule) for e in exc.value.rows]
    assert got == [
        (4, "统一社会信用代码", rules.USCC_CHECK),
        (7, "行政区划代码", rules.REGION_CODE),
        (7, "信用风险分类", rules.CREDIT_CLASS),
        (11, "风险标识", rules.RISK_FLAG),
        (22, "名称", rules.REQUIRED),
        (32, "统一社会信用代码", rules.DUPLICATE),
    ]
    assert exc.value.detail["bad_rows"] == 5
    assert count(rt, "targets") == 0 and log_bytes(rt) == good_before


def test_duplicate_inside_one_batch_names_the_first_row_and_rows_are_sorted(rt: Any) -> None:
    rows = list(generate_targets(5, seed=9))
    broken = {**rows[0], "uscc": "91330100799655058C"}  # wrong check character
    with pytest.raises(ImportRejected) as exc:
        run(rt, csv_bytes("targets", [*rows, rows[1], broken]), "targets")
    assert [(e.row, e.rule) for e in exc.value.rows] == [(7, rules.DUPLICATE), (8, rules.USCC_CHECK)]
    assert "row 3" in exc.value.rows[0].message
    assert exc.value.detail["bad_rows"] == 2


def test_missing_required_column_is_reported_on_the_header_row(rt: Any) -> None:
    data = "名称,行政区划代码\n某公司,330106\n".encode()
    with pytest.raises(ImportRejected) as exc:
        run(rt, data, "targets")
    assert [(e.row, e.column, e.rule) for e in exc.value.rows] == [(1, "统一社会信用代码", rules.REQUIRED)]


@pytest.mark.parametrize(
    "data,fmt", [(b"", "csv"), (b"not a zip", "xlsx"), (b"\xff\xfe\x00\x00garbage\x81", "csv")]
)
def test_unreadable_files_are_refused_cleanly(rt: Any, data: bytes, fmt: str) -> None:
    with pytest.raises(InvalidInput):  # ImportRejected is an InvalidInput too
        run(rt, data, "targets", fmt)


def test_rejected_inspectors_expired_certificate_and_scope(rt: Any) -> None:
    rows = list(generate_inspectors(4, seed=3, on=TODAY))
    rows[1]["certificate_valid_until"] = "2026-03-01"
    rows[2]["department_code"] = "SWJ"
    rows[3]["phone"] = "x" + rows[3]["phone"]
    with pytest.raises(ImportRejected) as exc:
        run(rt, csv_bytes("inspectors", rows), "inspectors", department="SCJG")
    assert [(e.row, e.column, e.rule) for e in exc.value.rows] == [
        (3, "执法证有效期至", rules.CERTIFICATE_EXPIRED),
        (4, "部门代码", rules.DEPARTMENT_SCOPE),
        (5, "联系电话", rules.PHONE),
    ]
    assert rows[3]["phone"] not in json.dumps(exc.value.as_dict(), ensure_ascii=False)
    assert count(rt, "inspectors") == 0


def test_reimported_inspectors_are_counted_and_a_forbidden_status_change_is_refused(rt: Any) -> None:
    rows = list(generate_inspectors(4, seed=3, on=TODAY))
    assert run(rt, csv_bytes("inspectors", rows), "inspectors", department="SCJG").created == 4
    rows[0] = {**rows[0], "status": "退休"}
    report = run(rt, csv_bytes("inspectors", rows), "inspectors", department="SCJG")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    size = len(log_entries(rt))
    rows[0] = {**rows[0], "status": "在岗"}  # retired is final (RG-14)
    rows[2] = {**rows[2], "post": "食品安全"}
    with pytest.raises(ImportRejected) as exc:
        run(rt, csv_bytes("inspectors", rows), "inspectors", department="SCJG")
    assert [(e.row, e.column, e.rule) for e in exc.value.rows] == [(2, "状态", rules.STATUS_TRANSITION)]
    assert len(log_entries(rt)) == size
    with rt.transaction() as s:
        assert [i.status for i in repository.list_inspectors(s)][:1] == ["retired"]


@pytest.mark.parametrize("kind,key", [("inspectors", "staff_no"), ("experts", "code")])
def test_a_key_repeated_in_a_later_batch_is_a_duplicate_row(rt: Any, kind: str, key: str) -> None:
    make = generate_inspectors if kind == "inspectors" else generate_experts
    rows = list(make(3, seed=3, on=TODAY))
    rows.append({**rows[0]})  # row 5, in the second batch of two rows
    with pytest.raises(ImportRejected) as exc:
        run(rt, csv_bytes(kind, rows), kind, department="SCJG", batch_rows=2)
    assert [(e.row, e.rule) for e in exc.value.rows] == [(5, rules.DUPLICATE)]
    assert "an earlier row" in exc.value.rows[0].message
    assert count(rt, kind) == 0


def test_rejected_experts_over_age_and_bad_term(rt: Any) -> None:
    rows = list(generate_experts(3, seed=3, on=TODAY))
    rows[0]["birth_date"], rows[0]["id_number"] = "1950-05-05", ""
    rows[2]["term_end"] = "2040-01-01"
    with pytest.raises(ImportRejected) as exc:
        run(rt, csv_bytes("experts", rows), "experts", department="SCJG")
    assert [(e.row, e.column, e.rule) for e in exc.value.rows] == [
        (2, "出生日期", rules.AGE_LIMIT),
        (4, "聘期结束", rules.TERM),
    ]
    text = json.dumps(exc.value.as_dict(), ensure_ascii=False)
    assert "1950-05-05" not in text
    assert count(rt, "experts") == 0


def test_declarations_import_and_unknown_person(rt: Any) -> None:
    run(
        rt,
        csv_bytes("inspectors", list(generate_inspectors(2, seed=3, on=TODAY))),
        "inspectors",
        department="SCJG",
    )
    usccs = [t["uscc"] for t in generate_targets(2, seed=3)]
    rows = [
        {
            "person_kind": "执法人员",
            "person_code": "SCJG-00001",
            "counterpart_uscc": usccs[0],
            "kind": "近亲属任职",
            "valid_from": "2026-01-01",
        },
        {
            "person_kind": "执法人员",
            "person_code": "SCJG-00009",
            "counterpart_uscc": usccs[1],
            "kind": "其他",
            "valid_from": "2026-01-01",
        },
    ]
    with pytest.raises(ImportRejected) as exc:
        run(rt, csv_bytes("declarations", rows), "declarations", department="SCJG")
    assert [(e.row, e.column, e.rule) for e in exc.value.rows] == [(3, "人员编号", rules.UNKNOWN_REFERENCE)]
    assert run(rt, csv_bytes("declarations", rows[:1]), "declarations", department="SCJG").created == 1
    with rt.transaction() as s:
        active = repository.active_declarations(s, on=TODAY, people=[("inspector", "SCJG-00001")])
    assert active == {("inspector", "SCJG-00001"): {usccs[0]}}


# --------------------------------------------------------------------------- privacy
def test_no_private_field_reaches_the_log_after_imports_and_changes(rt: Any) -> None:
    inspectors = list(generate_inspectors(20, seed=11, on=TODAY))
    experts = list(generate_experts(20, seed=11, on=TODAY))
    run(rt, csv_bytes("inspectors", inspectors), "inspectors", department="SCJG")
    run(rt, csv_bytes("experts", experts), "experts", department="SCJG")
    changed = [{**r, "phone": "100" + r["phone"][3:][::-1]} for r in inspectors]
    second = run(rt, csv_bytes("inspectors", changed), "inspectors", department="SCJG")
    data = log_bytes(rt)
    private = [r["phone"] for r in inspectors + changed + experts]
    private += [r[k] for r in experts for k in ("birth_date", "id_number", "home_address")]
    leaked = [p for p in private if p.encode() in data]
    assert leaked == []
    assert b"\xe7\xa4\xba\xe4\xbe\x8b\xe8\xb7\xaf" not in data  # 示例路, part of every sample address
    # one commitment per inspector phone logged, four per expert (phone, birth date, ID number, address)
    assert data.count(b'"commitment"') == 20 + second.updated + 20 * 4


@pytest.mark.parametrize(
    "over",
    [
        {},
        {"risk_flags": "投诉举报多；列入经营异常名录；失信；严重违法违规"},
        {"name": '杭州"引号"\\反斜杠\\有限公司', "industry": 'a"b', "risk_flags": "失信"},
        {"name": "𠀀𠀁 astral 公司\u2028", "scale": "\u00e9"},
    ],
)
def test_target_record_size_is_the_exact_canonical_size(over: dict[str, Any]) -> None:
    from drawsvc.registries.records import parse_target

    for n, raw in enumerate(generate_targets(100, seed=12)):
        rec, errors = parse_target({**raw, **over})
        assert not errors and rec is not None
        body = {**rec.__dict__, "version": 10**n % 10**9}
        values = [body[k] for k in imports.TARGET_FIELDS]
        assert imports.target_record_size(body) == imports.record_size(values)
        encoded = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
        assert imports.record_size(values) == len(encoded)


def test_batch_entries_fill_the_entry_limit_and_never_exceed_it(rt: Any) -> None:
    rows = [{**r, "name": r["name"] + '"\\' * (i % 7)} for i, r in enumerate(generate_targets(1500, seed=4))]
    report = run(rt, csv_bytes("targets", rows), "targets", batch_rows=400)
    with rt.transaction() as s:
        conn = s.connection()
        size = rt.log.size(conn)
        raw = rt.log.entries(conn, 0, size)[-report.log_entries : -1]
    limit = rt.log.max_entry_size
    assert len(raw) >= 2 and max(map(len, raw)) <= limit
    assert min(map(len, raw[:-1])) > limit - 600  # full but for less than two records


def test_packing_follows_a_smaller_configured_entry_size(tmp_path: Path) -> None:
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    rt = open_runtime(Settings(data_dir=tmp_path, max_entry_size=8 * 1024, log_origin="test.example/log"))
    try:
        report = run(rt, csv_bytes("targets", list(generate_targets(400, seed=2))), "targets")
        sizes = [
            len(json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode()) for e in log_entries(rt)
        ]
    finally:
        rt.close()
    assert report.created == 400 and report.log_entries > 8  # ≈ 40 records an entry, not 140
    assert max(sizes) <= 8 * 1024


def test_an_import_collects_garbage_between_batches_and_leaves_the_collector_on(
    rt: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cyclic GC is paused while a batch is read and written (its rows are acyclic) and run
    between batches, so reference cycles made during an import are still freed while it runs;
    afterwards, imported or refused, the collector is on as before."""
    import gc

    collected: list[bool] = []  # whether the collector was on when the import collected
    real = gc.collect

    def collect(generation: int = 2) -> int:
        collected.append(gc.isenabled())
        return real(generation)

    monkeypatch.setattr(gc, "collect", collect)
    rows = list(generate_targets(250, seed=9))
    assert run(rt, csv_bytes("targets", rows), "targets", batch_rows=100).created == 250
    assert collected == [False, False] and gc.isenabled()
    with pytest.raises(ImportRejected):
        more = list(generate_targets(300, seed=10))[250:]
        run(rt, csv_bytes("targets", [*more, rows[0], rows[0]]), "targets", batch_rows=100)
    assert gc.isenabled()
