"""Domain errors of drawsvc.

One base class; each subclass carries a stable ``code`` (used as the RFC 9457 problem
``type`` suffix by the API and mapped to an exit code by the CLI — both in one place each).
Messages never interpolate personal data (phone numbers, ID numbers, addresses of people):
name the field, the row and the rule, not the value, when the value is private.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


class DrawsvcError(Exception):
    """Base of every error the service reports to a caller."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail: dict[str, Any] = detail

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.detail}


class NotFound(DrawsvcError):
    code = "not-found"


class Unauthenticated(DrawsvcError):
    code = "unauthenticated"


class Forbidden(DrawsvcError):
    code = "forbidden"


class Conflict(DrawsvcError):
    code = "conflict"


class InvalidInput(DrawsvcError):
    """A field breaks a rule. ``field`` names it (dotted path), ``rule`` is a stable rule id."""

    code = "invalid-input"

    def __init__(self, message: str, *, field: str, rule: str, **detail: Any) -> None:
        super().__init__(message, field=field, rule=rule, **detail)
        self.field = field
        self.rule = rule


@dataclass(frozen=True)
class RowError:
    """One bad row of an import: 1-based row number as the user sees it in the file."""

    row: int
    column: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "rule": self.rule, "message": self.message}


class ImportRejected(InvalidInput):
    """An all-or-nothing import refused: every bad row is listed, nothing was written."""

    code = "import-rejected"

    def __init__(self, message: str, *, rows: list[RowError], **detail: Any) -> None:
        super().__init__(message, field="file", rule="import.all-or-nothing",
                         rows=[r.as_dict() for r in rows], **detail)
        self.rows = rows


class RuleViolation(DrawsvcError):
    """A business rule refuses the operation. ``rule`` is a stable id, ``subject`` what broke it."""

    code = "rule-violation"

    def __init__(self, message: str, *, rule: str, subject: str | None = None, **detail: Any) -> None:
        super().__init__(message, rule=rule, subject=subject, **detail)
        self.rule = rule
        self.subject = subject


class DrawInfeasible(RuleViolation):
    code = "draw-infeasible"


class RevealMismatch(RuleViolation):
    code = "reveal-mismatch"


class BeaconRejected(RuleViolation):
    """A public beacon that does not verify (docs/specs/beacon.md); ``rule`` is the BEACON-n rule."""

    code = "beacon-invalid"


class DeadlineMissed(RuleViolation):
    code = "deadline-missed"


class CalendarUnavailable(RuleViolation):
    """A computation needs a year whose holiday arrangement is not loaded."""

    code = "calendar-unavailable"


class ServiceUnavailable(DrawsvcError):
    """Something the server itself needs is not installed (e.g. a CJK font for PDFs): not the
    caller's fault, and retrying helps only once the operator installs it (HTTP 503)."""

    code = "service-unavailable"
