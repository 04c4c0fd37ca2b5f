"""Fixtures of the registry tests: a runtime with the bundled calendar, a department, a pool."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests import reg_support (importlib mode)

from reg_support import BUREAU

from drawsvc.calendar.service import ensure_bundled
from drawsvc.registries import experts, service
from drawsvc.registries.expert_rules import PoolRules


@pytest.fixture
def rt(runtime: Any) -> Iterator[Any]:
    """The shared ``runtime`` with the calendar loaded, department SCJG and pool ZLZJ (6 groups)."""
    with runtime.transaction() as s:
        ensure_bundled(s, runtime.journal)
        service.upsert_department(s, runtime.journal, code="SCJG", name="市场监督管理局", actor=BUREAU)
        service.upsert_department(s, runtime.journal, code="SWJ", name="税务局", actor=BUREAU)
        experts.upsert_pool(
            s,
            runtime.journal,
            code="ZLZJ",
            name="产品质量专家库",
            department="SCJG",
            pool=PoolRules(
                age_limit=60,
                exempt_titles=("院士",),
                exempt_age_limit=70,
                min_years=5,
                accepted_titles=("高级工程师", "正高级工程师", "教授", "院士"),
                groups=("机械", "电子", "化工", "轻工", "纺织", "食品"),
            ),
            actor=BUREAU,
        )
    yield runtime
