"""Rows of an exchange file as a bureau writes them (tests/exchange)."""

from __future__ import annotations

import csv
import io
from typing import Any

from drawsvc.registries.tabular import write_xlsx

EVIL = "=HYPERLINK(\"http://evil.example\",\"点我\")"
HEADER = ["抽查任务编号", "统一社会信用代码", "检查事项编码", "检查组长编号", "检查日期", "检查方式",
          "企业是否签字", "检查结果", "问题细类", "拒签说明"]


def _row(task: str, target: str, leader: str, **over: str) -> list[str]:
    values = {"抽查任务编号": task, "统一社会信用代码": target, "检查事项编码": "QY/QY-01",
              "检查组长编号": leader, "检查日期": "2026/6/15", "检查方式": "实地核查",
              "企业是否签字": "是", "检查结果": "未发现问题",
              "问题细类": "", "拒签说明": ""}
    values.update(over)
    return [values[h] for h in HEADER]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out)
    w.writerow(HEADER)
    w.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, "结果", HEADER, rows)
    return out.getvalue()
