"""The FastAPI application factory (OpenAPI at ``/docs`` and ``/openapi.json``).

``create_app(runtime)`` serves an existing :class:`~drawsvc.runtime.Runtime` (tests);
``create_app()`` opens one from the settings when the server starts and closes it on
shutdown (``drawsvc serve``, one per worker process; ``serve`` creates the tables and the
signing key once, before the workers start, so that workers never race to create them).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from drawsvc.api import problems
from drawsvc.api.deps import BodyLimit
from drawsvc.api.schemas.common import Problem
from drawsvc.runtime import Runtime, open_runtime
from drawsvc.settings import get_settings

API_VERSION = "1"

# Route modules, in the order they appear in the OpenAPI document. A module whose service
# has not landed yet is skipped (its import fails); see docs/api.md §Status.
ROUTE_MODULES = (
    "meta",
    "log",
    "admin",
    "calendar",
    "departments",
    "check_items",
    "targets",
    "inspectors",
    "experts",
    "declarations",
    "imports",
    "tasks",
    "plans",
    "results",
    "coverage",
    "notices",
    "exchange",
)


# Modules whose routes are tried first. Starlette matches a request against the routes one by
# one (≈ 20 µs a route in FastAPI 0.165, ≈ 55 routes before the tasks module: ≈ 1 ms of CPU per
# request of the task cycle). No route of another module matches a path of these or the reverse
# (tests/api/test_route_order.py), so only the time changes; the OpenAPI document keeps the
# order of ROUTE_MODULES.
MATCH_FIRST = ("tasks",)


def include_routes(app: FastAPI) -> list[str]:
    """Include every route module (MATCH_FIRST first); remember the documented order of each route."""
    doc_rank: dict[int, int] = {id(r): -1 for r in app.routes}  # FastAPI's own (docs, openapi) first
    included = []
    modules = {name: importlib.import_module(f"drawsvc.api.routes.{name}") for name in ROUTE_MODULES}
    for name in (*MATCH_FIRST, *(n for n in ROUTE_MODULES if n not in MATCH_FIRST)):
        before = len(app.routes)
        app.include_router(modules[name].router)
        for k, route in enumerate(app.routes[before:]):
            doc_rank[id(route)] = ROUTE_MODULES.index(name) * 10_000 + k
        included.append(name)
    app.state.route_doc_rank = doc_rank
    return [n for n in ROUTE_MODULES if n in included]


def create_app(runtime: Runtime | None = None) -> FastAPI:
    settings = runtime.settings if runtime is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = None
        if getattr(app.state, "runtime", None) is None:
            opened = app.state.runtime = open_runtime(settings, create_tables=False)
        try:
            yield
        finally:
            if opened is not None:
                opened.close()
                app.state.runtime = None

    app = FastAPI(
        title="drawsvc",
        version=API_VERSION,
        summary="Verifiable random draws for 双随机、一公开 supervision, with a public transparency log.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.add_middleware(BodyLimit, max_body_bytes=settings.api_max_body_bytes)
    for cls in problems.HANDLED:
        app.add_exception_handler(cls, problems.handle_error)
    include_routes(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        rank: dict[int, int] = getattr(app.state, "route_doc_rank", {})
        routes = sorted(app.routes, key=lambda r: rank.get(id(r), -1))  # stable: ROUTE_MODULES order
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        # FastAPI documents its own 422 shape; ours is the problem document.
        for path in schema.get("paths", {}).values():
            for op in path.values():
                r422 = op.get("responses", {}).get("422")
                if r422 is not None:
                    r422["content"] = dict(problems.PROBLEM_RESPONSES[422]["content"])
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema
