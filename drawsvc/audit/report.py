"""The audit's JSON and HTML reports (pure: a dict in, text out). HTML is escaped throughout."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import jinja2

from drawsvc.audit.replay import RULES

_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>抽查日志审计报告 Audit report — {{ origin }}</title>
<style>
body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
.ok{color:#075;font-weight:bold}.bad{color:#b00;font-weight:bold}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;
vertical-align:top}th{background:#f3f3f3}code{font-size:.9em}
</style></head><body>
<h1>抽查日志审计报告 / Audit report</h1>
<h2>结论 Summary</h2>
{% if findings %}
<p class="bad">发现 {{ findings|length }} 个问题 — {{ findings|length }} finding(s).
The log does NOT pass the audit.</p>
{% else %}
<p class="ok">未发现问题 — no findings. Every check below passed.</p>
{% endif %}
<ul>
<li>日志 Log: <code>{{ origin }}</code>, {{ size }} 条记录 entries, 根哈希 root <code>{{ root }}</code></li>
<li>抽取 Draws: {{ summary.draws }} 个, 重新计算通过 recomputed {{ summary.verified }}</li>
<li>任务 Tasks: {{ summary.tasks }}</li>
<li>期限 Deadlines: {{ summary.deadlines_checked }} 个重新计算 recomputed{% if summary.open_deadlines %};
尚未到期或未办结 still open (not findings): {{ summary.open_deadlines.objections_to_decide }} 件异议待决定
objections to decide, {{ summary.open_deadlines.results_to_form }} 个结果待形成 results to form
{%- endif %}</li>
{% if summary.undisclosed %}<li>尚未公开的密封抽取 Sealed draws not yet disclosed (not a finding):
{{ summary.undisclosed|join(", ") }}</li>{% endif %}
{% if incremental %}<li>增量审计 Incremental: entries {{ incremental.start }}–{{ size - 1 }} replayed;
the earlier checkpoint (size {{ incremental.start }}) is consistent with this one.</li>{% endif %}
</ul>
<h2>按检查项 By check</h2>
<table><tr><th>代码 Code</th><th>检查内容 What is checked</th><th>问题数 Findings</th></tr>
{% for code, what in rules.items() %}
<tr><td>{{ code }}</td><td>{{ what }}</td>
<td class="{{ 'bad' if counts[code] else 'ok' }}">{{ counts[code] }}</td></tr>
{% endfor %}</table>
<p>每项检查证明什么、不证明什么见 docs/audit.md. What each check proves and does not prove: docs/audit.md.</p>
{% if findings %}
<h2>问题清单 Findings</h2>
<table><tr><th>#</th><th>代码 Code</th><th>记录序号 Entry</th><th>说明 Message</th></tr>
{% for f in findings %}
<tr><td>{{ loop.index }}</td><td>{{ f.rule }}</td><td>{{ f.index if f.index is not none else "—" }}</td>
<td>{{ f.message }}</td></tr>
{% endfor %}</table>
{% endif %}
</body></html>
"""


def report(
    *,
    origin: str,
    size: int,
    root: str,
    findings: list[dict[str, Any]],
    summary: dict[str, Any],
    incremental: dict[str, Any] | None = None,
) -> dict[str, Any]:
    counts = Counter(f["rule"] for f in findings)
    return {
        "origin": origin,
        "size": size,
        "root": root,
        "passed": not findings,
        "rules": {code: {"what": what, "findings": counts.get(code, 0)} for code, what in RULES.items()},
        "summary": summary,
        "incremental": incremental,
        "findings": findings,
    }


def to_json(rep: dict[str, Any]) -> str:
    return json.dumps(rep, ensure_ascii=False, indent=2)


def to_html(rep: dict[str, Any]) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    counts = {code: r["findings"] for code, r in rep["rules"].items()}
    return env.from_string(_TEMPLATE).render(
        origin=rep["origin"],
        size=rep["size"],
        root=rep["root"],
        findings=rep["findings"],
        summary=rep["summary"],
        incremental=rep["incremental"],
        rules=RULES,
        counts=counts,
    )
