"""Interest declarations (回避关系) in the log: terms only as a commitment (registries.md §6 P-5).

The discipline office holds the rows and their salts; ``records.verify_declaration`` checks a row
against its logged body (single entry or batch record), and refuses a tampered row.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from reg_support import BUREAU, TODAY, csv_bytes, log_bytes, log_entries

from drawsvc.errors import RevealMismatch
from drawsvc.privacy import commit
from drawsvc.registries import imports, records, repository, rules, service, vocab
from drawsvc.registries.imports import BATCH_KINDS
from drawsvc.registries.models import DECLARATION_CODE_PREFIX
from drawsvc.sample import generate_declarations, generate_experts, generate_inspectors, generate_targets

SINGLE = service.KIND_DECLARATION
BATCH = BATCH_KINDS["declarations"]


def _import(rt: Any, kind: str, rows: list[dict[str, Any]], **kw: Any) -> imports.ImportReport:
    with rt.transaction() as s:
        return imports.import_file(
            s, rt.journal, csv_bytes(kind, rows), kind=kind, fmt="csv", actor=BUREAU, on=TODAY, **kw
        )


def _declarations_world(rt: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Inspectors and experts registered; counterparts are valid codes never registered as targets
    (a registered target's code is public anyway)."""
    _import(rt, "inspectors", list(generate_inspectors(6, seed=5, on=TODAY)), department="SCJG")
    _import(rt, "experts", list(generate_experts(4, seed=5, on=TODAY)), department="SCJG")
    usccs = [t["uscc"] for t in generate_targets(12, seed=77)]
    people = [("inspector", f"SCJG-{i:05d}") for i in range(1, 7)] + [
        ("expert", f"ZLZJ-{i:04d}") for i in range(1, 5)
    ]
    rows = list(generate_declarations(people, usccs, seed=8))
    return usccs, rows


def _replay(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e["kind"] == SINGLE:
            state[e["body"]["code"]] = e["body"]
        elif e["kind"] == BATCH:
            for r in records.batch_records(e["body"]):
                state[r["code"]] = r
    return state


def test_no_counterpart_or_kind_of_a_declaration_reaches_the_log(rt: Any) -> None:
    usccs, rows = _declarations_world(rt)
    first = _import(rt, "declarations", rows, department="SCJG")
    assert first.created == len(rows) == 10
    changed = [{**r, "valid_until": "2026-12-31"} for r in rows[:3]]
    assert _import(rt, "declarations", changed, department="SCJG").updated == 3
    with rt.transaction() as s:
        single = service.declare_interest(
            s,
            rt.journal,
            {
                "person_kind": "inspector",
                "person_code": "SCJG-00002",
                "counterpart_uscc": usccs[11],
                "kind": "近亲属任职",
                "valid_from": "2026-02-01",
                "valid_until": "2027-01-31",
            },
            department="SCJG",
            actor=BUREAU,
        )
        service.withdraw_declaration(s, rt.journal, code=single.code, department="SCJG", actor=BUREAU)
        codes = [d.code for d in repository.list_declarations(s)]
    data = log_bytes(rt)
    assert all(c.startswith(DECLARATION_CODE_PREFIX) and c.encode() in data for c in codes)
    leaked = [u for u in usccs if u.encode() in data]
    assert leaked == []
    labels = set(vocab.DECLARATION_KIND.values())
    kind_codes = set(vocab.DECLARATION_KIND) - {"other"}  # "other" is too common a word to grep for
    assert [k for k in labels | kind_codes if k.encode() in data] == []
    for date_text in ("2026-12-31", "2027-01-31", "2026-02-01"):  # validity is committed too
        assert date_text.encode() not in data
    # the sample rows did use the labels and codes searched for above
    assert {r["kind"] for r in rows} & labels


def test_replaying_the_log_rebuilds_declarations_and_each_row_opens_its_commitment(rt: Any) -> None:
    _usccs, rows = _declarations_world(rt)
    _import(rt, "declarations", rows, department="SCJG", batch_rows=4)
    _import(rt, "declarations", [{**rows[1], "valid_until": "2026-06-30"}], department="SCJG")
    with rt.transaction() as s:
        d = repository.list_declarations(s)[3]
        service.withdraw_declaration(s, rt.journal, code=d.code, department=None, actor=BUREAU)
    entries = log_entries(rt)
    assert any(e["kind"] == BATCH for e in entries) and any(e["kind"] == SINGLE for e in entries)
    logged = _replay(entries)
    with rt.transaction() as s:
        stored = repository.list_declarations(s)
        openings = [records.DeclarationOpening.of(d) for d in stored]
        assert logged == {d.code: records.declaration_body(d) for d in stored}
    assert len(openings) == 10 and sum(o.withdrawn for o in openings) == 1
    for o in openings:
        records.verify_declaration(logged[o.code], o)
        terms = records.declaration_terms(o.counterpart_uscc, o.kind, o.valid_from, o.valid_until)
        assert logged[o.code]["terms"] == {"commitment": commit("terms", o.salt, terms)}


def _opening(**over: Any) -> records.DeclarationOpening:
    base = records.DeclarationOpening(
        code="D-00112233aabbccdd",
        person_kind="inspector",
        person_code="SCJG-00001",
        counterpart_uscc="91330106MA2H0C3Q2E",
        kind="relative_works_there",
        valid_from=date(2026, 1, 1),
        valid_until=None,
        withdrawn=False,
        salt="00" * 16,
    )
    return dataclasses.replace(base, **over)


@pytest.mark.parametrize(
    "tamper,field",
    [
        ({"counterpart_uscc": "91330100799655058B"}, "terms"),
        ({"kind": "economic_interest"}, "terms"),
        ({"valid_from": date(2025, 12, 31)}, "terms"),
        ({"valid_until": date(2026, 12, 31)}, "terms"),
        ({"salt": "01" + "00" * 15}, "terms"),
        ({"person_code": "SCJG-00002"}, "person_code"),
        ({"withdrawn": True}, "withdrawn"),
        ({"code": "D-00112233aabbccde"}, "code"),
    ],
)
def test_a_tampered_declaration_row_does_not_open_the_logged_commitment(
    tamper: dict[str, Any], field: str
) -> None:
    logged = records.declaration_public_body(_opening())
    records.verify_declaration(logged, _opening())  # the untampered row opens it
    with pytest.raises(RevealMismatch) as exc:
        records.verify_declaration(logged, _opening(**tamper))
    assert exc.value.detail["rule"] == rules.DECLARATION_OPENING
    assert exc.value.detail["field"] == field
    assert "91330" not in exc.value.message  # never the private value


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.update(terms={"commitment": "0" * 64}),
        lambda b: b.update(terms=None),
        lambda b: b.update(counterpart_uscc="91330106MA2H0C3Q2E"),  # an extra field in clear
        lambda b: b.update(withdrawn=0),
    ],
    ids=["commitment-changed", "commitment-missing", "extra-field", "withdrawn-not-bool"],
)
def test_a_tampered_logged_body_is_refused(mutate: Any) -> None:
    logged = records.declaration_public_body(_opening())
    mutate(logged)
    with pytest.raises(RevealMismatch):
        records.verify_declaration(logged, _opening())


