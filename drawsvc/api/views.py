"""Row → response shaping with the visibility rule applied (docs/api.md §Visibility).

Pure: given a row and whether the caller may see its department's private data, build the
response model. Private values appear only when ``private`` is true; salts only in
:func:`private_openings` (the audit trail: value, salt and the commitment in the log).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from drawsvc.api.schemas.registries import DeclarationOpeningOut, ExpertOut, InspectorOut, PrivateField
from drawsvc.privacy import commit
from drawsvc.registries.models import Expert, Inspector, InterestDeclaration
from drawsvc.registries.records import TERMS_FIELD, DeclarationOpening

_INSPECTOR_PUBLIC = tuple(f for f in InspectorOut.model_fields if f != "phone")
_EXPERT_PUBLIC = tuple(f for f in ExpertOut.model_fields if f not in ("birth_date", "id_number", "phone"))


def inspector_out(row: Inspector, *, private: bool) -> InspectorOut:
    values: dict[str, Any] = {f: getattr(row, f) for f in _INSPECTOR_PUBLIC}
    if private:
        values["phone"] = row.phone
    return InspectorOut(**values)


def expert_out(row: Expert, *, private: bool) -> ExpertOut:
    values: dict[str, Any] = {f: getattr(row, f) for f in _EXPERT_PUBLIC}
    if private:
        values.update(birth_date=row.birth_date, id_number=row.id_number, phone=row.phone)
    return ExpertOut(**values)


def declaration_opening(row: InterestDeclaration) -> DeclarationOpeningOut:
    """The opening of a declaration's ``terms`` commitment (registries spec §6 P-5)."""
    opening = DeclarationOpening.of(row)
    sealed = opening.terms()
    return DeclarationOpeningOut(**asdict(opening), terms=sealed.value,
                                 commitment=commit(TERMS_FIELD, sealed.salt, sealed.value))


def private_openings(row: Inspector | Expert) -> list[PrivateField]:
    """Each private field's value, salt and commitment (as in the row's latest log entry)."""
    fields = ("phone",) if isinstance(row, Inspector) else ("birth_date", "id_number", "phone")
    out = []
    for name in fields:
        value, salt = getattr(row, name), getattr(row, f"{name}_salt")
        if value is None or salt is None:
            continue
        text = value.isoformat() if isinstance(value, date) else str(value)
        out.append(PrivateField(field=name, value=text, salt=salt, commitment=commit(name, salt, text)))
    return out


class LogWindow(Sequence[bytes]):
    """The log as a sequence indexed by log index, empty before ``start`` (a task's entries all
    follow its ``task.create``), so the draw record reads only that window."""

    def __init__(self, start: int, entries: list[bytes]) -> None:
        self.start, self.entries = start, entries

    def __len__(self) -> int:
        return self.start + len(self.entries)

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self.entries[i - self.start] if i >= self.start else b""
