"""The notice as HTML (jinja2, A4 print CSS) and PDF (fpdf2), docs/specs/notice.md §3.

The QR code and the CJK font are the draw record's (``drawsvc.tasks.record.qr``,
``drawsvc.tasks.record.pdf.find_cjk_font``): one QR convention (ISO/IEC 18004, level M,
4-module quiet zone) and one font search for every printable page.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import jinja2

from drawsvc.notice.model import VERIFY_STEPS, Notice
from drawsvc.tasks.record import qr

TEMPLATES = Path(__file__).parent / "templates"
MARGIN_MM = 16
QR_MM = 36
BODY_PT = 10.5


def render_html(notice: Notice) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template("notice.html").render(n=notice, steps=VERIFY_STEPS,
                                                  qr_data_uri=qr.png_data_uri(notice.verify_url))


def render_pdf(notice: Notice) -> bytes:
    """The same notice on one A4 page (the QR code as a PNG image)."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    from drawsvc.tasks.record.pdf import FONT, find_cjk_font

    font = find_cjk_font()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.add_font(FONT, "", str(font.path), collection_font_number=font.index)
    pdf.set_title(f"抽查告知书 {notice.task} {notice.firm_uscc}")
    pdf.set_subject(notice.spec)
    pdf.set_creator("drawsvc")
    pdf.set_lang("zh-CN")
    pdf.add_page()

    def text(line: str, size: float = BODY_PT, align: str = "L", h: float = 6.5) -> None:
        pdf.set_font(FONT, size=size)
        pdf.multi_cell(0, h, line, align=align, wrapmode=WrapMode.WORD, new_x="LMARGIN", new_y="NEXT")

    text("抽查告知书", size=18, align="C", h=11)
    text(f"{notice.firm_name}（统一社会信用代码 {notice.firm_uscc}）：")
    text("根据“双随机、一公开”监管工作安排，贵单位经公开随机抽取，被列为以下抽查任务的检查对象。"
         "检查人员将依法实施检查，请予配合。")
    team = "\n".join(f"{m.name}（执法人员编号 {m.code}）{'　组长' if m.leader else ''}" for m in notice.team)
    rows = [
        ("抽查任务", f"{notice.task} {notice.title}"),
        ("实施部门", notice.organiser + (f"（承办单位：{notice.unit}）" if notice.unit else "")),
        ("检查期间", f"{notice.period_start} 至 {notice.period_end}"),
        ("检查事项", "\n".join(f"{i.department}/{i.code} {i.name}" for i in notice.check_items)),
        ("检查组", team or "检查组由承办单位另行随机抽取。"),
        ("抽取记录", f"透明日志第 #{notice.draw_index} 条（抽取结果）"),
    ]
    pdf.set_font(FONT, size=BODY_PT)
    with pdf.table(col_widths=(28, 150), first_row_as_headings=False, wrapmode=WrapMode.WORD,
                   text_align="LEFT", line_height=6, padding=(1, 1.5)) as table:
        for label, value in rows:
            r = table.row()
            r.cell(label)
            r.cell(value)
    pdf.ln(3)
    text("如何核验", size=12)
    for n, step in enumerate(VERIFY_STEPS, start=1):
        text(f"{n}. {step}")
    pdf.ln(2)
    top = pdf.get_y()
    pdf.image(BytesIO(qr.png_bytes(notice.verify_url)), x=MARGIN_MM, y=top, w=QR_MM, h=QR_MM)
    pdf.set_xy(MARGIN_MM + QR_MM + 4, top + 2)
    pdf.multi_cell(pdf.w - 2 * MARGIN_MM - QR_MM - 4, 6, f"核验地址：{notice.verify_url}",
                   wrapmode=WrapMode.CHAR, link=notice.verify_url)
    pdf.set_xy(MARGIN_MM, top + QR_MM + 4)
    text(f"检查人员应出示执法证件。本告知书不含任何个人电话、身份证号等个人信息。{notice.spec}", size=8.5)
    return bytes(pdf.output())
