"""The draw record as PDF (docs/specs/draw-record.md §5): fpdf2 layout and the CJK font it needs.

fpdf2 embeds a subset of a TrueType/OpenType font (CFF outlines included) and writes a
ToUnicode map, so the Chinese text stays searchable and extractable. The font is found at run
time (DR-10): Debian's ``fonts-noto-cjk`` (``NotoSansCJK-Regular.ttc``, face "Noto Sans CJK SC")
first, then other packaged CJK fonts, then fontconfig's choice for ``:lang=zh-cn``; a face is
accepted only if it has every glyph of :data:`PROBE_TEXT`. Without one, :class:`CjkFontMissing`
names the package to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from drawsvc.errors import ServiceUnavailable
from drawsvc.tasks.record import qr
from drawsvc.tasks.record.final import Final
from drawsvc.tasks.record.model import POOL_LABELS, DrawRecord, Operator, Result, Round

# Debian packages and the files they install; the first with Chinese glyphs wins.
FONT_PACKAGE = "fonts-noto-cjk"
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("fonts-noto-cjk", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    ("fonts-noto-cjk", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    ("fonts-noto-cjk-extra", "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
    ("fonts-wqy-zenhei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    ("fonts-wqy-microhei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    ("fonts-arphic-uming", "/usr/share/fonts/truetype/arphic/uming.ttc"),
)
# Every glyph of the fixed labels must be in the face (a Latin-only fallback font fails this).
PROBE_TEXT = "抽取记录表任务承诺揭示信标种子纪检监察见证签字负责人日期"

FONT = "cjk"
MARGIN_MM = 12
QR_MM = 34
BODY_PT = 9
SMALL_PT = 7.5
HEX_PT = 8
SUBHEAD_KEEP_MM = 25  # a sub-heading never ends a page: at least a table heading and a row follow it


VERIFY_NOTE = (
    "扫码核验：在公开网站上核对本记录——候选池根哈希、承诺、揭示、信标、种子与抽取结果均可由公开日志独立复算。"
)
FOOTNOTE = (
    "本表仅由公开日志条目生成，不含个人电话、身份证号等个人信息；"
    "人员以登记编号、检查对象以统一社会信用代码标识。"
)


class CjkFontMissing(ServiceUnavailable):
    """No installed font has Chinese glyphs, so the PDF cannot be set (DR-10); the message
    names the package to install (HTTP 503: the server's set-up, not the request)."""

    code = "cjk-font-missing"


@dataclass(frozen=True)
class CjkFont:
    path: Path
    index: int  # face number inside a .ttc/.otc collection (0 for a single font)
    family: str  # e.g. "Noto Sans CJK SC" (the PDF embeds it, spaces removed, after a subset tag)


def _open_faces(path: Path) -> list[Any]:
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        return list(TTCollection(str(path), lazy=True).fonts)
    return [TTFont(str(path), lazy=True)]


def pick_face(path: Path) -> CjkFont | None:
    """The Simplified Chinese face of a font file if it has one, else any face with the glyphs.

    Names are read for every face; the (slow) character map only for faces in preference order
    until one has every glyph of :data:`PROBE_TEXT`.
    """
    needed = {ord(c) for c in PROBE_TEXT}
    try:
        faces = [
            (n, str(font["name"].getDebugName(1) or ""), font) for n, font in enumerate(_open_faces(path))
        ]
        faces = [f for f in faces if "Mono" not in f[1]]
        faces.sort(key=lambda f: (re.search(r"\b(SC|CN|GB)\b", f[1]) is None, f[0]))
        for n, family, font in faces:
            if needed <= set(font.getBestCmap() or {}):
                return CjkFont(path=path, index=n, family=family)
    except Exception:  # an unreadable or foreign file is simply not a candidate
        return None
    return None


def _fc_match() -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


_default_font: CjkFont | None = None


def find_cjk_font(
    candidates: Sequence[tuple[str, str]] = FONT_CANDIDATES, *, use_fc_match: bool = True
) -> CjkFont:
    """A font with Chinese glyphs: the known Debian paths, then fontconfig; else CjkFontMissing.

    The default search is done once per process (a found font is remembered; a miss is not).
    """
    global _default_font
    default = candidates is FONT_CANDIDATES and use_fc_match
    if default and _default_font is not None:
        return _default_font
    for path in (Path(p) for _package, p in candidates):
        if path.is_file() and (font := pick_face(path)) is not None:
            break
    else:
        found = _fc_match() if use_fc_match else None
        font = pick_face(found) if found is not None and found.is_file() else None
    if font is None:
        raise CjkFontMissing(
            f"no font with Chinese glyphs is installed; install the Debian package {FONT_PACKAGE} "
            f"(apt-get install {FONT_PACKAGE})",
            package=FONT_PACKAGE,
        )
    if default:
        _default_font = font
    return font


# --------------------------------------------------------------------------- layout


def layout(record: DrawRecord, *, font: CjkFont, url: str, qr_png: bytes, created: datetime | None) -> bytes:
    """Set the record on A4 pages: the same sections, figures and log indices as the HTML page."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    # WORD breaks at spaces and, inside a word wider than the cell (a 64-digit hex value, Chinese
    # text), at the last character that fits; CHAR is several times slower on long tables.
    WRAP = WrapMode.WORD
    from fpdf.fonts import FontFace

    class _Page(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font(FONT, size=SMALL_PT)
            self.cell(
                0, 5, f"{record.task.task} · 抽取记录表 · 第 {self.page_no()} 页 / 共 {{nb}} 页", align="C"
            )

    pdf = _Page(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font(FONT, "", str(font.path), collection_font_number=font.index)
    pdf.set_title(f"抽取记录表 {record.task.task}")
    pdf.set_subject(record.spec)
    pdf.set_creator("drawsvc")
    pdf.set_lang("zh-CN")
    if created is not None:
        pdf.set_creation_date(created)
    pdf.add_page()
    heading_style = FontFace(emphasis="", fill_color=(235, 235, 235))

    def text(line: str, size: float = BODY_PT, align: str = "L", h: float = 5, keep: float = 0) -> None:
        """A paragraph; ``keep``: start a new page unless that much room (mm) is left below it."""
        if keep and pdf.will_page_break(keep):
            pdf.add_page()
        pdf.set_font(FONT, size=size)
        pdf.multi_cell(0, h, line, align=align, wrapmode=WRAP, new_x="LMARGIN", new_y="NEXT")

    def heading(title: str, size: float = 11.5) -> None:
        if pdf.will_page_break(20):
            pdf.add_page()
        pdf.ln(2)
        text(title, size=size, h=6.5)
        y = pdf.get_y()
        pdf.line(MARGIN_MM, y, pdf.w - MARGIN_MM, y)
        pdf.ln(1)

    def table(
        rows: list[list[str]], widths: Sequence[float], headings: bool = True, size: float = BODY_PT
    ) -> None:
        pdf.set_font(FONT, size=size)
        with pdf.table(
            col_widths=tuple(widths),
            first_row_as_headings=headings,
            headings_style=heading_style,
            wrapmode=WRAP,
            text_align="LEFT",
            line_height=1.3 * size * 0.3528 + 0.6,
            padding=(0.6, 1.0),
        ) as t:
            for row in rows:
                r = t.row()
                for value in row:
                    r.cell(value)
        pdf.ln(1)

    def actor(op: Operator) -> str:
        return " · ".join(x for x in (op.department or "", op.name) if x)

    # Title
    text("抽取记录表", size=17, align="C", h=9)
    text(
        f"“双随机、一公开”随机抽取 · 依据透明日志第 {record.first_index}–{record.last_index} 条中本任务的 "
        f"{record.entry_count} 条记录生成 · {record.spec}",
        size=SMALL_PT + 0.5,
        align="C",
    )

    # 一、任务
    t = record.task
    heading("一、任务")
    rows = [
        ["任务编号", t.task, "日志", f"#{t.ref.index}"],
        ["任务名称", t.title, "年度", str(t.year)],
        ["检查期间", f"{t.period_start} 至 {t.period_end}", "发起部门", t.organiser],
        ["参加部门", "、".join(t.departments), "检查事项", "、".join(t.check_items)],
    ]
    if t.parent:
        rows.append(["上级任务", t.parent, "抽取单位", t.unit or ""])
    table(rows, (22, 78, 22, 64), headings=False)
    if t.params:
        table([["抽取参数", "\n".join(t.params)]], (22, 164), headings=False)

    # 二、抽取 (rounds)
    if not record.rounds:
        heading("二、抽取")
        text("尚未承诺、未抽取。")
    for rnd in record.rounds:
        current = record.current_round is not None and rnd.number == record.current_round.number
        heading(
            f"{'二、抽取 · ' if rnd.number == 1 else ''}第 {rnd.number} 轮"
            f"{'（重新抽取）' if rnd.redraw else ''} · {'现行结果' if current else '已被取代'}"
        )
        _round(rnd, table, text, actor)
        if record.final is not None and rnd.number == record.final.round:
            _final(record.final, table, text)

    # 三、全部事项
    heading("三、全部事项（按日志顺序）")
    rows = [["日志", "时间", "事项", "轮", "对象", "理由 / 说明", "批准人", "操作人"]]
    for e in record.events:
        subject = e.subject or ""
        if e.replacement:
            subject += f" → {e.replacement}"
        if e.items:
            subject = (subject + " " if subject else "") + " ".join(e.items)
        reason = e.reason or ("（日志未载明理由）" if e.category == "declined" else "")
        if e.detail:
            reason = f"{reason}\n{e.detail}" if reason else e.detail
        rows.append(
            [
                f"#{e.ref.index}",
                _short_time(e.ref.at),
                e.label,
                str(e.round) if e.round is not None else "",
                subject,
                reason,
                e.approver or "",
                actor(e.ref.actor),
            ]
        )
    table(rows, (11, 17, 20, 6, 38, 46, 20, 28), size=SMALL_PT)

    # 四、操作人员
    heading("四、操作人员（日志记录的操作身份）")
    rows = [["角色", "部门", "操作身份", "所涉日志"]]
    for o in record.operators:
        rows.append(
            [
                o.operator.role_label,
                o.operator.department or "",
                o.operator.name,
                " ".join(f"#{i}" for i in o.indices),
            ]
        )
    table(rows, (24, 36, 46, 80))

    # 五、纪检监察见证
    heading("五、纪检监察见证")
    if record.witnesses:
        rows = [["轮", "纪检监察部门", "承诺值", "揭示的秘密"]]
        for w in record.witnesses:
            rows.append(
                [
                    str(w.round),
                    w.department or "",
                    f"{w.commitment}  #{w.commit_index}",
                    f"{w.secret}  #{w.result_index}" if w.secret else "尚未揭示",
                ]
            )
        table(rows, (8, 28, 75, 75), size=HEX_PT)
    else:
        text("日志中没有纪检监察方的承诺。")
    if record.discipline_actors:
        text(
            "纪检监察操作身份："
            + "；".join(
                f"{o.operator.department or ''} {o.operator.name}（{' '.join(f'#{i}' for i in o.indices)}）"
                for o in record.discipline_actors
            )
        )

    # 核验 + 签字
    if pdf.will_page_break(QR_MM + 45):
        pdf.add_page()
    pdf.ln(3)
    top = pdf.get_y()
    pdf.image(BytesIO(qr_png), x=MARGIN_MM, y=top, w=QR_MM, h=QR_MM)
    pdf.set_xy(MARGIN_MM + QR_MM + 4, top + 2)
    pdf.set_font(FONT, size=BODY_PT)
    right = pdf.w - 2 * MARGIN_MM - QR_MM - 4
    pdf.multi_cell(right, 5, VERIFY_NOTE, wrapmode=WRAP, new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(right, 5, f"核验地址：{url}", wrapmode=WRAP, new_x="LEFT", new_y="NEXT", link=url)
    pdf.multi_cell(right, 5, f"锚定日志序号：{record.anchor_index}", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(MARGIN_MM, top + QR_MM + 3)
    date_line = "日期：　　　年　　月　　日"
    with pdf.table(
        col_widths=(62, 62, 62), headings_style=heading_style, text_align="LEFT", line_height=6
    ) as tbl:
        head = tbl.row()
        for label in ("抽取人", "监督人（纪检监察）", "负责人"):
            head.cell(label)
        blanks = tbl.row()
        for _ in range(3):
            blanks.cell(f"签字：\n\n\n{date_line}")
    pdf.ln(2)
    text(FOOTNOTE, size=SMALL_PT)
    return bytes(pdf.output())


def _round(rnd: Round, table, text, actor) -> None:  # type: ignore[no-untyped-def]
    rows = [["承诺", f"#{rnd.commit.index}  {rnd.commit.at}  {actor(rnd.commit.actor)}"], ["算法", rnd.spec]]
    if rnd.redraw:
        rows += [
            ["重抽理由", rnd.redraw.reason],
            ["批准人", rnd.redraw.approver],
            [
                "取代",
                "前一轮未抽取" if rnd.redraw.replaces is None else f"日志 {rnd.redraw.replaces} 的抽取结果",
            ],
        ]
    for d in rnd.designated:
        rows.append(["指定专家", f"{d.id}：{d.reason}（批准：{d.approver}）"])
    for draw, panel in rnd.rotation:
        rows.append(["前次专家组", f"日志 #{draw}：{' '.join(panel)}"])
    if rnd.parent_draw is not None:
        rows.append(["上级抽取", f"日志 {rnd.parent_draw}"])
    table(rows, (22, 164), headings=False)

    text("候选池（承诺时冻结）", keep=SUBHEAD_KEEP_MM)
    rows = [["池", "人数/户数", "根哈希（draw/v1）", "名单所在日志"]]
    for p in (*rnd.pools, *((rnd.avoidance,) if rnd.avoidance else ())):
        span = f"#{p.first}–#{p.first + p.count - 1}" if p.first is not None and p.count else "—"
        rows.append([p.label, str(p.size), p.root, span])
    for pool, added, removed in rnd.manual:
        rows.append(
            [f"手工调整{POOL_LABELS.get(pool, pool)}", f"+{added} / −{removed}", "理由见“全部事项”", ""]
        )
    table(rows, (24, 18, 118, 26), size=HEX_PT)

    text("承诺与揭示", keep=SUBHEAD_KEEP_MM)
    rows = [
        [
            "方",
            "部门",
            f"承诺值（#{rnd.commit.index}）",
            f"揭示的秘密（#{rnd.result.ref.index}）" if rnd.result else "揭示的秘密",
        ]
    ]
    for c in rnd.commitments:
        reveal = ""
        if rnd.result:
            reveal = next((r.value for r in rnd.result.reveals if r.party == c.party), "")
        rows.append([c.label, c.department or "", c.value, reveal])
    table(rows, (16, 22, 74, 74), size=HEX_PT)

    text("公共随机信标与种子", keep=SUBHEAD_KEEP_MM)
    beacon = rnd.result.beacon if rnd.result and rnd.result.beacon else rnd.beacon
    rows = []
    if beacon:
        rows += [["信标来源", beacon.source], ["信标轮次", str(beacon.round)], ["信标值", beacon.value or ""]]
    else:
        rows.append(["信标", "本轮不使用公共信标"])
    res = rnd.result
    rows.append(["种子", res.seed if res else ("已封存，解封后公开" if rnd.sealed else "尚未抽取")])
    if res and res.inspection:
        rows.append(["检查抽取种子", res.inspection.seed])
    if res and res.experts:
        rows.append(["专家抽取种子", res.experts.seed])
    if res and res.avoidance_salt:
        rows.append(["回避标签盐值", res.avoidance_salt])
    if rnd.avoidance and rnd.avoidance.salt_commitment:
        rows.append(["盐值承诺", rnd.avoidance.salt_commitment])
    table(rows, (24, 162), headings=False)

    if rnd.sealed is not None:
        sl = rnd.sealed
        text(f"封存抽取（日志 #{sl.index}）", keep=SUBHEAD_KEEP_MM)
        state = "已封存：抽取结果仅以承诺值登记，解封前不公开" if sl.disclosed is None else (
            f"已解封（{sl.opened_label}，{sl.opened_on}，日志 #{sl.disclosed}）"
        )
        rows = [["状态", state], ["结果承诺", sl.commitment], ["解封", sl.opens_label]]
        if sl.disclosed is not None:
            rows.append(["盐值", sl.salt or ""])
            rows.append(["承诺核对", "公开的结果与盐值符合封存时的承诺" if sl.opens_commitment else "不符"])
        table(rows, (24, 162), headings=False)
    if res is not None:
        _result(res, table, text)
    if rnd.experts:
        text("专家（指定、抽取、补抽及答复）", keep=SUBHEAD_KEEP_MM)
        rows = [["专家编号", "来源", "顺序 / 随机流", "日志", "答复", "答复日志"]]
        rows += [
            [
                x.code,
                x.source_label + (f"（接替 {x.replaces}）" if x.replaces else ""),
                x.order or "—",
                f"#{x.index}",
                x.response_label,
                f"#{x.response_index}" if x.response_index is not None else "",
            ]
            for x in rnd.experts
        ]
        table(rows, (34, 42, 32, 20, 30, 28))


def _result(res: Result, table, text) -> None:  # type: ignore[no-untyped-def]
    parts = f"，分段 #{res.parts[0]}–#{res.parts[0] + res.parts[1] - 1}" if res.parts else ""
    text(f"抽取结果（日志 #{res.ref.index} {res.ref.at}{parts}）", keep=SUBHEAD_KEEP_MM)
    labels = {"targets": "检查对象数", "teams": "检查组数", "experts": "专家数"}
    rows = [[labels.get(k, k), str(n)] for k, n in res.counts]
    ins, exp = res.inspection, res.experts
    if ins and ins.eligible is not None:
        rows.append(["符合条件对象", str(ins.eligible)])
    if ins and ins.teams_position is not None:
        rows.append(["组队随机流位置", str(ins.teams_position)])
    if exp:
        sat_out = f"；轮空 {' '.join(exp.sat_out)}" if exp.sat_out else ""
        rows.append(["专家库 / 组别", f"{exp.pool} / {exp.group}，应选 {exp.headcount} 人{sat_out}"])
    if rows:
        table(rows, (30, 156), headings=False)
    if ins and ins.teams:
        rows = [["组", "检查对象（统一社会信用代码）", "组长", "组员（按席位）"]]
        rows += [[str(t.no), t.target, t.leader or "", " ".join(t.members)] for t in ins.teams]
        table(rows, (10, 56, 30, 90))
    elif ins and ins.selected:
        text("抽中检查对象（按抽取顺序）：" + " ".join(ins.selected))


def _final(final: Final, table, text) -> None:  # type: ignore[no-untyped-def]
    """DR-12: the current teams and panel after the follow-ups, as in the HTML page."""
    text("现行名单（抽取后的替换、指定组长、补抽已按日志顺序应用）", keep=SUBHEAD_KEEP_MM)
    if final.error:
        where = f"（日志 #{final.error_index}）" if final.error_index is not None else ""
        text(
            f"抽取后的变更无法由日志复算{where}：{final.error}。现行名单以核验结果为准；上表为抽取时的名单。"
        )
        return
    if not final.changed:
        text("抽取后没有替换、指定组长或补抽：现行名单即上表的抽取结果。")
        return
    text(
        f"依据日志 {' '.join(f'#{i}' for i in final.applied)}"
        "（与 drawsvc verify-draw 的复算相同）；上表为抽取时的名单。"
    )
    if final.teams:
        rows = [["组", "检查对象（统一社会信用代码）", "组长", "组员（按席位）", "变更（日志）"]]
        for t in final.teams:
            marks = "\n".join(f"{m.id} {k.label} #{k.index}" for m in t.members for k in m.marks)
            rows.append([str(t.no), t.target, t.leader or "", " ".join(t.member_ids), marks])
        table(rows, (10, 46, 26, 60, 44))
    if final.experts:
        rows = [["专家编号", "席位", "来源", "答复"]]
        for x in final.experts:
            seat = "在席" if x.seated else "已退出"
            if x.successor:
                seat += f"，由 {x.successor} 补抽接替 #{x.successor_index}"
            status = x.status_label + (f" #{x.response_index}" if x.response_index is not None else "")
            rows.append([x.code, seat, f"{x.source} #{x.index}", status])
        table(rows, (34, 62, 50, 40))


def _short_time(at: str) -> str:
    """``2026-03-02T09:20:00+08:00`` → ``2026-03-02 09:20`` (the offset is always +08:00, ENV-4)."""
    return at[:16].replace("T", " ") if len(at) >= 16 else at


def render_pdf(record: DrawRecord, *, verify_base_url: str, font: CjkFont | None = None) -> bytes:
    """The same record as an A4 PDF (fpdf2), Chinese set in ``font`` (default: :func:`find_cjk_font`)."""
    font = font or find_cjk_font()
    url = qr.record_url(record, verify_base_url=verify_base_url)
    return layout(record, font=font, url=url, qr_png=qr.png_bytes(url), created=_created(record))


def _created(record: DrawRecord) -> datetime | None:
    """The PDF's CreationDate: the ``at`` of the last entry shown, so the bytes are reproducible."""
    last = max((e.ref for e in record.events), key=lambda r: r.index, default=record.task.ref)
    try:
        return datetime.fromisoformat(last.at)
    except ValueError:
        return None
