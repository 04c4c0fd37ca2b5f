"""Working-day arithmetic (docs/specs/calendar.md §5): vectors, reference cross-check, unknown years."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drawsvc.calendar import Deadline, WorkCalendar, parse_arrangement
from drawsvc.calendar.bundled import bundled_arrangements, bundled_calendar
from drawsvc.calendar.provisional import provisional_arrangement, provisional_deadline
from drawsvc.errors import CalendarUnavailable, InvalidInput, RuleViolation

VECTORS = Path(__file__).parents[1] / "vectors" / "calendar"
DEADLINES = json.loads((VECTORS / "deadlines.json").read_text(encoding="utf-8"))
FIXTURE_2027 = parse_arrangement(
    json.loads((VECTORS / "arrangement-2027.TEST-FIXTURE.json").read_text(encoding="utf-8"))
)
VERSIONS = {a.year: 100 + a.year - 2004 for a in bundled_arrangements()} | {2027: 900}


def load_reference():
    from importlib import util

    spec = util.spec_from_file_location("calendar_reference", Path(__file__).with_name("reference.py"))
    assert spec and spec.loader
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ReferenceCalendar


ReferenceCalendar = load_reference()
ALL = [*bundled_arrangements(), FIXTURE_2027]
FAST, REF = WorkCalendar(ALL), ReferenceCalendar(ALL)


@pytest.fixture(scope="module")
def with_2027() -> WorkCalendar:
    return WorkCalendar([*bundled_arrangements(), FIXTURE_2027], VERSIONS)


@pytest.fixture(scope="module")
def without_2027() -> WorkCalendar:
    return WorkCalendar(bundled_arrangements(), VERSIONS)


@pytest.mark.parametrize("row", DEADLINES["add_working_days"], ids=lambda r: f"{r['start']}+{r['n']}")
def test_add_working_days_vectors(row, with_2027, without_2027) -> None:
    start, due = date.fromisoformat(row["start"]), date.fromisoformat(row["due"])
    assert with_2027.add_working_days(start, row["n"]) == due
    assert with_2027.working_days_between(start, due) == row["n"]
    deadline = with_2027.deadline(start, row["n"])
    assert deadline == Deadline(due=due, calendar_version=tuple(VERSIONS[y] for y in row["needs"]))
    if 2027 in row["needs"]:
        with pytest.raises(CalendarUnavailable) as info:
            without_2027.add_working_days(start, row["n"])
        assert info.value.detail["year"] == 2027
    else:
        assert without_2027.add_working_days(start, row["n"]) == due


@pytest.mark.parametrize("row", DEADLINES["working_days_between"], ids=lambda r: f"{r['a']}..{r['b']}")
def test_working_days_between_vectors(row, with_2027) -> None:
    a, b = date.fromisoformat(row["a"]), date.fromisoformat(row["b"])
    assert with_2027.working_days_between(a, b) == row["count"]


def test_2026_days_are_classified_as_the_notice_says() -> None:
    cal = bundled_calendar()
    assert cal.is_working_day(date(2026, 1, 4))  # adjusted working Sunday
    assert cal.day_kind(date(2026, 1, 4)) == "adjusted-workday"
    assert not cal.is_working_day(date(2026, 2, 23))  # Monday inside Spring Festival
    assert cal.day_kind(date(2026, 2, 23)) == "holiday"
    assert cal.day_kind(date(2026, 3, 7)) == "weekend"
    assert cal.day_kind(date(2026, 3, 9)) == "workday"
    assert not cal.is_working_day(date(2026, 10, 11))  # plain Sunday


def test_twenty_working_days_from_10_december_2026_needs_2027(without_2027) -> None:
    with pytest.raises(CalendarUnavailable) as info:
        without_2027.add_working_days(date(2026, 12, 10), 20)
    err = info.value
    assert err.code == "calendar-unavailable"
    assert err.rule == "calendar.year-unavailable"
    assert err.detail["year"] == 2027
    assert "2027" in err.message and "drawsvc calendar add" in err.message


@pytest.mark.parametrize("call", [
    lambda c: c.is_working_day(date(2027, 3, 1)),
    lambda c: c.day_kind(date(2027, 3, 1)),
    lambda c: c.working_days_between(date(2026, 12, 1), date(2027, 1, 5)),
    lambda c: c.working_days_between(date(2027, 1, 5), date(2026, 12, 1)),
    lambda c: c.add_working_days(date(2026, 12, 31), 1),
    lambda c: c.deadline(date(2026, 12, 31), 1),
], ids=["is_working_day", "day_kind", "between", "between-reversed", "add-from-31-dec", "deadline"])
def test_every_computation_needing_an_unloaded_year_names_it(call, without_2027) -> None:
    with pytest.raises(CalendarUnavailable) as info:
        call(without_2027)
    assert info.value.detail["year"] == 2027


def test_a_gap_between_loaded_years_is_not_bridged() -> None:
    cal = WorkCalendar([a for a in bundled_arrangements() if a.year != 2010])
    assert cal.add_working_days(date(2009, 12, 1), 5) == date(2009, 12, 8)
    with pytest.raises(CalendarUnavailable) as info:
        cal.add_working_days(date(2009, 12, 20), 30)
    assert info.value.detail["year"] == 2010
    with pytest.raises(CalendarUnavailable) as info:
        cal.is_working_day(date(2010, 6, 1))
    assert info.value.detail["year"] == 2010
    assert cal.add_working_days(date(2010, 12, 31), 1) == date(2011, 1, 4)


def test_counting_before_the_first_loaded_year_is_refused() -> None:
    cal = bundled_calendar()
    with pytest.raises(CalendarUnavailable) as info:
        cal.add_working_days(date(2003, 6, 1), 1)
    assert info.value.detail["year"] == 2003


@pytest.mark.parametrize("n", [0, -1, True, 1.5])
def test_n_must_be_a_positive_integer(n) -> None:
    with pytest.raises(InvalidInput) as info:
        bundled_calendar().add_working_days(date(2026, 3, 2), n)
    assert info.value.field == "n"


def test_deadline_needs_log_versions() -> None:
    with pytest.raises(ValueError, match="log version"):
        bundled_calendar().deadline(date(2026, 3, 2), 5)


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2003, 12, 31), date(2027, 8, 31)), n=st.integers(1, 60))
def test_add_working_days_matches_the_day_by_day_reference(start: date, n: int) -> None:
    due = FAST.add_working_days(start, n)
    assert due == REF.add_working_days(start, n)
    assert FAST.working_days_between(start, due) == n
    assert FAST.is_working_day(due)


@settings(max_examples=300, deadline=None)
@given(a=st.dates(date(2004, 1, 1), date(2027, 12, 31)), span=st.integers(-400, 400))
def test_working_days_between_matches_the_reference(a: date, span: int) -> None:
    b = a + timedelta(days=span)
    if not date(2004, 1, 1) <= b <= date(2027, 12, 31):
        return
    assert FAST.working_days_between(a, b) == REF.working_days_between(a, b)


def test_provisional_estimate_is_labelled_and_never_binding(without_2027) -> None:
    estimate = provisional_deadline(without_2027, date(2026, 12, 10), 20)
    assert estimate.provisional and estimate.calendar_version == ()
    assert estimate.due == date(2027, 1, 8)  # 1 Jan holiday; no lunar festivals in January
    with pytest.raises(RuleViolation) as info:
        estimate.require_binding()
    assert info.value.rule == "calendar.provisional-not-binding"
    assert "PROVISIONAL" in provisional_arrangement(2027).notice.title


def test_provisional_helper_returns_binding_deadline_when_years_are_loaded(with_2027) -> None:
    result = provisional_deadline(with_2027, date(2026, 12, 10), 20)
    assert result == with_2027.deadline(date(2026, 12, 10), 20)
    assert result.require_binding() is result
