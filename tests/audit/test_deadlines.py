"""AUD-8 on the service log plus appended results entries: honest dues pass, a changed due, a late
decision and a wrong ``on_time`` are named by entry."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from audit_support import encode, entries_of, publish
from typer.testing import CliRunner

from drawsvc.calendar.replay import calendar_from_entries
from drawsvc.cli.app import app


def _results(log: dict[str, Any]) -> list[dict[str, Any]]:
    es = entries_of(log)
    cal = calendar_from_entries(list(enumerate(es)))

    def dl(start: str, n: int) -> dict[str, Any]:
        d = cal.deadline(date.fromisoformat(start), n)
        return {"due": d.due.isoformat(), "calendar_version": list(d.calendar_version)}

    def e(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"kind": kind, "actor": {"department": "SCJG"}, "body": body}

    review = dl("2026-05-06", 20)
    return [
        *es,
        e(
            "result.settings",
            {"department": "SCJG", "results_due_working_days": 5, "objection_window_working_days": 10},
        ),
        e(
            "result.submit",
            {
                "result": "R-1",
                "version": 1,
                "department": "SCJG",
                "completed_on": "2026-04-01",
                "due": dl("2026-04-01", 5),
            },
        ),
        e(
            "result.confirm",
            {
                "result": "R-1",
                "version": 1,
                "formed": True,
                "formed_on": "2026-04-03",
                "publish_due": dl("2026-04-03", 20),
            },
        ),
        e(
            "result.publish",
            {
                "result": "R-1",
                "version": 1,
                "published": {"published_on": "2026-04-20"},
                "publish_due": dl("2026-04-03", 20),
                "on_time": True,
            },
        ),
        e(
            "result.objection.file",
            {
                "objection": "O-1",
                "result": "R-1",
                "version": 1,
                "received_on": "2026-05-06",
                "window": dl("2026-04-20", 10),
                "review_due": review,
            },
        ),
        e(
            "result.objection.decide",
            {"objection": "O-1", "decided_on": "2026-05-20", "review_due": review, "on_time": True},
        ),
    ]


def _audit(tmp_path: Path, es: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    publish(tmp_path, [encode(e) for e in es])
    out = tmp_path / "r.json"
    r = CliRunner().invoke(app, ["audit", str(tmp_path), "--json", str(out)])
    return r.exit_code, json.loads(out.read_text())


def test_honest_results_deadlines_pass(tmp_path: Path, service_log: dict[str, Any]) -> None:
    code, rep = _audit(tmp_path, _results(service_log))
    assert code == 0, rep["findings"]
    assert rep["summary"]["deadlines_checked"] == 4


def test_changed_due_is_named(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = _results(service_log)
    i = len(es) - 5
    es[i]["body"]["due"]["due"] = "2026-06-30"
    code, rep = _audit(tmp_path, es)
    assert code == 3
    assert [(f["rule"], f["index"]) for f in rep["findings"]] == [("AUD-8", i)]


def test_late_objection_decision_is_a_finding(tmp_path: Path, service_log: dict[str, Any]) -> None:
    es = _results(service_log)
    es[-1]["body"]["decided_on"] = "2026-07-30"
    code, rep = _audit(tmp_path, es)
    assert code == 3
    assert ("AUD-8", len(es) - 1) in {(f["rule"], f["index"]) for f in rep["findings"]}
    es[-1]["body"]["on_time"] = False  # honest about being late: still a finding (answered late)
    code, rep = _audit(tmp_path / "b", es)
    assert code == 3
    assert any("late" in f["message"] for f in rep["findings"])
