"""Per-class inspection frequency on check items (spec §2.2 `risk_class_frequency`, RG-16a)."""

from __future__ import annotations

from typing import Any

import pytest
from reg_support import BUREAU, log_entries

from drawsvc.errors import InvalidInput
from drawsvc.registries import rules, service

ITEM = {"code": "SC-009", "name": "食品经营者监督检查", "risk_class_ratios_bp": {"A": 100, "D": 3000}}


def test_per_class_frequency_is_stored_and_logged_only_when_set(rt: Any) -> None:
    with rt.transaction() as s:
        plain = service.upsert_check_item(s, rt.journal, ITEM, department="SCJG", actor=BUREAU)
        assert plain.risk_class_frequency is None
        item = service.upsert_check_item(
            s, rt.journal, {**ITEM, "risk_class_frequency": {"D": 4, "A": 1}}, department="SCJG", actor=BUREAU
        )
        assert item.risk_class_frequency == {"A": 1, "D": 4} and item.version == 2
    bodies = [e["body"] for e in log_entries(rt) if e["kind"] == "registry.check_item.upsert"]
    assert "risk_class_frequency" not in bodies[0]  # items without it keep their earlier body
    assert bodies[1]["risk_class_frequency"] == {"A": 1, "D": 4}


@pytest.mark.parametrize("bad", [{"E": 2}, {"A": 0}, {"D": 367}, {"A": 1.5}, {"A": True}, ["A"]])
def test_bad_per_class_frequency_is_refused(rt: Any, bad: Any) -> None:
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:
        service.upsert_check_item(
            s, rt.journal, {**ITEM, "risk_class_frequency": bad}, department="SCJG", actor=BUREAU
        )
    assert (exc.value.field, exc.value.rule) == ("risk_class_frequency", rules.FREQUENCY)
