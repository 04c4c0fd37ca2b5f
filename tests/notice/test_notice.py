"""The notice to the firm (抽查告知书): content, QR code, no private field, bad input."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "results"))
from results_support import PHONE, drawn_task, seed, teams

from drawsvc.errors import InvalidInput, NotFound, RuleViolation
from drawsvc.notice.render import render_html, render_pdf
from drawsvc.notice.service import notice_for
from drawsvc.registries import models as reg
from drawsvc.tasks.record_pdf import FONT_PACKAGE, CjkFontMissing, find_cjk_font

BASE = "https://drawsvc.example.gov.cn"


@pytest.fixture
def world(runtime: Any) -> Any:
    with runtime.transaction() as s:
        seed(s)
    task = drawn_task(runtime)
    target, (leader, members) = sorted(teams(runtime, task).items())[0]
    return runtime, task, target, leader, members


def _notice(rt: Any, task: str, target: str) -> Any:
    with rt.transaction() as s:
        return notice_for(s, task=task, uscc=target, verify_base_url=BASE)


def test_notice_names_task_items_team_and_draw(world: Any) -> None:
    rt, task, target, leader, members = world
    n = _notice(rt, task, target)
    assert n.task == task and n.firm_uscc == target and n.firm_name.startswith("企业")
    assert [(i.department, i.code, i.name) for i in n.check_items] == [("QY", "QY-01", "检查事项 QY-01")]
    assert n.team[0].code == leader and n.team[0].leader
    assert sorted(m.code for m in n.team) == sorted(members)
    with rt.transaction() as s:
        names = {c: nm for c, nm in s.execute(
            reg.Inspector.__table__.select().with_only_columns(reg.Inspector.code, reg.Inspector.name))}
        from drawsvc.tasks.repository import current_draw

        assert n.draw_index == current_draw(s, task).log_index
    assert all(m.name == names[m.code] for m in n.team)
    assert n.verify_url == f"{BASE}/draws/{task}.html#target-{target}"
    html = render_html(n)
    for m in n.team:
        assert m.name in html and m.code in html
    assert f"#{n.draw_index}" in html and "检查事项 QY-01" in html and "组长" in html


def test_html_qr_decodes_to_the_target_anchor_and_no_private_field(world: Any) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (dev extra) decodes the QR code")
    from PIL import Image

    rt, task, target, _leader, _members = world
    html = render_html(_notice(rt, task, target))
    src = html.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(src))))]
    assert decoded == [f"{BASE}/draws/{task}.html#target-{target}"]
    with rt.transaction() as s:
        certs = [c for (c,) in s.execute(reg.Inspector.__table__.select().with_only_columns(
            reg.Inspector.certificate_no))]
    assert PHONE not in html and not any(c in html for c in certs)
    assert not re.search(r"1[3-9]\d{9}", html)  # no mobile number of anyone


def test_pdf_has_the_qr_code(world: Any, tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (dev extra) decodes the QR code")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    from PIL import Image

    rt, task, target, _leader, _members = world
    pdf = render_pdf(_notice(rt, task, target))
    assert pdf.startswith(b"%PDF") and PHONE.encode() not in pdf
    (tmp_path / "n.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "n.pdf"),
                    str(tmp_path / "n")], check=True, timeout=60)
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "n.png").convert("L"))]
    assert found == [f"{BASE}/draws/{task}.html#target-{target}"]
    if shutil.which("pdftotext"):
        cmd = ["pdftotext", str(tmp_path / "n.pdf"), "-"]
        text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        assert "抽查告知书" in text and target in text


def test_bad_requests_are_refused(world: Any, runtime: Any) -> None:
    rt, task, target, _leader, _members = world
    with rt.transaction() as s:
        with pytest.raises(InvalidInput) as bad:
            notice_for(s, task=task, uscc="not-a-uscc", verify_base_url=BASE)
        assert bad.value.field == "target"
        with pytest.raises(NotFound):
            notice_for(s, task="T2099-9999", uscc=target, verify_base_url=BASE)
        with pytest.raises(InvalidInput) as url:
            notice_for(s, task=task, uscc=target, verify_base_url="ftp://x")
        assert url.value.field == "verify_base_url"


def test_target_not_drawn_and_task_not_drawn(runtime: Any) -> None:
    from drawsvc.journal import SYSTEM  # noqa: F401
    from drawsvc.sample.generator import make_uscc
    from drawsvc.tasks import service as tasks

    with runtime.transaction() as s:
        seed(s)
        s.execute(reg.Target.__table__.insert(), [{
            "uscc": make_uscc("91", "130634", 77), "name": "未抽中", "target_type": "其他", "scale": "",
            "region_code": "130634", "risk_flags": [], "credit_class": "B", "status": "active",
            "version": 1}])
    task = drawn_task(runtime)  # draws every target: add one after the draw
    with runtime.transaction() as s:
        s.execute(reg.Target.__table__.insert(), [{
            "uscc": make_uscc("91", "130634", 78), "name": "后来", "target_type": "其他", "scale": "",
            "region_code": "130634", "risk_flags": [], "credit_class": "B", "status": "active",
            "version": 1}])
        with pytest.raises(NotFound) as nf:
            notice_for(s, task=task, uscc=make_uscc("91", "130634", 78), verify_base_url=BASE)
        assert nf.value.detail["field"] == "target"
        from results_support import bureau

        draft = tasks.create_task(s, runtime.journal, title="未抽取", year=2026, organiser="QY",
                                  params={"targets": {"ratio_bp": 10_000}}, check_items=[], actor=bureau())
        with pytest.raises(RuleViolation):
            notice_for(s, task=draft.code, uscc=make_uscc("91", "130634", 77), verify_base_url=BASE)


def _has_cjk_font() -> bool:
    try:
        find_cjk_font()
    except CjkFontMissing:
        return False
    return True


def test_api_route_html_pdf_and_access(world: Any) -> None:
    from fastapi.testclient import TestClient

    from drawsvc.api import auth
    from drawsvc.api.app import create_app
    from drawsvc.journal import SYSTEM

    rt, task, target, _leader, _members = world
    with rt.transaction() as s:
        _row, qy = auth.create_api_key(s, rt.journal, role="bureau", department="QY", actor=SYSTEM)
        _row, zb = auth.create_api_key(s, rt.journal, role="bureau", department="ZB", actor=SYSTEM)
    with TestClient(create_app(rt)) as client:
        url = f"/v1/notices/{task}/targets/{target}"
        r = client.get(url, headers={"X-API-Key": qy})
        assert r.status_code == 200 and "抽查告知书" in r.text and f"#target-{target}" in r.text
        pdf = client.get(url, params={"format": "pdf"}, headers={"X-API-Key": qy})
        if _has_cjk_font():
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        else:  # the server's set-up, not the request: a 503 problem naming the package, no 500
            assert pdf.status_code == 503 and pdf.json()["code"] == "cjk-font-missing"
            assert FONT_PACKAGE in pdf.json()["detail"]
        assert client.get(url).status_code == 401
        assert client.get(url, headers={"X-API-Key": zb}).status_code == 403
        bad = client.get(f"/v1/notices/{task}/targets/91XXXX", headers={"X-API-Key": qy})
        assert bad.status_code == 422 and bad.json()["field"] == "target"


def test_cli_writes_html(world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from drawsvc.cli.app import app

    rt, task, target, _leader, _members = world
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", rt.settings.log_origin)
    from drawsvc.settings import get_settings

    get_settings.cache_clear()
    try:
        out = tmp_path / "notice.html"
        args = ["record", "notice", task, target, "--html", str(out), "--base-url", BASE]
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 0, r.output
        assert f"{BASE}/draws/{task}.html#target-{target}" in r.output
        assert "抽查告知书" in out.read_text(encoding="utf-8")
    finally:
        get_settings.cache_clear()
