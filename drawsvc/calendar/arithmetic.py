"""Working-day arithmetic over loaded holiday arrangements (pure, no I/O).

Spec: ``docs/specs/calendar.md`` §2 (conventions) and §5 (rules A1–A8).

A :class:`WorkCalendar` is built from plain :class:`Arrangement` values. Loaded years are
grouped into runs of consecutive years ("segments"); for each segment two tables are
precomputed once:

* ``count[i]`` — number of working days among the segment's first ``i`` days, and
* ``nth[k]``  — the ordinal of the segment's ``k``-th working day (0-based),

so that ``add_working_days`` and ``working_days_between`` are O(1) lookups. Any computation
that needs a day outside every segment raises :class:`CalendarUnavailable` naming the year.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from drawsvc.calendar.arrangement import Arrangement
from drawsvc.errors import CalendarUnavailable, InvalidInput, RuleViolation

DayKind = Literal["workday", "weekend", "holiday", "adjusted-workday"]

HOW_TO_ADD = (
    "load the official arrangement with `drawsvc calendar add FILE` "
    "(format: docs/specs/calendar.md §3, example: docs/examples/calendar-2027.example.json)"
)


def calendar_unavailable(year: int) -> CalendarUnavailable:
    return CalendarUnavailable(
        f"no holiday arrangement is loaded for {year}; working days in {year} cannot be counted. "
        f"To continue, {HOW_TO_ADD}",
        rule="calendar.year-unavailable",
        subject=str(year),
        year=year,
    )


@dataclass(frozen=True)
class Deadline:
    """A computed deadline, as others store it (spec §6).

    ``due`` is the last day: the deadline ends at 24:00 Asia/Shanghai on ``due``.
    ``calendar_version`` lists the log indices of the arrangements that computed it (one per
    year spanned by the count, ascending by year); empty only when ``provisional``.
    """

    due: date
    calendar_version: tuple[int, ...]
    provisional: bool = False

    def require_binding(self) -> Deadline:
        """Return self if binding; raise if provisional (a provisional estimate is never stored)."""
        if self.provisional:
            raise RuleViolation(
                "a provisional deadline (estimated from statutory rules, no official arrangement) "
                "is for planning only and cannot be stored as binding",
                rule="calendar.provisional-not-binding",
                subject=self.due.isoformat(),
            )
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due.isoformat(),
            "calendar_version": list(self.calendar_version),
            "provisional": self.provisional,
        }


class _Segment:
    """Consecutive loaded years ``first_year..last_year`` with their prefix tables."""

    __slots__ = ("count", "first_ord", "first_year", "last_ord", "last_year", "nth", "working")

    def __init__(self, first_year: int, last_year: int, holidays: set[int], workdays: set[int]) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.first_ord = date(first_year, 1, 1).toordinal()
        self.last_ord = date(last_year, 12, 31).toordinal()
        n = self.last_ord - self.first_ord + 1
        working = bytearray(n)
        count = array("l", [0]) * (n + 1)
        nth = array("l")
        total = 0
        for i in range(n):
            o = self.first_ord + i
            # date.fromordinal(o).weekday() == (o + 6) % 7; Monday = 0
            weekday = (o + 6) % 7
            if o in workdays or (weekday < 5 and o not in holidays):
                working[i] = 1
                nth.append(o)
                total += 1
            count[i + 1] = total
        self.working = working
        self.count = count
        self.nth = nth


class WorkCalendar:
    """Working days under loaded arrangements (spec §5). Build once, query many times.

    ``versions`` maps a year to the log index of its arrangement; a calendar built without
    versions (e.g. from bundled data in a pure test) computes dates but not :class:`Deadline`.
    """

    def __init__(
        self, arrangements: Iterable[Arrangement], versions: Mapping[int, int] | None = None
    ) -> None:
        by_year: dict[int, Arrangement] = {}
        for arr in arrangements:
            if arr.year in by_year:
                raise ValueError(f"two arrangements for {arr.year}")
            by_year[arr.year] = arr
        self.arrangements: dict[int, Arrangement] = dict(sorted(by_year.items()))
        self.versions: dict[int, int] = dict(versions or {})
        self._segment_of_year: dict[int, _Segment] = {}
        years = list(self.arrangements)
        start = 0
        for i in range(1, len(years) + 1):
            if i == len(years) or years[i] != years[i - 1] + 1:
                run = years[start:i]
                holidays = {d.toordinal() for y in run for d in self.arrangements[y].holiday_dates}
                workdays = {d.toordinal() for y in run for d in self.arrangements[y].workday_dates}
                seg = _Segment(run[0], run[-1], holidays, workdays)
                for y in run:
                    self._segment_of_year[y] = seg
                start = i

    @property
    def years(self) -> list[int]:
        return list(self.arrangements)

    def _segment(self, year: int) -> _Segment:
        seg = self._segment_of_year.get(year)
        if seg is None:
            raise calendar_unavailable(year)
        return seg

    # -- rule A1 -------------------------------------------------------------------------
    def is_working_day(self, d: date) -> bool:
        """A1: a working day is an adjusted working day, or a Monday–Friday that is not a holiday."""
        seg = self._segment(d.year)
        return bool(seg.working[d.toordinal() - seg.first_ord])

    def day_kind(self, d: date) -> DayKind:
        arr = self.arrangements.get(d.year)
        if arr is None:
            raise calendar_unavailable(d.year)
        if d in arr.workday_dates:
            return "adjusted-workday"
        if d in arr.holiday_dates:
            return "holiday"
        return "weekend" if d.weekday() >= 5 else "workday"

    # -- rules A2–A5 ---------------------------------------------------------------------
    def add_working_days(self, d: date, n: int) -> date:
        """A2–A4: the ``n``-th working day after ``d`` (day 1 = first working day after ``d``,
        whatever ``d`` is). ``n`` ≥ 1. The deadline ends at 24:00 Asia/Shanghai on that day.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidInput("n: the number of working days must be an integer ≥ 1",
                               field="n", rule="calendar.working-days-positive")
        o = d.toordinal() + 1  # counting starts the day after d (A2)
        year = d.year if d.month != 12 or d.day != 31 else d.year + 1
        seg = self._segment_of_year.get(year)
        if seg is None:
            raise calendar_unavailable(year)
        k = seg.count[o - seg.first_ord] + n - 1  # index of the wanted working day in nth
        if k >= len(seg.nth):
            raise calendar_unavailable(seg.last_year + 1)
        return date.fromordinal(seg.nth[k])

    def working_days_between(self, a: date, b: date) -> int:
        """A5: the number of working days ``w`` with ``a < w ≤ b`` (negative if ``b < a``).

        ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n`` ≥ 1.
        """
        if b < a:
            return -self.working_days_between(b, a)
        if a == b:
            return 0
        first = a + timedelta(days=1)
        seg = self._segment(first.year)
        if b.year > seg.last_year:
            raise calendar_unavailable(seg.last_year + 1)
        return seg.count[b.toordinal() - seg.first_ord + 1] - seg.count[first.toordinal() - seg.first_ord]

    # -- rule A6: traceable deadlines -------------------------------------------------------
    def deadline(self, d: date, n: int) -> Deadline:
        """A6: ``add_working_days`` with the log indices of the arrangements it used."""
        due = self.add_working_days(d, n)
        first_year = (d + timedelta(days=1)).year
        versions = []
        for year in range(first_year, due.year + 1):
            if year not in self.versions:
                raise ValueError(f"calendar built without a log version for {year}; load it from the log")
            versions.append(self.versions[year])
        return Deadline(due=due, calendar_version=tuple(versions), provisional=False)
