"""The ``world`` of the exchange tests: a drawn task whose first firm's name is a formula."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1] / "results"))
sys.path.insert(0, str(Path(__file__).parent))
from exchange_support import EVIL
from results_support import drawn_task, seed, set_today, teams

from drawsvc.registries import models as reg


@pytest.fixture
def world(runtime: Any) -> Any:
    set_today(runtime, date(2026, 6, 15))
    with runtime.transaction() as s:
        seed(s)
    task = drawn_task(runtime)
    t = sorted(teams(runtime, task).items())
    with runtime.transaction() as s:  # a firm whose registered name would run as a formula
        s.execute(sa.update(reg.Target).where(reg.Target.uscc == t[0][0]).values(name=EVIL))
    return runtime, task, t
