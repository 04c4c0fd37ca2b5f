"""API fixtures: an app on the ``runtime`` fixture, one key per role (two bureaus), a small world."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))  # tests import api_support (importlib mode)

from api_support import Keys, make_keys, seed_world

from drawsvc.api.app import create_app


@pytest.fixture
def keys(runtime) -> Keys:
    return make_keys(runtime)


@pytest.fixture
def client(runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as c:
        yield c


@pytest.fixture
def world(runtime) -> dict[str, list[str]]:
    return seed_world(runtime)
