"""A separate OS process that appends batches to a log (used by test_log_concurrency.py).

    python append_worker.py <database-url> <worker-id> <batches> <seed> <start-at-unix-time>

Both workers wait for the same start time so that their appends really overlap.

Prints one JSON line: the (first_index, size) of every batch it committed.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2]))

import ledger_support as support

from ledger.database import create_engine


def main() -> None:
    url, worker, batches, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    engine = create_engine(url)
    log = support.make_log()
    with engine.connect() as conn:  # connect and import everything before the start line
        log.size(conn)
    time.sleep(max(0.0, float(sys.argv[5]) - time.time()))
    rng = random.Random(seed)
    done = []
    seq = 0
    for _ in range(batches):
        k = rng.randrange(1, 300)
        batch = [f"{worker}:{seq + i}".encode() for i in range(k)]
        seq += k
        with engine.begin() as conn:
            res = log.append_encoded(conn, batch)
        done.append([res.first_index, res.size])
        # Pause outside the transaction: SQLite's busy handler backs off while a waiting
        # writer sleeps, so without a gap one process could take every batch in a row.
        time.sleep(rng.uniform(0.005, 0.03))
    engine.dispose()
    print(json.dumps({"worker": worker, "batches": done, "count": seq}))


if __name__ == "__main__":
    main()