def test_declaration_codes_are_random_and_reimport_keeps_them(rt: Any) -> None:
    _usccs, rows = _declarations_world(rt)
    _import(rt, "declarations", rows, department="SCJG")
    with rt.transaction() as s:
        before = {d.natural_key: (d.code, d.terms_salt) for d in repository.list_declarations(s)}
    again = _import(rt, "declarations", rows, department="SCJG")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    _import(rt, "declarations", [{**rows[0], "valid_until": "2026-09-30"}], department="SCJG")
    with rt.transaction() as s:
        after = {d.natural_key: (d.code, d.terms_salt) for d in repository.list_declarations(s)}
    assert after.keys() == before.keys()
    changed = [k for k in before if before[k] != after[k]]
    assert len(changed) == 1  # the one with a new end date: same code, new salt (P-2)
    (k,) = changed
    assert before[k][0] == after[k][0] and before[k][1] != after[k][1]
    assert all(rows[0]["counterpart_uscc"] not in code for code, _ in after.values())


def test_declarations_export_leaves_the_terms_empty_unless_private_and_reimports_unchanged(
    rt: Any, tmp_path: Any
) -> None:
    from drawsvc.registries import exports
    from drawsvc.registries.tabular import iter_rows

    usccs, rows = _declarations_world(rt)
    _import(rt, "declarations", rows, department="SCJG")
    with rt.transaction() as s:
        assert exports.export_registry(s, tmp_path / "d.xlsx", kind="declarations") == 10
        exports.export_registry(s, tmp_path / "p.xlsx", kind="declarations", include_private=True)
        assert exports.export_registry(s, tmp_path / "x.xlsx", kind="declarations", department="SWJ") == 0
    public = (tmp_path / "d.xlsx").read_bytes()
    cells = [c for _, row in iter_rows(tmp_path / "d.xlsx", "xlsx") for c in row]
    assert not [u for u in usccs if u in cells] and public
    assert {r["counterpart_uscc"] for r in rows} <= {
        c for _, row in iter_rows(tmp_path / "p.xlsx", "xlsx") for c in row
    }
    with rt.transaction() as s:
        again = imports.import_file(
            s, rt.journal, tmp_path / "p.xlsx", kind="declarations", fmt="xlsx", actor=BUREAU, on=TODAY
        )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
