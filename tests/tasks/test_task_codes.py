"""Automatic task codes ``T<year>-<n>`` (API-1): allocated under the log writer lock, so
concurrent creations on PostgreSQL all succeed with distinct codes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from tasks_support import actor, kinds, seed_registries

from drawsvc.tasks import repository as repo
from drawsvc.tasks import service

PARAMS = {"targets": {"ratio_bp": 500}}
WORKERS = 4
WINDOW = 0.3  # seconds between reading n and inserting the task: two unlocked readers collide


def _create(rt: Any, code: str | None = None) -> str:
    with rt.transaction() as s:
        return service.create_task(
            s, rt.journal, title="抽查", year=2026, organiser="SCJG", params=PARAMS, code=code, actor=actor()
        ).code


def test_codes_count_up_and_skip_a_code_taken_by_hand(runtime: Any) -> None:
    with runtime.transaction() as s:
        seed_registries(s, targets=1)
    assert _create(runtime) == "T2026-0001"
    assert _create(runtime, "T2026-0002") == "T2026-0002"  # given by hand
    assert _create(runtime, "SPECIAL") == "SPECIAL"
    assert _create(runtime) == "T2026-0004"  # 3 top-level tasks of the year → n = 4
    assert _create(runtime, "T2026-0006") == "T2026-0006"
    assert _create(runtime) == "T2026-0007"  # 5 tasks → n = 6, taken by hand → 7
    assert _create(runtime) == "T2026-0008"
    assert kinds(runtime).count("task.create") == 7


@pytest.mark.postgres
def test_concurrent_creations_on_postgres_get_distinct_codes(pg_runtime: Any, monkeypatch: Any) -> None:
    """Each worker holds its n for ``WINDOW`` seconds before inserting; without the writer lock
    every worker reads the same n and all but one fail (unique code)."""
    rt = pg_runtime
    with rt.transaction() as s:
        seed_registries(s, targets=1)
    allocate = repo.next_task_code

    def slow(session: Any, year: int) -> str:
        code = allocate(session, year)
        time.sleep(WINDOW)
        return code

    monkeypatch.setattr(repo, "next_task_code", slow)
    start = threading.Barrier(WORKERS)
    codes: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        start.wait()
        try:
            codes.append(_create(rt))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(codes) == [f"T2026-{n:04d}" for n in range(1, WORKERS + 1)]
    assert kinds(rt).count("task.create") == WORKERS
