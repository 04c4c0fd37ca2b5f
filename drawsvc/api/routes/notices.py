"""The notice to the firm (抽查告知书, docs/specs/notice.md): HTML or PDF for one drawn target.

Read by the task's own bureau (which hands it to the firm) and the discipline office."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from fastapi.responses import HTMLResponse, Response

from drawsvc.api import auth
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.notice import render
from drawsvc.notice.service import notice_for, public_base_url
from drawsvc.tasks import repository as tasks

router = api_router(tags=["notices"])

TaskCode = Annotated[str, Path(min_length=1, max_length=200)]
Uscc = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("/v1/notices/{code:path}/targets/{uscc}",
            responses={200: {"content": {"text/html": {}, "application/pdf": {}},
                             "description": "抽查告知书"}})
def get_notice(code: TaskCode, uscc: Uscc, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep,
               format: Annotated[Literal["html", "pdf"], Query()] = "html") -> Response:
    """The printable notice for a drawn target, its QR code pointing to the target on the draw page."""
    auth.require_reader_of(principal, tasks.get_task(session, code).organiser)
    base = public_base_url(runtime.log.origin)
    notice = notice_for(session, task=code, uscc=uscc.upper(), verify_base_url=base)
    if format == "pdf":
        return Response(render.render_pdf(notice), media_type="application/pdf")
    return HTMLResponse(render.render_html(notice))
