"""The task routes are matched first (``drawsvc.api.app.MATCH_FIRST``: fewer routes tried per
request of the task cycle). That may change which route answers only if a route of another
module matches one of their paths or the reverse; and the OpenAPI document keeps its order."""

from __future__ import annotations

import importlib
import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from drawsvc.api.app import MATCH_FIRST, ROUTE_MODULES, _openapi, create_app

_PARAM = re.compile(r"\{([^}:]+)(?::([a-z]+))?\}")


def _routes(name: str) -> list[APIRoute]:
    routes = importlib.import_module(f"drawsvc.api.routes.{name}").router.routes
    return [r for r in routes if isinstance(r, APIRoute)]


def _samples(path: str) -> list[str]:
    """Concrete paths the template matches: each parameter as a word, and ``:path`` ones with a slash."""
    def fill(slash: bool) -> str:
        return _PARAM.sub(lambda m: "a1/b2" if m.group(2) == "path" and slash else "a1", path)

    return [fill(False), fill(True)]


def test_no_route_of_another_module_matches_a_path_of_the_first_matched_modules_or_the_reverse() -> None:
    first = [r for name in MATCH_FIRST for r in _routes(name)]
    others = [r for name in ROUTE_MODULES if name not in MATCH_FIRST for r in _routes(name)]
    assert first and len(others) > 50
    clashes = [(a.path, b.path) for a in first for b in others
               if any(b.path_regex.match(p) for p in _samples(a.path))
               or any(a.path_regex.match(p) for p in _samples(b.path))]
    assert clashes == []


def test_the_sampler_finds_a_clash_when_there_is_one() -> None:
    wide = APIRoute("/v1/{kind}/{code:path}", endpoint=lambda: None)
    tasks = _routes("tasks")
    assert any(wide.path_regex.match(p) for r in tasks for p in _samples(r.path))


def test_the_openapi_document_keeps_the_order_of_route_modules(runtime: Any) -> None:
    documented = FastAPI(title="drawsvc", version="1")
    for name in ROUTE_MODULES:
        documented.include_router(importlib.import_module(f"drawsvc.api.routes.{name}").router)
    expected = list(_openapi(documented)["paths"])
    app = create_app(runtime)
    assert list(app.openapi()["paths"]) == expected
    matched = [getattr(r, "original_router", None) for r in app.routes]
    first = importlib.import_module(f"drawsvc.api.routes.{MATCH_FIRST[0]}").router
    assert next(r for r in matched if r is not None) is first  # yet matched first
