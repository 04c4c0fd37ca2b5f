"""A year's worth of journal entries for the benchmarks that need a big log (audit, site).

Registry updates of filler firms, and every ``INSPECTION_EVERY``-th an ``inspection.record`` of
the firm before it: the two kinds the audit's rules and the site's pages read most. Filler
firms are not in the directory the draws use, so they never change a draw.

Also the one way the multi-step benchmarks run a step in a fresh interpreter (the user's path:
a new process per command).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

INSPECTION_EVERY = 100
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015's 31 characters


def uscc(i: int) -> str:
    """An 18-character code over the USCC alphabet, unique per ``i`` (no check digit: filler)."""
    return ("9133010" + "".join(ALPHABET[(i // 31**k) % 31] for k in range(11)))[:18]


def filler(start: int, count: int, day: Callable[[int], str]) -> list[dict[str, Any]]:
    """Entries ``start`` … ``start + count - 1``; ``day(i)`` is entry ``i``'s date (ISO)."""
    actor = {"role": "bureau", "department": "SCJG", "name": "SCJG-clerk"}
    out = []
    for i in range(start, start + count):
        on = day(i)
        if i % INSPECTION_EVERY == 0:
            kind = "inspection.record"
            body: dict[str, Any] = {
                "target": uscc(i - 1),
                "kind": "complaint",
                "on": on,
                "department": "SCJG",
                "check_items": [{"department": "SCJG", "code": "SCJG-SP-01"}],
                "task": None,
                "reason": "投诉举报核查",
            }
        else:
            kind = "registry.target.upsert"
            body = {
                "uscc": uscc(i),
                "name": f"杭州样例{i % 9973}商贸有限公司{i}",
                "target_type": "有限责任公司",
                "scale": "小型",
                "region_code": "330105",
                "registration_authority": "杭州市拱墅区市场监督管理局",
                "industry": "批发业",
                "risk_flags": [],
                "credit_class": "B",
                "status": "active",
                "version": 1,
            }
        at = f"{on}T10:00:00+08:00"
        out.append({"schema": "drawsvc/entry/v1", "kind": kind, "at": at, "actor": actor, "body": body})
    return out


def append_filler(rt: Any, upto: int, *, batch: int, day: Callable[[int], str]) -> int:
    """Fill ``rt``'s log up to ``upto`` entries in transactions of ``batch``; the new size."""
    with rt.engine.connect() as conn:
        size = int(rt.log.size(conn))
    while size < upto:
        n = min(batch, upto - size)
        with rt.engine.begin() as conn:
            rt.log.append(conn, filler(size, n, day))
        size += n
    return size


def fresh_step(script: str, step: str, *args: str, cwd: Path) -> dict[str, Any]:
    """Run ``script --step step args…`` in a fresh interpreter; its last stdout line (JSON)."""
    cmd = [sys.executable, script, "--step", step, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"step {step} failed (exit {done.returncode})")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out
