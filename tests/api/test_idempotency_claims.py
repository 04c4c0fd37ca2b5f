"""Idempotency claims at the storage level: a concurrent duplicate waits, then replays.

On PostgreSQL two transactions really overlap: the second claim (``INSERT … ON CONFLICT DO
NOTHING``) blocks on the first one's uncommitted row and, once that commits, reads and returns
the stored response in its own transaction; if the first rolled back, the second claims the
key. On SQLite writers are serialised by BEGIN IMMEDIATE.
"""

from __future__ import annotations

import threading
import time

import pytest

from drawsvc.api import idempotency
from drawsvc.api.idempotency import IdempotencyKeyReused, KeyTaken, StoredResponse


def _claim(session, digest: str = "h1"):
    return idempotency.claim(session, scope="k1", key="same", request_sha256=digest, method="POST",
                             path="/v1/x")


def _overlapped(first, second, release_first: threading.Event) -> None:
    """``first`` and ``second`` in threads: once ``second`` is blocked on the first's
    uncommitted claim (checked: still running half a second on), ``first`` is let go."""
    t1, t2 = threading.Thread(target=first), threading.Thread(target=second)
    t1.start()
    t2.start()
    time.sleep(0.5)
    assert t2.is_alive()
    release_first.set()
    t1.join(10)
    t2.join(10)


def test_claim_complete_then_replay_and_reuse_refused(runtime):
    with runtime.transaction() as s:
        assert _claim(s) is None
        stored = StoredResponse(201, "application/json", b"{}")
        idempotency.complete(s, scope="k1", key="same", response=stored)
    with runtime.transaction() as s:
        assert _claim(s) == stored
    with runtime.transaction() as s, pytest.raises(IdempotencyKeyReused):
        _claim(s, digest="other")


def test_rolled_back_claim_leaves_nothing(runtime):
    with pytest.raises(RuntimeError), runtime.transaction() as s:
        assert _claim(s) is None
        raise RuntimeError("the operation failed")
    with runtime.transaction() as s:
        assert _claim(s) is None  # claimable again


@pytest.mark.postgres
def test_concurrent_duplicate_waits_for_the_first_and_sees_it_committed(pg_runtime):
    rt = pg_runtime
    outcome: dict[str, object] = {}
    first_claimed = threading.Event()
    release_first = threading.Event()

    def first() -> None:
        with rt.transaction() as s:
            assert _claim(s) is None
            first_claimed.set()
            release_first.wait(10)
            idempotency.complete(s, scope="k1", key="same", response=StoredResponse(201, None, b"first"))

    def second() -> None:
        first_claimed.wait(10)
        started = time.monotonic()
        try:
            with rt.transaction() as s:
                outcome["result"] = _claim(s)
        except KeyTaken:
            outcome["result"] = "taken"
        outcome["waited"] = time.monotonic() - started

    _overlapped(first, second, release_first)
    assert outcome["result"] == StoredResponse(201, None, b"first")  # replayed, not run again
    assert outcome["waited"] >= 0.4  # type: ignore[operator]
    with rt.transaction() as s:
        assert _claim(s) == StoredResponse(201, None, b"first")


def test_concurrent_duplicate_of_a_rolled_back_claim_claims_the_key(pg_runtime):
    rt = pg_runtime
    outcome: dict[str, object] = {}
    first_claimed = threading.Event()
    release_first = threading.Event()

    def first() -> None:
        try:
            with rt.transaction() as s:
                assert _claim(s) is None
                first_claimed.set()
                release_first.wait(10)
                raise RuntimeError("the operation failed")
        except RuntimeError:
            pass

    def second() -> None:
        first_claimed.wait(10)
        with rt.transaction() as s:
            outcome["result"] = _claim(s)
            idempotency.complete(s, scope="k1", key="same", response=StoredResponse(201, None, b"second"))

    _overlapped(first, second, release_first)
    assert outcome["result"] is None  # claimed: it runs the operation itself
    with rt.transaction() as s:
        assert _claim(s) == StoredResponse(201, None, b"second")
