"""Export registries to Excel with the same Chinese headers the imports read (spec §5.6).

Private columns (联系电话, 身份证号, 出生日期, 家庭住址; a declaration's counterpart, kind and
validity) are left empty unless ``include_private`` is set by a caller entitled to them (the
bureau's own copy); such a file re-imports unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from drawsvc.errors import InvalidInput
from drawsvc.registries import repository, rules, vocab
from drawsvc.registries.formats import LAYOUTS
from drawsvc.registries.service import person_department
from drawsvc.registries.tabular import write_xlsx

PRIVATE_COLUMNS = frozenset({"phone", "id_number", "birth_date", "home_address"})
# A declaration's terms are private too (spec §6 P-5): only the person is left without them.
PRIVATE_DECLARATION_COLUMNS = frozenset({"counterpart_uscc", "kind", "valid_from", "valid_until"})


def _list(values: list[str], labels: dict[str, str] | None = None) -> str:
    return "；".join(labels.get(v, v) if labels else v for v in values)


def _date(d: Any) -> str:
    return d.isoformat() if d is not None else ""


def _target_rows(session: Session, **_: Any) -> Iterator[dict[str, Any]]:
    for t in repository.iter_targets(session):
        yield {
            "uscc": t.uscc,
            "name": t.name,
            "target_type": t.target_type,
            "scale": t.scale,
            "region_code": t.region_code,
            "registration_authority": t.registration_authority,
            "industry": t.industry,
            "credit_class": t.credit_class,
            "risk_flags": _list(t.risk_flags, vocab.RISK_FLAG),
            "status": vocab.TARGET_STATUS[t.status],
        }


def _inspector_rows(session: Session, *, department: str | None, **_: Any) -> Iterator[dict[str, Any]]:
    for i in repository.list_inspectors(session, department_code=department):
        yield {
            "department_code": i.department_code,
            "staff_no": i.code[len(i.department_code) + 1 :],
            "name": i.name,
            "unit": i.unit,
            "position": i.position,
            "certificate_no": i.certificate_no,
            "certificate_valid_until": _date(i.certificate_valid_until),
            "post": i.post,
            "phone": i.phone,
            "specialties": _list(i.specialties),
            "leader_eligible": vocab.YES_NO[i.leader_eligible],
            "status": vocab.INSPECTOR_STATUS[i.status],
        }


def _expert_rows(
    session: Session, *, department: str | None, pool_code: str | None, **_: Any
) -> Iterator[dict[str, Any]]:
    pools = {p.code: p for p in repository.list_pools(session)}
    for e in repository.list_experts(session, pool_code=pool_code):
        owner = pools[e.pool_code].department_code
        if department is not None and owner not in (None, department):
            continue
        yield {
            "pool_code": e.pool_code,
            "code": e.code,
            "name": e.name,
            "organisation": e.organisation,
            "organisation_uscc": e.organisation_uscc or "",
            "title": e.title,
            "groups": _list(e.groups),
            "birth_date": _date(e.birth_date),
            "id_number": e.id_number,
            "home_address": e.home_address,
            "phone": e.phone,
            "years_in_field": e.years_in_field,
            "term_start": _date(e.term_start),
            "term_end": _date(e.term_end),
        }


def _declaration_rows(
    session: Session, *, department: str | None = None, **_: Any
) -> Iterator[dict[str, Any]]:
    owners: dict[tuple[str, str], str | None] = {}
    for d in repository.list_declarations(session):
        if d.withdrawn:
            continue
        if department is not None:  # RG-37: the department's own people (and shared-pool experts)
            key = (d.person_kind, d.person_code)
            if key not in owners:
                owners[key] = person_department(session, d.person_kind, d.person_code)
            if owners[key] not in (None, department):
                continue
        yield {
            "person_kind": vocab.PERSON_KIND[d.person_kind],
            "person_code": d.person_code,
            "counterpart_uscc": d.counterpart_uscc,
            "kind": vocab.DECLARATION_KIND[d.kind],
            "valid_from": _date(d.valid_from),
            "valid_until": _date(d.valid_until),
        }


_ROWS = {
    "targets": _target_rows,
    "inspectors": _inspector_rows,
    "experts": _expert_rows,
    "declarations": _declaration_rows,
}
SHEET_TITLES = {
    "targets": "检查对象名录库",
    "inspectors": "执法检查人员名录库",
    "experts": "专家库",
    "declarations": "回避关系",
}


def export_registry(
    session: Session,
    destination: str | Path | IO[bytes],
    *,
    kind: str,
    department: str | None = None,
    pool_code: str | None = None,
    include_private: bool = False,
) -> int:
    """Write registry ``kind`` as an .xlsx workbook; return the number of data rows."""
    if kind not in _ROWS:
        raise InvalidInput(
            "kind must be targets, inspectors, experts or declarations", field="kind", rule=rules.ENUM
        )
    layout = LAYOUTS[kind]
    private = PRIVATE_COLUMNS | (PRIVATE_DECLARATION_COLUMNS if kind == "declarations" else frozenset())
    fields = [c.field for c in layout.columns]
    header = [c.header for c in layout.columns]

    def cell(row: dict[str, Any], field: str) -> Any:
        value = row.get(field)
        if value is None or (field in private and not include_private):
            return ""
        return value

    def table() -> Iterator[list[Any]]:
        for row in _ROWS[kind](session, department=department, pool_code=pool_code):
            yield [cell(row, f) for f in fields]

    return write_xlsx(destination, SHEET_TITLES[kind], header, table())
