"""Registry queries (no writes, no rules). Services and the draw/task code call these.

Spec: docs/specs/registries.md §8 (what draws read).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute, Session

from drawsvc.registries.models import (
    CheckItem,
    CheckItemVersion,
    Department,
    Expert,
    ExpertEvaluation,
    ExpertObjection,
    ExpertPool,
    Inspector,
    InterestDeclaration,
    Target,
)

IN_CHUNK = 500  # keys per IN (...) list


def _chunks(keys: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


def _key_in(
    session: Session, column: InstrumentedAttribute[Any], keys: Sequence[str]
) -> Iterator[sa.ColumnElement[bool]]:
    """``column IN keys`` as the conditions of the statements to run: on PostgreSQL one
    ``= ANY(array)`` with one parameter, elsewhere ``IN`` lists of ``IN_CHUNK`` keys.

    Why not ``IN`` lists on PostgreSQL: psycopg prepares a statement run five times, and the
    server may then keep one generic plan for ``IN ($1, …, $500)`` made when the table was
    small — a sequential scan, which a table growing inside one import makes quadratic
    (50,000 inspectors: 34.5 s in these look-ups, 0.13 s with ``= ANY``; docs/performance.md).
    """
    if not keys:
        return
    if session.get_bind().dialect.name == "postgresql":
        yield column == sa.any_(sa.bindparam(None, list(keys), type_=postgresql.ARRAY(sa.String)))
        return
    for chunk in _chunks(keys):
        yield column.in_(chunk)


def get_department(session: Session, code: str) -> Department | None:
    return session.scalars(sa.select(Department).where(Department.code == code)).one_or_none()


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(sa.select(Department).order_by(Department.code)))


def get_check_item(session: Session, department_code: str, code: str) -> CheckItem | None:
    return session.scalars(
        sa.select(CheckItem).where(CheckItem.department_code == department_code, CheckItem.code == code)
    ).one_or_none()


def list_check_items(
    session: Session, *, department_code: str | None = None, published_only: bool = False
) -> list[CheckItem]:
    q = sa.select(CheckItem).where(CheckItem.active.is_(True))
    if department_code is not None:
        q = q.where(CheckItem.department_code == department_code)
    if published_only:
        q = q.where(CheckItem.published.is_(True))
    return list(session.scalars(q.order_by(CheckItem.department_code, CheckItem.code)))


def check_item_history(session: Session, item_id: int) -> list[CheckItemVersion]:
    return list(
        session.scalars(
            sa.select(CheckItemVersion)
            .where(CheckItemVersion.check_item_id == item_id)
            .order_by(CheckItemVersion.version)
        )
    )


def get_target(session: Session, uscc: str) -> Target | None:
    return session.scalars(sa.select(Target).where(Target.uscc == uscc)).one_or_none()


def targets_by_uscc(session: Session, usccs: Sequence[str]) -> dict[str, Target]:
    out: dict[str, Target] = {}
    for cond in _key_in(session, Target.uscc, list(usccs)):
        out.update({t.uscc: t for t in session.scalars(sa.select(Target).where(cond))})
    return out


def active_targets(
    session: Session, *, target_type: str | None = None, region_prefix: str | None = None
) -> list[Target]:
    """Active targets ordered by USCC (the order draws use)."""
    q = sa.select(Target).where(Target.status == "active")
    if target_type:
        q = q.where(Target.target_type == target_type)
    if region_prefix:
        q = q.where(Target.region_code.startswith(region_prefix))
    return list(session.scalars(q.order_by(Target.uscc)))


def iter_targets(session: Session, *, batch: int = 5000) -> Iterator[Target]:
    """All targets ordered by USCC, streamed in batches (exports)."""
    last = ""
    while True:
        rows = list(
            session.scalars(sa.select(Target).where(Target.uscc > last).order_by(Target.uscc).limit(batch))
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].uscc


def get_inspector(session: Session, code: str) -> Inspector | None:
    return session.scalars(sa.select(Inspector).where(Inspector.code == code)).one_or_none()


def inspectors_by_code(session: Session, codes: Sequence[str]) -> dict[str, Inspector]:
    out: dict[str, Inspector] = {}
    for cond in _key_in(session, Inspector.code, list(codes)):
        out.update({i.code: i for i in session.scalars(sa.select(Inspector).where(cond))})
    return out


def list_inspectors(session: Session, *, department_code: str | None = None) -> list[Inspector]:
    q = sa.select(Inspector)
    if department_code is not None:
        q = q.where(Inspector.department_code == department_code)
    return list(session.scalars(q.order_by(Inspector.code)))


def eligible_inspectors(
    session: Session, *, department_code: str, on: date, specialty: str | None = None
) -> list[Inspector]:
    """Active inspectors of a department whose certificate is valid on ``on``, by code (RG-17)."""
    rows = session.scalars(
        sa.select(Inspector)
        .where(
            Inspector.department_code == department_code,
            Inspector.status == "active",
            Inspector.certificate_valid_until >= on,
        )
        .order_by(Inspector.code)
    )
    return [i for i in rows if specialty is None or specialty in i.specialties]


def get_pool(session: Session, code: str) -> ExpertPool | None:
    return session.scalars(sa.select(ExpertPool).where(ExpertPool.code == code)).one_or_none()


def list_pools(session: Session) -> list[ExpertPool]:
    return list(session.scalars(sa.select(ExpertPool).order_by(ExpertPool.code)))


def get_expert(session: Session, code: str) -> Expert | None:
    return session.scalars(sa.select(Expert).where(Expert.code == code)).one_or_none()


def experts_by_code(session: Session, codes: Sequence[str]) -> dict[str, Expert]:
    out: dict[str, Expert] = {}
    for cond in _key_in(session, Expert.code, list(codes)):
        out.update({e.code: e for e in session.scalars(sa.select(Expert).where(cond))})
    return out


def list_experts(
    session: Session, *, pool_code: str | None = None, status: str | None = None
) -> list[Expert]:
    q = sa.select(Expert)
    if pool_code is not None:
        q = q.where(Expert.pool_code == pool_code)
    if status is not None:
        q = q.where(Expert.status == status)
    return list(session.scalars(q.order_by(Expert.code)))


def eligible_experts(session: Session, *, pool_code: str, on: date, group: str | None = None) -> list[Expert]:
    """Admitted experts whose term covers ``on`` and who carry no exit flag, by code."""
    rows = session.scalars(
        sa.select(Expert)
        .where(
            Expert.pool_code == pool_code,
            Expert.status == "admitted",
            Expert.term_start <= on,
            Expert.term_end >= on,
        )
        .order_by(Expert.code)
    )
    return [e for e in rows if not e.exit_flags and (group is None or group in e.groups)]


def flagged_experts(session: Session, *, pool_code: str | None = None) -> list[Expert]:
    """Experts the system flagged for exit, waiting for a person to confirm."""
    rows = list_experts(session, pool_code=pool_code, status="admitted")
    return [e for e in rows if e.exit_flags]


def objections_of(session: Session, expert_code: str) -> list[ExpertObjection]:
    return list(
        session.scalars(
            sa.select(ExpertObjection)
            .where(ExpertObjection.expert_code == expert_code)
            .order_by(ExpertObjection.id)
        )
    )


def overdue_objections(session: Session, *, on: date) -> list[ExpertObjection]:
    """Undecided objections whose 30-working-day deadline has passed on ``on`` (RG-30)."""
    return list(
        session.scalars(
            sa.select(ExpertObjection)
            .where(ExpertObjection.decision.is_(None), ExpertObjection.due_on < on)
            .order_by(ExpertObjection.id)
        )
    )


def grades_in_term(session: Session, expert_code: str, term_start: date | None) -> list[str]:
    q = sa.select(ExpertEvaluation.grade).where(ExpertEvaluation.expert_code == expert_code)
    q = q.where(
        ExpertEvaluation.term_start.is_(None)
        if term_start is None
        else ExpertEvaluation.term_start == term_start
    )
    return list(session.scalars(q.order_by(ExpertEvaluation.id)))


def get_declaration(session: Session, code: str) -> InterestDeclaration | None:
    return session.scalars(
        sa.select(InterestDeclaration).where(InterestDeclaration.code == code)
    ).one_or_none()


def declarations_by_key(session: Session, keys: Sequence[str]) -> dict[str, InterestDeclaration]:
    """Declarations by their private natural key (``records.declaration_key``)."""
    out: dict[str, InterestDeclaration] = {}
    for cond in _key_in(session, InterestDeclaration.natural_key, list(keys)):
        for d in session.scalars(sa.select(InterestDeclaration).where(cond)):
            assert d.natural_key is not None
            out[d.natural_key] = d
    return out


def list_declarations(session: Session, *, person_kind: str | None = None) -> list[InterestDeclaration]:
    q = sa.select(InterestDeclaration)
    if person_kind is not None:
        q = q.where(InterestDeclaration.person_kind == person_kind)
    return list(session.scalars(q.order_by(InterestDeclaration.code)))


def active_declarations(
    session: Session, *, on: date, people: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], set[str]]:
    """Declarations in force on ``on`` for ``people`` ((person kind, person code) pairs).

    Returns (person kind, person code) → set of counterpart credit codes; every requested person
    is a key (an empty set when nothing is declared). Used by draws for avoidance (回避).
    """
    wanted = list(dict.fromkeys(people))
    out: dict[tuple[str, str], set[str]] = {p: set() for p in wanted}
    by_kind: dict[str, list[str]] = {}
    for kind, code in wanted:
        by_kind.setdefault(kind, []).append(code)
    for kind, codes in by_kind.items():
        for cond in _key_in(session, InterestDeclaration.person_code, codes):
            rows = session.execute(
                sa.select(InterestDeclaration.person_code, InterestDeclaration.counterpart_uscc).where(
                    InterestDeclaration.person_kind == kind,
                    cond,
                    InterestDeclaration.withdrawn.is_(False),
                    InterestDeclaration.valid_from <= on,
                    sa.or_(InterestDeclaration.valid_until.is_(None), InterestDeclaration.valid_until >= on),
                )
            )
            for person_code, uscc in rows:
                out[(kind, person_code)].add(uscc)
    return out


def expert_employers(session: Session, expert_codes: Sequence[str]) -> dict[str, str]:
    """expert code → the credit code of their organisation (when recorded): an implicit
    回避 link (``works_there``) that draws may add to ``active_declarations``."""
    out: dict[str, str] = {}
    for cond in _key_in(session, Expert.code, list(expert_codes)):
        rows = session.execute(
            sa.select(Expert.code, Expert.organisation_uscc).where(
                cond, Expert.organisation_uscc.is_not(None)
            )
        )
        out.update({code: uscc for code, uscc in rows})
    return out
