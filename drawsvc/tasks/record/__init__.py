"""The draw record (抽取记录表): a printable page for one task, built from its log entries only.

Spec: ``docs/specs/draw-record.md`` (rules DR-1 …). Input kinds and fields:
``docs/specs/entries.md``. The record is a *view* of the log: everything it shows carries the
log index it came from, so an auditor holding only the public log can rebuild the same record
(DR-2) and the QR code takes them to the public verification page of the draw (DR-9).

Data flows one way through the package:

- ``entries``  one task's entries out of a whole log (DR-11)
- ``model``    the record's frozen dataclasses and 中文 labels (no I/O)
- ``build``    pure: ``[(log index, entry dict), ...]`` → :class:`DrawRecord`, strict about what it reads
- ``final``    pure: the current round after its follow-ups, replayed by the verifier (DR-12)
- ``qr``       the verification address and its QR code (DR-9)
- ``html``     record → one HTML document (jinja2, ``templates/draw_record.html``)
- ``pdf``      record → A4 PDF bytes (fpdf2, loaded only when a PDF is wanted) in a CJK font found
               on the machine; :class:`~drawsvc.tasks.record.pdf.CjkFontMissing` names the package
"""

from drawsvc.tasks.record.build import build_record
from drawsvc.tasks.record.entries import entries_of_task, parse_entry, select_entries, task_of
from drawsvc.tasks.record.html import render_html
from drawsvc.tasks.record.model import CHUNK_KINDS, EVENT_KINDS, POOL_LABELS, RECORD_SPEC, DrawRecord
from drawsvc.tasks.record.pdf import render_pdf
from drawsvc.tasks.record.qr import record_url

__all__ = [
    "CHUNK_KINDS",
    "EVENT_KINDS",
    "POOL_LABELS",
    "RECORD_SPEC",
    "DrawRecord",
    "build_record",
    "entries_of_task",
    "parse_entry",
    "record_url",
    "render_html",
    "render_pdf",
    "select_entries",
    "task_of",
]
