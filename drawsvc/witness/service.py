"""One witness run (docs/specs/witness.md W-2…W-8): verify, prove, cosign, remember.

The checks are the monitor's own (``drawsvc.monitor.service``: key pinning, signature, origin,
consistency from the tiles of the new tree); a failing check is the monitor's :class:`Alarm`,
with its exit status. Only after every check passes does the witness sign, and the state moves
only then: a refused checkpoint never becomes the base of the next proof.

State, per log origin, in ``<state>/logs/<sha256(origin)[:16]>.json``: the monitor's state file
(``drawsvc.monitor.state``) whose ``checkpoint`` is the last checkpoint this witness cosigned.
A refused checkpoint is kept as evidence in ``<state>/evidence/`` beside the cosigned one it
contradicts (tlog-witness §add-checkpoint: a witness "MAY log the request even if the
consistency proof doesn't verify … as it might be proof of log misbehavior").
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from drawsvc.monitor.service import EXIT_KEY, Alarm, pin_key, prove, published_key, verify_new
from drawsvc.monitor.source import LogSource, read_required
from drawsvc.monitor.state import PinnedState, load_state, save_state
from drawsvc.witness.keys import WitnessSigner, load_witness
from ledger import tiles
from ledger.checkpoint import Checkpoint, verify_checkpoint
from ledger.hashing import EMPTY_ROOT
from ledger.note import SIG_PREFIX, _split_note, parse_verifier_key

LOGS_DIR = "logs"
EVIDENCE_DIR = "evidence"
LOCK_FILE = "lock"


@contextmanager
def _locked(state: Path) -> Iterator[None]:
    """One run at a time per witness directory: checking the old size and persisting the new
    checkpoint must be atomic (tlog-witness §add-checkpoint: two racing runs could otherwise
    store a smaller size after a larger one, rolling the witness back)."""
    fd = os.open(state / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass(frozen=True)
class CosignResult:
    first_run: bool
    trust_on_first_use: bool
    old_size: int
    checkpoint: Checkpoint
    line: str  # the cosignature line, with its newline
    cosigned_note: bytes  # the log's checkpoint note with this cosignature appended
    timestamp: int


def state_path(state: Path, origin: str) -> Path:
    return state / LOGS_DIR / f"{hashlib.sha256(origin.encode()).hexdigest()[:16]}.json"


def _candidate_key(source: LogSource, key: str | None) -> str:
    if key is not None:
        return key.strip()
    published = published_key(source)
    if published is None:
        raise Alarm("key-unknown", EXIT_KEY, "no --log-key given and the log publishes no verifier-key")
    return published


def cosigned_note(note: bytes, witness: WitnessSigner, line: str) -> bytes:
    """``note`` (the log's checkpoint, maybe with other cosignatures) with ``line`` appended and
    any older line by this witness dropped (one cosignature per witness)."""
    text, parsed = _split_note(note)
    kid = int.from_bytes(witness.key.key_id, "big")
    keep = [ln for ln, sig, _ in parsed if not (sig.name == witness.name and sig.key_id == kid)]
    return (text + "\n" + "".join(ln + "\n" for ln in keep) + line).encode("utf-8")


def _keep_evidence(state: Path, alarm: Alarm, pinned: PinnedState, note: bytes, source: LogSource) -> Path:
    folder = state / EVIDENCE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    path = folder / f"{now}-{alarm.kind}-{hashlib.sha256(note).hexdigest()[:12]}.json"
    path.write_text(json.dumps({
        "kind": alarm.kind,
        "message": alarm.message,
        "at": now,
        "source": source.description,
        "log_key": pinned.verifier_key,
        "cosigned_checkpoint": pinned.checkpoint.decode("utf-8"),
        "refused_checkpoint": note.decode("utf-8", "replace"),
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run_cosign(
    source: LogSource, state: Path, *, log_key: str | None = None, now: int | None = None
) -> CosignResult:
    """Fetch, verify, prove and cosign the source's checkpoint. Raises :class:`Alarm`."""
    witness = load_witness(state)
    with _locked(state):
        return _cosign(source, state, witness, log_key, now)


def _cosign(
    source: LogSource, state: Path, witness: WitnessSigner, log_key: str | None, now: int | None
) -> CosignResult:
    note = read_required(source, tiles.CHECKPOINT_PATH)
    # Which log is it? Verify with the key we would trust, then read the origin (never before).
    candidate = parse_verifier_key(_candidate_key(source, log_key))
    origin = verify_new(note, candidate, None).origin
    path = state_path(state, origin)
    pinned = load_state(path)
    verifier, tofu = pin_key(source, pinned, log_key)
    new = verify_new(note, verifier, origin)
    old = (
        verify_checkpoint(pinned.checkpoint, verifier, origin=origin)
        if pinned
        else Checkpoint(origin, 0, EMPTY_ROOT)
    )
    try:
        prove(source, old, new)
    except Alarm as alarm:
        if pinned is not None and alarm.kind == "inconsistent":
            evidence = _keep_evidence(state, alarm, pinned, note, source)
            alarm.message += f" (SPLIT VIEW: refused, evidence in {evidence})"
        raise
    timestamp = int(time.time()) if now is None else now
    body = _split_note(note)[0]
    line = witness.cosign(body, timestamp)
    assert line.startswith(SIG_PREFIX)
    full = cosigned_note(note, witness, line)
    save_state(path, PinnedState(
        verifier.verifier_key(), origin, full,
        {"size": new.size, "root": new.root.hex(), "source": source.description,
         "cosigned_at": timestamp, "witness": witness.vkey},
    ))
    return CosignResult(pinned is None, tofu, old.size, new, line, full, timestamp)


def submit(url: str, api_key: str, cosigned: bytes, *, timeout: float = 30.0) -> dict[str, object]:
    """POST the cosigned checkpoint to the service (``POST /v1/log/cosignatures``)."""
    import urllib.error
    import urllib.request

    from drawsvc.monitor.source import SourceError

    endpoint = url.rstrip("/")
    if not endpoint.endswith("/v1/log/cosignatures"):
        endpoint += "/v1/log/cosignatures"
    body = json.dumps({"checkpoint": cosigned.decode("utf-8")}).encode()
    request = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-API-Key": api_key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            answer: dict[str, object] = json.loads(resp.read(1 << 20))
            return answer
    except urllib.error.HTTPError as exc:
        try:
            problem = json.loads(exc.read(1 << 16))
            detail = f"{problem.get('code')}: {problem.get('detail')}"
        except ValueError:
            detail = "no problem document"
        raise SourceError(f"{endpoint}: HTTP {exc.code} ({detail})") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SourceError(f"{endpoint}: {getattr(exc, 'reason', exc)}") from None

