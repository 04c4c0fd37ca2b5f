"""The monitor's and witness's memory: a small JSON file, replaced atomically (docs/specs/witness.md M2).

``{"version": 1, "verifier_key": ..., "origin": ..., "checkpoint": <signed note text>}`` plus
informative fields. It is written only after a run succeeded, so an alarm never moves it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import MalformedError

STATE_VERSION = 1


@dataclass(frozen=True)
class PinnedState:
    verifier_key: str
    origin: str
    checkpoint: bytes  # the last verified (or cosigned) signed checkpoint note
    extra: dict[str, Any]


def load_state(path: Path) -> PinnedState | None:
    """The saved state, ``None`` when the file does not exist (a first run)."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("version") != STATE_VERSION:
            raise MalformedError(f"state file {path}: unknown version {data.get('version')!r}")
        return PinnedState(
            str(data["verifier_key"]),
            str(data["origin"]),
            str(data["checkpoint"]).encode("utf-8"),
            {k: v for k, v in data.items() if k not in {"version", "verifier_key", "origin", "checkpoint"}},
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MalformedError(
            f"state file {path}: not a drawsvc state file ({exc.__class__.__name__})"
        ) from None


def save_state(path: Path, state: PinnedState) -> None:
    data = {
        "version": STATE_VERSION,
        "verifier_key": state.verifier_key,
        "origin": state.origin,
        "checkpoint": state.checkpoint.decode("utf-8"),
        **state.extra,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
