"""One year's official holiday arrangement as plain data, and its strict parser.

Spec: ``docs/specs/calendar.md`` §3 (file format) and §4 (validation rules V1–V9).
Pure: no I/O, no database. The parser refuses the whole file on the first broken rule and
names the field (dotted path, e.g. ``workdays[0].dates[1]``) and the rule id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from drawsvc.errors import InvalidInput

ARRANGEMENT_FORMAT = "drawsvc/calendar-arrangement/v1"

MIN_YEAR = 1949
MAX_YEAR = 9998
MAX_TEXT = 300
MAX_GROUPS = 60
MAX_DATES_PER_GROUP = 60

_ISO_DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_TOP_KEYS = frozenset({"format", "year", "notice", "holidays", "workdays", "notes"})
_NOTICE_KEYS = frozenset({"title", "document_number", "published", "url"})
_GROUP_KEYS = frozenset({"name", "dates"})


@dataclass(frozen=True)
class Notice:
    """The official notice an arrangement comes from (国务院办公厅关于 YYYY 年部分节假日安排的通知)."""

    title: str
    document_number: str | None = None  # e.g. 国办发明电〔2025〕7号; None when not known
    published: date | None = None
    url: str | None = None


@dataclass(frozen=True)
class DayGroup:
    """Dates sharing one festival name, e.g. 春节 holidays or 春节 adjusted working days."""

    name: str
    dates: tuple[date, ...]


@dataclass(frozen=True)
class Arrangement:
    """A year's 放假日 (``holidays``) and 调休上班日 (``workdays``), all inside ``year``."""

    year: int
    notice: Notice
    holidays: tuple[DayGroup, ...]
    workdays: tuple[DayGroup, ...]
    notes: str | None = None

    @property
    def holiday_dates(self) -> frozenset[date]:
        return frozenset(d for g in self.holidays for d in g.dates)

    @property
    def workday_dates(self) -> frozenset[date]:
        return frozenset(d for g in self.workdays for d in g.dates)

    def name_of(self, d: date) -> str | None:
        for group in (*self.holidays, *self.workdays):
            if d in group.dates:
                return group.name
        return None


