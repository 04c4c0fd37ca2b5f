"""The witness's HTTP face: C2SP tlog-witness ``POST /add-checkpoint`` (docs/specs/witness.md W-14).

A bare Starlette app, not the service's FastAPI one: the witness runs on the discipline office's
machine, with its own key and state, and answers in the spec's plain-text forms (cosignature
lines; on a 409 for a stale old size, that size as ``text/x.tlog.size``), not problem+json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from drawsvc.witness import protocol
from drawsvc.witness.keys import load_witness
from drawsvc.witness.protocol import Refused
from drawsvc.witness.service import add_checkpoint
from ledger.note import Verifier


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > protocol.MAX_BODY_BYTES:
        raise Refused(400, "malformed", f"request body over {protocol.MAX_BODY_BYTES} bytes")
    chunks, received = [], 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > protocol.MAX_BODY_BYTES:
            raise Refused(400, "malformed", f"request body over {protocol.MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _refusal(refused: Refused) -> Response:
    if refused.size is not None:
        return Response(f"{refused.size}\n", status_code=refused.status, media_type=protocol.SIZE_MEDIA_TYPE)
    return PlainTextResponse(f"{refused.kind}: {refused.message}\n", status_code=refused.status)


def create_witness_app(state: Path, trusted: Mapping[str, Sequence[Verifier]]) -> Starlette:
    """The app serving ``add-checkpoint`` for the logs in ``trusted`` with the key in ``state``."""
    witness = load_witness(state)  # at start-up: a missing or unsafe key stops the server

    async def add(request: Request) -> Response:
        try:
            body = await _body(request)
            line = await run_in_threadpool(add_checkpoint, state, body, trusted, witness=witness)
        except Refused as refused:
            return _refusal(refused)
        return PlainTextResponse(line, media_type="text/plain; charset=utf-8")

    return Starlette(routes=[Route(protocol.PATH, add, methods=["POST"])])
