"""Per-request plumbing: one transaction, the caller's principal, idempotency, request log.

Every route of the app uses :class:`DrawsvcRoute`, which wraps FastAPI's handler:

1. open ``runtime.transaction()`` (commits on success, rolls back on any exception); a GET
   opens a read-only one instead (:func:`read_transaction`: on SQLite it neither waits for
   nor blocks the log's writer);
2. authenticate the ``X-API-Key`` header in it (public without one) and apply the rate limit;
3. for a POST with ``Idempotency-Key``: claim the key or replay the stored response
   (``drawsvc.api.idempotency``);
4. run dependencies and the endpoint (which gets the session via :data:`SessionDep`);
5. store the response under the idempotency key, in the same transaction, and commit —
   *before* the response is sent, so an acknowledged operation is a committed one.

Endpoints stay thin: they call a service with the session and ``principal.actor``.
The request log line names the route template, status, duration and key id: never the
path's values, the query, the body or the client's address (no personal data).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drawsvc.api import idempotency
from drawsvc.api.auth import Principal, authenticate
from drawsvc.api.problems import PROBLEM_RESPONSES, problem_response, status_for
from drawsvc.api.ratelimit import RateLimiter
from drawsvc.errors import Conflict, InvalidInput
from drawsvc.runtime import Runtime
from ledger.database import read_only

API_KEY_HEADER = "X-API-Key"
READ_METHODS = frozenset({"GET", "HEAD"})
MAX_CLAIM_ATTEMPTS = 3

request_log = logging.getLogger("drawsvc.api.requests")
api_key_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                              description="drawsvc API key (`dsk_…`); omit for public read access")


def idempotency_header(
    key: Annotated[str | None, Header(
        alias=idempotency.HEADER, pattern=idempotency.KEY_PATTERN, max_length=idempotency.MAX_KEY_LENGTH,
        description="Retrying with the same key returns the original response; never runs twice.",
    )] = None,
) -> str | None:
    """Documents the header in OpenAPI; the route wrapper does the work."""
    return key


class DrawsvcRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        if "POST" in methods:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or ()), Depends(idempotency_header)]
        kwargs["responses"] = {**PROBLEM_RESPONSES, **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        template = self.path

        async def run(request: Request) -> Response:
            started = time.perf_counter()
            status = 500
            try:
                response = await run_in_transaction(request, handler)
                status = response.status_code
                return response
            except BaseException as exc:
                status = status_for(exc)
                raise
            finally:
                principal = getattr(request.state, "principal", None)
                request_log.info(
                    "%s %s %d %.1fms key=%s role=%s", request.method, template, status,
                    (time.perf_counter() - started) * 1000,
                    principal.key_id if principal and principal.key_id else "-",
                    principal.role.value if principal else "-",
                )

        return run


@contextmanager
def read_transaction(runtime: Runtime) -> Iterator[Session]:
    """A read-only transaction for GET requests: on SQLite a deferred ``BEGIN`` (one consistent
    snapshot that neither waits for nor blocks the writer); any append in it is refused by the
    ledger. PostgreSQL ignores the option."""
    with Session(read_only(runtime.engine), expire_on_commit=False) as session, session.begin():
        yield session


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        limiter = RateLimiter(get_runtime(request).settings.api_rate_limit_per_minute)
        request.app.state.rate_limiter = limiter
    return limiter


async def run_in_transaction(
    request: Request, handler: Callable[[Request], Coroutine[Any, Any, Response]]
) -> Response:
    runtime = get_runtime(request)
    _refuse_nul(request)
    token = request.headers.get(API_KEY_HEADER)
    idem_key = request.headers.get(idempotency.HEADER) if request.method == "POST" else None
    digest = ""
    if idem_key is not None:
        idempotency.check_key(idem_key)
        body = await request.body()
        digest = idempotency.request_hash(request.method, request.url.path, request.url.query,
                                          request.headers.get("content-type"), body)

    reads_only = request.method in READ_METHODS
    for _attempt in range(MAX_CLAIM_ATTEMPTS):
        stack = ExitStack()
        session = stack.enter_context(read_transaction(runtime) if reads_only else runtime.transaction())
        try:
            principal = await run_in_threadpool(authenticate, session, token)
            request.state.principal = principal
            _limiter(request).check(principal.scope if principal.key_id else _client_scope(request))
            request.state.session = session
            if idem_key is not None:
                try:
                    stored = await run_in_threadpool(
                        idempotency.claim, session, scope=principal.scope, key=idem_key,
                        request_sha256=digest, method=request.method, path=request.url.path)
                except idempotency.KeyTaken:
                    await run_in_threadpool(stack.__exit__, *sys.exc_info())
                    continue
                if stored is not None:
                    await run_in_threadpool(stack.close)
                    return Response(stored.body, status_code=stored.status_code, media_type=stored.media_type,
                                    headers={idempotency.REPLAYED_HEADER: "true"})
            response = await handler(request)
            if idem_key is not None:
                stored_response = idempotency.StoredResponse(
                    response.status_code, response.media_type, bytes(getattr(response, "body", b"")))
                await run_in_threadpool(idempotency.complete, session, scope=principal.scope, key=idem_key,
                                        response=stored_response)
            await run_in_threadpool(stack.close)  # commit
            return response
        except BaseException:
            await run_in_threadpool(stack.__exit__, *sys.exc_info())  # roll back
            raise
    raise Conflict(  # pragma: no cover - needs three racing commits and rollbacks in a row
        f"{idempotency.HEADER}: could not claim the key; retry", field=idempotency.HEADER,
        rule="idempotency.in-progress")


class BodyLimit:
    """Refuse bodies over the limit with a problem document (413): at once when the declared
    ``Content-Length`` is too large, else as soon as the streamed body passes the limit (the
    error is raised from ``receive`` inside the app, so the one exception handler answers)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                declared = int(value) if value.isdigit() else -1
                if declared < 0 or declared > self.max_body_bytes:
                    exc = (StarletteHTTPException(413, "the request body is too large") if declared > 0
                           else StarletteHTTPException(400, "invalid Content-Length"))
                    await problem_response(exc)(scope, receive, send)
                    return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise StarletteHTTPException(413, "the request body is too large")
            return message

        await self.app(scope, counting_receive, send)


def _refuse_nul(request: Request) -> None:
    """NUL characters cannot be stored (PostgreSQL text) and are never meaningful in a path or query."""
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if "\x00" in str(value) or "\x00" in name:
            raise InvalidInput(f"{name}: contains a NUL character", field=str(name).replace("\x00", ""),
                               rule="request.nul-character")


def _client_scope(request: Request) -> str:
    # Only used as a rate-limit bucket in memory; never logged or stored.
    return f"ip:{request.client.host if request.client else '-'}"


def api_router(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` whose routes run through :class:`DrawsvcRoute`."""
    return APIRouter(route_class=DrawsvcRoute, **kwargs)


# --- dependencies ---------------------------------------------------------------------------

def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_session(request: Request) -> Session:
    session: Session = request.state.session
    return session


async def get_principal(
    request: Request, _key: Annotated[str | None, Depends(api_key_scheme)] = None,
) -> Principal:
    principal: Principal = request.state.principal
    return principal


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
