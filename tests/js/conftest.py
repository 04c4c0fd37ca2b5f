"""The demo log shared by the JavaScript verifier's end-to-end tests (built once per session)."""

from __future__ import annotations

from typing import Any

import pytest

from drawsvc.demo import DEMO_ORIGIN, run_demo
from drawsvc.settings import Settings


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(runtime, report, entry bytes) of a small demo: imports, tasks, draws, sub-draws, experts."""
    data_dir = tmp_path_factory.mktemp("jsdemo") / "demo"
    rt, report = run_demo(Settings(data_dir=data_dir, log_origin=DEMO_ORIGIN), targets=600)
    with rt.engine.connect() as conn:
        entries = rt.log.entries(conn, 0, rt.log.size(conn))
    yield rt, report, entries
    rt.close()
