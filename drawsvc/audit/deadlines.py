"""AUD-8: calendar arrangements replayed and every results deadline recomputed, in one pass.

The streaming form of ``drawsvc.results.replay.verify_deadlines`` (docs/specs/results.md §10,
RES-R1…R3): the same rules, but findings are collected instead of raised at the first one, and
the state (arrangement indices, department settings, publications, open objections) is small
and JSON so an incremental audit resumes it. Also reports results formed late, publications
and objection decisions made after their deadline, and dispatches confirmed late.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from drawsvc.calendar.arithmetic import WorkCalendar
from drawsvc.calendar.replay import ENTRY_KIND as CALENDAR_KIND
from drawsvc.calendar.replay import calendar_from_entries
from drawsvc.errors import DrawsvcError
from drawsvc.results import deadlines as dl

Reader = Callable[[int, int], list[dict[str, Any]]]
Report = Callable[[str, int, str], None]  # (rule, index, message)
RULE = "AUD-8"


class Deadlines:
    def __init__(self) -> None:
        self.calendar_entries: list[int] = []
        self.due_days: dict[str, int] = {}
        self.window_days: dict[str, int] = {}
        self.published: dict[str, str] = {}  # "result|version" → day published
        self.reviews: dict[str, dict[str, Any]] = {}  # objection → review deadline (open until decided)
        self.formed_due: dict[str, str] = {}  # "result|version" → due day of forming (until formed)
        self.checked = 0
        self._calendar: WorkCalendar | None = None

    def to_state(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "calendar_entries",
                "due_days",
                "window_days",
                "published",
                "reviews",
                "formed_due",
                "checked",
            )
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Deadlines:
        d = cls()
        for k, v in state.items():
            setattr(d, k, v)
        return d

    def open_deadlines(self) -> dict[str, Any]:
        """Deadlines still open at the end of the log (not findings): counts and the first few."""
        first = [{"objection": o, "due": r.get("due")} for o, r in self.reviews.items()]
        first += [{"result": k.split("|")[0], "due": v} for k, v in self.formed_due.items()]
        return {
            "objections_to_decide": len(self.reviews),
            "results_to_form": len(self.formed_due),
            "first": sorted(first, key=lambda x: str(x["due"]))[:20],
        }

    def _cal(self, read: Reader) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = calendar_from_entries([(i, read(i, i + 1)[0]) for i in self.calendar_entries])
        return self._calendar

    def _check(
        self,
        report: Report,
        index: int,
        field: str,
        cal: WorkCalendar,
        start: str,
        n: int,
        logged: Mapping[str, Any] | None,
    ) -> date | None:
        self.checked += 1
        logged = logged or {}
        try:
            expected = cal.deadline(date.fromisoformat(start), n)
        except DrawsvcError as exc:
            report(RULE, index, f"{field}: the logged calendar cannot compute it ({exc})")
            return None
        if logged.get("due") != expected.due.isoformat():
            report(
                RULE,
                index,
                f"{field}.due is {logged.get('due')!r}, the rule and the logged calendar give "
                f"{expected.due.isoformat()!r}",
            )
        elif list(logged.get("calendar_version") or []) != list(expected.calendar_version):
            report(
                RULE,
                index,
                f"{field}.calendar_version is {logged.get('calendar_version')!r}, "
                f"expected {list(expected.calendar_version)!r}",
            )
        return expected.due

    def _on_time(
        self, report: Report, index: int, body: Mapping[str, Any], done: str, due: str | None, what: str
    ) -> None:
        if due is None:
            return
        late = date.fromisoformat(done) > date.fromisoformat(due)
        if body.get("on_time") is not (not late):
            report(RULE, index, f"on_time is {body.get('on_time')!r} but {what} on {done}, deadline {due}")
        elif late:
            report(RULE, index, f"{what} late: on {done}, deadline {due}")

    def observe(self, index: int, entry: Mapping[str, Any], read: Reader, report: Report) -> None:
        kind, body = entry.get("kind"), entry.get("body") or {}
        if kind == CALENDAR_KIND:
            self.calendar_entries.append(index)
            self._calendar = None
            try:
                self._cal(read)
            except (DrawsvcError, KeyError, ValueError) as exc:
                report(RULE, index, f"the calendar arrangement does not replay: {exc}")
                self.calendar_entries.pop()
                self._calendar = None
            return
        if not isinstance(kind, str) or not kind.startswith("result."):
            return
        cal = self._cal(read)
        if kind == "result.settings":
            self.due_days[body["department"]] = body["results_due_working_days"]
            self.window_days[body["department"]] = body["objection_window_working_days"]
        elif kind in ("result.submit", "result.import"):
            n = self.due_days.get(body["department"], dl.DEFAULT_RESULTS_DUE_WORKING_DAYS)
            due = self._check(report, index, "due", cal, body["completed_on"], n, body.get("due"))
            key = f"{body['result']}|{body['version']}"
            if kind == "result.import":
                self._formed(report, index, key, body, cal, due)
            elif due is not None:
                self.formed_due[key] = due.isoformat()
        elif kind in ("result.confirm", "result.dissent") and body.get("formed"):
            key = f"{body['result']}|{body['version']}"
            due_s = self.formed_due.get(key)
            self._formed(report, index, key, body, cal, date.fromisoformat(due_s) if due_s else None)
        elif kind == "result.publish":
            on = body["published"]["published_on"]
            self.published[f"{body['result']}|{body['version']}"] = on
            if body.get("publish_due") is not None:
                self._on_time(report, index, body, on, body["publish_due"].get("due"), "published")
        elif kind == "result.objection.file":
            department = (entry.get("actor") or {}).get("department")
            start = self.published.get(f"{body['result']}|{body['version']}")
            if start is None:
                report(
                    RULE,
                    index,
                    f"objection to {body['result']} v{body['version']}, which was never published",
                )
                return
            n = self.window_days.get(department, dl.DEFAULT_OBJECTION_WINDOW_WORKING_DAYS)
            self._check(report, index, "window", cal, start, n, body.get("window"))
            self._check(
                report,
                index,
                "review_due",
                cal,
                body["received_on"],
                dl.OBJECTION_REVIEW_WORKING_DAYS,
                body.get("review_due"),
            )
            self.reviews[body["objection"]] = dict(body.get("review_due") or {})
        elif kind == "result.objection.decide":
            filed = self.reviews.pop(body["objection"], None)
            if body.get("review_due") != filed:
                report(RULE, index, f"review_due {body.get('review_due')!r} is not the one filed ({filed!r})")
            self._on_time(
                report,
                index,
                body,
                body["decided_on"],
                (body.get("review_due") or {}).get("due"),
                "objection decided",
            )
        elif kind == "result.dispatch.confirm":
            due = self._check(
                report,
                index,
                "due",
                cal,
                body["dispatched_on"],
                dl.DISPATCH_CONFIRM_WORKING_DAYS,
                body.get("due"),
            )
            self._on_time(
                report,
                index,
                body,
                body["confirmed_on"],
                due.isoformat() if due else None,
                "dispatch confirmed",
            )

    def _formed(
        self,
        report: Report,
        index: int,
        key: str,
        body: Mapping[str, Any],
        cal: WorkCalendar,
        due: date | None,
    ) -> None:
        self.formed_due.pop(key, None)
        formed_on = body.get("formed_on")
        self._check(
            report, index, "publish_due", cal, formed_on, dl.PUBLISH_WORKING_DAYS, body.get("publish_due")
        )
        if due is not None and date.fromisoformat(formed_on) > due:
            report(RULE, index, f"result {body.get('result')} formed late: on {formed_on}, deadline {due}")
