"""One monitor run (docs/specs/witness.md M1-M6): pin on first use, then verify, prove, update.

Alarms are :class:`Alarm` exceptions with a ``kind`` and a distinct exit status; the state file
is written only when a run ends without one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from drawsvc.monitor.consistency import check_consistent
from drawsvc.monitor.source import LogSource, read_required
from drawsvc.monitor.state import PinnedState, load_state, save_state
from ledger import export, tiles
from ledger.checkpoint import Checkpoint, parse_checkpoint, verify_checkpoint
from ledger.errors import Inconsistent, MalformedError, OriginMismatch, RootMismatch, SignatureError
from ledger.hashing import EMPTY_ROOT
from ledger.note import Verifier, open_note, parse_verifier_key

EXIT_INCONSISTENT = 10  # fork or rollback
EXIT_KEY = 11  # unknown, changed or failing key; another log's origin
EXIT_STALE = 12  # checkpoint older than --max-age
EXIT_BAD_TILES = 13  # published tiles do not match the published checkpoint


class Alarm(Exception):
    """Something a monitor must shout about. ``kind`` is stable, ``exit_code`` distinct per kind."""

    def __init__(self, kind: str, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.exit_code = exit_code
        self.message = message


@dataclass(frozen=True)
class MonitorResult:
    first_run: bool
    trust_on_first_use: bool  # the key came from the published verifier-key, not from --key
    old_size: int
    checkpoint: Checkpoint
    age: float | None


def published_key(source: LogSource) -> str | None:
    data = source.read(export.VKEY_PATH)
    return None if data is None else data.decode("ascii", "replace").strip()


def pin_key(source: LogSource, state: PinnedState | None, key: str | None) -> tuple[Verifier, bool]:
    """The verifier to trust: the pinned one (``--key`` and the published file must agree with it),
    else ``--key``, else the published ``verifier-key`` (trust on first use). Raises ``Alarm``."""
    published = published_key(source)
    if state is not None:
        pinned = state.verifier_key
        if key is not None and key.strip() != pinned:
            raise Alarm("key-changed", EXIT_KEY, f"--key {key.strip()} is not the pinned key {pinned}")
        if published is not None and published != pinned:
            raise Alarm(
                "key-changed",
                EXIT_KEY,
                f"the log now publishes verifier key {published}, not the pinned {pinned}",
            )
        return parse_verifier_key(pinned), False
    if key is not None:
        return parse_verifier_key(key.strip()), False
    if published is None:
        raise Alarm(
            "key-unknown", EXIT_KEY, "no --key given and the log publishes no verifier-key: nothing to trust"
        )
    return parse_verifier_key(published), True


def verify_new(note: bytes, verifier: Verifier, origin: str | None) -> Checkpoint:
    """Verify a checkpoint against the pinned key (and origin once pinned); key faults alarm."""
    try:
        if origin is None:
            return parse_checkpoint(open_note(note, [verifier]).text)
        return verify_checkpoint(note, verifier, origin=origin)
    except SignatureError as exc:
        raise Alarm(
            "key-unknown",
            EXIT_KEY,
            f"the checkpoint is not validly signed by the pinned key {verifier.verifier_key()}: {exc}",
        ) from None
    except OriginMismatch as exc:
        raise Alarm("key-unknown", EXIT_KEY, str(exc)) from None


def prove(source: LogSource, old: Checkpoint, new: Checkpoint) -> None:
    """``check_consistent`` with its failures turned into alarms."""
    try:
        check_consistent(source, old, new)
    except Inconsistent as exc:
        raise Alarm("inconsistent", EXIT_INCONSISTENT, str(exc)) from None
    except (RootMismatch, MalformedError) as exc:
        raise Alarm(
            "bad-tiles", EXIT_BAD_TILES, f"the published tiles do not prove the checkpoint: {exc}"
        ) from None


def run_monitor(
    source: LogSource,
    state_path: Path,
    *,
    key: str | None = None,
    max_age: float | None = None,
    now: float | None = None,
) -> MonitorResult:
    state = load_state(state_path)
    verifier, tofu = pin_key(source, state, key)
    note = read_required(source, tiles.CHECKPOINT_PATH)
    new = verify_new(note, verifier, state.origin if state else None)
    # First run: from the empty tree, which still checks the tiles against the checkpoint.
    old = (
        verify_checkpoint(state.checkpoint, verifier, origin=state.origin)
        if state
        else Checkpoint(new.origin, 0, EMPTY_ROOT)
    )
    prove(source, old, new)
    published_at = source.checkpoint_time()
    age = None if published_at is None else (time.time() if now is None else now) - published_at
    if max_age is not None:
        if age is None:
            raise Alarm(
                "stale",
                EXIT_STALE,
                "the source gives no time for its checkpoint "
                "(no Last-Modified): its age cannot be checked against --max-age",
            )
        if age > max_age:
            raise Alarm(
                "stale",
                EXIT_STALE,
                f"the checkpoint (size {new.size}) was published {age:.0f} s ago, "
                f"more than --max-age {max_age:.0f} s: the log may be frozen or withheld",
            )
    save_state(
        state_path,
        PinnedState(
            verifier.verifier_key(),
            new.origin,
            note,
            {
                "size": new.size,
                "root": new.root.hex(),
                "source": source.description,
                "verified_at": int(time.time()),
            },
        ),
    )
    return MonitorResult(state is None, tofu, old.size, new, age)
