"""Registry services: departments, check items, targets, inspectors, declarations.

Each function takes a ``Session`` already inside a transaction and the ``Journal``; it
validates everything first, then writes the rows and appends one log entry per change
(public fields in clear, private ones as commitments), and never commits. An unchanged
record appends nothing. Expert pools and experts are in :mod:`drawsvc.registries.experts`;
file imports in :mod:`drawsvc.registries.imports`. Spec: docs/specs/registries.md.

Department scoping (RG-37): functions acting on a department's records take ``department``;
``None`` means unscoped (administrator or system), a code means "refuse records of another
department" (``Forbidden``). The API passes the caller's department.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from drawsvc.errors import Conflict, Forbidden, InvalidInput, NotFound
from drawsvc.journal import Actor, Journal
from drawsvc.privacy import Sealed, new_salt, seal
from drawsvc.registries import fields as f
from drawsvc.registries import records, repository, rules
from drawsvc.registries.models import (
    CheckItem,
    CheckItemVersion,
    Department,
    Inspector,
    InterestDeclaration,
    Target,
    new_declaration_code,
)

KIND_DEPARTMENT = "registry.department.upsert"
KIND_CHECK_ITEM = "registry.check_item.upsert"
KIND_TARGET = "registry.target.upsert"
KIND_INSPECTOR = "registry.inspector.upsert"
KIND_DECLARATION = "registry.declaration.upsert.v2"  # v2: terms only as a commitment (P-5)


def require_scope(department: str | None, owner: str | None, *, subject: str) -> None:
    """RG-37: a department-scoped caller acts only on its own department's records."""
    if department is not None and owner != department:
        raise Forbidden(
            f"{subject} belongs to another department", rule=rules.DEPARTMENT_SCOPE, subject=subject
        )


def _raise_first(errors: list[InvalidInput]) -> None:
    if errors:
        raise errors[0]


