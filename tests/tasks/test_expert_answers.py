"""Expert answers: decline reasons (entries.md §5, R-4) and deadlines that keep their calendar
version (calendar.md §6.3); a deadline the loaded calendar cannot compute writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from tasks_support import actor, log_entries, ops, reveal, seed_registries

from drawsvc.calendar.models import CalendarArrangement
from drawsvc.calendar.service import ensure_bundled
from drawsvc.errors import CalendarUnavailable, InvalidInput
from drawsvc.journal import SYSTEM
from drawsvc.tasks import replay, service
from drawsvc.tasks import repository as task_repo


def _task(rt: Any, days: int = 2) -> str:
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        seed_registries(s, targets=1, experts=8)
        code = service.create_task(
            s,
            rt.journal,
            title="评审专家抽取",
            year=2026,
            organiser="SCJG",
            params={
                "experts": {"headcount": 3, "pool": "ZJ", "group": "食品", "response_working_days": days}
            },
            actor=actor(),
        ).code
        service.build_pool(s, rt.journal, task=code, pool="experts", actor=actor())
    with rt.transaction() as s:
        service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor())
    return code


def _draw(rt: Any, code: str, on: date) -> list[str]:
    with rt.transaction() as s:
        return replay.panel_of(
            service.draw_task(s, rt.journal, task=code, reveals=reveal(), on=on, actor=actor()).result
        )


def _size(rt: Any) -> int:
    with rt.engine.connect() as conn:
        return rt.log.size(conn)


def _version(rt: Any, year: int) -> list[int]:
    with rt.transaction() as s:
        return [
            s.scalars(
                sa.select(CalendarArrangement.log_index).where(
                    CalendarArrangement.year == year, CalendarArrangement.superseded.is_(False)
                )
            ).one()
        ]


def _respond(rt: Any, code: str, expert: str, response: str, on: date, reason: str | None = None) -> Any:
    with rt.transaction() as s:
        return service.respond_expert(
            s, rt.journal, task=code, expert=expert, response=response, reason=reason, on=on, actor=actor()
        )


def test_a_decline_needs_a_reason_and_logs_it_with_the_deadline_calendar_version(runtime: Any) -> None:
    code = _task(runtime)
    panel = _draw(runtime, code, date(2026, 3, 2))
    v2026 = _version(runtime, 2026)
    with runtime.transaction() as s:
        slots = task_repo.expert_slots(s, code, 1)
        assert {x.deadline for x in slots} == {date(2026, 3, 4)}
        assert all(x.deadline_calendar_version == v2026 for x in slots)
    size = _size(runtime)
    bad = (("declined", None), ("declined", "  "), ("accepted", "出差"), ("no_answer", "x"))
    for response, reason in bad:
        with pytest.raises(InvalidInput):
            _respond(runtime, code, panel[0], response, date(2026, 3, 3), reason)
    assert _size(runtime) == size

    new = _respond(runtime, code, panel[0], "declined", date(2026, 3, 3), "出差在外")
    _respond(runtime, code, panel[1], "accepted", date(2026, 3, 3))
    entries = log_entries(runtime)
    answers = [e["body"] for e in entries if e["kind"] == "draw.expert.response"]
    assert answers[0]["reason"] == "出差在外" and answers[0]["response"] == "declined"
    assert answers[0]["deadline"] == "2026-03-04" and answers[0]["calendar_version"] == v2026
    assert answers[1]["reason"] is None and answers[1]["calendar_version"] == v2026
    topup = next(e["body"] for e in entries if e["kind"] == "draw.expert.topup")
    assert topup["deadline"] == "2026-03-05" and topup["calendar_version"] == v2026
    assert new[0].deadline == date(2026, 3, 5) and new[0].deadline_calendar_version == v2026


def test_a_draw_whose_deadline_leaves_the_loaded_years_writes_nothing(runtime: Any) -> None:
    code = _task(runtime, days=5)
    size = _size(runtime)
    with pytest.raises(CalendarUnavailable) as err:
        _draw(runtime, code, date(2026, 12, 28))  # 5 working days later is in 2027
    assert err.value.detail.get("year") == 2027
    assert _size(runtime) == size
    with runtime.transaction() as s:
        assert service.get_task(s, code).status == "committed"
        assert task_repo.expert_slots(s, code, 1) == []


def test_a_top_up_whose_deadline_leaves_the_loaded_years_writes_nothing(runtime: Any) -> None:
    code = _task(runtime, days=3)
    panel = _draw(runtime, code, date(2026, 12, 24))  # due Tuesday 29 December
    size = _size(runtime)
    with pytest.raises(CalendarUnavailable):
        _respond(runtime, code, panel[0], "declined", date(2026, 12, 29), "出差在外")
    assert _size(runtime) == size
    with runtime.transaction() as s:
        slots = {x.expert_code: x for x in task_repo.expert_slots(s, code, 1)}
        assert slots[panel[0]].status == "invited" and len(slots) == 3
    _respond(runtime, code, panel[1], "accepted", date(2026, 12, 29))  # no new deadline needed


def test_an_expert_flagged_for_exit_is_not_in_the_pool_nor_drawn(runtime: Any) -> None:
    from drawsvc.registries.models import Expert

    with runtime.transaction() as s:
        ensure_bundled(s, runtime.journal, actor=SYSTEM)
        seed_registries(s, targets=1, experts=6)
        flagged = ["ZJ-0001", "ZJ-0003", "ZJ-0005"]
        s.execute(sa.update(Expert).where(Expert.code.in_(flagged)).values(exit_flags=["no_answer_3"]))
        s.execute(sa.update(Expert).where(Expert.code == "ZJ-0006").values(term_start=date(2026, 6, 1)))
        code = service.create_task(
            s,
            runtime.journal,
            title="评审专家抽取",
            year=2026,
            organiser="SCJG",
            params={"experts": {"headcount": 2, "pool": "ZJ", "group": "食品"}},
            actor=actor(),
        ).code
        service.build_pool(s, runtime.journal, task=code, pool="experts", actor=actor())
        pool = task_repo.pool_member_ids(s, code, "experts")
    assert pool == ["ZJ-0002", "ZJ-0004"]  # flagged ones out; ZJ-0006's term starts after the period
    with runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    assert sorted(_draw(runtime, code, date(2026, 3, 2))) == ["ZJ-0002", "ZJ-0004"]


def test_a_provisional_deadline_is_refused_and_nothing_written(runtime: Any, monkeypatch: Any) -> None:
    from drawsvc.calendar import service as calendar_service
    from drawsvc.calendar.arithmetic import Deadline
    from drawsvc.errors import RuleViolation

    code = _task(runtime)
    size = _size(runtime)
    monkeypatch.setattr(
        calendar_service, "compute_deadline", lambda session, start, n: Deadline(date(2026, 3, 4), (), True)
    )
    with pytest.raises(RuleViolation) as err:
        _draw(runtime, code, date(2026, 3, 2))
    assert err.value.rule == "calendar.provisional-not-binding"
    assert _size(runtime) == size
