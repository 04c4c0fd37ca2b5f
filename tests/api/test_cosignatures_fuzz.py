"""schemathesis on the cosignature routes with witnesses configured (so that generated bodies get
past the configuration check): no input gives a 5xx, refusals are problem documents."""

from __future__ import annotations

import itertools

import schemathesis
from api_support import make_keys
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance

from drawsvc.api.app import create_app
from ledger import cosignature


def test_cosignature_routes_never_answer_5xx(runtime) -> None:
    runtime.settings.witness_keys = [
        cosignature.witness_verifier_key("w.example", cosignature.generate_witness_key()[1])]
    app = create_app(runtime)
    keys = make_keys(runtime)
    with TestClient(app):
        pass
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    roles = itertools.cycle(("discipline", "admin", "public"))
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path != "/v1/log/cosignatures":
            continue
        checked += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            response = case.call(headers=keys.headers(next(roles)))
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                      content_type_conformance])
            if response.status_code >= 400:
                ctype = {k.lower(): v for k, v in response.headers.items()}.get("content-type") or [""]
                assert ctype[0].startswith("application/problem+json"), response.text

        fuzz()
    assert checked == 2
