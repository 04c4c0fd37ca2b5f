"""The site build without a browser: incremental = full, only touched pages rewritten, modes,
the tlog-tiles layout kept, pages from the log only."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

from drawsvc.demo import bureau
from ledger.export import verify_directory
from ledger.note import parse_verifier_key
from public_site.build import build_site, clean
from tests.site.support import BASE_URL


def _tree(site: Path) -> dict[str, bytes]:
    """Every file, less the partial tiles of earlier sizes (tlog-tiles keeps them published)."""
    files = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    return {k: v for k, v in files.items() if ".p/" not in k}


def test_every_published_file_is_0644_and_every_directory_0755(demo_site: Any) -> None:
    _rt, site, _extra = demo_site
    for p in [site, *site.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o755 if p.is_dir() else 0o644), (p, oct(mode))


def test_the_log_directory_stays_a_tlog_tiles_directory(demo_site: Any) -> None:
    rt, site, _extra = demo_site
    size = verify_directory(
        site / "log", parse_verifier_key(rt.log.signer.verifier_key()), origin=rt.log.origin, full=True
    )
    with rt.engine.connect() as conn:
        assert size == rt.log.size(conn)


def test_every_page_a_draw_needs_is_published(demo_site: Any) -> None:
    _rt, site, extra = demo_site
    task = extra["task"]
    html = (site / "draws" / f"{task}.html").read_text(encoding="utf-8")
    for uscc, name in extra["firms"].items():
        assert f'id="target-{uscc}"' in html and name in html
        firm = (site / "firms" / f"{uscc}.html").read_text(encoding="utf-8")
        assert f"draws/{task}.html#target-{uscc}" in firm
    assert 'id="log-' in html and "（组长）" in html
    corrected = (site / "firms" / f"{extra['corrected'][0]}.html").read_text(encoding="utf-8")
    assert "更正结果" in corrected and "第 2 版" in corrected
    dept = (site / "departments" / "SCJG.html").read_text(encoding="utf-8")
    assert "下半年增加一次抽查" in dept and "（现行）" in dept and "食品经营者经营活动的监督检查" in dept


def test_incremental_rebuild_rewrites_only_touched_pages_and_equals_a_full_build(
    demo_site: Any, tmp_path: Path
) -> None:
    rt, _site, extra = demo_site
    out = tmp_path / "site"
    first = build_site(rt, out, base_url=BASE_URL)
    assert first.full
    again = build_site(rt, out, base_url=BASE_URL)
    assert not again.full and again.pages_written == [] and again.tiles_written == 0
    uscc = next(iter(extra["firms"]))
    with rt.transaction() as s:
        rt.journal.record(
            s,
            "result.followup",
            {
                "result": extra["codes"][uscc],
                "step": "rectification.confirmed",
                "on": "2026-04-01",
                "unit": None,
                "decision_no": None,
                "transfer": None,
            },
            actor=bureau("SCJG"),
        )
    after = build_site(rt, out, base_url=BASE_URL)
    written = set(after.pages_written)
    assert f"firms/{uscc}.html" in written and f"draws/{extra['task']}.html" in written
    other_firms = {p for p in written if p.startswith("firms/")} - {f"firms/{uscc}.html"}
    assert not other_firms
    assert not any(p.startswith("draws/") and p != f"draws/{extra['task']}.html" for p in written)
    # entry pages: the new one, and those of the partial tile (their proof's tree size grew)
    with rt.engine.connect() as conn:
        size = rt.log.size(conn)
    entry_pages = {int(p.split("/")[-1].split(".")[0]) for p in written if p.startswith("log/entry/")}
    assert size - 1 in entry_pages and min(entry_pages) >= (size - 1) // 256 * 256
    rest = {p for p in written if not p.startswith("log/")}
    assert rest <= {"index.html", "stats.html", f"firms/{uscc}.html", f"draws/{extra['task']}.html"}, rest
    fresh = tmp_path / "fresh"
    build_site(rt, fresh, base_url=BASE_URL)
    assert _tree(out) == _tree(fresh)
    clean(fresh)
    assert not fresh.exists()


def test_names_kept_apart_from_the_state_give_the_same_site(
    demo_site: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """With a tiny limit, the full build writes the registered names to names-<id>.pickle;
    an incremental build after a rename reads them from there and equals a full build."""
    from public_site import build

    rt, _site, extra = demo_site
    monkeypatch.setattr(build, "NAMES_RECENT_LIMIT", 10)
    out = tmp_path / "site"
    assert build_site(rt, out, base_url=BASE_URL).full
    cache = out.with_name("site.cache")
    (names_file,) = cache.glob("names-*.pickle")
    uscc = next(iter(extra["firms"]))
    with rt.transaction() as s:
        rt.journal.record(
            s,
            "registry.target.upsert",
            {"uscc": uscc, "name": "改名后的企业有限公司"},
            actor=bureau("SCJG"),
        )
    after = build_site(rt, out, base_url=BASE_URL)
    assert not after.full and f"firms/{uscc}.html" in after.pages_written
    assert "改名后的企业有限公司" in (out / f"firms/{uscc}.html").read_text(encoding="utf-8")
    assert list(cache.glob("names-*.pickle")) == [names_file]  # one new name: kept in state.pickle
    monkeypatch.setattr(build, "NAMES_RECENT_LIMIT", 0)
    build_site(rt, out, base_url=BASE_URL)
    (rebased,) = cache.glob("names-*.pickle")
    assert rebased != names_file  # merged into a new names file, the old one removed
    fresh = tmp_path / "fresh"
    build_site(rt, fresh, base_url=BASE_URL)
    assert _tree(out) == _tree(fresh)
    names_file.parent.joinpath(rebased.name).unlink()
    assert build_site(rt, out, base_url=BASE_URL).full  # its names file gone: a full build


def test_a_changed_log_falls_back_to_a_full_build(demo_site: Any, tmp_path: Path) -> None:
    rt, _site, _extra = demo_site
    out = tmp_path / "site"
    build_site(rt, out, base_url=BASE_URL)
    cache = out.with_name("site.cache") / "state.pickle"
    cache.write_bytes(b"not a pickle")
    assert build_site(rt, out, base_url=BASE_URL).full


def test_search_shards_find_published_firms_only(demo_site: Any) -> None:
    _rt, site, extra = demo_site
    from public_site.search import code_shard

    uscc, name = next(iter(extra["firms"].items()))
    shard = json.loads((site / code_shard(uscc)).read_text())
    assert shard[uscc] == name
    meta = json.loads((site / "search" / "meta.json").read_text())
    assert meta["firms"] == len(list((site / "firms").iterdir()))


def test_no_page_shows_an_inspectors_certificate_number(demo_site: Any) -> None:
    """Teams are shown by name and public code; the certificate number (in the log) is not."""
    rt, site, _extra = demo_site
    with rt.engine.connect() as conn:
        entries = [json.loads(raw) for raw in rt.log.entries(conn, 0, rt.log.size(conn))]
    certificates = {
        dict(zip(e["body"]["fields"], rec, strict=True))["certificate_no"]
        for e in entries
        if e["kind"] == "registry.inspector.batch.v2"
        for rec in e["body"]["records"]
    }
    assert len(certificates) > 50
    text = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "（组长）" in text
    assert not [c for c in certificates if c in text]


def test_a_big_draw_shows_its_first_targets_lists_every_code_and_the_details_on_pages(
    demo_site: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from public_site import pages

    rt, _site, extra = demo_site
    monkeypatch.setattr(pages, "BIG_DRAW", 5)
    monkeypatch.setattr(pages, "TARGETS_PER_PAGE", 4)
    monkeypatch.setattr(pages, "TASK_PAGE_TARGETS", 3)
    out = tmp_path / "site"
    build_site(rt, out, base_url=BASE_URL)
    task = extra["task"]
    main = (out / "draws" / f"{task}.html").read_text(encoding="utf-8")
    parent, _, unit = task.rpartition("/")
    listed = (out / "draws" / parent / f"{unit}.targets.txt").read_text(encoding="utf-8")
    assert listed.endswith("\n")
    codes = listed.splitlines()
    assert len(codes) > 5 and len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[0-9A-Z]{18}", u) for u in codes)
    # the page: the first 3 with their anchors, the number drawn, the list's path
    shown = re.findall(r'id="target-([0-9A-Z]{18})"', main)
    assert shown == codes[:3]
    assert re.findall(r'<code data-field="target">([0-9A-Z]{18})</code>', main) == codes[:3]
    assert f'data-targets-total="{len(codes)}"' in main
    assert f'data-targets-list="draws/{task}.targets.txt"' in main
    details = sorted((out / "draws" / parent).glob(f"{unit}.targets-*.html"))
    assert len(details) == (len(codes) + 3) // 4
    text = "".join(p.read_text(encoding="utf-8") for p in details)
    assert all(f'id="t-{u}"' in text for u in codes) and "（组长）" in text
    assert 'data-field="target"' not in text  # the verifier's page check reads the main page and the list
