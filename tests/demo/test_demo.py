"""The demo end to end (small): every draw verifies from the log, the site is built, and no
private field of the imported sample files reaches the log or the public site."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from drawsvc.demo import DEMO_ORIGIN, run_demo
from drawsvc.settings import Settings
from ledger.export import verify_directory
from ledger.note import parse_verifier_key

PRIVATE_HEADERS = ("手机号码", "联系电话", "身份证号", "出生日期", "家庭住址")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data_dir = tmp_path_factory.mktemp("demo") / "demo"
    rt, report = run_demo(
        Settings(data_dir=data_dir, log_origin=DEMO_ORIGIN),
        targets=600,
        base_url="http://127.0.0.1:8000/site",
    )
    yield rt, report
    rt.close()


def _private_values(samples: Path) -> set[str]:
    """Every value found under a private column header in the sample files (phones, IDs, births)."""
    values: set[str] = set()
    for path in samples.iterdir():
        if path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.reader(fh))
        else:
            rows = [
                [("" if c is None else str(c)) for c in r]
                for r in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)
            ]
        header = rows[0]
        cols = [i for i, h in enumerate(header) if any(p in str(h) for p in PRIVATE_HEADERS)]
        for row in rows[1:]:
            values.update(row[i] for i in cols if i < len(row) and row[i])
    return values


def test_every_demo_draw_verifies_from_the_log(demo: Any) -> None:
    _rt, report = demo
    tasks = {task for task, _index, _drawn in report.verified}
    assert {"T2026-0001", "T2026-0001/SCJG", "T2026-0001/HBJ", "T2026-0001/SWJ"} <= tasks
    assert all(index > 0 for _task, index, _drawn in report.verified)
    drawn = dict((task, what) for task, _index, what in report.verified)
    assert "检查组" in drawn["T2026-0001/SCJG"] and "名专家" in drawn["T2026-0003"]


def test_demo_site_publishes_a_verifiable_log_and_every_task(demo: Any) -> None:
    rt, report = demo
    site = report.site_dir
    size = verify_directory(
        site / "log", parse_verifier_key(rt.log.signer.verifier_key()), origin=DEMO_ORIGIN, full=True
    )
    assert size == report.log_size
    index = (site / "index.html").read_text(encoding="utf-8")
    for task in report.tasks:
        assert f'href="draws/{task}.html"' in index
        assert (site / "draws" / f"{task}.html").is_file()
    manifest = json.loads((site / "manifest.json").read_text())
    assert "index.html" in manifest


def test_no_private_sample_field_reaches_the_log_or_the_site(demo: Any) -> None:
    rt, report = demo
    private = _private_values(report.data_dir / "samples")
    assert len(private) > 50  # the samples really carry phones, ID numbers and birth dates
    with rt.engine.connect() as conn:
        log_text = b"\n".join(rt.log.entries(conn, 0, rt.log.size(conn))).decode("utf-8")
    site_text = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in report.site_dir.rglob("*")
        if p.is_file() and p.suffix in ("", ".html")
    )
    # Compare whole tokens: an 11-digit phone can occur by chance inside a hex digest.
    tokens = set(re.findall(r"[0-9A-Za-z-]+", log_text)) | set(re.findall(r"[0-9A-Za-z-]+", site_text))
    leaked = sorted(v for v in private if v in tokens)
    assert not leaked, f"{len(leaked)} private values published"


def test_rebuilding_the_site_without_new_entries_rewrites_nothing(demo: Any) -> None:
    from public_site.build import build_site

    rt, report = demo
    again = build_site(rt, report.site_dir, base_url="http://127.0.0.1:8000/site")
    assert again.size == report.log_size
    assert again.pages_written == [] and again.tiles_written == 0
    assert again.pages_unchanged >= len(report.tasks) + 2


def test_the_demo_sealed_panel_was_sealed_then_disclosed_and_verifies(demo: Any) -> None:
    from drawsvc.tasks import seal
    from drawsvc.tasks.logread import reader_for
    from drawsvc.tasks.verify import verify_task

    rt, report = demo
    task = report.tasks[-1]
    with rt.engine.connect() as conn:
        size = rt.log.size(conn)
        entries = [json.loads(raw) for raw in rt.log.entries(conn, 0, size)]
        verified = verify_task(reader_for(rt.log, conn), task, size=size)
    mine = [(i, e) for i, e in enumerate(entries) if e["body"].get("task") == task]
    kinds = [e["kind"] for _i, e in mine]
    assert "draw.result" not in kinds and kinds.index("draw.sealed") < kinds.index("draw.disclose")
    sealed = next(e for _i, e in mine if e["kind"] == "draw.sealed")["body"]["sealed"]
    disclosed = next(e for _i, e in mine if e["kind"] == "draw.disclose")["body"]
    assert seal.commitment(bytes.fromhex(disclosed["salt"]), disclosed["plaintext"]) == sealed["commitment"]
    assert verified.sealed is not None and verified.sealed["disclosed"] is not None
    assert verified.seed == disclosed["plaintext"]["seed"]


def test_the_demo_audits_its_own_published_site(demo: Any) -> None:
    """Issue 19: the whole-year demo ends with the discipline office's audit passing, every draw
    recomputed from the published files alone, and the report written for people."""
    _rt, report = demo
    audit = report.audit
    assert audit["passed"], audit["findings"][:5]
    assert audit["size"] == report.log_size and audit["findings"] == []
    assert audit["draws"] >= len(report.verified) and audit["verified"] >= len(report.verified)
    html = report.audit_report.read_text(encoding="utf-8")
    assert "AUD-11" in html and str(audit["size"]) in html
