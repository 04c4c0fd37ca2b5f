"""RFC 9457 problem details: the one place where errors become HTTP responses.

Every error a caller can see is ``application/problem+json``::

    {"type": "https://drawsvc.example/problems/<code>", "title": ..., "status": ...,
     "detail": ..., "code": "<code>", "field": ..., "rule": ..., "rows": [...]}

``code`` is the stable code of the error class (``drawsvc.errors`` / ``ledger.errors``);
the HTTP status is looked up here and nowhere else (first matching class in
:data:`STATUS_TABLE`, most specific first). FastAPI's request validation errors, Starlette's
HTTP errors (unknown route, wrong method, body too large) and database races are converted
to the same format, so no input produces a traceback. The ``detail`` of a domain error is
its message, which by convention names fields and rules but never personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from drawsvc import errors
from ledger import errors as ledger_errors

PROBLEM_BASE = "https://drawsvc.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

logger = logging.getLogger("drawsvc.api")


class RateLimited(errors.DrawsvcError):
    """Too many requests for one API key (or, without a key, one client) in the window."""

    code = "rate-limited"


class StorageUnavailable(errors.DrawsvcError):
    """The database refused or dropped the connection; the operation was rolled back."""

    code = "storage-unavailable"


# Most specific first: the first class the error is an instance of gives the status.
STATUS_TABLE: Sequence[tuple[type[BaseException], int]] = (
    (errors.ImportRejected, 422),
    (errors.InvalidInput, 422),
    (errors.NotFound, 404),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.Conflict, 409),
    (errors.RevealMismatch, 422),
    (errors.BeaconRejected, 422),
    (errors.DrawInfeasible, 409),
    (errors.DeadlineMissed, 409),
    (errors.CalendarUnavailable, 409),
    (errors.RuleViolation, 409),
    (RateLimited, 429),
    (StorageUnavailable, 503),
    (errors.ServiceUnavailable, 503),
    (ledger_errors.EntryNotFound, 404),
    (ledger_errors.ProofRangeError, 422),
    (ledger_errors.MalformedError, 422),
    (ledger_errors.VerificationError, 422),
    (ledger_errors.StorageError, 503),
)

TITLES: Mapping[str, str] = {
    "not-found": "Not found",
    "entry-not-found": "Log entry not found",
    "unauthenticated": "Authentication required",
    "forbidden": "Forbidden",
    "conflict": "Conflict",
    "idempotency-key-reused": "Idempotency key reused with a different request",
    "invalid-input": "Invalid input",
    "import-rejected": "Import rejected",
    "rule-violation": "Rule violated",
    "draw-infeasible": "Draw infeasible",
    "reveal-mismatch": "Reveal does not match the commitment",
    "beacon-invalid": "Beacon does not verify",
    "deadline-missed": "Deadline missed",
    "calendar-unavailable": "Calendar year not loaded",
    "rate-limited": "Too many requests",
    "storage-unavailable": "Storage unavailable",
    "service-unavailable": "Service unavailable",
    "cjk-font-missing": "PDF font not installed",
    "proof-range": "Proof parameters out of range",
    "malformed": "Malformed input",
    "entry-rejected": "Log entry rejected",
    "method-not-allowed": "Method not allowed",
    "payload-too-large": "Payload too large",
    "unsupported-media-type": "Unsupported media type",
    "internal": "Internal error",
}

# Starlette HTTP errors (routing, body limits) get codes of their own.
HTTP_CODES: Mapping[int, str] = {
    400: "invalid-input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "rate-limited",
}


def status_for(exc: BaseException) -> int:
    """The HTTP status of an error (500 for anything not in the table)."""
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    if isinstance(exc, sa_exc.IntegrityError):
        return 409
    if isinstance(exc, sa_exc.DataError):
        return 422
    if isinstance(exc, sa_exc.OperationalError):
        return 503
    for cls, status in STATUS_TABLE:
        if isinstance(exc, cls):
            return status
    return 500


def problem_type(code: str) -> str:
    return PROBLEM_BASE + code


def problem_body(code: str, status: int, detail: str, **extra: Any) -> dict[str, Any]:
    title = TITLES.get(code) or HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": problem_type(code), "title": title, "status": status,
                            "detail": detail, "code": code}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _loc_to_field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "request"


def _validation_problem(exc: RequestValidationError) -> dict[str, Any]:
    # Never echo the submitted value ("input"): it may be personal data.
    items = [
        {"field": _loc_to_field(e.get("loc", ())), "rule": str(e.get("type", "invalid")),
         "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    first = items[0] if items else {"field": "request", "rule": "invalid", "message": "invalid request"}
    return problem_body("invalid-input", 422, f"{first['field']}: {first['message']}",
                        field=first["field"], rule=first["rule"], errors=items)


def problem_for(exc: BaseException) -> dict[str, Any]:
    """The problem document for any exception (domain, ledger, validation, HTTP or unexpected)."""
    status = status_for(exc)
    if isinstance(exc, errors.DrawsvcError):
        extra = {k: v for k, v in exc.detail.items() if k not in {"type", "title", "status", "detail"}}
        return problem_body(exc.code, status, exc.message, **extra)
    if isinstance(exc, ledger_errors.LedgerError):
        return problem_body(exc.code, status, str(exc))
    if isinstance(exc, RequestValidationError):
        return _validation_problem(exc)
    if isinstance(exc, StarletteHTTPException):
        code = HTTP_CODES.get(status, "http-error" if status < 500 else "internal")
        return problem_body(code, status, str(exc.detail))
    if isinstance(exc, sa_exc.IntegrityError):
        return problem_body("conflict", status, "the change conflicts with a concurrent one; retry")
    if isinstance(exc, sa_exc.DataError):
        return problem_body("invalid-input", status, "a value cannot be stored (e.g. a NUL character or "
                            "a number out of range)", rule="storage.value")
    if isinstance(exc, sa_exc.OperationalError):
        return problem_body("storage-unavailable", status, "the database is unavailable; retry")
    return problem_body("internal", 500, "internal error")


def problem_response(exc: BaseException, headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = problem_for(exc)
    all_headers = dict(headers or {})
    extra = getattr(exc, "headers", None)
    if isinstance(extra, Mapping):
        all_headers.update(extra)
    return JSONResponse(jsonable_encoder(body), status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE,
                        headers=all_headers or None)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """The one exception handler of the app (registered for every error class it converts)."""
    if status_for(exc) >= 500:
        logger.error("unhandled error on %s %s: %s", request.method, _route_of(request),
                     type(exc).__name__, exc_info=exc)
    return problem_response(exc)


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "?")


HANDLED: tuple[type[Exception], ...] = (
    errors.DrawsvcError,
    ledger_errors.LedgerError,
    RequestValidationError,
    StarletteHTTPException,
    sa_exc.SQLAlchemyError,
    Exception,
)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": HTTPStatus(status).phrase,
             "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status in (401, 403, 404, 409, 422, 429)
}
