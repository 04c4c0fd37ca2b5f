"""A slow, obviously-correct day-by-day reference for the calendar arithmetic (spec §5)."""

from __future__ import annotations

from datetime import date, timedelta

from drawsvc.calendar import Arrangement


class ReferenceCalendar:
    def __init__(self, arrangements: list[Arrangement]) -> None:
        self.by_year = {a.year: a for a in arrangements}

    def is_working_day(self, d: date) -> bool:
        arr = self.by_year[d.year]  # KeyError = year not loaded
        if d in arr.workday_dates:
            return True
        return d.weekday() < 5 and d not in arr.holiday_dates

    def add_working_days(self, d: date, n: int) -> date:
        count = 0
        while count < n:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        while a < b:
            a += timedelta(days=1)
            count += self.is_working_day(a)
        return count
