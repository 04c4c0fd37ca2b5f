"""Build the static public site from the log: pages, search shards, tiles and the checkpoint.

Layout of the output directory (docs/site.md)::

    index.html  search.html  stats.html     home, firm search, charts
    departments/index.html, <D>.html        事项清单 and 年度抽查计划 of each department
    draws/<task>.html                       a task's public page (#target-<USCC>, #log-<i>)
    firms/<USCC>.html                       a firm's 抽查检查信息
    log/index.html                          checkpoint, verifier key, ranges
    log/range/<n>.html                      entries 256·n … 256·n+255 (one level-0 tile)
    log/entry/<i>.html                      a domain entry with its inclusion proof
    log/checkpoint, log/tile/...            C2SP tlog-tiles, written by ledger.export
    search/...                              the search index shards (search.py)
    static/                                 site.css, search.js, verify-ui.js, verify/ (sitejs)
    manifest.json                           sha256 of every file the site builder wrote

Incremental (docs/site.md §7): the folded :class:`~public_site.state.SiteState` and the search
index are kept between builds in a cache beside the output (``<out>.cache/state.pickle``,
never published). A rebuild checks that the log still has the cached tree at the cached size
(same root), folds only the new entries, renders only the pages they touched, and writes only
files whose bytes differ from the manifest. Any mismatch (another log, a changed template or
state version) falls back to a full build, which is the same code from size 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import secrets
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from drawsvc.gcpause import gc_paused
from drawsvc.witness import accept
from ledger import export
from ledger.log import Log
from public_site import pages
from public_site.search import SearchIndex
from public_site.state import STATE_VERSION, SiteState, has_entry_page

HERE = Path(__file__).parent
MANIFEST = "manifest.json"
READ_BATCH = 4096  # entries read per query; a multiple of pages.RANGE
FILE_MODE = 0o644  # readable by a web server running as another user
DIR_MODE = 0o755
STATIC_SKIP = {".tmp"}
VERIFIER_KEY = "log/verifier-key"  # the log's note verifier key, read by the in-browser verifier
#: Registered names set since the names file was last written that stay in state.pickle; more,
#: and they are merged into a new ``names-<id>.pickle`` (a full build writes one).
NAMES_RECENT_LIMIT = 100_000


@dataclass
class BuildReport:
    size: int
    full: bool = False
    pages_written: list[str] = field(default_factory=list)
    pages_unchanged: int = 0
    tiles_written: int = 0


@dataclass
class _Cache:
    version: int
    templates: str
    origin: str
    root: bytes
    state: SiteState
    index: SearchIndex


def default_cache_dir(out: Path) -> Path:
    return out.with_name(out.name + ".cache")


def _names_path(cache_dir: Path, base_id: str) -> Path:
    return cache_dir / f"names-{base_id}.pickle"


def _load_names(cache_dir: Path, base_id: str) -> dict[str, str]:
    with _names_path(cache_dir, base_id).open("rb") as fh, gc_paused():
        names = pickle.load(fh)
    if not isinstance(names, dict):
        raise TypeError(f"{fh.name}: not a dict of names")
    return names


def _load_cache(path: Path, *, origin: str, templates: str) -> _Cache | None:
    """The cache is the builder's own local file, never a published one (pickle trusts it).
    The registered names of most firms are in a file of their own, loaded only when needed
    (:class:`public_site.state.FirmNames`)."""
    try:
        with path.open("rb") as fh, gc_paused():
            cache = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, KeyError, TypeError):
        return None
    if (
        not isinstance(cache, _Cache)
        or cache.version != STATE_VERSION
        or cache.templates != templates
        or cache.origin != origin
    ):
        return None
    names = cache.state.names
    if names.base_id is not None and not _names_path(path.parent, names.base_id).exists():
        return None
    names.attach(partial(_load_names, path.parent))
    return cache


def _save_cache(path: Path, cache: _Cache) -> None:
    """state.pickle, after a new names file when there are many new names. Order: the new
    names file, then state.pickle naming it (atomic rename), then the old names file goes; a
    crash in between leaves a state.pickle whose names file exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = cache.state.names
    if len(names.recent) > NAMES_RECENT_LIMIT:
        base_id = secrets.token_hex(8)
        merged = names.rebase(base_id)
        tmp = _names_path(path.parent, base_id).with_suffix(".tmp")
        with tmp.open("wb") as fh, gc_paused():
            pickle.dump(merged, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(_names_path(path.parent, base_id))
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh, gc_paused():
        pickle.dump(cache, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    for stale in path.parent.glob("names-*.pickle"):
        if names.base_id is None or stale.name != _names_path(path.parent, names.base_id).name:
            stale.unlink(missing_ok=True)


class _Writer:
    """Writes a file only when its bytes differ from the manifest; 0644 files, 0755 dirs."""

    def __init__(self, out: Path, report: BuildReport) -> None:
        self.out = out
        self.report = report
        path = out / MANIFEST
        self.manifest: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        self.dirs: set[Path] = set()

    def write(self, rel: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        path = self.out / rel
        if self.manifest.get(rel) == digest and path.exists():
            self.report.pages_unchanged += 1
            return
        if path.parent not in self.dirs:
            _makedirs(path.parent, self.out)
            self.dirs.add(path.parent)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.chmod(tmp, FILE_MODE)
        tmp.replace(path)
        self.manifest[rel] = digest
        self.report.pages_written.append(rel)

    def finish(self) -> None:
        data = _manifest_bytes(self.manifest)
        tmp = self.out / (MANIFEST + ".tmp")
        tmp.write_bytes(data)
        os.chmod(tmp, FILE_MODE)
        tmp.replace(self.out / MANIFEST)


def _manifest_bytes(manifest: Mapping[str, str]) -> bytes:
    """``json.dumps(manifest, indent=0, sort_keys=True)``, byte for byte, by the C string
    encoder (an indent makes json use its pure-Python encoder: 0.5 s for 80,000 files)."""
    if not manifest:
        return b"{}"
    quote = encode_basestring_ascii
    lines = ",\n".join(f"{quote(k)}: {quote(manifest[k])}" for k in sorted(manifest))
    return ("{\n" + lines + "\n}").encode()


def _makedirs(path: Path, top: Path) -> None:
    missing = []
    while not path.exists() and path != top:
        missing.append(path)
        path = path.parent
    for d in reversed(missing):
        d.mkdir(exist_ok=True)
        os.chmod(d, DIR_MODE)


def _publish_modes(log_dir: Path, written: Iterable[str]) -> None:
    """Tiles, bundles and the checkpoint as a web server must read them (0644, dirs 0755)."""
    for rel in [*written, "checkpoint"]:
        path = log_dir / rel
        if path.exists():
            os.chmod(path, FILE_MODE)
        parent = path.parent
        while parent != log_dir.parent and parent.exists():
            os.chmod(parent, DIR_MODE)
            parent = parent.parent


def _static_files() -> list[Path]:
    """``static/``: the stylesheet, search.js, verify-ui.js and the verifier's modules (verify/**)."""
    return sorted(p for p in (HERE / "static").rglob("*") if p.is_file() and p.suffix not in STATIC_SKIP)


def _runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted indices as half-open runs of consecutive numbers."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


def _read(log: Log, conn: Any, indices: Iterable[int]) -> dict[int, bytes]:
    got: dict[int, bytes] = {}
    for start, stop in _runs(indices):
        for pos in range(start, stop, READ_BATCH):
            end = min(stop, pos + READ_BATCH)
            got.update(zip(range(pos, end), log.entries(conn, pos, end), strict=True))
    return got


def build_site(
    runtime: Any,
    out: Path | str,
    *,
    base_url: str,
    cache_dir: Path | str | None = None,
    coverage: Sequence[Mapping[str, object]] | None = None,
) -> BuildReport:
    """Export tiles, then render the pages touched since the last build, from one log snapshot.

    ``coverage``: per-check-item statistics for the coverage chart (``results2``'s JSON, plain
    dicts with ``label``, ``coverage_bp``, ``min_ratio_bp``, ``drawn``, ``pool``); by default the
    site computes them from the draws it shows (:func:`public_site.pages.coverage`).
    """
    out = Path(out)
    _makedirs(out, out.parent)
    os.chmod(out, DIR_MODE)
    log: Log = runtime.log
    templates = pages.templates_digest()
    cache_path = Path(cache_dir or default_cache_dir(out)) / "state.pickle"
    cache = _load_cache(cache_path, origin=log.origin, templates=templates)
    with runtime.engine.connect() as conn, conn.begin():
        witnesses = accept.parse_witness_keys(runtime.settings.witness_keys)

        def cosign(size: int, note: bytes) -> bytes:  # the witnesses' cosignatures of this size
            return accept.cosigned(note, conn, size, log.root(conn, size), witnesses)

        exported = export.export_tiles(conn, out / "log", fsync=False, empty_checkpoint=log.checkpoint(conn),
                                       cosign=cosign)
        export.publish_verifier_key(out / "log", log.signer.verifier_key(), fsync=False)
        size = exported.size
        if cache is not None and (cache.state.size > size or log.root(conn, cache.state.size) != cache.root):
            cache = None
        full = cache is None or not (out / MANIFEST).exists()
        if full:
            cache = _Cache(STATE_VERSION, templates, log.origin, b"", SiteState(), SearchIndex())
        assert cache is not None
        report = BuildReport(size=size, full=full, tiles_written=len(exported.written))
        writer = _Writer(out, report)
        _publish_modes(out / "log", exported.written)
        _fold_and_render(log, conn, cache, size, writer, base_url=base_url)
        cache.root = log.root(conn, size)
    checkpoint = (out / "log" / "checkpoint").read_text(encoding="utf-8")
    cp = pages.checkpoint_view(checkpoint, log_name=log.signer.verifier().name)
    st = cache.state
    summary = {
        "index.html": pages.render_home(st, cp),
        "stats.html": pages.render_stats(st, coverage if coverage is not None else pages.coverage(st)),
        "search.html": pages.render_search(),
        "departments/index.html": pages.render_departments(st),
        "log/index.html": pages.render_log(st, cp, log.signer.verifier_key()),
    }
    for rel, html in summary.items():
        writer.write(rel, html.encode("utf-8"))
    writer.write("search/meta.json", cache.index.meta())
    if VERIFIER_KEY in writer.manifest or not (out / VERIFIER_KEY).exists():  # ledger.export may publish it
        writer.write(VERIFIER_KEY, (log.signer.verifier_key() + "\n").encode())
    for path in _static_files():
        writer.write(f"static/{path.relative_to(HERE / 'static').as_posix()}", path.read_bytes())
    writer.finish()
    _save_cache(cache_path, cache)
    return report


def _fold_and_render(
    log: Log, conn: Any, cache: _Cache, size: int, writer: _Writer, *, base_url: str
) -> None:
    st, index = cache.state, cache.index
    old = st.size
    if old == size:
        return
    dirty: set[tuple[str, Any]] = set()
    roots: dict[int, bytes] = {}  # tree size → root: the entry pages of one tile share theirs
    # Entry pages of the tile that was partial at the old size prove inclusion in a new tree size.
    tile_start = old - old % pages.RANGE
    reproof = [i for i in reversed(st.entry_pages) if i >= tile_start][::-1]
    # The range page holding entry old-1 is rendered again (it grows, or gains its "next" link).
    first = ((old - 1) // pages.RANGE) * pages.RANGE if old else 0
    paged = set(st.entry_pages[-2 * pages.RANGE :])
    prefix = _read(log, conn, range(first, old))
    views = [pages.entry_view(i, prefix[i], page=i in paged) for i in sorted(prefix)]
    search_dirty: set[str] = set()
    for start in range(old, size, READ_BATCH):
        stop = min(size, start + READ_BATCH)
        for offset, raw in enumerate(log.entries(conn, start, stop)):
            i = start + offset
            entry = json.loads(raw)
            touched = st.apply(i, entry)
            for kind, key in touched:
                if kind == "firm":
                    search_dirty |= index.update(key, st.firms[key].name)
            dirty |= {k for k in touched if k[0] != "entry"}
            view = pages.entry_view(i, raw, page=has_entry_page(str(entry.get("kind", ""))), entry=entry)
            if view.page:
                _write_entry(log, conn, writer, view, entry, size, roots)
            views.append(view)
        full_ranges = len(views) - len(views) % pages.RANGE
        _write_ranges(writer, first, views[:full_ranges], size)
        first += full_ranges
        views = views[full_ranges:]
    _write_ranges(writer, first, views, size)
    if reproof:
        raws = _read(log, conn, reproof)
        for i in reproof:
            _write_entry(
                log, conn, writer, pages.entry_view(i, raws[i], page=True), json.loads(raws[i]), size, roots
            )
    for path, data in index.render(search_dirty).items():
        writer.write(path, data)
    for kind, key in sorted(dirty, key=lambda k: (k[0], str(k[1]))):
        if kind == "task" and key in st.tasks and st.tasks[key].created_index is not None:
            entries = _read(log, conn, st.tasks[key].indices)
            pairs = [(i, json.loads(raw)) for i, raw in sorted(entries.items())]
            record = pages.task_record(pairs)
            html = pages.render_task(st, key, pairs, base_url=base_url, record=record)
            writer.write(pages.task_page(key), html.encode("utf-8"))
            for rel, sub in pages.render_task_targets(st, key, record[0]).items():
                writer.write(rel, sub.encode("utf-8"))
        elif kind == "firm" and key in st.firms:
            writer.write(pages.firm_page(key), pages.render_firm(st, key).encode("utf-8"))
        elif kind == "dept":
            writer.write(pages.dept_page(key), pages.render_department(st, key).encode("utf-8"))


def _write_entry(
    log: Log,
    conn: Any,
    writer: _Writer,
    view: pages.EntryView,
    entry: Mapping[str, Any],
    size: int,
    roots: dict[int, bytes],
) -> None:
    tree_size = pages.proof_size(view.index, size)
    proof = log.inclusion_proof(conn, view.index, tree_size)
    root = roots.get(tree_size)
    if root is None:
        root = roots[tree_size] = log.root(conn, tree_size)
    body = entry.get("body")
    task = body.get("task") if isinstance(body, Mapping) and isinstance(body.get("task"), str) else None
    html = pages.render_entry(view, proof=proof, tree_size=tree_size, root=root, task=task)
    writer.write(pages.entry_page(view.index), html.encode("utf-8"))


def _write_ranges(writer: _Writer, start: int, views: Sequence[pages.EntryView], size: int) -> None:
    """Range pages for the views (consecutive entries from ``start``, aligned to a range)."""
    for pos in range(0, len(views), pages.RANGE):
        chunk = views[pos : pos + pages.RANGE]
        n = (start + pos) // pages.RANGE
        writer.write(pages.range_page(n), pages.render_range(n, chunk, size=size).encode("utf-8"))


def clean(out: Path | str) -> None:
    """Remove a built site and its cache (for a fresh full build)."""
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(default_cache_dir(out), ignore_errors=True)
