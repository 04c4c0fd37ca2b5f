"""Real-browser tests (headless Chromium from Debian, driven by playwright): search, axe-core,
the verifier on honest and tampered sites. They skip when chromium or playwright is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.site.support import serve, worker_port

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def _axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return result


def _pages(site: Path, extra: dict[str, Any]) -> list[str]:
    firm = next(iter(extra["firms"]))
    entry = sorted((site / "log" / "entry").iterdir(), key=lambda p: int(p.stem))[-1].name
    return [
        "index.html",
        "search.html",
        "stats.html",
        "departments/index.html",
        "departments/SCJG.html",
        f"draws/{extra['task']}.html",
        "draws/T2026-0003.html",
        f"firms/{firm}.html",
        "log/index.html",
        "log/range/0.html",
        f"log/entry/{entry}",
    ]


def test_axe_finds_no_violation_on_any_kind_of_page(demo_site: Any, site_url: str, page: Any) -> None:
    _rt, site, extra = demo_site
    found = {}
    for rel in _pages(site, extra):
        page.goto(site_url + rel)
        violations = _axe(page)
        if violations:
            found[rel] = violations
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_axe_finds_no_violation_on_a_phone(demo_site: Any, site_url: str, browser: Any) -> None:
    _rt, _site, extra = demo_site
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    found = {}
    for rel in ("index.html", f"draws/{extra['task']}.html", f"firms/{next(iter(extra['firms']))}.html"):
        page.goto(site_url + rel)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1, rel
        if violations := _axe(page):
            found[rel] = violations
    context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_search_finds_a_firm_by_name_and_by_credit_code(demo_site: Any, site_url: str, page: Any) -> None:
    _rt, _site, extra = demo_site
    uscc, name = next(iter(extra["firms"].items()))
    page.goto(site_url + "search.html")
    page.fill("#q", name[2:8])
    page.click("#search-form button")
    page.wait_for_selector(f'#search-results a[href="firms/{uscc}.html"]')
    page.fill("#q", uscc.lower())
    page.click("#search-form button")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 1")
    page.click(f'#search-results a[href="firms/{uscc}.html"]')
    assert page.locator("[data-field='firm.uscc']").inner_text() == uscc
    assert page.locator("h1").inner_text() == name


def test_search_for_an_unknown_firm_says_so(site_url: str, page: Any) -> None:
    page.goto(site_url + "search.html?q=不存在的企业名称")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('未找到')")
    assert page.locator("#search-results li").count() == 0


def test_a_target_anchor_opens_its_row_and_the_firm_page_links_back(
    demo_site: Any, site_url: str, page: Any
) -> None:
    _rt, _site, extra = demo_site
    uscc = next(iter(extra["firms"]))
    page.goto(site_url + f"firms/{uscc}.html")
    page.click(f"a[href$='#target-{uscc}']")
    row = page.locator(f"#target-{uscc}")
    assert row.is_visible()
    assert page.evaluate("location.hash") == f"#target-{uscc}"


def test_pages_read_without_javascript(demo_site: Any, site_url: str, browser: Any) -> None:
    _rt, _site, extra = demo_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + f"draws/{extra['task']}.html")
    assert page.locator("tr.target").count() > 0
    assert page.locator("#events tr.event").count() > 0
    context.close()


def test_the_draw_page_prints_without_navigation_or_verifier(
    demo_site: Any, site_url: str, page: Any
) -> None:
    _rt, _site, extra = demo_site
    page.goto(site_url + f"draws/{extra['task']}.html")
    page.emulate_media(media="print")
    assert not page.locator("header.site nav").is_visible()
    assert not page.locator("#verify").is_visible()
    assert page.locator(".print-only").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


# ------------------------------------------------------------------ the verifier (sitejs)


def _verifier_present(site: Path) -> bool:
    verify = site / "static" / "verify"
    return (verify / "orchestrator.mjs").exists() or (verify / "orchestrator.js").exists()


def _verify(page: Any, url: str) -> tuple[str, list[dict[str, str]]]:
    page.goto(url)
    page.wait_for_selector("#verify-button:not([disabled])", timeout=10_000)
    page.click("#verify-button")  # verify-ui.js shows each step with its code and 通过/未通过
    page.wait_for_function(
        "['pass', 'fail', 'error'].includes(document.getElementById('verify-status').dataset.result)",
        timeout=60_000,
    )
    result = page.locator("#verify-status").get_attribute("data-result")
    steps = page.evaluate(
        "[...document.querySelectorAll('#verify-steps li')]"
        ".map(li => ({code: li.dataset.code, status: li.dataset.status}))"
    )
    return result, steps


def test_verification_passes_on_every_honest_draw(demo_site: Any, site_url: str, page: Any) -> None:
    _rt, site, extra = demo_site
    if not _verifier_present(site):
        pytest.skip("the in-browser verifier (public_site/static/verify/, branch sitejs) is not merged")
    for task in extra["tasks"]:
        result, steps = _verify(page, site_url + f"draws/{task}.html")
        assert result == "pass", (task, steps)
        assert steps and all(s["status"] == "pass" for s in steps)
        shown = page.locator("#verify-steps").inner_text()
        assert "检查点的数字签名" in shown and "未通过" not in shown and shown.count("通过") == len(steps)


def _tamper_target(site: Path, task: str) -> None:
    page = site / "draws" / f"{task}.html"
    html = page.read_text(encoding="utf-8")
    first = html.index('<code data-field="target">') + len('<code data-field="target">')
    swapped = "8" if html[first] != "8" else "9"
    page.write_text(html[:first] + swapped + html[first + 1 :], encoding="utf-8")


def _tamper_checkpoint_signature(site: Path, task: str) -> None:
    path = site / "log" / "checkpoint"
    text = path.read_text()
    body, sig = text.rsplit(" ", 1)
    flipped = "A" if sig[10] != "A" else "B"
    path.write_text(body + " " + sig[:10] + flipped + sig[11:])


def _tamper_tile_hash(site: Path, task: str) -> None:
    """Flip a bit of the first hash of the level-0 tile the checkpoint's tree uses."""
    from ledger.tiles import TILE_WIDTH, tile_path

    size = int((site / "log" / "checkpoint").read_text().split("\n")[1])
    path = site / "log" / tile_path(0, 0, min(TILE_WIDTH, size))
    data = bytearray(path.read_bytes())
    data[0] ^= 1
    path.write_bytes(bytes(data))


