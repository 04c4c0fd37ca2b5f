"""REG-3: the task tests' direct declaration inserts have the registries' shape (registries.md
C-1, P-5), so a later declaration of the same terms through the registries finds the row."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from tasks_support import YEAR, actor, declare, seed_registries

from drawsvc.registries import models as reg
from drawsvc.registries.service import declare_interest


def test_declare_writes_a_random_code_and_the_natural_key_the_registries_look_up(runtime: Any) -> None:
    with runtime.transaction() as s:
        ids = seed_registries(s, targets=2, inspectors_per_dept=2)
        person, uscc = ids["inspectors"][0], ids["targets"][1]
        declare(s, person, uscc)
        declare(s, person, ids["targets"][0])
        rows = s.scalars(sa.select(reg.InterestDeclaration).order_by(reg.InterestDeclaration.id)).all()
        assert all(re.fullmatch(r"D-[0-9a-f]{16}", r.code) for r in rows)
        assert rows[0].code != rows[1].code and uscc not in rows[0].code
        again = declare_interest(
            s,
            runtime.journal,
            {
                "person_kind": "inspector",
                "person_code": person,
                "counterpart_uscc": uscc,
                "kind": "works_there",
                "valid_from": f"{YEAR - 1}-01-01",
            },
            department="SCJG",
            actor=actor(),
        )
        assert again.id == rows[0].id and again.code == rows[0].code
        assert s.scalar(sa.select(sa.func.count()).select_from(reg.InterestDeclaration)) == 2