def _fail(field: str, rule: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", field=field, rule=rule)


def _text(value: Any, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(field, "calendar.text", "must be a non-empty string")
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        raise _fail(field, "calendar.text", f"must be at most {MAX_TEXT} characters, no control characters")
    return value.strip()


def _iso_date(value: Any, field: str) -> date:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise _fail(field, "calendar.date-format", "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(field, "calendar.date-format", "is not a real calendar date") from None


def _keys(obj: Any, allowed: frozenset[str], required: Sequence[str], field: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise _fail(field or "(file)", "calendar.shape", "must be a JSON object")
    prefix = f"{field}." if field else ""
    for key in obj:
        if key not in allowed:
            raise _fail(f"{prefix}{key}", "calendar.unknown-field", "is not a field of this format")
    for key in required:
        if key not in obj:
            raise _fail(f"{prefix}{key}", "calendar.missing-field", "is required")
    return obj


def _groups(value: Any, field: str, year: int) -> tuple[DayGroup, ...]:
    if not isinstance(value, list):
        raise _fail(field, "calendar.shape", "must be a list of {name, dates} objects")
    if len(value) > MAX_GROUPS:
        raise _fail(field, "calendar.shape", f"at most {MAX_GROUPS} groups")
    groups = []
    for i, raw in enumerate(value):
        gfield = f"{field}[{i}]"
        obj = _keys(raw, _GROUP_KEYS, ("name", "dates"), gfield)
        name = _text(obj["name"], f"{gfield}.name")
        assert name is not None
        raw_dates = obj["dates"]
        if not isinstance(raw_dates, list) or not raw_dates or len(raw_dates) > MAX_DATES_PER_GROUP:
            raise _fail(f"{gfield}.dates", "calendar.shape",
                        f"must be a non-empty list of at most {MAX_DATES_PER_GROUP} dates")
        dates = []
        for j, raw_date in enumerate(raw_dates):
            dfield = f"{gfield}.dates[{j}]"
            d = _iso_date(raw_date, dfield)
            if d.year != year:  # V3
                raise _fail(dfield, "calendar.date-outside-year", f"{d.isoformat()} is not in {year}")
            dates.append(d)
        groups.append(DayGroup(name=name, dates=tuple(sorted(dates))))
    return tuple(groups)


def _first_field(raw: Any, field: str, d: date) -> str:
    """The dotted path of date ``d`` in the raw list (for error messages)."""
    for i, group in enumerate(raw):
        for j, value in enumerate(group["dates"]):
            if value == d.isoformat():
                return f"{field}[{i}].dates[{j}]"
    return field


def parse_arrangement(obj: Any) -> Arrangement:
    """Parse and validate one arrangement (docs/specs/calendar.md §3, rules V1–V8).

    Raises :class:`InvalidInput` naming the first offending field and the rule.
    """
    top = _keys(obj, _TOP_KEYS, ("format", "year", "notice", "holidays", "workdays"), "")
    if top["format"] != ARRANGEMENT_FORMAT:  # V1
        raise _fail("format", "calendar.format", f"must be {ARRANGEMENT_FORMAT!r}")
    year = top["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:  # V2
        raise _fail("year", "calendar.year", f"must be an integer year between {MIN_YEAR} and {MAX_YEAR}")

    raw_notice = _keys(top["notice"], _NOTICE_KEYS, ("title",), "notice")
    title = _text(raw_notice["title"], "notice.title")
    assert title is not None
    published = raw_notice.get("published")
    notice = Notice(
        title=title,
        document_number=_text(raw_notice.get("document_number"), "notice.document_number", optional=True),
        published=None if published is None else _iso_date(published, "notice.published"),
        url=_text(raw_notice.get("url"), "notice.url", optional=True),
    )
    notes = _text(top.get("notes"), "notes", optional=True)

    holidays = _groups(top["holidays"], "holidays", year)
    workdays = _groups(top["workdays"], "workdays", year)
    if not holidays:  # V4
        raise _fail("holidays", "calendar.no-holidays", "an arrangement declares at least one holiday")

    for field, groups in (("holidays", holidays), ("workdays", workdays)):  # V5
        seen: set[date] = set()
        for group in groups:
            for d in group.dates:
                if d in seen:
                    where = _last_field(top[field], field, d)
                    raise _fail(where, "calendar.duplicate-date", f"{d.isoformat()} is listed twice")
                seen.add(d)

    holiday_dates = {d for g in holidays for d in g.dates}
    for i, group in enumerate(top["workdays"]):
        for j, value in enumerate(group["dates"]):
            d = date.fromisoformat(value)
            field = f"workdays[{i}].dates[{j}]"
            if d in holiday_dates:  # V6 (and V7: a holiday never falls on an adjusted working day)
                raise _fail(field, "calendar.holiday-and-workday",
                            f"{d.isoformat()} is both a holiday and an adjusted working day "
                            f"(see {_first_field(top['holidays'], 'holidays', d)})")
            if d.weekday() < 5:  # V8
                raise _fail(field, "calendar.workday-not-weekend",
                            f"{d.isoformat()} is a {d.strftime('%A')}; adjusted working days are "
                            "Saturdays or Sundays")
    return Arrangement(year=year, notice=notice, holidays=holidays, workdays=workdays, notes=notes)


def _last_field(raw: Any, field: str, d: date) -> str:
    found = field
    for i, group in enumerate(raw):
        for j, value in enumerate(group["dates"]):
            if value == d.isoformat():
                found = f"{field}[{i}].dates[{j}]"
    return found


def arrangement_to_json(arrangement: Arrangement) -> dict[str, Any]:
    """The canonical JSON form (the same format :func:`parse_arrangement` reads; logged as-is)."""

    def groups(gs: Sequence[DayGroup]) -> list[dict[str, Any]]:
        return [{"name": g.name, "dates": [d.isoformat() for d in g.dates]} for g in gs]

    n = arrangement.notice
    return {
        "format": ARRANGEMENT_FORMAT,
        "year": arrangement.year,
        "notice": {
            "title": n.title,
            "document_number": n.document_number,
            "published": None if n.published is None else n.published.isoformat(),
            "url": n.url,
        },
        "holidays": groups(arrangement.holidays),
        "workdays": groups(arrangement.workdays),
        "notes": arrangement.notes,
    }
