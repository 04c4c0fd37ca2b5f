"""The notice to the firm (抽查告知书): what it says, built from public values only (pure).

Spec: docs/specs/notice.md. The notice names the task, the check items, the team by name and
public inspector code (never a phone or ID number: the model has no field for them), the log
index of the draw that formed the team, and the firm's verification address
``{verify_base_url}/draws/<task>.html#target-<USCC>`` (the shared URL scheme of the public site).
"""

from __future__ import annotations

from dataclasses import dataclass

from drawsvc.registries.uscc import validate_uscc
from drawsvc.tasks.record import qr

NOTICE_SPEC = "drawsvc/notice/v1"
VERIFY_STEPS = (
    "用手机扫描右侧二维码，或在浏览器中打开下方核验地址；",
    "在公开网站的抽取页面上核对：本企业的统一社会信用代码在抽中名单中，检查组成员的姓名与编号与本告知书一致；",
    "页面可在浏览器中独立复算本次抽取（候选池、承诺、揭示与种子均载于公开日志），结果应与日志序号所示记录一致；",
    "如不一致，或上门人员不在检查组内，可拒绝检查并向下方实施部门或纪检监察机关反映。",
)


@dataclass(frozen=True)
class Member:
    code: str  # public inspector code (<department>-<staff number>)
    name: str
    leader: bool


@dataclass(frozen=True)
class CheckItemLine:
    department: str
    code: str
    name: str


@dataclass(frozen=True)
class Notice:
    spec: str
    task: str  # the task whose draw formed the team (a sub-draw's id for a dispatched target)
    title: str
    organiser: str  # department name
    period_start: str
    period_end: str
    firm_uscc: str
    firm_name: str
    check_items: tuple[CheckItemLine, ...]
    team: tuple[Member, ...]
    draw_index: int  # log index of the draw.result entry
    unit: str | None  # the unit that received the dispatched target, if any
    verify_url: str


def notice_url(verify_base_url: str, task: str, uscc: str) -> str:
    """``{verify_base_url}/draws/<task>.html#target-<USCC>``.

    The base URL and task id are checked, and the page path percent-encoded, exactly as for the
    draw record's QR code (``drawsvc.tasks.record.qr.verify_url``, DR-9); only the fragment differs."""
    validate_uscc(uscc)
    page = qr.verify_url(verify_base_url, task, 0).split("#", 1)[0]
    return f"{page}#target-{uscc}"


def build_notice(
    *,
    task: str,
    title: str,
    organiser: str,
    period: tuple[str, str],
    firm: tuple[str, str],
    check_items: tuple[CheckItemLine, ...],
    team: tuple[Member, ...],
    draw_index: int,
    unit: str | None,
    verify_base_url: str,
) -> Notice:
    uscc, name = firm
    leaders_first = tuple(sorted(team, key=lambda m: (not m.leader, m.code)))
    return Notice(
        spec=NOTICE_SPEC, task=task, title=title, organiser=organiser, period_start=period[0],
        period_end=period[1], firm_uscc=uscc, firm_name=name, check_items=check_items,
        team=leaders_first, draw_index=draw_index, unit=unit,
        verify_url=notice_url(verify_base_url, task, uscc),
    )
