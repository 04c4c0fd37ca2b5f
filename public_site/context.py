"""Pure: published log entries → the context the site's templates render.

The site reads only the public log (entries, checkpoint, verifier key). It never reads the
private registries, so nothing private can reach it (entries carry no personal data,
see docs/specs/entry-envelope.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

RECENT_ENTRIES = 50

KIND_LABELS = {
    "task.create": "创建任务",
    "task.pool.build": "生成候选池",
    "task.pool.add": "手工加入候选",
    "task.pool.remove": "手工移出候选",
    "draw.commit": "承诺",
    "draw.result": "抽取结果",
    "draw.expert.response": "专家答复",
    "draw.expert.topup": "补抽专家",
    "draw.designate": "指定",
    "draw.replace": "替换",
    "task.lock": "锁定",
    "task.dispatch": "派发",
    "inspection.record": "非随机检查",
    "calendar.arrangement": "节假日安排",
}


COUNT_LABELS = {"targets": "检查对象", "teams": "检查组", "experts": "专家"}


@dataclass
class DrawSummary:
    index: int
    round: int
    counts: dict[str, int]
    seed: str

    @property
    def figures(self) -> list[tuple[str, int]]:
        """Non-zero counts with their Chinese labels, in a fixed order."""
        return [(label, self.counts[k]) for k, label in COUNT_LABELS.items() if self.counts.get(k)]


@dataclass
class TaskSummary:
    task: str
    title: str = ""
    year: int | None = None
    organiser: str | None = None
    departments: list[str] = field(default_factory=list)
    parent: str | None = None
    created_index: int | None = None
    draws: list[DrawSummary] = field(default_factory=list)
    manual_added: int = 0
    manual_removed: int = 0
    locked: bool = False
    subtasks: list[str] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"draws/{self.task}.html"


@dataclass
class RecentEntry:
    index: int
    kind: str
    label: str
    at: str
    department: str | None
    task: str | None


@dataclass
class SiteContext:
    origin: str
    size: int
    checkpoint: str
    verifier_key: str
    tasks: list[TaskSummary]
    kinds: list[tuple[str, str, int]]
    recent: list[RecentEntry]


def _body(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    body = entry.get("body")
    return body if isinstance(body, Mapping) else {}


def site_context(
    indexed: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    origin: str,
    size: int,
    checkpoint: str,
    verifier_key: str,
) -> SiteContext:
    tasks: dict[str, TaskSummary] = {}
    kinds: Counter[str] = Counter()
    recent: list[RecentEntry] = []
    for index, entry in indexed:
        kind = str(entry.get("kind", ""))
        kinds[kind] += 1
        body = _body(entry)
        task_id = body.get("task") if isinstance(body.get("task"), str) else None
        actor = entry.get("actor") if isinstance(entry.get("actor"), Mapping) else {}
        recent.append(
            RecentEntry(
                index,
                kind,
                KIND_LABELS.get(kind, kind),
                str(entry.get("at", "")),
                actor.get("department"),
                task_id,
            )
        )
        if len(recent) > RECENT_ENTRIES:
            recent.pop(0)
        if task_id is None or kind == "inspection.record":
            continue
        t = tasks.setdefault(task_id, TaskSummary(task=task_id))
        if kind == "task.create":
            t.title = str(body.get("title", ""))
            t.year = body.get("year") if isinstance(body.get("year"), int) else None
            # 谁检查、谁公开: a sub-draw is shown under the unit that drew it.
            t.organiser = body.get("unit") or body.get("organiser")
            t.departments = [d for d in body.get("departments", []) if isinstance(d, str)]
            t.parent = body.get("parent")
            t.created_index = index
        elif kind == "task.pool.add":
            t.manual_added += 1
        elif kind == "task.pool.remove":
            t.manual_removed += 1
        elif kind == "draw.result":
            counts = body.get("counts") if isinstance(body.get("counts"), Mapping) else {}
            t.draws.append(
                DrawSummary(
                    index,
                    int(body.get("round", 1)),
                    {k: v for k, v in counts.items() if isinstance(v, int)},
                    str(body.get("seed", "")),
                )
            )
        elif kind == "task.lock":
            t.locked = True
    for t in tasks.values():
        if t.parent and t.parent in tasks:
            tasks[t.parent].subtasks.append(t.task)
    ordered = sorted(tasks.values(), key=lambda t: (t.created_index is None, t.created_index or 0))
    kind_rows = sorted(((k, KIND_LABELS.get(k, k), n) for k, n in kinds.items()), key=lambda r: r[0])
    return SiteContext(
        origin=origin,
        size=size,
        checkpoint=checkpoint,
        verifier_key=verifier_key,
        tasks=ordered,
        kinds=kind_rows,
        recent=list(reversed(recent)),
    )
