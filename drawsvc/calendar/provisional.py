"""Provisional, planning-only estimates for years with no official arrangement (spec §8).

An estimate follows only what the statutory rules fix in advance (全国年节及纪念日放假办法,
as amended 2024): 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October, 清明节 on the 清明
solar term, and a make-up day on the next free weekday when one falls on a weekend. It
cannot know the lunar festivals' dates here (春节, 端午, 中秋 are **not** estimated) nor the
adjusted working days of the real notice. Every result is labelled provisional
(``Deadline.provisional``) and :meth:`Deadline.require_binding` refuses to store it.
"""

from __future__ import annotations

from datetime import date, timedelta

from drawsvc.calendar.arithmetic import Deadline, WorkCalendar
from drawsvc.calendar.arrangement import Arrangement, DayGroup, Notice
from drawsvc.errors import CalendarUnavailable

PROVISIONAL_TITLE = "PROVISIONAL estimate from statutory rules — not an official arrangement"
PROVISIONAL_NOTES = (
    "provisional: 春节, 端午节, 中秋节 and all adjusted working days are unknown and not included; "
    "for planning only, never binding"
)
MAX_ESTIMATED_YEARS = 5


def _qingming(year: int) -> date | None:
    try:
        from chinese_calendar import get_solar_terms

        terms = get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    except Exception:  # the solar-term table has its own range; outside it, no estimate
        return None
    return next((d for d, name in terms if name == "清明"), None)


def provisional_arrangement(year: int) -> Arrangement:
    """An estimate of ``year``'s arrangement; see the module docstring for what it leaves out."""
    fixed: list[tuple[str, list[date]]] = [
        ("元旦", [date(year, 1, 1)]),
        ("劳动节", [date(year, 5, 1), date(year, 5, 2)]),
        ("国庆节", [date(year, 10, d) for d in (1, 2, 3)]),
    ]
    qingming = _qingming(year)
    if qingming is not None:
        fixed.append(("清明节", [qingming]))
    taken = {d for _, ds in fixed for d in ds}
    groups = []
    for name, days in fixed:
        extra = []
        for d in days:
            if d.weekday() >= 5:  # make-up day on the next free weekday
                m = max(days) + timedelta(days=1)
                while m.weekday() >= 5 or m in taken:
                    m += timedelta(days=1)
                if m.year == year:
                    taken.add(m)
                    extra.append(m)
        groups.append(DayGroup(name=name, dates=tuple(sorted(days + extra))))
    groups.sort(key=lambda g: g.dates[0])
    return Arrangement(
        year=year,
        notice=Notice(title=PROVISIONAL_TITLE),
        holidays=tuple(groups),
        workdays=(),
        notes=PROVISIONAL_NOTES,
    )


def provisional_deadline(calendar: WorkCalendar, d: date, n: int) -> Deadline:
    """``n`` working days after ``d``: binding if the loaded years suffice, else a provisional estimate.

    Missing years after the last loaded one are estimated (at most ``MAX_ESTIMATED_YEARS``).
    """
    try:
        return calendar.deadline(d, n)
    except CalendarUnavailable:
        pass
    first = (d + timedelta(days=1)).year
    years = set(calendar.years)
    arrangements = list(calendar.arrangements.values())
    for year in range(first, first + MAX_ESTIMATED_YEARS):
        if year not in years:
            arrangements.append(provisional_arrangement(year))
    estimate = WorkCalendar(arrangements)
    return Deadline(due=estimate.add_working_days(d, n), calendar_version=(), provisional=True)
