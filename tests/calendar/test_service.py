"""Loading arrangements into the log and the database (docs/specs/calendar.md §6)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from drawsvc.calendar import service
from drawsvc.calendar.bundled import bundled_arrangements
from drawsvc.calendar.models import CalendarArrangement
from drawsvc.calendar.replay import calendar_from_entries
from drawsvc.errors import CalendarUnavailable, Conflict, InvalidInput, RuleViolation
from drawsvc.journal import Actor

VECTORS = Path(__file__).parents[1] / "vectors" / "calendar"
FIXTURE = json.loads((VECTORS / "arrangement-2027.TEST-FIXTURE.json").read_text(encoding="utf-8"))
ADMIN = Actor(role="admin", department=None, name="test-admin")


@pytest.fixture(params=["runtime", "pg_runtime"])
def rt(request):
    return request.getfixturevalue(request.param)


def log_entries(rt) -> list[tuple[int, dict]]:
    with rt.engine.connect() as conn:
        size = rt.log.size(conn)
        return [(i, json.loads(rt.log.entry(conn, i))) for i in range(size)]


def row_count(rt) -> int:
    with rt.transaction() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(CalendarArrangement)) or 0


def seeded(rt) -> list[int]:
    with rt.transaction() as session:
        return service.ensure_bundled(session, rt.journal)


def add(rt, obj, reason=None):
    with rt.transaction() as session:
        row = service.add_arrangement(session, rt.journal, obj, actor=ADMIN, reason=reason)
        return row.log_index


def test_ensure_bundled_logs_each_year_once(rt) -> None:
    indices = seeded(rt)
    assert len(indices) == 23
    assert seeded(rt) == []
    entries = log_entries(rt)
    assert [e["kind"] for _, e in entries] == ["calendar.arrangement"] * 23
    assert [e["body"]["arrangement"]["year"] for _, e in entries] == list(range(2004, 2027))
    assert all(e["body"]["source"] == "bundled" and e["body"]["supersedes"] is None for _, e in entries)
    with rt.transaction() as session:
        cal = service.load_calendar(session)
    assert cal.years == list(range(2004, 2027))
    assert cal.versions[2026] == indices[-1]


def test_2026_to_2027_boundary_after_adding_the_test_fixture(rt) -> None:
    indices = seeded(rt)
    with rt.transaction() as session, pytest.raises(CalendarUnavailable) as info:
        service.compute_deadline(session, date(2026, 12, 10), 20)
    assert info.value.detail["year"] == 2027
    index_2027 = add(rt, FIXTURE)
    with rt.transaction() as session:
        deadline = service.compute_deadline(session, date(2026, 12, 10), 20)
    assert deadline.due == date(2027, 1, 8)
    assert deadline.calendar_version == (indices[-1], index_2027)
    assert not deadline.provisional


@pytest.mark.parametrize("path", sorted((VECTORS / "invalid").glob("*.json")), ids=lambda p: p.stem)
def test_bad_arrangement_is_refused_and_nothing_is_logged(runtime, path: Path) -> None:
    seeded(runtime)
    before_log, before_rows = len(log_entries(runtime)), row_count(runtime)
    vector = json.loads(path.read_text(encoding="utf-8"))
    with pytest.raises(InvalidInput) as info:
        add(runtime, vector["arrangement"])
    assert info.value.field == vector["expect"]["field"]
    assert (len(log_entries(runtime)), row_count(runtime)) == (before_log, before_rows)


def test_loading_a_loaded_year_without_reason_is_refused(rt) -> None:
    seeded(rt)
    first = add(rt, FIXTURE)
    changed = copy.deepcopy(FIXTURE)
    changed["holidays"][4]["dates"].append("2027-06-10")
    before = len(log_entries(rt))
    with pytest.raises(Conflict) as info:
        add(rt, changed)
    assert info.value.detail["field"] == "year"
    assert info.value.detail["rule"] == "calendar.year-already-loaded"
    assert info.value.detail["log_index"] == first
    assert len(log_entries(rt)) == before


def test_blank_reason_is_refused(runtime) -> None:
    add(runtime, FIXTURE)
    with pytest.raises(InvalidInput) as info:
        add(runtime, FIXTURE, reason="   ")
    assert info.value.field == "reason"


def test_identical_replacement_is_refused(runtime) -> None:
    add(runtime, FIXTURE)
    with pytest.raises(Conflict) as info:
        add(runtime, FIXTURE, reason="same again")
    assert info.value.detail["rule"] == "calendar.replacement-identical"
    assert len(log_entries(runtime)) == 1


def test_replacing_a_year_is_a_logged_correction_keeping_both_versions(rt) -> None:
    seeded(rt)
    old = add(rt, FIXTURE)
    with rt.transaction() as session:
        before = service.compute_deadline(session, date(2027, 6, 8), 1)
    assert before.due == date(2027, 6, 10)

    corrected = copy.deepcopy(FIXTURE)
    corrected["holidays"][4]["dates"].append("2027-06-10")
    new = add(rt, corrected, reason="端午节 also 10 June (test correction)")

    entries = dict(log_entries(rt))
    assert entries[old]["body"]["arrangement"] == FIXTURE
    assert entries[new]["body"]["supersedes"] == old
    assert entries[new]["body"]["version"] == 2
    assert entries[new]["body"]["reason"] == "端午节 also 10 June (test correction)"
    with rt.transaction() as session:
        rows = service.list_arrangements(session, year=2027)
        assert [(r.version, r.log_index, r.superseded) for r in rows] == [(1, old, True), (2, new, False)]
        after = service.compute_deadline(session, date(2027, 6, 8), 1)
    assert after.due == date(2027, 6, 11)
    assert new in after.calendar_version and old not in after.calendar_version

    # the auditor recomputes the earlier deadline from the log as it stood then
    then = calendar_from_entries((i, e) for i, e in entries.items() if i < new)
    assert then.deadline(date(2027, 6, 8), 1) == before


def test_auditor_rebuilds_the_service_calendar_from_the_log(rt) -> None:
    seeded(rt)
    add(rt, FIXTURE)
    audited = calendar_from_entries(log_entries(rt))
    with rt.transaction() as session:
        served = service.load_calendar(session)
    assert audited.versions == served.versions
    for start in (date(2026, 12, 10), date(2026, 2, 13), date(2027, 9, 20)):
        assert audited.deadline(start, 20) == served.deadline(start, 20)


def test_replay_refuses_a_tampered_entry(runtime) -> None:
    seeded(runtime)
    entries = log_entries(runtime)
    tampered = copy.deepcopy(entries)
    tampered[22][1]["body"]["arrangement"]["workdays"][0]["dates"] = ["2026-01-10"]
    with pytest.raises(RuleViolation) as info:
        calendar_from_entries(tampered)
    assert info.value.rule == "calendar.replay-hash" and info.value.subject == "22"
    duplicated = [*entries, (23, entries[22][1])]
    with pytest.raises(RuleViolation) as info:
        calendar_from_entries(duplicated)
    assert info.value.rule == "calendar.replay-duplicate"


def test_bundled_rows_match_the_package_data(runtime) -> None:
    seeded(runtime)
    with runtime.transaction() as session:
        cal = service.load_calendar(session)
    assert list(cal.arrangements.values()) == list(bundled_arrangements())
