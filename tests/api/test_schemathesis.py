"""Property-based run of every operation in the OpenAPI schema: no input produces a 5xx.

Every operation is fuzzed by schemathesis (a bounded number of examples, derandomized) on
SQLite and, when configured, on PostgreSQL, the examples taking turns with the keys of every
role and no key, against one runtime holding a small registry world and a committed task.
Every status code and content type must be one the schema documents, and error answers
must be problem documents, and a refused request (4xx) must leave the log as it was.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from api_support import create_drawable_task, log_size, make_keys, seed_world
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance
from schemathesis.generation.stateful.state_machine import StepOutput

from drawsvc.api.app import create_app

MAX_EXAMPLES = 8
ROLES = ("bureau_a", "discipline", "public", "bureau_b", "admin", "malformed", "revoked")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_runtime(request):
    """The SQLite runtime, and the PostgreSQL one when DRAWSVC_TEST_DATABASE_URL is set."""
    return request.getfixturevalue("runtime" if request.param == "sqlite" else "pg_runtime")


def test_no_operation_answers_5xx(any_runtime):
    runtime = any_runtime
    app = create_app(runtime)
    seed_world(runtime, targets=12, inspectors=4)
    keys = make_keys(runtime)
    with TestClient(app) as client:
        create_drawable_task(client, keys.headers("bureau_a"), code="T2026-FUZZ")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    roles = itertools.cycle(ROLES)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            before = log_size(runtime)
            response = case.call(headers=keys.headers(next(roles)))
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                      content_type_conformance])
            if response.status_code >= 400:
                ctype = {k.lower(): v for k, v in response.headers.items()}.get("content-type") or [""]
                assert ctype[0].startswith("application/problem+json"), response.text
                assert log_size(runtime) == before, f"refused with {response.status_code}, but logged"

        try:
            fuzz()
        except Exception as exc:  # collect every failing operation, then fail once
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert operations > 40
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())


def test_stateful_sequences_answer_no_5xx(any_runtime):
    """Stateful: sequences of calls chained by the links schemathesis infers from the schema
    (a listed expert's code into its admission, a created task into its sub-draws, …), made by
    department A's bureau, each step then replayed with the next other role's key on the same
    real resources. No 5xx, documented statuses, problem documents, and a refused call — the
    bureau's own or another role's — leaves the log as it was."""
    runtime = any_runtime
    app = create_app(runtime)
    seed_world(runtime, targets=12, inspectors=4)
    keys = make_keys(runtime)
    with TestClient(app) as client:
        create_drawable_task(client, keys.headers("bureau_a"), code="T2026-FUZZ")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    others = itertools.cycle([r for r in ROLES if r != "bureau_a"])
    checks = [not_a_server_error, status_code_conformance, content_type_conformance]
    seen: dict[str, int] = {"steps": 0, "links": 0}

    def check(case, response, before: int) -> None:
        case.validate_response(response, checks=checks)
        if response.status_code >= 400:
            ctype = {k.lower(): v for k, v in response.headers.items()}.get("content-type") or [""]
            assert ctype[0].startswith("application/problem+json"), response.text
            assert log_size(runtime) == before, f"{case.method} {case.path}: refused, but logged"

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def step(self, input):
            seen["steps"] += 1
            seen["links"] += input.transition is not None and input.is_applied
            seen["transitions"] = seen.get("transitions", 0) + (input.transition is not None)
            case = input.case
            before = log_size(runtime)
            response = case.call(headers=keys.headers("bureau_a"))
            check(case, response, before)
            before = log_size(runtime)
            check(case, case.call(headers=keys.headers(next(others))), before)
            return StepOutput(response, case)

    Workflow.run(settings=settings(max_examples=30, stateful_step_count=8, deadline=None,
                                   derandomize=True, database=None,
                                   suppress_health_check=list(HealthCheck)))
    assert seen["steps"] > 20
    assert seen["links"] >= 5, f"too few steps followed a link: {seen}"
