"""The draw record's verification address and its QR code (docs/specs/draw-record.md §4, DR-9).

Address: ``{verify_base_url}/draws/{task}.html#log-{index}``: the public verification page of
the task's draw on the public site, with the fragment naming the log index the record is
anchored at. ``task`` is the task id with each ``/``-separated segment percent-encoded
(RFC 3986 unreserved characters stay as they are), so a sub-draw ``T2026-0001/3301`` lives at
``draws/T2026-0001/3301.html``. QR codes are made with ``segno`` (ISO/IEC 18004), error
correction level M, a 4-module quiet zone.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import segno

from drawsvc.errors import InvalidInput

if TYPE_CHECKING:
    from drawsvc.tasks.record.model import DrawRecord

QR_ERROR_LEVEL = "m"
QR_BORDER = 4  # quiet zone in modules (ISO/IEC 18004 minimum)
QR_SCALE = 8  # pixels per module in the PNG (printed at a fixed size by CSS / the PDF layout)
MAX_TASK_ID = 200
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def check_task_id(task: str) -> None:
    """A task id usable as a path: non-empty segments, no ``.``/``..``, no spaces or controls."""
    segments = task.split("/")
    if (
        not task
        or len(task) > MAX_TASK_ID
        or _CONTROL.search(task)
        or any(s in ("", ".", "..") for s in segments)
    ):
        raise InvalidInput("task id cannot name a verification page", field="task", rule="record.task-id")


def verify_url(verify_base_url: str, task: str, index: int) -> str:
    """The address the QR code encodes (DR-9)."""
    base = verify_base_url.rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput(
            "verify base URL must be an http(s) address without query or fragment",
            field="verify_base_url",
            rule="record.base-url",
        )
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise InvalidInput("log index must be a non-negative integer", field="index", rule="record.index")
    check_task_id(task)
    path = "/".join(quote(segment, safe="") for segment in task.split("/"))
    return f"{base}/draws/{path}.html#log-{index}"


def make(url: str) -> segno.QRCode:
    return segno.make_qr(url, error=QR_ERROR_LEVEL, boost_error=False)


def png_bytes(url: str) -> bytes:
    from io import BytesIO

    out = BytesIO()
    make(url).save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return out.getvalue()


def png_data_uri(url: str) -> str:
    """``data:image/png;base64,...`` for the HTML page (no external resource to fetch)."""
    return make(url).png_data_uri(scale=QR_SCALE, border=QR_BORDER)


def record_url(record: DrawRecord, *, verify_base_url: str) -> str:
    """The verification address the record's QR code encodes (DR-9)."""
    return verify_url(verify_base_url, record.task.task, record.anchor_index)
