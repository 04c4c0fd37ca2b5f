"""Per-class yearly caps (差异化监管, R-5): check items' ``risk_class_frequency`` → task params
``class_caps_per_year`` (entries.md §3 P-5) → the engine rule's ``class_caps`` (DRAW-20)."""

from __future__ import annotations

import copy
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from tasks_support import actor, kinds, log_entries, ops, reveal, seed_registries

from drawsvc.errors import InvalidInput
from drawsvc.registries.models import CheckItem
from drawsvc.tasks import service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.models import Inspection
from drawsvc.tasks.params import engine_class_caps, parse_params
from drawsvc.tasks.service import _apply_check_items
from drawsvc.tasks.verify import DrawMismatch, recompute, verify_index_or_task

CAPS = {"A": 1, "D": 4}


@pytest.mark.parametrize(
    "bad", [{"E": 2}, {"A": 0}, {"A": 1001}, {"A": 1.5}, {"A": True}, ["A"], {"A": None}]
)
def test_class_caps_are_credit_classes_to_counts(bad: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_params({"targets": {"ratio_bp": 100, "class_caps_per_year": bad}})
    assert err.value.field.startswith("params.targets.class_caps_per_year")


def test_params_without_class_caps_keep_their_shape() -> None:
    assert "class_caps_per_year" not in parse_params({"targets": {"ratio_bp": 100}})["targets"]
    t = parse_params({"targets": {"ratio_bp": 100, "class_caps_per_year": {"D": 4, "A": 1}}})["targets"]
    assert list(t["class_caps_per_year"].items()) == [("A", 1), ("D", 4)]


def test_class_caps_are_keyed_by_the_stratum_that_carries_the_class() -> None:
    by_class = parse_params({"targets": {"class_ratios_bp": {"A": 100}, "class_caps_per_year": CAPS}})
    assert engine_class_caps(by_class["targets"]) == CAPS
    credit = parse_params({"targets": {"count": 5, "strata": ["credit"], "class_caps_per_year": CAPS}})
    assert engine_class_caps(credit["targets"]) == {"credit=A": 1, "credit=D": 4}
    assert engine_class_caps(parse_params({"targets": {"ratio_bp": 100}})["targets"]) == {}
    for targets in ({"ratio_bp": 100}, {"count": 5, "strata": ["credit", "region"]}):
        t = parse_params({"targets": {**targets, "class_caps_per_year": CAPS}})["targets"]
        with pytest.raises(InvalidInput) as err:
            engine_class_caps(t)
        assert err.value.rule == "params.class-caps-need-class"


def test_check_items_fill_in_the_smallest_frequency_per_class() -> None:
    item = {"cap_per_target_per_year": 2, "min_ratio_bp": 300, "risk_class_ratios_bp": {"D": 3000}}
    items = [
        SimpleNamespace(**item, risk_class_frequency={"A": 1, "D": 4}),
        SimpleNamespace(**item, risk_class_frequency={"D": 3, "C": 2}),
        SimpleNamespace(**item, risk_class_frequency=None),
    ]
    t = _apply_check_items(parse_params({"targets": {"ratio_bp": 500}}), items)["targets"]
    assert t["class_caps_per_year"] == {"A": 1, "C": 2, "D": 3} and t["cap_per_year"] == 2
    own = parse_params({"targets": {"ratio_bp": 500, "class_caps_per_year": {"D": 2, "B": 5}}})
    t = _apply_check_items(own, items[:1])["targets"]
    assert t["class_caps_per_year"] == {"A": 1, "B": 5, "D": 2}
    plain = _apply_check_items(parse_params({"targets": {"ratio_bp": 500}}), items[2:])["targets"]
    assert "class_caps_per_year" not in plain


def _frequency_task(rt: Any) -> tuple[str, str, str]:
    """Two targets drawn at 100 %: class D inspected twice this year, class A once."""
    with rt.transaction() as s:
        reg = seed_registries(s, targets=2, credit=("D", "A"))
        d_target, a_target = reg["targets"]
        s.add(
            CheckItem(
                department_code="SCJG",
                code="SP-09",
                name="食品经营",
                min_ratio_bp=300,
                risk_class_ratios_bp={"A": 10_000, "D": 10_000},
                risk_class_frequency=CAPS,
                cap_per_target_per_year=2,
            )
        )
        rows = [(d_target, date(2026, 2, 1)), (d_target, date(2026, 3, 1)), (a_target, date(2026, 2, 1))]
        s.execute(
            sa.insert(Inspection),
            [
                {"target_uscc": u, "year": 2026, "on": on, "kind": "complaint", "department": "SCJG",
                 "check_items": [], "superseded": False, "log_index": 0}
                for u, on in rows
            ],
        )
        s.flush()
        code = service.create_task(
            s,
            rt.journal,
            title="差异化抽查（频次）",
            year=2026,
            organiser="SCJG",
            check_items=[{"department": "SCJG", "code": "SP-09"}],
            params={"targets": {"ratio_bp": 10_000}},
            actor=actor(),
        ).code
        service.build_pool(s, rt.journal, task=code, pool="targets", filters={}, actor=actor())
    return code, d_target, a_target


def test_per_class_caps_on_a_stratum_without_the_class_are_refused_and_nothing_logged(
    runtime: Any,
) -> None:
    """Only the class (or ``credit=<class>``) as stratum carries the key of a per-class cap."""
    with runtime.transaction() as s:
        seed_registries(s, targets=2)
    before = len(kinds(runtime))
    with runtime.transaction() as s, pytest.raises(InvalidInput) as err:
        service.create_task(
            s,
            runtime.journal,
            title="按区域分层",
            year=2026,
            organiser="SCJG",
            params={"targets": {"count": 1, "strata": ["region"], "class_caps_per_year": CAPS}},
            actor=actor(),
        )
    assert err.value.rule == "params.class-caps-need-class"
    assert len(kinds(runtime)) == before


def test_class_d_checked_twice_is_drawn_under_cap_4_and_class_a_checked_once_is_not_under_cap_1(
    runtime: Any,
) -> None:
    code, d_target, a_target = _frequency_task(runtime)
    with runtime.transaction() as s:
        assert service.get_task(s, code).params["targets"]["class_caps_per_year"] == CAPS
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    with runtime.transaction() as s:
        draw = service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    part = draw.result["inspection"]
    assert part["rules"]["targets"]["class_caps"] == CAPS
    assert part["targets"]["selected"] == [d_target] and a_target not in part["targets"]["selected"]
    with runtime.engine.connect() as conn:
        verified = verify_index_or_task(reader_for(runtime.log, conn), code, size=runtime.log.size(conn))
    assert verified.final["targets"] == [d_target]
    # the caps are part of the recomputation: the same log without them no longer verifies
    entries = dict(enumerate(log_entries(runtime)))
    commit = next(i for i, e in entries.items() if e["kind"] == "draw.commit" and e["body"]["task"] == code)
    tampered = copy.deepcopy(entries)
    del tampered[commit]["body"]["params"]["targets"]["class_caps_per_year"]
    with pytest.raises(DrawMismatch) as err:
        recompute(tampered, draw.log_index)
    assert err.value.what.startswith("result.inspection")
