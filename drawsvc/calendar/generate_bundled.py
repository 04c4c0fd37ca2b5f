"""Convert chinese-calendar's tables into the bundled data file (run once; output committed).

    .venv/bin/python -m drawsvc.calendar.generate_bundled

Writes ``drawsvc/calendar/data/cn-2004-2026.json``: one arrangement per year in the format of
docs/specs/calendar.md §3. Dates are grouped by the calendar year they fall in (spec §3.4): a
day decided by the next year's notice (e.g. 2011-12-31, an adjusted working day of the 2012
New Year holiday) belongs to the earlier year's arrangement. ``tests/calendar`` checks the file
against chinese-calendar day by day.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from drawsvc.calendar.arrangement import ARRANGEMENT_FORMAT, parse_arrangement

SOURCE = "chinese-calendar 1.11.0"
FIRST_YEAR = 2004
LAST_YEAR = 2026
OUT = Path(__file__).parent / "data" / f"cn-{FIRST_YEAR}-{LAST_YEAR}.json"

# Only numbers we are sure of; the rest are recorded as unknown (null), never guessed.
DOCUMENT_NUMBERS: dict[int, str] = {2026: "国办发明电〔2025〕7号"}

NOTES: dict[int, str] = {
    2015: "includes 3–4 September 2015 (中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日), "
    "from a separate State Council notice, and the 6 September adjusted working day",
    2020: "includes the Spring Festival extension to 2 February 2020 "
    "(国务院办公厅关于延长2020年春节假期的通知)",
}


def notice_title(year: int) -> str:
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


def build() -> dict[str, Any]:
    from chinese_calendar.constants import Holiday, holidays, workdays

    chinese = {h.value: h.chinese for h in Holiday}

    def groups(table: dict[date, str], year: int) -> list[dict[str, Any]]:
        by_name: dict[str, list[date]] = defaultdict(list)
        for d in sorted(d for d in table if d.year == year):
            by_name[chinese[table[d]]].append(d)
        ordered = sorted(by_name.items(), key=lambda kv: kv[1][0])
        return [{"name": name, "dates": [d.isoformat() for d in ds]} for name, ds in ordered]

    years = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        notes = f"source: {SOURCE}" + (f"; {NOTES[year]}" if year in NOTES else "")
        arrangement = {
            "format": ARRANGEMENT_FORMAT,
            "year": year,
            "notice": {
                "title": notice_title(year),
                "document_number": DOCUMENT_NUMBERS.get(year),
                "published": None,
                "url": None,
            },
            "holidays": groups(holidays, year),
            "workdays": groups(workdays, year),
            "notes": notes,
        }
        parse_arrangement(arrangement)  # the bundled data obeys the same rules as any upload
        years.append(arrangement)
    return {"source": SOURCE, "arrangements": years}


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(OUT)


if __name__ == "__main__":
    main()
