"""Exchange files of results (docs/specs/exchange.md): the published results as the file
provincial platforms import (public: only published forms), and an all-or-nothing import of
results entered elsewhere (a bureau key; 422 with ``rows`` naming row, column and rule)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import File, Form, Query, UploadFile
from fastapi.responses import Response

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.routes.imports import _format
from drawsvc.api.schemas.results import ImportOut
from drawsvc.results import exchange

router = api_router(prefix="/v1/exchange/results", tags=["exchange"])

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("", responses={200: {"content": {MEDIA["csv"]: {}, MEDIA["xlsx"]: {}},
                                 "description": "抽查检查结果 exchange file"}})
def export_results(session: SessionDep,
                   format: Annotated[Literal["csv", "xlsx"], Query()] = "xlsx",
                   task: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                   department: Annotated[str | None, Query(min_length=1, max_length=64)] = None) -> Response:
    """Every published result version (of a task or a department) in the exchange columns."""
    data = exchange.export_published(session, fmt=format, task=task, department=department)
    # the header is Latin-1: only safe ASCII of the caller's task/department reaches it
    scope = re.sub(r"[^A-Za-z0-9._-]", "_", task or department or "all")
    name = f"results-{scope}.{format}"
    return Response(data, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("", response_model=ImportOut, status_code=201)
def import_results_file(
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GB18030) or XLSX with a header row")],
    principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep,
    format: Annotated[Literal["csv", "xlsx"] | None, Form()] = None,
) -> ImportOut:
    """Import results entered elsewhere, all or nothing (each row a formed result)."""
    auth.require_role(principal, Role.BUREAU)
    report = exchange.import_file(session, runtime.journal, file.file.read(),
                                  fmt=_format(format, file.filename), actor=principal.actor)
    return ImportOut(rows=report.rows, first_index=report.first_index, results=report.results)
