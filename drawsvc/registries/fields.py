"""Field validators shared by single-record services and imports. Pure; no I/O.

Each validator returns the normalised value or raises ``InvalidInput(field, rule)``; messages
name the field and the rule, never the value (values may be private). ``Checker`` collects
every failure of a record so an import can report all bad columns of a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from drawsvc.errors import InvalidInput
from drawsvc.registries import rules
from drawsvc.registries.vocab import split_list

T = TypeVar("T")

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
REGION_RE = re.compile(r"^[1-8][0-9]{5}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def text(
    raw: Mapping[str, Any], field: str, *, required: bool = True, max_len: int = 200, default: str = ""
) -> str:
    value = raw.get(field)
    if _blank(value):
        if required:
            raise InvalidInput(f"{field} is required", field=field, rule=rules.REQUIRED)
        return default
    s = str(value).strip()
    if len(s) > max_len or _CONTROL.search(s):
        raise InvalidInput(
            f"{field} is longer than {max_len} characters or has control characters",
            field=field,
            rule=rules.TEXT,
        )
    return s


def optional_text(raw: Mapping[str, Any], field: str, *, max_len: int = 200) -> str | None:
    s = text(raw, field, required=False, max_len=max_len)
    return s or None


def code(raw: Mapping[str, Any], field: str) -> str:
    s = text(raw, field, max_len=64)
    if not CODE_RE.match(s):
        raise InvalidInput(
            f"{field} must be 1–64 letters, digits, '.', '_' or '-'", field=field, rule=rules.CODE_FORMAT
        )
    return s


def enum(
    raw: Mapping[str, Any], field: str, accepted: Mapping[str, str], *, default: str | None = None
) -> str:
    """``accepted`` maps labels and codes to codes (``vocab.label_to_code``)."""
    value = raw.get(field)
    if _blank(value):
        if default is None:
            raise InvalidInput(f"{field} is required", field=field, rule=rules.REQUIRED)
        return default
    s = str(value).strip()
    if s not in accepted:
        raise InvalidInput(f"{field} is not one of the accepted values", field=field, rule=rules.ENUM)
    return accepted[s]


def string_list(raw: Mapping[str, Any], field: str, *, max_items: int = 20, max_len: int = 50) -> list[str]:
    value = raw.get(field)
    if _blank(value):
        return []
    items = list(value) if isinstance(value, list | tuple) else split_list(str(value))
    items = [str(i).strip() for i in items if str(i).strip()]
    if len(items) > max_items or any(len(i) > max_len or _CONTROL.search(i) for i in items):
        raise InvalidInput(f"{field} has too many or too long items", field=field, rule=rules.TEXT)
    return list(dict.fromkeys(items))


def to_date(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip().replace("/", "-").replace(".", "-")
    parts = s.split("-")
    try:
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(s) == 8 and s.isdigit():
            return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        pass
    raise InvalidInput(f"{field} must be a date YYYY-MM-DD", field=field, rule=rules.DATE)


def a_date(raw: Mapping[str, Any], field: str) -> date:
    value = raw.get(field)
    if _blank(value):
        raise InvalidInput(f"{field} is required", field=field, rule=rules.REQUIRED)
    return to_date(value, field)


def optional_date(raw: Mapping[str, Any], field: str) -> date | None:
    value = raw.get(field)
    return None if _blank(value) else to_date(value, field)


def integer(
    raw: Mapping[str, Any],
    field: str,
    *,
    lo: int,
    hi: int,
    default: int | None = None,
    rule: str = rules.INTEGER,
) -> int:
    value = raw.get(field)
    if _blank(value):
        if default is None:
            raise InvalidInput(f"{field} is required", field=field, rule=rules.REQUIRED)
        return default
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be an integer", field=field, rule=rule)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        n = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{field} must be an integer", field=field, rule=rule) from None
    if not lo <= n <= hi:
        raise InvalidInput(f"{field} must be between {lo} and {hi}", field=field, rule=rule)
    return n


def boolean(raw: Mapping[str, Any], field: str, *, default: bool = False) -> bool:
    value = raw.get(field)
    if _blank(value):
        return default
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in ("是", "y", "yes", "true", "1"):
        return True
    if s in ("否", "n", "no", "false", "0"):
        return False
    raise InvalidInput(f"{field} must be 是 or 否", field=field, rule=rules.ENUM)


def region_code(raw: Mapping[str, Any], field: str = "region_code") -> str:
    s = text(raw, field, max_len=6)
    if not REGION_RE.match(s):
        raise InvalidInput(f"{field} must be a 6-digit 行政区划代码", field=field, rule=rules.REGION_CODE)
    return s


def phone(raw: Mapping[str, Any], field: str = "phone") -> str | None:
    value = raw.get(field)
    if _blank(value):
        return None
    s = str(value).strip()
    if not PHONE_RE.match(s):
        raise InvalidInput(
            f"{field} is not a phone number (value not shown: private)", field=field, rule=rules.PHONE
        )
    return s


class Checker:
    """Run validators, collecting every ``InvalidInput`` instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[InvalidInput] = []

    def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except InvalidInput as exc:
            self.errors.append(exc)
            return None  # type: ignore[return-value]

    def add(self, exc: InvalidInput) -> None:
        self.errors.append(exc)

    def raise_first(self) -> None:
        if self.errors:
            raise self.errors[0]


def first_error(errors: Iterable[InvalidInput]) -> InvalidInput | None:
    return next(iter(errors), None)
