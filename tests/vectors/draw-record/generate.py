"""Generate ``log.json``: a small log holding one whole task life cycle (docs/specs/entries.md).

Run ``.venv/bin/python tests/vectors/draw-record/generate.py`` to rewrite it. The entry at list
position i is the log entry at index i. Values are made up but well formed: commitments are
SHA-256 of their secrets (draw-spec DRAW-5); roots, seeds and beacon values are SHA-256 of
labels, so they do NOT replay under draw/v1: this vector tests the draw record, not the draw.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("log.json")
TASK = "T2026-0001"
BUREAU = {"role": "bureau", "department": "330100-SC", "name": "key-sc-01"}
DISCIPLINE = {"role": "discipline", "department": "330100-JW", "name": "key-jw-02"}
SYSTEM = {"role": "system", "department": None, "name": "system"}
ADMIN = {"role": "admin", "department": None, "name": "key-admin-01"}


def h(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def secret(label: str) -> str:
    return hashlib.sha512(label.encode()).hexdigest()[:64]  # 32 bytes, hex


def commitment(secret_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(secret_hex)).hexdigest()


def uscc(n: int) -> str:
    return f"91330100MA{n:07d}X"[:18]


def entry(kind: str, at: str, actor: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "drawsvc/entry/v1",
        "kind": kind,
        "at": f"2026-03-{at}+08:00",
        "actor": actor,
        "body": body,
    }


def build() -> list[dict[str, Any]]:
    params = {
        "spec": "draw/v1",
        "targets": {
            "mode": "sample",
            "ratio_bp": 300,
            "count": None,
            "class_ratios_bp": None,
            "strata": ["region"],
            "cap_per_year": 2,
            "prefer_uninspected": True,
        },
        "teams": {"size": 2, "leader": True, "departments": ["330100-SC"], "max_targets_per_inspector": None},
        "experts": {"headcount": 2, "groups": ["food"], "response_working_days": 3},
    }
    targets = [[uscc(n), "330102", "330100-SC", "small", "B", 0] for n in range(1, 8)]
    inspectors = [[f"INS-{n:03d}", "330100-SC", n % 2 == 0, ["food"]] for n in range(1, 6)]
    experts = [[f"EXP-{n:03d}", ["food"]] for n in range(1, 6)]
    s_op1, s_jw1, s_op2, s_jw2 = (secret(x) for x in ("op1", "jw1", "op2", "jw2"))
    log: list[dict[str, Any]] = []

    def add(e: dict[str, Any]) -> int:
        log.append(e)
        return len(log) - 1

    add(
        entry(
            "registry.department.upsert",
            "02T09:00:00",
            ADMIN,
            {"code": "330100-SC", "name": "杭州市市场监督管理局"},
        )
    )
    create = add(
        entry(
            "task.create",
            "02T09:10:00",
            BUREAU,
            {
                "task": TASK,
                "parent": None,
                "unit": None,
                "title": "2026年食品生产企业“双随机”抽查",
                "year": 2026,
                "period": {"start": "2026-03-01", "end": "2026-06-30"},
                "organiser": "330100-SC",
                "departments": ["330100-SC"],
                "check_items": [{"department": "330100-SC", "code": "SC-001"}],
                "params": params,
            },
        )
    )
    for pool, n in (("targets", len(targets) + 1), ("inspectors", 5), ("experts", 5)):
        add(
            entry(
                "task.pool.build",
                "02T09:20:00",
                BUREAU,
                {
                    "task": TASK,
                    "pool": pool,
                    "source": "filter",
                    "filters": {},
                    "file_sha256": None,
                    "count": n,
                },
            )
        )
    add(
        entry(
            "task.pool.remove",
            "02T09:25:00",
            BUREAU,
            {"task": TASK, "pool": "targets", "member": uscc(99), "reason": "已注销，登记机关2月公告"},
        )
    )
    add(
        entry(
            "task.create",
            "02T09:30:00",
            BUREAU,
            {  # another task interleaved in the log
                "task": "T2026-0002",
                "parent": None,
                "unit": None,
                "title": "其他任务",
                "year": 2026,
                "period": {"start": "2026-03-01", "end": "2026-12-31"},
                "organiser": "330100-SC",
                "departments": ["330100-SC"],
                "check_items": [],
                "params": params,
            },
        )
    )
    t0 = add(
        entry(
            "draw.pool.members",
            "03T10:00:00",
            BUREAU,
            {
                "task": TASK,
                "pool": "targets",
                "chunk": 0,
                "chunks": 2,
                "fields": ["id", "region", "authority", "scale", "credit", "n"],
                "rows": targets[:4],
            },
        )
    )
    add(
        entry(
            "draw.pool.members",
            "03T10:00:00",
            BUREAU,
            {
                "task": TASK,
                "pool": "targets",
                "chunk": 1,
                "chunks": 2,
                "fields": ["id", "region", "authority", "scale", "credit", "n"],
                "rows": targets[4:],
            },
        )
    )
    i0 = add(
        entry(
            "draw.pool.members",
            "03T10:00:00",
            BUREAU,
            {
                "task": TASK,
                "pool": "inspectors",
                "chunk": 0,
                "chunks": 1,
                "fields": ["id", "department", "leader", "specialties"],
                "rows": inspectors,
            },
        )
    )
    e0 = add(
        entry(
            "draw.pool.members",
            "03T10:00:00",
            BUREAU,
            {
                "task": TASK,
                "pool": "experts",
                "chunk": 0,
                "chunks": 1,
                "fields": ["id", "groups"],
                "rows": experts,
            },
        )
    )
    a0 = add(
        entry(
            "draw.avoidance",
            "03T10:00:00",
            BUREAU,
            {"task": TASK, "chunk": 0, "chunks": 1, "pairs": [["INS-002", uscc(3)]]},
        )
    )
    pools = {
        "targets": {"root": h("targets-root"), "size": len(targets), "entries": [t0, 2]},
        "inspectors": {"root": h("inspectors-root"), "size": len(inspectors), "entries": [i0, 1]},
        "experts": {"root": h("experts-root"), "size": len(experts), "entries": [e0, 1]},
    }
    avoidance = {"root": h("avoidance-root"), "size": 1, "entries": [a0, 1]}
    commit1 = add(
        entry(
            "draw.commit",
            "03T10:00:01",
            BUREAU,
            {
                "task": TASK,
                "round": 1,
                "spec": "draw/v1",
                "params": params,
                "pools": pools,
                "avoidance": avoidance,
                "commitments": [
                    {"party": "operator", "department": "330100-SC", "commitment": commitment(s_op1)},
                    {"party": "discipline", "department": "330100-JW", "commitment": commitment(s_jw1)},
                ],
                "beacon": {"source": "drand-quicknet", "round": 1234567},
                "manual": {"targets": {"added": 0, "removed": 1}},
                "redraw": None,
                "parent_draw": None,
            },
        )
    )
    result1 = {
        "targets": [uscc(2), uscc(5)],
        "teams": [
            {"no": 1, "leader": "INS-002", "members": ["INS-002", "INS-004"], "targets": [uscc(2)]},
            {"no": 2, "leader": "INS-004", "members": ["INS-001", "INS-003"], "targets": [uscc(5)]},
        ],
        "experts": [{"code": "EXP-003", "position": 11}, {"code": "EXP-001", "position": 12}],
        "position": 12,
    }
    draw1 = add(
        entry(
            "draw.result",
            "04T09:00:00",
            DISCIPLINE,
            {
                "task": TASK,
                "round": 1,
                "commit": commit1,
                "spec": "draw/v1",
                "reveals": [{"party": "operator", "secret": s_op1}, {"party": "discipline", "secret": s_jw1}],
                "beacon": {"source": "drand-quicknet", "round": 1234567, "value": h("beacon-1234567")},
                "seed": h("seed-1"),
                "result": result1,
                "parts": None,
                "counts": {"targets": 2, "teams": 2, "experts": 2},
            },
        )
    )
    add(
        entry(
            "draw.expert.response",
            "05T11:00:00",
            BUREAU,
            {
                "task": TASK,
                "round": 1,
                "expert": "EXP-003",
                "response": "declined",
                "deadline": "2026-03-09",
                "reason": "与被检查企业存在利害关系，申请回避",
            },
        )
    )
    add(
        entry(
            "draw.expert.response",
            "10T09:00:00",
            SYSTEM,
            {
                "task": TASK,
                "round": 1,
                "expert": "EXP-001",
                "response": "no_answer",
                "deadline": "2026-03-09",
            },
        )
    )
    add(
        entry(
            "draw.expert.topup",
            "10T09:00:01",
            SYSTEM,
            {
                "task": TASK,
                "round": 1,
                "from": 12,
                "experts": [{"code": "EXP-005", "position": 14}, {"code": "EXP-002", "position": 15}],
                "position": 15,
            },
        )
    )
    add(
        entry(
            "draw.replace",
            "10T14:00:00",
            BUREAU,
            {
                "task": TASK,
                "round": 1,
                "method": "stream",
                "reason": "INS-003 病假",
                "approver": "王科长",
                "out": "INS-003",
                "in": "INS-005",
                "team": 2,
                "from": 15,
                "position": 17,
                "swap": None,
            },
        )
    )
    add(
        entry(
            "draw.designate",
            "10T15:00:00",
            BUREAU,
            {
                "task": TASK,
                "round": 1,
                "role": "expert",
                "person": "EXP-004",
                "reason": "专家库中仅此一名冷链专家",
                "approver": "李局长",
            },
        )
    )
    commit2 = add(
        entry(
            "draw.commit",
            "12T10:00:00",
            BUREAU,
            {
                "task": TASK,
                "round": 2,
                "spec": "draw/v1",
                "params": params,
                "pools": pools,
                "avoidance": avoidance,
                "commitments": [
                    {"party": "operator", "department": "330100-SC", "commitment": commitment(s_op2)},
                    {"party": "discipline", "department": "330100-JW", "commitment": commitment(s_jw2)},
                ],
                "beacon": None,
                "manual": {"targets": {"added": 0, "removed": 1}},
                "redraw": {
                    "replaces": draw1,
                    "reason": "第1轮抽取后发现候选池漏录3户，经批准重新抽取",
                    "approver": "局党组会议 2026-03-11",
                },
                "parent_draw": None,
            },
        )
    )
    draw2 = add(
        entry(
            "draw.result",
            "12T10:30:00",
            DISCIPLINE,
            {
                "task": TASK,
                "round": 2,
                "commit": commit2,
                "spec": "draw/v1",
                "reveals": [{"party": "operator", "secret": s_op2}, {"party": "discipline", "secret": s_jw2}],
                "beacon": None,
                "seed": h("seed-2"),
                "result": {
                    "targets": [uscc(7), uscc(1)],
                    "teams": [
                        {
                            "no": 1,
                            "leader": "INS-004",
                            "members": ["INS-004", "INS-001"],
                            "targets": [uscc(7)],
                        },
                        {
                            "no": 2,
                            "leader": "INS-002",
                            "members": ["INS-002", "INS-005"],
                            "targets": [uscc(1)],
                        },
                    ],
                    "experts": [{"code": "EXP-002", "position": 9}, {"code": "EXP-005", "position": 10}],
                    "position": 10,
                },
                "parts": None,
                "counts": {"targets": 2, "teams": 2, "experts": 2},
            },
        )
    )
    add(entry("task.lock", "13T09:00:00", BUREAU, {"task": TASK, "round": 2, "draw": draw2}))
    add(
        entry(
            "task.dispatch",
            "13T09:05:00",
            BUREAU,
            {
                "task": TASK,
                "round": 2,
                "by": "region",
                "units": {"330102": [uscc(7), uscc(1)]},
                "chunk": 0,
                "chunks": 1,
            },
        )
    )
    assert create == 1
    return log


def main() -> None:
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
