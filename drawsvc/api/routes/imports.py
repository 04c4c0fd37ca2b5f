"""Bulk imports (CSV or XLSX), all or nothing: a rejected file lists every bad row (422,
``rows`` in the problem) and writes nothing. A bureau imports for its own department."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import File, Form, Path, UploadFile

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import ImportReportOut
from drawsvc.errors import InvalidInput
from drawsvc.registries.imports import import_file

router = api_router(prefix="/v1/imports", tags=["imports"])

Kind = Literal["targets", "inspectors", "experts", "declarations"]
FORMATS = {"csv": "csv", "xlsx": "xlsx"}


def _format(declared: str | None, filename: str | None) -> Literal["csv", "xlsx"]:
    name = declared or (filename or "").rsplit(".", 1)[-1]
    fmt = FORMATS.get(name.lower())
    if fmt is None:
        raise InvalidInput("format: csv or xlsx (give `format` or a file name ending .csv/.xlsx)",
                           field="format", rule="import.format")
    return "csv" if fmt == "csv" else "xlsx"


@router.post("/{kind}", response_model=ImportReportOut)
def import_registry_file(
    kind: Annotated[Kind, Path()],
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX with a header row")],
    principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep,
    format: Annotated[Literal["csv", "xlsx"] | None, Form()] = None,
    pool: Annotated[str | None, Form(max_length=64, description="default 专家库编号 (experts)")] = None,
) -> ImportReportOut:
    auth.require_role(principal, Role.BUREAU)
    report = import_file(session, runtime.journal, file.file, kind=kind, fmt=_format(format, file.filename),
                         actor=principal.actor, on=runtime.journal.today(), department=principal.department,
                         pool_code=pool)
    return ImportReportOut(report=report.as_dict())
