"""A small year whose coverage figures can be checked by hand (see the table in ``seed_year``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from drawsvc.registries import models as reg
from drawsvc.sample.generator import make_uscc
from drawsvc.tasks.models import Inspection

I1 = {"department": "QY", "code": "QY-01"}
I2 = {"department": "QY", "code": "QY-02"}


def _target(n: int, target_type: str, credit_class: str, *, flags: list[str] | None = None,
            status: str = "active") -> dict[str, Any]:
    return {"uscc": make_uscc("91", "130634", n), "name": f"企业{n}", "target_type": target_type,
            "scale": "小型", "region_code": "130634", "risk_flags": flags or [], "credit_class": credit_class,
            "status": status, "version": 1}


def seed_year(session: Any) -> dict[str, str]:
    """Directory: 30 食品 of class B (F0 … F9, N0 among them; F2 risk-flagged), 10 食品 of class
    C (C0 among them), 60 其他 of class B (O0 among them), one deregistered 食品 (not counted).

    Items: QY-01 食品, 5 %, class C 10 %, cap 2; QY-02 every type, 3 %, cap 2;
    QY-03 其他, 5 % (nothing checked). Inspections of 2026 (plus one superseded, one of 2025):

    ====  =========  ====================  ==========
    #     target     kind / task           items
    ====  =========  ====================  ==========
    1-4   F0 F1 F2 C0  random T1           QY-01
    5-6   F0 O0      random T2             QY-01 QY-02
    7     F0         patrol                —
    8     F1         complaint             QY-01
    9     F2         random T3             QY-02
    10    F2         complaint             QY-02
    11    F5         random T1, superseded QY-01
    12    F9         random, 2025          QY-01
    13    N0         complaint             QY-01
    ====  =========  ====================  ==========

    Yearly checks: F0 3 (over the cap), F1 2, F2 3 (flagged: exempt), C0 1, O0 1, N0 1.
    """
    session.execute(sa.insert(reg.Department), [{"code": "QY", "name": "曲阳县市场监督管理局"},
                                                 {"code": "ZB", "name": "淄博市市场监督管理局"}])
    items = [
        {"department_code": "QY", "code": "QY-01", "name": "食品生产检查", "target_type": "食品",
         "min_ratio_bp": 500, "risk_class_ratios_bp": {"C": 1000}, "cap_per_target_per_year": 2},
        {"department_code": "QY", "code": "QY-02", "name": "公示信息检查", "target_type": "",
         "min_ratio_bp": 300, "cap_per_target_per_year": 2},
        {"department_code": "QY", "code": "QY-03", "name": "其他检查", "target_type": "其他",
         "min_ratio_bp": 500, "cap_per_target_per_year": 2},
        {"department_code": "ZB", "code": "ZB-01", "name": "淄博检查", "target_type": "食品",
         "min_ratio_bp": 300, "cap_per_target_per_year": 2},
    ]
    session.execute(sa.insert(reg.CheckItem), items)
    rows = [_target(i, "食品", "B", flags=["complaints"] if i == 2 else None) for i in range(30)]
    rows += [_target(100 + i, "食品", "C") for i in range(10)]
    rows += [_target(200 + i, "其他", "B") for i in range(60)]
    rows.append(_target(999, "食品", "B", status="deregistered"))
    session.execute(sa.insert(reg.Target), rows)
    names = {"F0": 0, "F1": 1, "F2": 2, "F5": 5, "F9": 9, "N0": 10, "C0": 100, "O0": 200}
    u = {k: make_uscc("91", "130634", n) for k, n in names.items()}

    def insp(who: str, kind: str, task: str | None, items_: list[dict[str, str]], *,
             year: int = 2026, superseded: bool = False) -> dict[str, Any]:
        return {"target_uscc": u[who], "year": year, "on": date(year, 6, 1), "kind": kind, "department": "QY",
                "task_code": task, "round": 1 if task else None, "check_items": items_,
                "reason": None if kind == "random" else "举报", "superseded": superseded, "log_index": 1}

    session.execute(sa.insert(Inspection), [
        *(insp(w, "random", "T1", [I1]) for w in ("F0", "F1", "F2", "C0")),
        insp("F0", "random", "T2", [I1, I2]),
        insp("O0", "random", "T2", [I1, I2]),
        insp("F0", "patrol", None, []),
        insp("F1", "complaint", None, [I1]),
        insp("F2", "random", "T3", [I2]),
        insp("F2", "complaint", None, [I2]),
        insp("F5", "random", "T1", [I1], superseded=True),
        insp("F9", "random", "T0", [I1], year=2025),
        insp("N0", "complaint", None, [I1]),
    ])
    session.flush()
    return u
