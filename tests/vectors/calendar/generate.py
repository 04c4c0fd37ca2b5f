"""Generate the calendar test vectors: a 2027 TEST FIXTURE and its named mutations.

    .venv/bin/python tests/vectors/calendar/generate.py

The 2027 arrangement below is invented for tests. It is NOT the official 2027 arrangement
(国务院办公厅关于2027年部分节假日安排的通知 had not been loaded when it was written) and
must never be loaded into a real deployment. Each mutation breaks exactly one rule of
docs/specs/calendar.md §4 and records the field and rule the parser must report.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

FIXTURE: dict[str, Any] = {
    "format": "drawsvc/calendar-arrangement/v1",
    "year": 2027,
    "notice": {
        "title": "TEST FIXTURE — not an official notice (2027)",
        "document_number": None,
        "published": None,
        "url": None,
    },
    "holidays": [
        {"name": "元旦", "dates": ["2027-01-01", "2027-01-02", "2027-01-03"]},
        {"name": "春节", "dates": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
                                  "2027-02-10", "2027-02-11", "2027-02-12", "2027-02-13"]},
        {"name": "清明节", "dates": ["2027-04-03", "2027-04-04", "2027-04-05"]},
        {"name": "劳动节", "dates": ["2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04", "2027-05-05"]},
        {"name": "端午节", "dates": ["2027-06-09"]},
        {"name": "中秋节", "dates": ["2027-09-15"]},
        {"name": "国庆节", "dates": ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05",
                                    "2027-10-06", "2027-10-07"]},
    ],
    "workdays": [
        {"name": "春节", "dates": ["2027-02-14"]},
        {"name": "劳动节", "dates": ["2027-05-08"]},
        {"name": "国庆节", "dates": ["2027-09-26", "2027-10-09"]},
    ],
    "notes": "TEST FIXTURE for drawsvc's tests; invented dates, not official data",
}


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(obj: dict[str, Any]) -> None:
        target: Any = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(obj: dict[str, Any]) -> None:
        del obj[key]
    return mutate


# name → (mutation, expected field, expected rule, description)
MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], str, str, str]] = {
    "format-v2": (_set(["format"], "drawsvc/calendar-arrangement/v2"), "format", "calendar.format",
                  "unknown format version"),
    "year-string": (_set(["year"], "2027"), "year", "calendar.year", "year given as a string"),
    "year-missing": (_delete("year"), "year", "calendar.missing-field", "no year"),
    "extra-field": (_set(["source"], "x"), "source", "calendar.unknown-field", "unknown top-level field"),
    "notice-title-empty": (_set(["notice", "title"], " "), "notice.title", "calendar.text", "empty title"),
    "holidays[1].dates[0]-2026": (_set(["holidays", 1, "dates", 0], "2026-02-05"),
                                  "holidays[1].dates[0]", "calendar.date-outside-year",
                                  "a holiday outside the arrangement's year"),
    "workdays[0].dates[0]-2028": (_set(["workdays", 0, "dates", 0], "2028-01-02"),
                                  "workdays[0].dates[0]", "calendar.date-outside-year",
                                  "an adjusted working day outside the arrangement's year"),
    "holidays[0].dates[0]-slashes": (_set(["holidays", 0, "dates", 0], "2027/01/01"),
                                     "holidays[0].dates[0]", "calendar.date-format", "date not YYYY-MM-DD"),
    "holidays[0].dates[0]-compact": (_set(["holidays", 0, "dates", 0], "20270101"),
                                     "holidays[0].dates[0]", "calendar.date-format",
                                     "compact ISO date (accepted by Python 3.11, refused here)"),
    "holidays[0].dates[0]-feb-30": (_set(["holidays", 0, "dates", 0], "2027-02-30"),
                                    "holidays[0].dates[0]", "calendar.date-format", "no such day"),
    "workdays[0].dates[0]-is-holiday": (_set(["workdays", 0, "dates", 0], "2027-02-06"),
                                        "workdays[0].dates[0]", "calendar.holiday-and-workday",
                                        "a date both a holiday and an adjusted working day (a Saturday)"),
    "workdays[1].dates[0]-wednesday": (_set(["workdays", 1, "dates", 0], "2027-05-12"),
                                       "workdays[1].dates[0]", "calendar.workday-not-weekend",
                                       "an adjusted working day on a Wednesday"),
    "holidays[2].dates[0]-duplicate": (_set(["holidays", 2, "dates", 0], "2027-04-04"),
                                       "holidays[2].dates[1]", "calendar.duplicate-date",
                                       "a holiday listed twice"),
    "holidays-empty": (_set(["holidays"], []), "holidays", "calendar.no-holidays", "no holidays at all"),
    "workdays-not-list": (_set(["workdays"], {"2027-02-14": "春节"}), "workdays", "calendar.shape",
                          "workdays as an object instead of a list"),
    "holidays[0].name-missing": (_set(["holidays", 0], {"dates": ["2027-01-01"]}), "holidays[0].name",
                                 "calendar.missing-field", "a group without a name"),
}


def main() -> None:
    (HERE / "arrangement-2027.TEST-FIXTURE.json").write_text(
        json.dumps(FIXTURE, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    out = HERE / "invalid"
    out.mkdir(exist_ok=True)
    for name, (mutate, field, rule, description) in MUTATIONS.items():
        obj = copy.deepcopy(FIXTURE)
        mutate(obj)
        vector = {"description": description, "expect": {"field": field, "rule": rule}, "arrangement": obj}
        (out / f"{name}.json").write_text(json.dumps(vector, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")


if __name__ == "__main__":
    main()
