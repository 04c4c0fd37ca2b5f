"""Calendar benchmark: 1,000,000 ``add_working_days`` calls on the bundled 2004–2026 tables.

Prints one JSON line: build time of the tables, deadlines per second, and the same for
``working_days_between``. Pure CPU, no database.
"""

from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta

from drawsvc.calendar import WorkCalendar
from drawsvc.calendar.bundled import bundled_arrangements

CALLS = 1_000_000


def main() -> None:
    arrangements = bundled_arrangements()
    t0 = time.perf_counter()
    cal = WorkCalendar(arrangements)
    build_s = time.perf_counter() - t0

    rng = random.Random(20261126)
    base = date(2004, 1, 1)
    starts = [base + timedelta(days=rng.randrange(0, 8000)) for _ in range(CALLS)]
    ns = [rng.choice((5, 20, 30)) for _ in range(CALLS)]

    add = cal.add_working_days
    t0 = time.perf_counter()
    dues = [add(d, n) for d, n in zip(starts, ns, strict=True)]
    add_s = time.perf_counter() - t0

    between = cal.working_days_between
    t0 = time.perf_counter()
    for d, due in zip(starts, dues, strict=True):
        between(d, due)
    between_s = time.perf_counter() - t0

    print(json.dumps({
        "bench": "calendar",
        "calls": CALLS,
        "build_tables_ms": round(build_s * 1000, 2),
        "add_working_days_per_s": int(CALLS / add_s),
        "add_working_days_total_s": round(add_s, 3),
        "working_days_between_per_s": int(CALLS / between_s),
    }))


if __name__ == "__main__":
    main()