def _tamper_seed_byte(site: Path, task: str) -> None:
    """Flip one byte of the draw's seed inside the entry bundle the verifier reads (the one of
    the checkpoint's size; bundles of earlier sizes stay published under ``.p/``)."""
    from ledger.tiles import TILE_WIDTH, decode_bundle, encode_bundle, entries_path

    size = int((site / "log" / "checkpoint").read_text().split("\n")[1])
    for n in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        path = site / "log" / entries_path(n, min(TILE_WIDTH, size - n * TILE_WIDTH))
        entries = decode_bundle(path.read_bytes())
        for k, raw in enumerate(entries):
            entry = json.loads(raw)
            if entry["kind"] == "draw.result" and entry["body"]["task"] == task:
                pos = raw.index(entry["body"]["seed"].encode())
                swapped = b"0" if raw[pos : pos + 1] != b"0" else b"1"
                entries[k] = raw[:pos] + swapped + raw[pos + 1 :]
                path.write_bytes(encode_bundle(entries))
                return
    raise AssertionError("no draw.result entry found")


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_tamper_target, "page.display"),
        (_tamper_seed_byte, "log.inclusion"),
        (_tamper_tile_hash, "log.tiles"),
        (_tamper_checkpoint_signature, "checkpoint.signature"),
    ],
    ids=["drawn-target", "seed-byte", "tile-hash", "checkpoint-signature"],
)
def test_verification_fails_after_tampering_and_names_the_step(
    demo_site: Any, site_copy: Path, page: Any, tamper: Any, expected: str
) -> None:
    _rt, _site, extra = demo_site
    if not _verifier_present(site_copy):
        pytest.skip("the in-browser verifier (public_site/static/verify/, branch sitejs) is not merged")
    task = extra["task"]
    tamper(site_copy, task)
    with serve(site_copy, worker_port(1)) as url:
        result, steps = _verify(page, url + f"draws/{task}.html")
    assert result == "fail", steps
    failed = [s["code"] for s in steps if s["status"] == "fail"]
    assert failed == [expected], steps


