"""Two OS processes appending to one log never fork or skip an index (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import store
from ledger.checkpoint import verify_checkpoint
from ledger.database import create_engine
from ledger.hashing import leaf_hash, root_from_leaf_hashes

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support

WORKER = Path(__file__).with_name("append_worker.py")


def run_two_appenders(url: str, batches: int = 30) -> None:
    engine = create_engine(url)
    store.create_tables(engine)
    start_at = time.time() + 3.0
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, name, str(batches), str(seed), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, seed in (("a", 1), ("b", 2))
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out))

    spans = sorted((f, s) for r in results for f, s in r["batches"])
    owners = [w for _, w in sorted((f, r["worker"]) for r in results for f, _ in r["batches"])]
    switches = sum(1 for x, y in itertools.pairwise(owners) if x != y)
    assert switches >= 2, f"the two writers did not overlap: {''.join(owners)}"
    total = sum(r["count"] for r in results)
    # Batches tile [0, total) exactly: no gap, no overlap, no fork.
    pos = 0
    for first, size in spans:
        assert first == pos
        pos = size
    assert pos == total

    log = support.make_log()
    with engine.connect() as conn:
        assert log.size(conn) == total
        entries = log.entries(conn, 0, total)
        bundles = [r[0] for r in conn.execute(sa.select(store.bundles_table.c.idx).order_by("idx"))]
        assert bundles == list(range(total // 256))  # full bundles; the partial one's entries:
        edge = [r[0] for r in conn.execute(sa.select(store.edge_entries_table.c.idx).order_by("idx"))]
        assert edge == list(range(total // 256 * 256, total))
        root = log.root(conn)
        cp = verify_checkpoint(log.checkpoint(conn), support.signer().verifier(), origin=support.ORIGIN)
        # Proofs from the shared tree still verify after the interleaving.
        assert len(log.consistency_proof(conn, total // 3, total)) > 0
    assert len(set(entries)) == total
    for name in ("a", "b"):  # each writer's own entries appear in its own order
        mine = [int(e.split(b":")[1]) for e in entries if e.startswith(name.encode() + b":")]
        assert mine == sorted(mine)
    assert root == root_from_leaf_hashes([leaf_hash(e) for e in entries])
    assert (cp.size, cp.root) == (total, root)
    engine.dispose()


def test_two_processes_append_to_one_sqlite_file(tmp_path: Path) -> None:
    run_two_appenders(f"sqlite:///{tmp_path / 'shared.db'}")


@pytest.mark.postgres
def test_two_processes_append_to_one_postgres_database(pg_url: str) -> None:
    run_two_appenders(pg_url)
