"""SIGKILL ``drawsvc serve`` at random moments under several clients (issue 19, REL-C).

Short by default (a few kills, for every CI run); ``DRAWSVC_FAULTS_LONG=1`` runs the long
variant (at least 50 kills per database). After each kill, with the server down: the tree
recomputes from the entries and matches the stored and the last signed checkpoint, every
checkpoint a client was shown is a prefix of the log, the log never shrank; at the end every
2xx a client saw is in the log exactly once and every draw recomputes from the log.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import make_keys, seed_world
from harness import LONG, ORIGIN, Client, Server, acked_exactly_once, check_log

from drawsvc.runtime import open_runtime
from drawsvc.sample.generator import make_uscc
from drawsvc.settings import Settings
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.verify import verify_index_or_task
from ledger.checkpoint import verify_checkpoint

KILLS = 50 if LONG else 4
CLIENTS = 3


def _crash_run(tmp_path: Path, database_url: str, workers: int) -> dict[str, Any]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, log_origin=ORIGIN)
    rt = open_runtime(settings)
    seed_world(rt, targets=30, inspectors=6)
    keys = make_keys(rt)
    verifier = rt.log.signer.verifier()
    engine = rt.engine
    server = Server(tmp_path, settings.resolved_database_url, workers=workers)
    server.start()
    stop = threading.Event()
    counter = iter(range(10_000, 10**6))
    lock = threading.Lock()

    def next_uscc() -> str:
        with lock:
            return make_uscc("91", "330102", next(counter))

    clients = [Client(lambda: server.base, keys.headers("bureau_a"), f"c{i}", stop, rng=random.Random(i))
               for i in range(CLIENTS)]
    threads = [threading.Thread(target=c.run, args=(next_uscc,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    rng = random.Random(19)
    seen = []
    sizes = [0]
    started = time.monotonic()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.05, 0.6))
            try:  # what the world was shown just before the crash
                note = httpx.get(f"{server.base}/v1/log/checkpoint", timeout=5).content
                seen.append(verify_checkpoint(note, verifier, origin=ORIGIN))
            except httpx.HTTPError:
                pass
            server.kill()
            state = check_log(engine, verifier, seen)
            assert state.size >= sizes[-1], "the log lost entries in a crash"
            sizes.append(state.size)
            server.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        if server.proc is not None:
            server.kill()
    state = check_log(engine, verifier, seen)
    acked = [a for c in clients for a in c.acked]
    acked_exactly_once(state.entries, acked)
    drawn = [ident for what, ident in acked if what == "draw"]
    with engine.connect() as conn:
        for task in drawn:
            assert verify_index_or_task(reader_for(rt.log, conn), task, size=state.size).task == task
    rt.close()
    return {"kills": KILLS, "seconds": round(time.monotonic() - started, 1), "log_size": state.size,
            "acknowledged": len(acked), "draws": len(drawn), "retries": sum(c.retries for c in clients),
            "replays": sum(c.replays for c in clients)}


@pytest.mark.slow
def test_sigkill_under_load_on_sqlite(tmp_path: Path) -> None:
    figures = _crash_run(tmp_path, "", workers=1)
    assert figures["acknowledged"] > 0 and figures["draws"] > 0
    print("crash-harness sqlite", figures)


@pytest.mark.slow
@pytest.mark.postgres
def test_sigkill_under_load_on_postgresql_with_two_workers(tmp_path: Path, pg_url: str) -> None:
    figures = _crash_run(tmp_path, pg_url, workers=2)
    assert figures["acknowledged"] > 0 and figures["draws"] > 0
    print("crash-harness postgresql", figures)