# ------------------------------------------------------------------ a big draw's page


@pytest.fixture
def big_draw_site(demo_site: Any, tmp_path: Path, monkeypatch: Any) -> tuple[Path, str]:
    """The demo site rebuilt with the big-draw thresholds lowered: its first task's page shows
    3 targets, lists every code in the text file and pages the details by 4."""
    from public_site import pages
    from public_site.build import build_site
    from tests.site.support import BASE_URL

    rt, _site, extra = demo_site
    monkeypatch.setattr(pages, "BIG_DRAW", 5)
    monkeypatch.setattr(pages, "TARGETS_PER_PAGE", 4)
    monkeypatch.setattr(pages, "TASK_PAGE_TARGETS", 3)
    out = tmp_path / "big"
    build_site(rt, out, base_url=BASE_URL)
    return out, extra["task"]


def test_a_big_draw_page_verifies_with_its_list_and_fails_when_the_list_is_changed(
    big_draw_site: tuple[Path, str], page: Any
) -> None:
    site, task = big_draw_site
    if not _verifier_present(site):
        pytest.skip("the in-browser verifier (public_site/static/verify/) is not present")
    with serve(site, worker_port(2)) as url:
        result, steps = _verify(page, url + f"draws/{task}.html")
        assert result == "pass", steps
        assert "page.display" in [s["code"] for s in steps]
        parent, _, unit = task.rpartition("/")
        listed = site / "draws" / parent / f"{unit}.targets.txt"
        codes = listed.read_text(encoding="utf-8").splitlines()
        listed.write_text("\n".join([codes[1], codes[0], *codes[2:]]) + "\n", encoding="utf-8")
        result, steps = _verify(page, url + f"draws/{task}.html")
    assert result == "fail"
    assert [s["code"] for s in steps if s["status"] == "fail"] == ["page.display"]


def test_a_target_anchor_beyond_a_big_draw_page_goes_to_its_detail_page(
    big_draw_site: tuple[Path, str], page: Any
) -> None:
    site, task = big_draw_site
    parent, _, unit = task.rpartition("/")
    codes = (site / "draws" / parent / f"{unit}.targets.txt").read_text(encoding="utf-8").splitlines()
    assert len(codes) >= 6
    with serve(site, worker_port(2)) as url:
        page.goto(url + f"draws/{task}.html#target-{codes[0]}")  # on the page itself: stays
        assert page.locator(f"#target-{codes[0]}").is_visible()
        page.goto(url + f"draws/{task}.html#target-{codes[5]}")  # the 6th: detail page 2
        page.wait_for_url(f"**/{unit}.targets-2.html#t-{codes[5]}")
        assert page.locator(f"#t-{codes[5]}").is_visible()
        page.goto(url + f"draws/{task}.html")
        assert not _axe(page)


def test_a_draw_page_opened_from_a_file_says_how_to_verify(demo_site: Any, page: Any) -> None:
    _rt, site, extra = demo_site
    page.goto((site / "draws" / f"{extra['task']}.html").as_uri())
    status = page.locator("#verify-status").inner_text()
    assert "file://" in status and "python3 -m http.server" in status
    assert page.locator("#verify-button").is_disabled()
