"""The log asking a witness (C2SP tlog-witness §add-checkpoint, client side; witness.md W-18).

The log does not know which size a witness last cosigned: it first sends ``old 0`` (the spec:
"a client … MAY initially make a request with an old size of zero to obtain it"), and on the
409 that names the witness's size, sends the consistency proof from that size. The witness's
answer is a set of signature lines to append to the checkpoint note.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from drawsvc.witness import accept, protocol
from ledger.cosignature import WitnessKey
from ledger.log import Log

MAX_ANSWER_BYTES = 64 * 1024


class WitnessUnavailable(Exception):
    """The witness did not cosign: unreachable, or refused (``status`` and its text)."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url, self.status = url, status


def _endpoint(url: str) -> str:
    base = url.rstrip("/")
    return base if base.endswith(protocol.PATH) else base + protocol.PATH


def _post(endpoint: str, body: bytes, timeout: float) -> tuple[int, str, str]:
    request = urllib.request.Request(endpoint, data=body, method="POST",
                                     headers={"Content-Type": "text/plain; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.headers.get_content_type(), resp.read(MAX_ANSWER_BYTES).decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read(MAX_ANSWER_BYTES).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WitnessUnavailable(endpoint, str(getattr(exc, "reason", exc))) from None


def request_cosignature(url: str, note: bytes, size: int, proof_from: Callable[[int], list[bytes]],
                        *, old_size: int = 0, timeout: float = 30.0) -> str:
    """Send ``note`` (the checkpoint of ``size``) to the witness at ``url``; return its signature
    lines. ``proof_from(old)`` gives the RFC 9162 consistency proof from ``old`` to ``size``."""
    endpoint = _endpoint(url)
    for _attempt in range(2):
        proof = proof_from(old_size) if 0 < old_size < size else []
        status, media, text = _post(endpoint, protocol.format_add_checkpoint(old_size, proof, note), timeout)
        if status == 200:
            if not text or not all(line.startswith("— ") for line in text.splitlines()) \
                    or not text.endswith("\n"):
                raise WitnessUnavailable(endpoint, "answer is not signature lines", status)
            return text
        if status == 409 and media == protocol.SIZE_MEDIA_TYPE and text.strip().isdigit():
            witnessed = int(text.strip())
            if witnessed > size:  # the witness holds a larger tree of this log: a rollback
                raise WitnessUnavailable(endpoint, f"witness cosigned size {witnessed}, above this "
                                         f"log's {size}: the log was rolled back", status)
            if witnessed != old_size:
                old_size = witnessed
                continue
        raise WitnessUnavailable(endpoint, f"HTTP {status}: {text.strip()[:300]}", status)
    raise WitnessUnavailable(endpoint, "the witness's size changed twice during the request")


def ask_witness(session: Session, log: Log, witnesses: Sequence[WitnessKey], url: str,
                *, timeout: float = 30.0) -> list[accept.Accepted]:
    """Have the witness at ``url`` cosign the log's current checkpoint and store what it returns
    through the same acceptance as ``POST /v1/log/cosignatures`` (W-10, W-11)."""
    conn = session.connection()
    size, note = log.size(conn), log.checkpoint(conn)
    lines = request_cosignature(url, note, size, lambda old: log.consistency_proof(conn, old, size),
                                timeout=timeout)
    return accept.accept_cosignatures(session, log, witnesses,
                                      checkpoint=(note + lines.encode("utf-8")).decode("utf-8"))
