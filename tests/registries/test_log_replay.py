"""Whole-log check: folding the registry entries of the log rebuilds the registry exactly.

If any change skipped its entry (or logged something else than it stored), the replayed state
differs from the database.
"""

from __future__ import annotations

from typing import Any

from reg_support import BUREAU, TODAY, csv_bytes, log_entries

from drawsvc.privacy import commit
from drawsvc.registries import imports, records, repository, service
from drawsvc.sample import generate_inspectors, generate_targets


def replay(entries: list[dict[str, Any]], single: str, batch: str, key: str) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e["kind"] == single:
            state[e["body"][key]] = e["body"]
        elif e["kind"] == batch:
            for r in records.batch_records(e["body"]):
                state[r[key]] = r
    return state


def test_replaying_the_log_rebuilds_targets_and_inspectors(rt: Any) -> None:
    targets = list(generate_targets(120, seed=31))
    inspectors = list(generate_inspectors(15, seed=31, on=TODAY))

    def run(kind: str, rows: list[dict[str, Any]], **kw: Any) -> None:
        with rt.transaction() as s:
            imports.import_file(
                s,
                rt.journal,
                csv_bytes(kind, rows),
                kind=kind,
                fmt="csv",
                actor=BUREAU,
                on=TODAY,
                batch_rows=50,
                **kw,
            )

    run("targets", targets)
    run("inspectors", inspectors, department="SCJG")
    targets[5] = {**targets[5], "credit_class": "D"}
    targets.append(next(generate_targets(1, seed=99)))
    run("targets", targets)
    inspectors[2] = {**inspectors[2], "phone": "10099999999", "status": "休假"}
    run("inspectors", inspectors, department="SCJG")
    with rt.transaction() as s:
        service.set_target_status(s, rt.journal, uscc=targets[7]["uscc"], status="deregistered", actor=BUREAU)
        service.upsert_target(s, rt.journal, {**targets[8], "name": "杭州改名后的有限公司"}, actor=BUREAU)
        service.set_inspector_status(
            s, rt.journal, code="SCJG-00004", status="retired", department="SCJG", actor=BUREAU
        )

    entries = log_entries(rt)
    logged_targets = replay(entries, "registry.target.upsert", imports.BATCH_KINDS["targets"], "uscc")
    logged_inspectors = replay(
        entries, "registry.inspector.upsert", imports.BATCH_KINDS["inspectors"], "code"
    )
    with rt.transaction() as s:
        stored_targets = {t.uscc: records.target_body(t) for t in repository.iter_targets(s)}
        stored = repository.list_inspectors(s)
        stored_inspectors = {i.code: records.inspector_body(i) for i in stored}
        openings = {i.code: (i.phone, i.phone_salt) for i in stored}
    assert logged_targets == stored_targets
    assert len(stored_targets) == 121
    assert logged_inspectors == stored_inspectors
    for code, (phone, salt) in openings.items():  # each logged commitment opens to the stored phone
        assert logged_inspectors[code]["phone"] == {"commitment": commit("phone", salt, phone)}