def assign(row: Any, values: Mapping[str, Any]) -> bool:
    """Set attributes that differ; return whether anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def seal_into(row: Any, field: str, value: str | None) -> bool:
    """Store a private value and its salt (fresh salt whenever the value changes)."""
    old_value, old_salt = getattr(row, field), getattr(row, f"{field}_salt")
    previous = Sealed(old_value, old_salt) if old_value is not None and old_salt is not None else None
    sealed = seal(value, previous=previous)
    new_value, new_salt = (None, None) if sealed is None else (sealed.value, sealed.salt)
    if (new_value, new_salt) == (old_value, old_salt):
        return False
    setattr(row, field, new_value)
    setattr(row, f"{field}_salt", new_salt)
    return True


# --------------------------------------------------------------------------- departments
def upsert_department(
    session: Session, journal: Journal, *, code: str, name: str, actor: Actor
) -> Department:
    raw = {"code": code, "name": name}
    c = f.Checker()
    code = c(f.code, raw, "code")
    name = c(f.text, raw, "name")
    c.raise_first()
    row = repository.get_department(session, code)
    if row is None:
        row = Department(code=code, name=name)
        session.add(row)
    elif not assign(row, {"name": name}):
        return row
    session.flush()
    journal.record(session, KIND_DEPARTMENT, {"code": row.code, "name": row.name}, actor=actor)
    return row


def require_department(session: Session, code: str) -> Department:
    row = repository.get_department(session, code)
    if row is None:
        raise NotFound(
            f"department {code} is not registered", field="department", rule=rules.UNKNOWN_REFERENCE
        )
    return row


# --------------------------------------------------------------------------- check items
def upsert_check_item(
    session: Session, journal: Journal, raw: Mapping[str, Any], *, department: str, actor: Actor
) -> CheckItem:
    """Create or adjust (动态调整) a check item of ``department``; each change is a new version."""
    require_department(session, department)
    rec, errors = records.parse_check_item(raw)
    _raise_first(errors)
    assert rec is not None
    values = {k: v for k, v in rec.__dict__.items() if k != "code"}
    row = repository.get_check_item(session, department, rec.code)
    if row is None:
        row = CheckItem(department_code=department, code=rec.code, version=1, active=True, **values)
        session.add(row)
    else:
        if not assign(row, {**values, "active": True}):
            return row
        row.version += 1
    session.flush()
    return _log_check_item(session, journal, row, actor)


def withdraw_check_item(
    session: Session, journal: Journal, *, department: str, code: str, actor: Actor
) -> CheckItem:
    """Take an item off the list (history kept; a later upsert restores it as a new version)."""
    row = repository.get_check_item(session, department, code)
    if row is None:
        raise NotFound(
            f"check item {department}/{code} not found", field="code", rule=rules.UNKNOWN_REFERENCE
        )
    if not row.active:
        return row
    row.active = False
    row.published = False
    row.version += 1
    session.flush()
    return _log_check_item(session, journal, row, actor)


def _log_check_item(session: Session, journal: Journal, row: CheckItem, actor: Actor) -> CheckItem:
    body = records.check_item_body(row)
    index = journal.record(session, KIND_CHECK_ITEM, body, actor=actor)
    session.add(
        CheckItemVersion(
            check_item_id=row.id, version=row.version, record=body, changed_at=journal.clock(),
            log_index=index,
        )
    )
    session.flush()
    return row


# --------------------------------------------------------------------------- targets
def target_values(rec: records.TargetRecord) -> dict[str, Any]:
    return {k: v for k, v in rec.__dict__.items() if k != "uscc"}


def upsert_target(session: Session, journal: Journal, raw: Mapping[str, Any], *, actor: Actor) -> Target:
    """Create or update a target (检查对象) keyed by its credit code (RG-07..RG-11)."""
    rec, errors = records.parse_target(raw)
    _raise_first(errors)
    assert rec is not None
    row = repository.get_target(session, rec.uscc)
    if row is None:
        row = Target(uscc=rec.uscc, version=1, **target_values(rec))
        session.add(row)
    else:
        if not assign(row, target_values(rec)):
            return row
        row.version += 1
    session.flush()
    journal.record(session, KIND_TARGET, records.target_body(row), actor=actor)
    return row


def set_target_status(session: Session, journal: Journal, *, uscc: str, status: str, actor: Actor) -> Target:
    """Deregister (注销) or reactivate a target."""
    if status not in ("active", "deregistered"):
        raise InvalidInput("status must be active or deregistered", field="status", rule=rules.ENUM)
    row = repository.get_target(session, uscc)
    if row is None:
        raise NotFound("target not found", field="uscc", rule=rules.UNKNOWN_REFERENCE, subject=uscc)
    if row.status == status:
        return row
    row.status = status
    row.version += 1
    session.flush()
    journal.record(session, KIND_TARGET, records.target_body(row), actor=actor)
    return row


# --------------------------------------------------------------------------- inspectors
INSPECTOR_TRANSITIONS = {
    "active": {"transferred", "on_leave", "retired"},
    "on_leave": {"active", "transferred", "retired"},
    "transferred": {"active"},
    "retired": set(),
}


def inspector_values(rec: records.InspectorRecord) -> dict[str, Any]:
    return {k: v for k, v in rec.__dict__.items() if k not in ("code", "phone")}


def apply_inspector(row: Inspector, rec: records.InspectorRecord) -> bool:
    changed = assign(row, inspector_values(rec))
    return seal_into(row, "phone", rec.phone) or changed


def check_inspector_transition(old: str, new: str) -> None:
    if old != new and new not in INSPECTOR_TRANSITIONS[old]:
        raise InvalidInput(
            f"inspector status cannot change from {old} to {new}",
            field="status",
            rule=rules.STATUS_TRANSITION,
        )


def upsert_inspector(
    session: Session, journal: Journal, raw: Mapping[str, Any], *, department: str, on: date, actor: Actor
) -> Inspector:
    """Create or update an inspector of ``department`` (``raw['staff_no']`` or ``raw['code']``).

    ``on`` is the date against which the certificate's validity is checked (RG-17).
    """
    require_department(session, department)
    rec, errors = records.parse_inspector(raw, department_code=department, on=on)
    _raise_first(errors)
    assert rec is not None
    row = repository.get_inspector(session, rec.code)
    if row is None:
        row = Inspector(code=rec.code, version=1)
        apply_inspector(row, rec)
        session.add(row)
    else:
        require_scope(department, row.department_code, subject=row.code)
        check_inspector_transition(row.status, rec.status)
        if not apply_inspector(row, rec):
            return row
        row.version += 1
    session.flush()
    journal.record(session, KIND_INSPECTOR, records.inspector_body(row), actor=actor)
    return row


def set_inspector_status(
    session: Session, journal: Journal, *, code: str, status: str, department: str | None, actor: Actor
) -> Inspector:
    row = repository.get_inspector(session, code)
    if row is None:
        raise NotFound("inspector not found", field="code", rule=rules.UNKNOWN_REFERENCE, subject=code)
    require_scope(department, row.department_code, subject=code)
    if status not in INSPECTOR_TRANSITIONS:
        raise InvalidInput("unknown inspector status", field="status", rule=rules.ENUM)
    check_inspector_transition(row.status, status)
    if row.status == status:
        return row
    row.status = status
    row.version += 1
    session.flush()
    journal.record(session, KIND_INSPECTOR, records.inspector_body(row), actor=actor)
    return row


# --------------------------------------------------------------------------- declarations
def person_department(session: Session, person_kind: str, person_code: str) -> str | None:
    """The department owning a person (None for an expert of a shared pool); NotFound if unknown."""
    if person_kind == "inspector":
        inspector = repository.get_inspector(session, person_code)
        if inspector is None:
            raise NotFound(
                "unknown inspector", field="person_code", rule=rules.UNKNOWN_REFERENCE, subject=person_code
            )
        return inspector.department_code
    expert = repository.get_expert(session, person_code)
    if expert is None:
        raise NotFound(
            "unknown expert", field="person_code", rule=rules.UNKNOWN_REFERENCE, subject=person_code
        )
    pool = repository.get_pool(session, expert.pool_code)
    return None if pool is None else pool.department_code


def new_declaration(rec: records.DeclarationRecord, **extra: Any) -> InterestDeclaration:
    """A new row: random public code, the natural key and a fresh salt for its terms (P-5)."""
    return InterestDeclaration(
        code=new_declaration_code(),
        natural_key=rec.key,
        terms_salt=new_salt(),
        withdrawn=False,
        **rec.__dict__,
        **extra,
    )


def redeclare(row: InterestDeclaration, rec: records.DeclarationRecord) -> bool:
    """The same declaration again (same natural key): a new end date gets a new salt (P-2);
    a withdrawn one is restored. Return whether anything changed."""
    changed = False
    if row.valid_until != rec.valid_until:
        row.valid_until, row.terms_salt = rec.valid_until, new_salt()
        changed = True
    if row.withdrawn:
        row.withdrawn = False
        changed = True
    return changed


def declare_interest(
    session: Session, journal: Journal, raw: Mapping[str, Any], *, department: str | None, actor: Actor
) -> InterestDeclaration:
    """Record an interest declaration (回避关系) of an inspector or expert (RG-35).

    The log entry names the person and the declaration's random ``code``; counterpart, kind and
    validity appear only as the ``terms`` commitment (spec §6 P-5, §7.1)."""
    rec, errors = records.parse_declaration(raw)
    _raise_first(errors)
    assert rec is not None
    owner = person_department(session, rec.person_kind, rec.person_code)
    if owner is not None:
        require_scope(department, owner, subject=rec.person_code)
    row = repository.declarations_by_key(session, [rec.key]).get(rec.key)
    if row is None:
        row = new_declaration(rec)
        session.add(row)
    elif not redeclare(row, rec):
        return row
    session.flush()
    journal.record(session, KIND_DECLARATION, records.declaration_body(row), actor=actor)
    return row


def withdraw_declaration(
    session: Session, journal: Journal, *, code: str, department: str | None, actor: Actor
) -> InterestDeclaration:
    row = repository.get_declaration(session, code)
    if row is None:
        raise NotFound("declaration not found", field="code", rule=rules.UNKNOWN_REFERENCE)
    owner = person_department(session, row.person_kind, row.person_code)
    if owner is not None:
        require_scope(department, owner, subject=row.person_code)
    if row.withdrawn:
        raise Conflict("declaration already withdrawn", field="code", rule=rules.STATUS_TRANSITION)
    row.withdrawn = True
    session.flush()
    journal.record(session, KIND_DECLARATION, records.declaration_body(row), actor=actor)
    return row
