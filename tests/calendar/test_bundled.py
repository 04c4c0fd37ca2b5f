"""The bundled 2004–2026 arrangements agree with chinese-calendar 1.11.0 on every day (spec §7)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources

import chinese_calendar

from drawsvc.calendar import generate_bundled
from drawsvc.calendar.bundled import BUNDLED_FILE, BUNDLED_YEARS, bundled_arrangements, bundled_calendar


def test_bundled_years_are_2004_to_2026() -> None:
    assert [a.year for a in bundled_arrangements()] == list(BUNDLED_YEARS) == list(range(2004, 2027))


def test_every_day_agrees_with_chinese_calendar() -> None:
    cal = bundled_calendar()
    d, disagreements, days = date(2004, 1, 1), [], 0
    while d <= date(2026, 12, 31):
        if cal.is_working_day(d) != chinese_calendar.is_workday(d):
            disagreements.append(d)
        kind = cal.day_kind(d)
        on_holiday, _ = chinese_calendar.get_holiday_detail(d)
        if (kind in ("holiday", "weekend")) != on_holiday:
            disagreements.append(d)
        d += timedelta(days=1)
        days += 1
    assert days == 8401 and disagreements == []


def test_holiday_and_workday_lists_match_chinese_calendar_exactly() -> None:
    from chinese_calendar.constants import holidays, workdays

    ours_h = {d for a in bundled_arrangements() for d in a.holiday_dates}
    ours_w = {d for a in bundled_arrangements() for d in a.workday_dates}
    assert ours_h == {d for d in holidays if 2004 <= d.year <= 2026}
    assert ours_w == {d for d in workdays if 2004 <= d.year <= 2026}


def test_data_file_is_what_the_generator_produces() -> None:
    data = resources.files("drawsvc.calendar").joinpath("data", BUNDLED_FILE)
    shipped = json.loads(data.read_text("utf-8"))
    assert shipped == generate_bundled.build()


def test_only_known_document_numbers_are_recorded() -> None:
    numbers = {a.year: a.notice.document_number for a in bundled_arrangements()}
    assert numbers[2026] == "国办发明电〔2025〕7号"
    assert all(n is None for y, n in numbers.items() if y != 2026)
    for a in bundled_arrangements():
        assert a.notice.title == f"国务院办公厅关于{a.year}年部分节假日安排的通知"
