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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from drawsvc.monitor.service import EXIT_KEY, Alarm, pin_key, prove, published_key, verify_new
from drawsvc.monitor.source import LogSource, read_required
from drawsvc.monitor.state import PinnedState, load_state, save_state
from drawsvc.witness import protocol
from drawsvc.witness.keys import WitnessSigner, load_witness
from drawsvc.witness.protocol import Refused
from ledger import tiles
from ledger.checkpoint import Checkpoint, verify_checkpoint
from ledger.hashing import EMPTY_ROOT
from ledger.note import SIG_PREFIX, Verifier, _split_note, parse_verifier_key

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


def _keep_evidence(state: Path, kind: str, message: str, pinned: PinnedState, note: bytes,
                   source: str) -> Path:
    folder = state / EVIDENCE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    path = folder / f"{now}-{kind}-{hashlib.sha256(note).hexdigest()[:12]}.json"
    path.write_text(json.dumps({
        "kind": kind,
        "message": message,
        "at": now,
        "source": source,
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
            evidence = _keep_evidence(state, alarm.kind, alarm.message, pinned, note, source.description)
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


def trusted_logs(log_keys: Iterable[str]) -> dict[str, list[Verifier]]:
    """Log verifier keys by origin: a log's key is named by its origin (C2SP tlog-checkpoint
    §Signatures: "the key name SHOULD be the origin"), as this service's own log key is."""
    out: dict[str, list[Verifier]] = {}
    for vkey in log_keys:
        verifier = parse_verifier_key(vkey.strip())
        out.setdefault(verifier.name, []).append(verifier)
    return out


def add_checkpoint(
    state: Path, body: bytes, trusted: Mapping[str, Sequence[Verifier]], *,
    witness: WitnessSigner | None = None, now: int | None = None,
) -> str:
    """Serve one tlog-witness ``add-checkpoint`` request (docs/specs/witness.md W-14…W-17):
    check, cosign, persist, then return the cosignature line. Raises :class:`Refused`.

    The old-size check and the state update happen under the witness directory's lock
    (tlog-witness: "must be performed atomically"), so the push and the pull witness
    (:func:`run_cosign`) can share one directory and one record per log."""
    request = protocol.parse_add_checkpoint(body)
    signer = witness or load_witness(state)
    with _locked(state):
        origin = request.note.split(b"\n", 1)[0].decode("utf-8", "replace")
        path = state_path(state, origin)
        pinned = load_state(path) if origin in trusted else None
        cosigned = None
        if pinned is not None:  # verified when stored; read back with the key it was stored with
            pinned_key = parse_verifier_key(pinned.verifier_key)
            cosigned = verify_checkpoint(pinned.checkpoint, pinned_key, origin=origin)
        try:
            accepted = protocol.check_add_checkpoint(request, trusted, cosigned)
        except Refused as refused:
            if refused.evidence and pinned is not None:
                _keep_evidence(state, refused.kind, refused.message, pinned, request.note, "add-checkpoint")
            raise
        new = accepted.checkpoint
        timestamp = int(time.time()) if now is None else now
        line = signer.cosign(_split_note(request.note)[0], timestamp)
        save_state(path, PinnedState(
            accepted.verifier.verifier_key(), origin, cosigned_note(request.note, signer, line),
            {"size": new.size, "root": new.root.hex(), "source": "add-checkpoint",
             "cosigned_at": timestamp, "witness": signer.vkey},
        ))
        return line


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

