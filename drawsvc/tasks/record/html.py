"""The draw record as one printable HTML page (pure; jinja2, A4 print CSS; docs/specs/draw-record.md).

Every figure sits in an element with ``data-field`` (and ``data-log-index``) so that tests and
auditors can read the figures back and compare them to the log (DR-7)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from drawsvc.tasks.record import qr
from drawsvc.tasks.record.model import POOL_LABELS, DrawRecord

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(record: DrawRecord, *, verify_base_url: str) -> str:
    """The printable page (A4, 中文 labels, signature blanks, QR code) as one HTML document."""
    url = qr.record_url(record, verify_base_url=verify_base_url)
    return (
        _environment()
        .get_template("draw_record.html")
        .render(
            r=record,
            verify_url=url,
            qr_data_uri=qr.png_data_uri(url),
            pool_labels=POOL_LABELS,
        )
    )
