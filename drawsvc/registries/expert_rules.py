"""Expert-pool rules as pure functions (docs/specs/registries.md §4.5, rules RG-21..RG-34).

No I/O and no calendar look-ups here: the service passes dates already computed with the
working-day calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from drawsvc.errors import InvalidInput
from drawsvc.registries import rules

NO_ANSWER_LIMIT = 3  # three consecutive invitations unanswered → exit flag (RG-33)
POOR_LIMIT = 2  # a second 差 in one term → exit flag (RG-32)


@dataclass(frozen=True)
class PoolRules:
    """The admission rules of one pool (configurable per pool)."""

    age_limit: int = 60
    exempt_titles: tuple[str, ...] = ()
    exempt_age_limit: int | None = None  # None: exempt titles have no age limit
    min_years: int = 0
    accepted_titles: tuple[str, ...] = ()  # empty: any title
    groups: tuple[str, ...] = ()  # empty: any group
    term_years: int = 3
    notice_working_days: int = 5
    objection_working_days: int = 30

    def __post_init__(self) -> None:
        if not 18 <= self.age_limit <= 100:
            raise InvalidInput("age_limit must be 18..100", field="age_limit", rule=rules.POOL_RULES)
        if self.exempt_age_limit is not None and self.exempt_age_limit < self.age_limit:
            raise InvalidInput(
                "exempt_age_limit below age_limit", field="exempt_age_limit", rule=rules.POOL_RULES
            )
        if not 0 <= self.min_years <= 60:
            raise InvalidInput("min_years must be 0..60", field="min_years", rule=rules.POOL_RULES)
        if not 1 <= self.term_years <= 10:
            raise InvalidInput("term_years must be 1..10", field="term_years", rule=rules.POOL_RULES)
        if self.notice_working_days < 5:
            raise InvalidInput(
                "public notice must last at least 5 working days",
                field="notice_working_days",
                rule=rules.POOL_RULES,
            )
        if not 1 <= self.objection_working_days <= 30:
            raise InvalidInput(
                "objections must be decided within 30 working days",
                field="objection_working_days",
                rule=rules.POOL_RULES,
            )


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on ``on``."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_limit_for(pool: PoolRules, title: str) -> int | None:
    """The age limit that applies to someone with ``title`` (None: no limit)."""
    if title and title in pool.exempt_titles:
        return pool.exempt_age_limit
    return pool.age_limit


def is_over_age(pool: PoolRules, *, birth_date: date, title: str, on: date) -> bool:
    """Over age once the completed age exceeds the limit (a 60 limit admits up to the day before 61)."""
    limit = age_limit_for(pool, title)
    return limit is not None and age_on(birth_date, on) > limit


def qualification_failures(
    pool: PoolRules, *, birth_date: date, title: str, years_in_field: int, groups: Sequence[str], on: date
) -> list[InvalidInput]:
    """Every rule of the pool the applicant fails on ``on`` (empty list: qualified)."""
    out: list[InvalidInput] = []
    if is_over_age(pool, birth_date=birth_date, title=title, on=on):
        out.append(
            InvalidInput(
                "over the pool's age limit (birth date not shown: private)",
                field="birth_date",
                rule=rules.AGE_LIMIT,
            )
        )
    if years_in_field < pool.min_years:
        out.append(
            InvalidInput(
                f"fewer than {pool.min_years} years in the field",
                field="years_in_field",
                rule=rules.MIN_YEARS,
            )
        )
    if pool.accepted_titles and title not in pool.accepted_titles:
        out.append(InvalidInput("title not accepted by the pool", field="title", rule=rules.TITLE))
    if not groups or (pool.groups and any(g not in pool.groups for g in groups)):
        out.append(
            InvalidInput("groups must be one or more of the pool's groups", field="groups", rule=rules.GROUPS)
        )
    return out


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def term_end_for(term_start: date, term_years: int) -> date:
    """A term of ``term_years`` starting ``term_start`` ends the day before the anniversary."""
    return date.fromordinal(add_years(term_start, term_years).toordinal() - 1)


def check_term(term_start: date, term_end: date, term_years: int) -> None:
    if term_end < term_start or term_end > term_end_for(term_start, term_years):
        raise InvalidInput(
            f"term must end after it starts and last at most {term_years} years",
            field="term_end",
            rule=rules.TERM,
        )


def poor_in_term(grades: Iterable[str]) -> bool:
    """True when the grades of one term include a second 差 (exit flag, RG-32)."""
    return sum(1 for g in grades if g == "poor") >= POOR_LIMIT


def next_no_answer_count(current: int, outcome: str) -> int:
    """Consecutive unanswered invitations after ``outcome`` (any answer resets, RG-33)."""
    return current + 1 if outcome == "no_answer" else 0
