"""The reports: JSON shape and an HTML report that escapes everything."""

from __future__ import annotations

from drawsvc.audit.report import report, to_html, to_json


def test_html_escapes_and_puts_the_summary_first() -> None:
    rep = report(
        origin="x<script>",
        size=3,
        root="ab",
        findings=[{"rule": "AUD-5", "index": 2, "message": "<img src=x onerror=alert(1)> 没有审批人"}],
        summary={
            "tasks": 1,
            "draws": 1,
            "verified": 1,
            "undisclosed": [],
            "deadlines_checked": 0,
            "open_deadlines": {"objections_to_decide": 2, "results_to_form": 0, "first": []},
        },
    )
    html = to_html(rep)
    assert "<img" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; 没有审批人" in html
    assert html.index("结论 Summary") < html.index("问题清单 Findings")
    assert rep["rules"]["AUD-5"]["findings"] == 1 and rep["passed"] is False
    assert '"AUD-5"' in to_json(rep)
    assert "2 件异议待决定" in html
