"""Chinese labels of the registries' closed lists, as bureaus write them in files and forms.

Codes (left) are what the database, the API and log entries use; labels (right) are what
import files contain and exports write. Spec: docs/specs/registries.md §5.
"""

from __future__ import annotations

TARGET_STATUS = {"active": "在营", "deregistered": "注销"}
INSPECTOR_STATUS = {"active": "在岗", "transferred": "调离", "on_leave": "休假", "retired": "退休"}
EXPERT_STATUS = {
    "applied": "申请",
    "in_notice": "公示中",
    "admitted": "在库",
    "rejected": "未通过",
    "exited": "已退出",
}
CHECK_METHOD = {"on_site": "实地核查", "documents": "书面检查", "online": "网络监测", "other": "其他"}
RISK_FLAG = {
    "complaints": "投诉举报多",
    "abnormal_operation": "列入经营异常名录",
    "dishonest": "失信",
    "serious_violation": "严重违法违规",
}
GRADE = {"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "差"}
EXIT_REASON = {
    "request": "本人申请",
    "over_age": "超龄",
    "false_material": "提供虚假材料",
    "second_poor": "一个聘期内两次评价为差",
    "no_answer_x3": "连续三次邀请未响应",
    "credit_blacklist": "列入失信名单",
}
DECLARATION_KIND = {
    "works_there": "本人任职",
    "relative_works_there": "近亲属任职",
    "economic_interest": "经济利益",
    "requested_by_target": "检查对象书面申请回避",
    "other": "其他",
}
PERSON_KIND = {"inspector": "执法人员", "expert": "专家"}
YES_NO = {True: "是", False: "否"}

# Separators accepted inside multi-valued cells (风险标识, 专业领域, 专业组).
LIST_SEPARATORS = ("；", ";", "、", "，", ",", "|")


def label_to_code(table: dict[str, str]) -> dict[str, str]:
    """Accept either the label or the code itself."""
    out = {label: code for code, label in table.items()}
    out.update({code: code for code in table})
    return out


def split_list(cell: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        cell = cell.replace(sep, LIST_SEPARATORS[0])
    return [part.strip() for part in cell.split(LIST_SEPARATORS[0]) if part.strip()]
