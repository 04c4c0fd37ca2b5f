"""Build the static public site from the log: pages, tiles and the signed checkpoint.

Layout of the output directory::

    index.html            what is published: tasks, draws, recent log entries
    draws/<task>.html     the draw record (抽取记录表) of each task, the QR codes' target
    log/index.html        checkpoint, verifier key, how to verify offline
    log/checkpoint        C2SP tlog-checkpoint (signed note), written last by ledger.export
    log/tile/...          C2SP tlog-tiles hash tiles and entry bundles
    static/site.css
    manifest.json         sha256 of every page written by the site builder

Incremental: tiles are exported incrementally by ``ledger.export``; pages are rewritten only
when their bytes change (compared against the manifest).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from drawsvc.tasks import record as draw_record
from ledger import export
from ledger.log import Log
from public_site.context import SiteContext, site_context

HERE = Path(__file__).parent
MANIFEST = "manifest.json"


@dataclass
class BuildReport:
    size: int
    pages_written: list[str] = field(default_factory=list)
    pages_unchanged: int = 0
    tiles_written: int = 0


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def read_entries(log: Log, conn: Any, size: int, batch: int = 10_000) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    for start in range(0, size, batch):
        for offset, raw in enumerate(log.entries(conn, start, min(size, start + batch))):
            out.append((start + offset, json.loads(raw)))
    return out


def render_pages(
    ctx: SiteContext, entries: list[tuple[int, Mapping[str, Any]]], *, base_url: str
) -> dict[str, str]:
    """Pure: context → {relative path: HTML}."""
    env = _environment()
    pages = {
        "index.html": env.get_template("index.html").render(ctx=ctx, root=""),
        "log/index.html": env.get_template("log.html").render(ctx=ctx, root="../"),
    }
    for task in ctx.tasks:
        if not task.draws and task.created_index is None:
            continue
        rec = draw_record.build_record(draw_record.entries_of_task(entries, task.task))
        pages[task.page] = draw_record.render_html(rec, verify_base_url=base_url)
    return pages


def _write_if_changed(
    out: Path, rel: str, data: bytes, manifest: dict[str, str], report: BuildReport
) -> None:
    digest = hashlib.sha256(data).hexdigest()
    path = out / rel
    if manifest.get(rel) == digest and path.exists():
        report.pages_unchanged += 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    manifest[rel] = digest
    report.pages_written.append(rel)


def build_site(runtime: Any, out: Path | str, *, base_url: str) -> BuildReport:
    """Export tiles, then render every page from the same log snapshot."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    log: Log = runtime.log
    with runtime.engine.connect() as conn, conn.begin():
        exported = export.export_tiles(conn, out / "log", fsync=False, empty_checkpoint=log.checkpoint(conn))
        export.publish_verifier_key(out / "log", log.signer.verifier_key(), fsync=False)
        size = exported.size
        entries = read_entries(log, conn, size)
    checkpoint = (out / "log" / "checkpoint").read_text(encoding="utf-8")
    ctx = site_context(
        entries, origin=log.origin, size=size, checkpoint=checkpoint, verifier_key=log.signer.verifier_key()
    )
    report = BuildReport(size=size, tiles_written=len(exported.written))
    manifest_path = out / MANIFEST
    manifest: dict[str, str] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    files = {rel: html.encode("utf-8") for rel, html in render_pages(ctx, entries, base_url=base_url).items()}
    files["static/site.css"] = (HERE / "static" / "site.css").read_bytes()
    for rel, data in sorted(files.items()):
        _write_if_changed(out, rel, data, manifest, report)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return report
