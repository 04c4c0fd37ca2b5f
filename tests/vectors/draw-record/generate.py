"""Generate ``log.json``: a small log holding one whole task life cycle (docs/specs/entries.md).

Run ``.venv/bin/python tests/vectors/draw-record/generate.py`` to rewrite it. The entry at list
position i is the log entry at index i. Shapes follow entries.md (§4 engine results, E-6 result
parts as text). Values are made up but well formed: commitments are SHA-256 of their secrets
(draw-spec DRAW-5); roots, seeds, salts and tags are SHA-256 of labels, so they do
NOT replay under draw/v1: this vector tests the draw record, not the draw (the service-made log
of tests/tasks/test_record_service.py covers real draws). The beacon is a genuine drand quicknet
round (tests/vectors/beacon/genuine.json names its source), in the shape docs/specs/beacon.md logs.
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


QUICKNET_ROUND = 123
QUICKNET_SIGNATURE = (
    "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92"
)
QUICKNET_RANDOMNESS = "fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc"


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


def columns(rows: list[list[Any]]) -> dict[str, Any]:
    """Targets rows (id, stratum, checks, risk, …) in the column form of entries.md §4."""
    strata: list[list[Any]] = []
    for r in rows:
        if strata and strata[-1][0] == r[1]:
            strata[-1][1] += 1
        else:
            strata.append([r[1], 1])
    return {
        "ids": "".join(r[0] for r in rows),
        "strata": strata,
        "checks": [[k, r[2]] for k, r in enumerate(rows) if r[2]],
        "risk": [k for k, r in enumerate(rows) if r[3]],
    }


def teams(assignments: list[tuple[str, list[str]]], position: int) -> dict[str, Any]:
    return {
        "size": 2,
        "position": position,
        "assignments": [
            {
                "target": t,
                "members": [{"id": m, "leader": k == 0, "designated": False} for k, m in enumerate(ms)],
            }
            for t, ms in assignments
        ],
    }


def inspection(
    round_: int,
    seed: str,
    selected: list[str],
    assignments: list[tuple[str, list[str]]],
    pools: dict[str, Any],
) -> dict[str, Any]:
    return {
        "spec": "draw/v1",
        "kind": "inspection",
        "task": TASK,
        "round": round_,
        "purpose": "inspection",
        "seed": seed,
        "pools": {k: {"root": v["root"], "size": v["size"]} for k, v in pools.items()},
        "rules": {"targets": {"mode": "stratified", "count": 2}, "teams": {"size": 2}},
        "targets": {"mode": "stratified", "eligible": 7, "pool": 7, "selected": selected, "total": 2},
        "teams": teams(assignments, 40 + round_),
        "events": [],
    }


def experts(round_: int, seed: str, sequence: list[str], position: int) -> dict[str, Any]:
    return {
        "spec": "draw/v1",
        "kind": "experts",
        "task": TASK,
        "round": round_,
        "purpose": "experts",
        "seed": seed,
        "pools": {"experts": {"root": h("experts-root"), "size": 5}},
        "pool": "ZJ",
        "group": "食品",
        "experts": {
            "headcount": 3,
            "designated": [{"id": "EXP-004", "reason": "专家库中仅此一名冷链专家", "approver": "李局长"}],
            "sat_out": [],
            "sequence": sequence,
            "declined": [],
            "panel": ["EXP-004", *sequence],
            "position": position,
        },
        "events": [],
    }


def build() -> list[dict[str, Any]]:
    params = {
        "spec": "draw/v1",
        "targets": {
            "mode": "sample",
            "ratio_bp": None,
            "count": 2,
            "class_ratios_bp": None,
            "strata": [],
            "cap_per_year": 2,
            "prefer_uninspected": False,
        },
        "teams": {"size": 2, "departments": [], "specialty": None},
        "experts": {"headcount": 3, "pool": "ZJ", "group": "食品", "response_working_days": 3},
    }
    targets = [[uscc(n), "", n % 3, n == 4] for n in range(1, 8)]
    inspectors = [[f"INS-{n:03d}", "330100-SC", n % 2 == 0, ["食品"]] for n in range(1, 6)]
    experts_rows = [[f"EXP-{n:03d}"] for n in range(1, 6)]
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
    add(
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
            {  # another task, interleaved in the log
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
    add(
        entry(
            "draw.designate",
            "02T10:00:00",
            BUREAU,
            {
                "task": TASK,
                "role": "expert",
                "person": "EXP-004",
                "reason": "专家库中仅此一名冷链专家",
                "approver": "李局长",
            },
        )
    )
    fields = ["id", "stratum", "checks", "risk"]
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
                "fields": fields,
                **columns(targets[:4]),
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
                "fields": fields,
                **columns(targets[4:]),
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
                "fields": ["id", "dept", "leader", "specialties"],
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
                "fields": ["id"],
                "rows": experts_rows,
            },
        )
    )
    a0 = add(
        entry(
            "draw.avoidance",
            "03T10:00:00",
            BUREAU,
            {"task": TASK, "chunk": 0, "chunks": 1, "tags": [h("tag-INS-002-3")]},
        )
    )
    pools = {
        "targets": {"root": h("targets-root"), "size": len(targets), "entries": [t0, 2]},
        "inspectors": {"root": h("inspectors-root"), "size": len(inspectors), "entries": [i0, 1]},
        "experts": {"root": h("experts-root"), "size": len(experts_rows), "entries": [e0, 1]},
    }
    avoidance = {
        "root": h("avoidance-root"),
        "size": 1,
        "entries": [a0, 1],
        "salt_commitment": hashlib.sha256(bytes.fromhex(h("salt"))).hexdigest(),
    }
    designated = [{"id": "EXP-004", "reason": "专家库中仅此一名冷链专家", "approver": "李局长"}]
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
                "beacon": {"source": "drand-quicknet", "round": QUICKNET_ROUND},
                "manual": {"targets": {"added": 0, "removed": 1}},
                "redraw": None,
                "parent_draw": None,
                "rotation": [],
                "designated": designated,
            },
        )
    )
    all_pools = {**pools, "avoidance": avoidance}
    result1 = {
        "inspection": inspection(
            1,
            h("seed-1-inspection"),
            [uscc(2), uscc(5)],
            [(uscc(2), ["INS-002", "INS-004"]), (uscc(5), ["INS-004", "INS-003"])],
            {k: v for k, v in all_pools.items() if k != "experts"},
        ),
        "experts": experts(1, h("seed-1-experts"), ["EXP-003", "EXP-001"], 12),
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
                "beacon": {"source": "drand-quicknet", "round": QUICKNET_ROUND,
                           "signature": QUICKNET_SIGNATURE, "value": QUICKNET_RANDOMNESS},
                "avoidance_salt": h("salt"),
                "seed": h("seed-1-inspection"),
                "result": result1,
                "parts": None,
                "counts": {"targets": 2, "teams": 2, "experts": 3},
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
                "reason": "与被检查企业存在利害关系，申请回避",
                "deadline": "2026-03-09",
                "calendar_version": [0],
            },
        )
    )
    add(
        entry(
            "registry.expert.invitation",
            "05T11:00:00",
            BUREAU,
            {"code": "EXP-003", "outcome": "declined", "pool": "ZJ", "task_ref": TASK},
        )
    )  # not a task entry
    add(
        entry(
            "draw.expert.topup",
            "05T11:00:01",
            BUREAU,
            {
                "task": TASK,
                "round": 1,
                "event": {
                    "kind": "decline",
                    "expert": "EXP-003",
                    "reason": "declined",
                    "replacement": "EXP-005",
                    "position_before": 12,
                    "position": 14,
                },
                "deadline": "2026-03-10",
                "calendar_version": [0],
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
                "reason": None,
                "deadline": "2026-03-09",
                "calendar_version": [0],
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
                "event": {
                    "kind": "decline",
                    "expert": "EXP-001",
                    "reason": "no-answer",
                    "replacement": "EXP-002",
                    "position_before": 14,
                    "position": 15,
                },
                "deadline": "2026-03-13",
                "calendar_version": [0],
            },
        )
    )
    add(
        entry(
            "draw.expert.response",
            "10T10:00:00",
            BUREAU,
            {
                "task": TASK,
                "round": 1,
                "expert": "EXP-005",
                "response": "accepted",
                "reason": None,
                "deadline": "2026-03-10",
                "calendar_version": [0],
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
                "reason": "INS-003 病假",
                "avoidance": False,
                "event": {
                    "kind": "replace",
                    "target": uscc(5),
                    "person": "INS-003",
                    "reason": "INS-003 病假",
                    "approver": "王科长",
                    "mode": "refill",
                    "replacement": "INS-005",
                    "swap_target": None,
                    "position_before": 41,
                    "position": 43,
                },
            },
        )
    )
    add(
        entry(
            "draw.replace",
            "10T15:00:00",
            BUREAU,
            {
                "task": TASK,
                "round": 1,
                "reason": "avoidance",
                "avoidance": True,
                "event": {
                    "kind": "replace",
                    "target": uscc(2),
                    "person": "INS-004",
                    "reason": "avoidance",
                    "approver": "王科长",
                    "mode": "swap",
                    "replacement": "INS-005",
                    "swap_target": uscc(5),
                    "position_before": 43,
                    "position": 44,
                },
            },
        )
    )
    result2 = {
        "inspection": inspection(
            2,
            h("seed-2-inspection"),
            [uscc(7), uscc(1)],
            [(uscc(7), ["INS-004", "INS-001"]), (uscc(1), ["INS-002", "INS-005"])],
            {k: v for k, v in all_pools.items() if k != "experts"},
        ),
        "experts": experts(2, h("seed-2-experts"), ["EXP-002", "EXP-005"], 10),
    }
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
                "rotation": [{"draw": draw1, "panel": ["EXP-004", "EXP-005", "EXP-002"]}],
                "designated": designated,
            },
        )
    )
    text = json.dumps(result2, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    cut = len(text) // 2  # the result as two draw.result.part entries (E-6)
    p0 = add(
        entry(
            "draw.result.part",
            "12T10:30:00",
            DISCIPLINE,
            {"task": TASK, "round": 2, "chunk": 0, "chunks": 2, "text": text[:cut]},
        )
    )
    add(
        entry(
            "draw.result.part",
            "12T10:30:00",
            DISCIPLINE,
            {"task": TASK, "round": 2, "chunk": 1, "chunks": 2, "text": text[cut:]},
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
                "avoidance_salt": h("salt"),
                "seed": h("seed-2-inspection"),
                "result": None,
                "parts": [p0, 2],
                "counts": {"targets": 2, "teams": 2, "experts": 3},
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
    return log


def main() -> None:
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
