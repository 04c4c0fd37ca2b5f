"""The working-day calendar: official holiday arrangements as logged data (docs/specs/calendar.md).

Pure core: :mod:`.arrangement` (format and validation), :mod:`.arithmetic` (``WorkCalendar``,
``Deadline``), :mod:`.bundled` (2004–2026 shipped with the package), :mod:`.provisional`
(planning-only estimates). Database and log: :mod:`.service`, :mod:`.models`.
"""

from drawsvc.calendar.arithmetic import Deadline, WorkCalendar, calendar_unavailable
from drawsvc.calendar.arrangement import (
    ARRANGEMENT_FORMAT,
    Arrangement,
    DayGroup,
    Notice,
    arrangement_to_json,
    parse_arrangement,
)

__all__ = [
    "ARRANGEMENT_FORMAT",
    "Arrangement",
    "DayGroup",
    "Deadline",
    "Notice",
    "WorkCalendar",
    "arrangement_to_json",
    "calendar_unavailable",
    "parse_arrangement",
]
