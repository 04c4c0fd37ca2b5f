"""The draw record as PDF (docs/specs/draw-record.md §5): CJK font embedded, text and QR code readable.

Needs a CJK font (Debian ``fonts-noto-cjk``); without one these tests skip, saying which package
to install. Text extraction and rasterising use poppler-utils (``pdftotext``, ``pdftoppm``) when
installed; those checks skip otherwise.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from drawsvc.tasks.record import build_record, entries_of_task, record_url, render_pdf
from drawsvc.tasks.record_pdf import FONT_PACKAGE, CjkFont, CjkFontMissing, find_cjk_font, pick_face

VECTOR = Path(__file__).parents[1] / "vectors" / "draw-record" / "log.json"
LOG = json.loads(VECTOR.read_text(encoding="utf-8"))
BASE = "https://sjs.example.gov.cn/gongshi"


@pytest.fixture(scope="module")
def font() -> CjkFont:
    try:
        return find_cjk_font()
    except CjkFontMissing as exc:
        pytest.skip(f"{exc} (apt-get install {FONT_PACKAGE})")


@pytest.fixture(scope="module")
def record():
    return build_record(entries_of_task(enumerate(LOG), "T2026-0001"))


@pytest.fixture(scope="module")
def pdf(record, font: CjkFont) -> bytes:
    return render_pdf(record, verify_base_url=BASE, font=font)


def test_missing_font_names_the_debian_package() -> None:
    with pytest.raises(CjkFontMissing) as err:
        find_cjk_font([("fonts-none", "/nonexistent/font.ttc")], use_fc_match=False)
    assert FONT_PACKAGE in err.value.message and err.value.code == "cjk-font-missing"


def test_a_latin_only_font_is_not_taken_for_chinese(tmp_path: Path) -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.is_file():
        pytest.skip("no DejaVuSans.ttf to try")
    assert pick_face(latin) is None
    (tmp_path / "junk.ttf").write_bytes(b"not a font")
    assert pick_face(tmp_path / "junk.ttf") is None


def test_collection_face_is_simplified_chinese(font: CjkFont) -> None:
    if font.path.name.startswith("NotoSansCJK"):
        assert font.family == "Noto Sans CJK SC" and font.index == 2


def test_pdf_embeds_the_cjk_font_subset(pdf: bytes, font: CjkFont) -> None:
    assert pdf.startswith(b"%PDF-")
    embedded = re.findall(rb"/BaseFont /[A-Z]{6}\+([A-Za-z0-9-]+)", pdf)
    assert embedded and {e.lower() for e in embedded} == {font.family.replace(" ", "").encode().lower()}
    assert b"/FontFile" in pdf  # embedded, not referenced
    assert b"/ToUnicode" in pdf  # text stays extractable


def test_pdf_is_reproducible(record, font: CjkFont, pdf: bytes) -> None:
    assert render_pdf(record, verify_base_url=BASE, font=font) == pdf


def pdftotext(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    # -raw: content-stream order, so a hex value wrapped inside a table cell stays contiguous
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode("utf-8")


def test_pdf_text_has_the_chinese_labels_and_the_logged_figures(pdf: bytes) -> None:
    text = pdftotext(pdf)
    for label in (
        "抽取记录表",
        "候选池",
        "承诺与揭示",
        "纪检监察见证",
        "抽取人",
        "监督人（纪检监察）",
        "负责人",
        "2026年食品生产企业“双随机”抽查",
        "第1轮抽取后发现候选池漏录3户",
    ):
        assert label in text, label
    flat = "".join(text.split())  # hex wraps inside table cells
    for i, e in enumerate(LOG):
        b = e["body"]
        if e["kind"] == "draw.commit":
            for pool in b["pools"].values():
                assert pool["root"] in flat
            for c in b["commitments"]:
                assert c["commitment"] in flat
        if e["kind"] == "draw.result":
            assert b["seed"] in flat
            for r in b["reveals"]:
                assert r["secret"] in flat
            assert f"#{i}" in flat


def test_pdf_qr_code_decodes_to_the_verification_address(pdf: bytes, record, tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (dev extra) decodes the QR code")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    from PIL import Image

    pages = int(re.search(rb"/Count (\d+)", pdf).group(1))  # type: ignore[union-attr]
    (tmp_path / "record.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            "-f",
            str(pages),
            "-l",
            str(pages),
            str(tmp_path / "record.pdf"),
            str(tmp_path / "last"),
        ],
        check=True,
        timeout=60,
    )
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "last.png").convert("L"))]
    assert found == [record_url(record, verify_base_url=BASE)]
    assert found[0].endswith(f"/draws/T2026-0001.html#log-{record.anchor_index}")
