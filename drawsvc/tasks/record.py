"""The draw record (抽取记录表): a printable page for one task, built from its log entries only.

Spec: ``docs/specs/draw-record.md`` (rules DR-1 …). Input kinds and fields:
``docs/specs/entries.md``. The record is a *view* of the log: everything it shows carries the
log index it came from, so an auditor holding only the public log can rebuild the same record
(DR-2) and the QR code takes them to the public verification page of the draw (DR-9).

Three layers, data flowing one way:

1. :func:`build_record` (pure): ``[(log index, entry dict), ...]`` of one task → :class:`DrawRecord`.
   Strict about what it reads (typed :class:`~drawsvc.errors.InvalidInput` naming the log index
   and field), tolerant of what it does not know (an unknown kind of the task is listed, never
   hidden; unknown body members are ignored).
2. :func:`render_html` (pure): record → HTML (jinja2, A4 print CSS). Every figure sits in an
   element with ``data-field`` (and ``data-log-index``) so that tests and auditors can read the
   figures back and compare them to the log (DR-7).
3. :func:`render_pdf`: record → PDF bytes (fpdf2) in a CJK font found on the machine
   (Debian ``fonts-noto-cjk`` preferred); :class:`~drawsvc.tasks.record_pdf.CjkFontMissing`
   names the package to install.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from drawsvc.errors import InvalidInput, NotFound
from drawsvc.journal import ENTRY_SCHEMA
from drawsvc.tasks import qr

if TYPE_CHECKING:
    from drawsvc.tasks import record_pdf

RECORD_SPEC = "drawsvc/draw-record/v1"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX = re.compile(r"^(?:[0-9a-f]{2})+$")
PARTIES = {"operator": "抽取方", "discipline": "纪检监察"}
ROLES = {"bureau": "业务部门", "discipline": "纪检监察", "admin": "管理员", "system": "系统"}
POOL_LABELS = {"targets": "检查对象", "inspectors": "执法检查人员", "experts": "专家"}
RESPONSES = {"accepted": "接受", "declined": "拒绝", "no_answer": "未应答"}

# kind → (category, 中文 label) for the events table (DR-5). Chunk kinds are not events: they
# are cited by the entry they belong to (entries.md E-5).
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "task.create": ("create", "创建任务"),
    "task.pool.build": ("pool", "生成候选池"),
    "task.pool.add": ("pool", "手工加入候选"),
    "task.pool.remove": ("pool", "手工移出候选"),
    "draw.commit": ("commit", "承诺（冻结候选池）"),
    "draw.result": ("draw", "抽取"),
    "draw.expert.response": ("response", "专家答复"),
    "draw.expert.topup": ("topup", "补抽专家"),
    "draw.designate": ("designate", "指定（不经抽取）"),
    "draw.replace": ("replace", "替换"),
    "task.lock": ("lock", "锁定结果"),
    "task.dispatch": ("dispatch", "派发"),
    "inspection.record": ("inspection", "非随机检查登记"),
}
CHUNK_KINDS = frozenset({"draw.pool.members", "draw.avoidance", "draw.result.part"})


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True)
class Operator:
    """An entry's ``actor`` (ENV-5): role, department code, key id / operator code."""

    role: str
    department: str | None
    name: str

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


@dataclass(frozen=True)
class Ref:
    """Where a figure comes from: the log index, the entry's ``at`` and its actor."""

    index: int
    kind: str
    at: str
    actor: Operator


@dataclass(frozen=True)
class TaskInfo:
    ref: Ref
    task: str
    parent: str | None
    unit: str | None
    title: str
    year: int
    period_start: str
    period_end: str
    organiser: str
    departments: tuple[str, ...]
    check_items: tuple[str, ...]  # "department:code"


@dataclass(frozen=True)
class Frozen:
    """A frozen list cited by ``draw.commit``: a pool (or the avoidance pairs) with its root."""

    name: str
    size: int
    root: str
    first: int | None  # first chunk entry (entries.md E-5)
    count: int | None  # number of chunk entries

    @property
    def label(self) -> str:
        return POOL_LABELS.get(self.name, "回避关系" if self.name == "avoidance" else self.name)


@dataclass(frozen=True)
class PartyValue:
    """One party's commitment (hex) or revealed secret (hex)."""

    party: str
    department: str | None
    value: str

    @property
    def label(self) -> str:
        return PARTIES.get(self.party, self.party)


@dataclass(frozen=True)
class Beacon:
    source: str
    round: int
    value: str | None  # known once drawn


@dataclass(frozen=True)
class Team:
    no: int
    leader: str | None
    members: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class ExpertPick:
    code: str
    position: int


@dataclass(frozen=True)
class Redraw:
    replaces: int | None  # the draw.result it supersedes; None when the earlier round was never drawn
    reason: str
    approver: str


@dataclass(frozen=True)
class Result:
    """A ``draw.result`` with its parts joined (entries.md §4)."""

    ref: Ref
    commit: int
    reveals: tuple[PartyValue, ...]
    beacon: Beacon | None
    seed: str
    targets: tuple[str, ...]
    teams: tuple[Team, ...]
    experts: tuple[ExpertPick, ...]
    position: int | None
    counts: tuple[tuple[str, int], ...]
    parts: tuple[int, int] | None


@dataclass(frozen=True)
class ExpertLine:
    """One expert of a round (DR-4): drawn, topped up or designated, and the latest answer logged."""

    code: str
    source: str  # "draw" | "topup" | "designate"
    position: int | None  # stream position; None when designated
    index: int  # log index of the draw.result / draw.expert.topup / draw.designate
    response: str | None = None  # accepted | declined | no_answer (None: none logged yet)
    response_index: int | None = None

    @property
    def source_label(self) -> str:
        return {"draw": "抽取", "topup": "补抽", "designate": "指定"}.get(self.source, self.source)

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response or "", "待答复")


@dataclass(frozen=True)
class Round:
    """One commitment round: ``draw.commit`` (round n) and, once drawn, its ``draw.result``."""

    number: int
    commit: Ref
    spec: str
    pools: tuple[Frozen, ...]
    avoidance: Frozen | None
    commitments: tuple[PartyValue, ...]
    beacon: Beacon | None  # announced before the draw: source and round, no value yet
    redraw: Redraw | None
    parent_draw: int | None
    manual: tuple[tuple[str, int, int], ...]  # (pool, added, removed)
    result: Result | None = None
    experts: tuple[ExpertLine, ...] = ()  # who was invited in this round, how, and what they answered


@dataclass(frozen=True)
class Event:
    """One row of the events table (DR-5): every entry of the task except chunks, by index."""

    ref: Ref
    category: str
    label: str
    round: int | None = None
    subject: str | None = None  # the person / expert / target the event is about
    replacement: str | None = None  # replace: who came in
    reason: str | None = None
    approver: str | None = None
    detail: str | None = None  # short, public, already formatted
    items: tuple[str, ...] = ()  # drawn / topped-up codes


@dataclass(frozen=True)
class OperatorActs:
    operator: Operator
    indices: tuple[int, ...]


@dataclass(frozen=True)
class Witness:
    """The discipline office's part in a round (DR-6): its commitment and, once drawn, its reveal."""

    round: int
    department: str | None
    commitment: str
    commit_index: int
    secret: str | None
    result_index: int | None


@dataclass(frozen=True)
class DrawRecord:
    spec: str
    task: TaskInfo
    rounds: tuple[Round, ...]
    events: tuple[Event, ...]
    operators: tuple[OperatorActs, ...]
    witnesses: tuple[Witness, ...]
    discipline_actors: tuple[OperatorActs, ...]
    first_index: int
    last_index: int
    entry_count: int
    anchor_index: int  # the log index the QR code points at (DR-9)

    @property
    def current_round(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None


# --------------------------------------------------------------------------- strict reading


class _Body:
    """Typed access to one entry's body; every failure names the log index and the dotted field."""

    def __init__(self, index: int, kind: str, body: Mapping[str, Any], prefix: str = "") -> None:
        self.index = index
        self.kind = kind
        self.body = body
        self.prefix = prefix

    def fail(self, key: str, rule: str, what: str) -> InvalidInput:
        path = f"{self.prefix}{key}"
        return InvalidInput(
            f"log entry {self.index} ({self.kind}): body.{path} {what}",
            field=f"log[{self.index}].body.{path}",
            rule=rule,
            index=self.index,
        )

    def get(self, key: str, optional: bool = False) -> Any:
        if key not in self.body or (optional and self.body[key] is None):
            if optional:
                return None
            raise self.fail(key, "record.field-missing", "is missing")
        return self.body[key]

    def str(self, key: str, optional: bool = False) -> str | None:
        value = self.get(key, optional)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(key, "record.field-type", "must be a string")
        return value

    def req_str(self, key: str) -> str:
        value = self.str(key)
        assert value is not None
        return value

    def int(self, key: str, optional: bool = False, minimum: int = 0) -> int | None:
        value = self.get(key, optional)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "record.field-type", "must be an integer")
        if value < minimum:
            raise self.fail(key, "record.field-range", f"must be ≥ {minimum}")
        return value

    def req_int(self, key: str, minimum: int = 0) -> int:
        value = self.int(key, minimum=minimum)
        assert value is not None
        return value

    def hex(self, key: str, optional: bool = False, digest: bool = True) -> str | None:
        value = self.str(key, optional)
        if value is None:
            return None
        if not (HEX64 if digest else HEX).match(value):
            raise self.fail(
                key,
                "record.field-hex",
                "must be 64 lower-case hex digits" if digest else "must be lower-case hex",
            )
        return value

    def obj(self, key: str, optional: bool = False) -> Mapping[str, Any] | None:
        value = self.get(key, optional)
        if value is None and optional:
            return None
        if not isinstance(value, Mapping):
            raise self.fail(key, "record.field-type", "must be an object")
        return value

    def list(self, key: str, optional: bool = False) -> list[Any] | None:
        value = self.get(key, optional)
        if value is None and optional:
            return None
        if not isinstance(value, list):
            raise self.fail(key, "record.field-type", "must be a list")
        return value

    def sub(self, key: str, value: Any) -> _Body:
        """A nested object read with the same rules; its field paths stay dotted."""
        if not isinstance(value, Mapping):
            raise self.fail(key, "record.field-type", "must be an object")
        return _Body(self.index, self.kind, value, prefix=f"{self.prefix}{key}.")

    def codes(self, key: str, optional: bool = False) -> tuple[str, ...]:
        values = self.list(key, optional) or []
        if not all(isinstance(v, str) for v in values):
            raise self.fail(key, "record.field-type", "must be a list of strings")
        return tuple(values)

    def span(self, key: str, optional: bool = True) -> tuple[int, int] | None:
        value = self.list(key, optional)
        if value is None:
            return None
        if (
            len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or value[0] < 0
            or value[1] < 1
        ):
            raise self.fail(key, "record.field-type", "must be [first index, count ≥ 1]")
        return value[0], value[1]


def _operator(index: int, entry: Mapping[str, Any]) -> Operator:
    actor = entry.get("actor")
    if not isinstance(actor, Mapping):
        raise InvalidInput(
            f"log entry {index}: actor must be an object",
            field=f"log[{index}].actor",
            rule="record.envelope",
            index=index,
        )
    role, department, name = actor.get("role"), actor.get("department"), actor.get("name")
    if (
        not isinstance(role, str)
        or not isinstance(name, str)
        or not (department is None or isinstance(department, str))
    ):
        raise InvalidInput(
            f"log entry {index}: actor must be {{role, department, name}} (ENV-5)",
            field=f"log[{index}].actor",
            rule="record.envelope",
            index=index,
        )
    return Operator(role=role, department=department, name=name)


def _envelope(index: int, entry: Any) -> tuple[Ref, Mapping[str, Any]]:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise InvalidInput(
            "log index must be a non-negative integer", field="index", rule="record.index", index=index
        )
    if not isinstance(entry, Mapping) or entry.get("schema") != ENTRY_SCHEMA:
        raise InvalidInput(
            f"log entry {index} is not a {ENTRY_SCHEMA} entry",
            field=f"log[{index}].schema",
            rule="record.envelope",
            index=index,
        )
    kind, at, body = entry.get("kind"), entry.get("at"), entry.get("body")
    if not isinstance(kind, str) or not isinstance(at, str) or not isinstance(body, Mapping):
        raise InvalidInput(
            f"log entry {index}: kind, at and body are required (ENV-1)",
            field=f"log[{index}]",
            rule="record.envelope",
            index=index,
        )
    return Ref(index=index, kind=kind, at=at, actor=_operator(index, entry)), body


def task_of(entry: Mapping[str, Any]) -> str | None:
    """The task id an entry belongs to (``body.task``, entries.md E-1), or None."""
    body = entry.get("body") if isinstance(entry, Mapping) else None
    task = body.get("task") if isinstance(body, Mapping) else None
    return task if isinstance(task, str) else None


def parse_entry(data: bytes) -> dict[str, Any]:
    """Parse one log entry's RFC 8785 bytes (as stored) into a dict; InvalidInput if not JSON."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("log entry is not UTF-8 JSON", field="entry", rule="record.entry-json") from exc
    if not isinstance(value, dict):
        raise InvalidInput("log entry is not a JSON object", field="entry", rule="record.entry-json")
    return value


def entries_of_task(
    indexed: Iterable[tuple[int, Mapping[str, Any]]], task: str
) -> list[tuple[int, Mapping[str, Any]]]:
    """The entries whose ``body.task`` is ``task`` (a sub-draw ``task/unit`` is a task of its own)."""
    return [(i, e) for i, e in indexed if task_of(e) == task]


def select_entries(
    log: Sequence[bytes | Mapping[str, Any]], task_or_index: str
) -> list[tuple[int, Mapping[str, Any]]]:
    """The entries of one task from a whole log (position = log index), as :func:`build_record` wants.

    ``task_or_index``: a task id, or (all digits) the log index of one of the task's entries (DR-11).
    """
    entries = [parse_entry(e) if isinstance(e, bytes) else e for e in log]
    task = task_or_index.strip()
    if task.isdigit():
        index = int(task)
        if index >= len(entries):
            raise NotFound(f"no log entry {index} (log size {len(entries)})", field="index", subject=task)
        found = task_of(entries[index])
        if found is None:
            raise InvalidInput(f"log entry {index} belongs to no task", field="index", rule="record.no-task")
        task = found
    selected = entries_of_task(enumerate(entries), task)
    if not selected:
        raise NotFound(f"no log entries for task {task}", field="task", subject=task)
    return selected


def record_url(record: DrawRecord, *, verify_base_url: str) -> str:
    """The verification address the record's QR code encodes (DR-9)."""
    return qr.verify_url(verify_base_url, record.task.task, record.anchor_index)


# --------------------------------------------------------------------------- building


def _frozen(body: _Body, name: str, value: Any) -> Frozen:
    sub = body.sub(name, value)
    span = sub.span("entries", optional=True)
    return Frozen(
        name=name,
        size=sub.req_int("size"),
        root=sub.hex("root") or "",
        first=span[0] if span else None,
        count=span[1] if span else None,
    )


def _party_values(body: _Body, key: str, value_key: str) -> tuple[PartyValue, ...]:
    out: list[PartyValue] = []
    for n, item in enumerate(body.list(key) or []):
        sub = body.sub(f"{key}[{n}]", item)
        out.append(
            PartyValue(
                party=sub.req_str("party"),
                department=sub.str("department", optional=True),
                value=sub.hex(value_key, digest=value_key == "commitment") or "",
            )
        )
    return tuple(out)


def _beacon(body: _Body, key: str, with_value: bool) -> Beacon | None:
    value = body.obj(key, optional=True)
    if value is None:
        return None
    sub = body.sub(key, value)
    return Beacon(
        source=sub.req_str("source"),
        round=sub.req_int("round"),
        value=sub.hex("value", digest=False) if with_value else None,
    )


def _commit(ref: Ref, body: _Body, chunks: Mapping[int, tuple[Ref, Mapping[str, Any]]]) -> Round:
    pools_obj = body.obj("pools") or {}
    pools_body = body.sub("pools", pools_obj)
    order = {name: n for n, name in enumerate(POOL_LABELS)}
    pools = tuple(
        _frozen(pools_body, name, v)
        for name, v in sorted(pools_obj.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    )
    avoid_obj = body.obj("avoidance", optional=True)
    avoidance = _frozen(body, "avoidance", avoid_obj) if avoid_obj is not None else None
    for frozen in (*pools, *((avoidance,) if avoidance else ())):
        _check_chunks(ref, frozen, chunks)
    redraw_obj = body.obj("redraw", optional=True)
    redraw = None
    if redraw_obj is not None:
        sub = body.sub("redraw", redraw_obj)
        redraw = Redraw(
            replaces=sub.int("replaces", optional=True),
            reason=sub.req_str("reason"),
            approver=sub.req_str("approver"),
        )
    manual: list[tuple[str, int, int]] = []
    for pool, counts in sorted((body.obj("manual", optional=True) or {}).items()):
        sub = body.sub(f"manual.{pool}", counts)
        manual.append((pool, sub.req_int("added"), sub.req_int("removed")))
    number = body.req_int("round", minimum=1)
    if number > 1 and redraw is None:
        raise body.fail(
            "redraw", "record.redraw-reason", "is required for round > 1 (a redraw needs an approved reason)"
        )
    return Round(
        number=number,
        commit=ref,
        spec=body.req_str("spec"),
        pools=pools,
        avoidance=avoidance,
        commitments=_party_values(body, "commitments", "commitment"),
        beacon=_beacon(body, "beacon", with_value=False),
        redraw=redraw,
        parent_draw=body.int("parent_draw", optional=True),
        manual=tuple(manual),
    )


def _check_chunks(ref: Ref, frozen: Frozen, chunks: Mapping[int, tuple[Ref, Mapping[str, Any]]]) -> None:
    """The chunk entries a commit cites exist, are in order, and hold ``size`` rows (DR-3)."""
    if frozen.first is None or frozen.count is None:
        return
    kind = "draw.avoidance" if frozen.name == "avoidance" else "draw.pool.members"
    rows_key = "pairs" if frozen.name == "avoidance" else "rows"
    total = 0
    for n in range(frozen.count):
        index = frozen.first + n
        if index not in chunks or chunks[index][0].kind != kind:
            where = "avoidance" if frozen.name == "avoidance" else f"pools.{frozen.name}"
            raise InvalidInput(
                f"log entry {ref.index}: {frozen.name} cites entry {index}, not a {kind} chunk of this task",
                field=f"log[{ref.index}].body.{where}.entries",
                rule="record.chunk-missing",
                index=ref.index,
                cited=index,
            )
        body = _Body(index, kind, chunks[index][1])
        if kind == "draw.pool.members" and body.req_str("pool") != frozen.name:
            raise body.fail("pool", "record.chunk-order", f"must be {frozen.name}")
        if body.req_int("chunk") != n or body.req_int("chunks", minimum=1) != frozen.count:
            raise body.fail("chunk", "record.chunk-order", f"must be chunk {n} of {frozen.count}")
        total += len(body.list(rows_key) or [])
    if total != frozen.size:
        raise InvalidInput(
            f"log entry {ref.index}: {frozen.name} size {frozen.size} but its chunks hold {total} rows",
            field=f"log[{ref.index}].body.pools.{frozen.name}.size",
            rule="record.pool-size",
            index=ref.index,
            size=frozen.size,
            rows=total,
        )


def _joined_result(
    ref: Ref, body: _Body, chunks: Mapping[int, tuple[Ref, Mapping[str, Any]]]
) -> dict[str, Any]:
    span = body.span("parts", optional=True)
    if span is None:
        return dict(body.obj("result") or {})
    joined: dict[str, Any] = {}
    for n in range(span[1]):
        index = span[0] + n
        if index not in chunks or chunks[index][0].kind != "draw.result.part":
            raise InvalidInput(
                f"log entry {ref.index}: parts cite entry {index}, not a draw.result.part",
                field=f"log[{ref.index}].body.parts",
                rule="record.chunk-missing",
                index=ref.index,
                cited=index,
            )
        part = _Body(index, "draw.result.part", chunks[index][1])
        if part.req_int("chunk") != n or part.req_int("chunks", minimum=1) != span[1]:
            raise part.fail("chunk", "record.chunk-order", f"must be chunk {n} of {span[1]}")
        for key, value in (part.obj("result") or {}).items():
            if isinstance(value, list):
                joined.setdefault(key, []).extend(value)
            else:
                joined[key] = value
    return joined


def _result(ref: Ref, body: _Body, chunks: Mapping[int, tuple[Ref, Mapping[str, Any]]]) -> Result:
    res = body.sub("result", _joined_result(ref, body, chunks))
    teams: list[Team] = []
    for n, item in enumerate(res.list("teams", optional=True) or []):
        t = res.sub(f"teams[{n}]", item)
        teams.append(
            Team(
                no=t.req_int("no", minimum=1),
                leader=t.str("leader", optional=True),
                members=t.codes("members"),
                targets=t.codes("targets", optional=True),
            )
        )
    experts: list[ExpertPick] = []
    for n, item in enumerate(res.list("experts", optional=True) or []):
        x = res.sub(f"experts[{n}]", item)
        experts.append(ExpertPick(code=x.req_str("code"), position=x.req_int("position")))
    counts_obj = body.obj("counts", optional=True) or {}
    counts = []
    for key, value in sorted(counts_obj.items()):
        if isinstance(value, bool) or not isinstance(value, int):
            raise body.fail(f"counts.{key}", "record.field-type", "must be an integer")
        counts.append((key, value))
    return Result(
        ref=ref,
        commit=body.req_int("commit"),
        reveals=_party_values(body, "reveals", "secret"),
        beacon=_beacon(body, "beacon", with_value=True),
        seed=body.hex("seed") or "",
        targets=res.codes("targets", optional=True),
        teams=tuple(teams),
        experts=tuple(experts),
        position=res.int("position", optional=True),
        counts=tuple(counts),
        parts=body.span("parts"),
    )


def _event(ref: Ref, body: _Body) -> Event:
    """One row of the events table; fields per entries.md §2, §5."""
    category, label = EVENT_KINDS.get(ref.kind, ("other", ref.kind))
    rnd = body.int("round", optional=True, minimum=1) if "round" in body.body else None
    kind = ref.kind
    if kind == "task.create":
        return Event(ref, category, label, detail=body.str("title"))
    if kind == "task.pool.build":
        return Event(
            ref,
            category,
            label,
            subject=body.str("pool"),
            detail=f"{body.str('source')} · {body.int('count')}",
        )
    if kind in ("task.pool.add", "task.pool.remove"):
        return Event(
            ref,
            category,
            label,
            subject=body.str("member"),
            reason=body.str("reason"),
            detail=body.str("pool"),
        )
    if kind == "draw.commit":
        redraw = body.obj("redraw", optional=True)
        if redraw is not None:
            sub = body.sub("redraw", redraw)
            replaces = sub.int("replaces", optional=True)
            return Event(
                ref,
                "redraw",
                "重新抽取（承诺）",
                round=rnd,
                reason=sub.str("reason"),
                approver=sub.str("approver"),
                detail=f"取代日志 #{replaces} 的抽取结果" if replaces is not None else "前一轮未抽取",
            )
        return Event(ref, category, label, round=rnd)
    if kind == "draw.result":
        body.hex("seed")
        return Event(ref, category, label, round=rnd, detail=f"种子等见第 {rnd} 轮")
    if kind == "draw.expert.response":
        response = body.req_str("response")
        if response not in RESPONSES:
            raise body.fail("response", "record.field-enum", "must be accepted, declined or no_answer")
        return Event(
            ref,
            response,
            f"专家{RESPONSES[response]}",
            round=rnd,
            subject=body.str("expert"),
            reason=body.str("reason", optional=True),
            detail=f"答复期限 {deadline}" if (deadline := body.str("deadline", optional=True)) else None,
        )
    if kind == "draw.expert.topup":
        picks = []
        for n, item in enumerate(body.list("experts") or []):
            x = body.sub(f"experts[{n}]", item)
            picks.append(f"{x.req_str('code')}@{x.req_int('position')}")
        return Event(
            ref,
            category,
            label,
            round=rnd,
            items=tuple(picks),
            detail=f"自随机流位置 {body.int('from')} 续抽",
        )
    if kind == "draw.designate":
        return Event(
            ref,
            category,
            label,
            round=rnd,
            subject=body.str("person"),
            reason=body.str("reason"),
            approver=body.str("approver"),
            detail=body.str("role"),
        )
    if kind == "draw.replace":
        method = body.req_str("method")
        detail = f"方式 {method}"
        swap = body.obj("swap", optional=True)
        if swap is not None:
            s = body.sub("swap", swap)
            detail += f" · 组 {'/'.join(str(t) for t in (s.list('teams') or []))} 互换 " + "/".join(
                s.codes("targets")
            )
        if body.int("team", optional=True) is not None:
            detail += f" · 第 {body.int('team', optional=True)} 组"
        return Event(
            ref,
            category,
            label,
            round=rnd,
            subject=body.str("out", optional=True),
            replacement=body.str("in", optional=True),
            reason=body.str("reason"),
            approver=body.str("approver"),
            detail=detail,
        )
    if kind == "task.lock":
        return Event(ref, category, label, round=rnd, detail=f"锁定日志 #{body.int('draw')} 的抽取结果")
    if kind == "task.dispatch":
        units = body.obj("units") or {}
        items = tuple(
            f"{unit}: {len(v) if isinstance(v, list) else '?'}" for unit, v in sorted(units.items())
        )
        return Event(ref, category, label, round=rnd, items=items, detail=f"按 {body.str('by')}")
    if kind == "inspection.record":
        return Event(
            ref,
            category,
            label,
            subject=body.str("target"),
            reason=body.str("reason", optional=True),
            detail=body.str("kind"),
        )
    return Event(ref, "other", kind, round=rnd if isinstance(rnd, int) else None)


def build_record(indexed: Iterable[tuple[int, Mapping[str, Any]]]) -> DrawRecord:
    """Build the draw record of one task from its log entries (DR-1 … DR-6).

    ``indexed`` is every log entry of the task as ``(log index, entry)``; order does not matter,
    duplicates and entries of another task are refused. Raises ``NotFound`` without a
    ``task.create`` entry, ``InvalidInput`` (field ``log[i].body.x``) for a malformed figure.
    """
    items = sorted(((i, e) for i, e in indexed), key=lambda p: p[0] if isinstance(p[0], int) else -1)
    if not items:
        raise NotFound("no log entries for this task", field="entries", rule="record.empty")
    refs: list[tuple[Ref, _Body]] = []
    seen: set[int] = set()
    task_id: str | None = None
    for index, entry in items:
        ref, body = _envelope(index, entry)
        if index in seen:
            raise InvalidInput(
                f"log index {index} given twice",
                field=f"log[{index}]",
                rule="record.duplicate-index",
                index=index,
            )
        seen.add(index)
        reader = _Body(index, ref.kind, body)
        this_task = reader.req_str("task")
        if task_id is None:
            task_id = this_task
        elif this_task != task_id:
            raise InvalidInput(
                f"log entry {index} belongs to another task",
                field=f"log[{index}].body.task",
                rule="record.one-task",
                index=index,
            )
        refs.append((ref, reader))
    assert task_id is not None
    qr.check_task_id(task_id)

    chunks = {ref.index: (ref, body.body) for ref, body in refs if ref.kind in CHUNK_KINDS}
    task: TaskInfo | None = None
    rounds: dict[int, Round] = {}
    events: list[Event] = []
    experts: dict[int, list[ExpertLine]] = {}  # round → lines, in log order
    responses: dict[tuple[int, str], tuple[str, int]] = {}
    for ref, body in refs:
        if ref.kind in CHUNK_KINDS:
            continue
        if ref.kind == "task.create":
            if task is not None:
                raise InvalidInput(
                    f"log entry {ref.index}: a second task.create for {task_id}",
                    field=f"log[{ref.index}].kind",
                    rule="record.one-create",
                    index=ref.index,
                )
            task = _task(ref, body)
        elif ref.kind == "draw.commit":
            rnd = _commit(ref, body, chunks)
            if rnd.number in rounds:
                raise body.fail("round", "record.round-order", f"round {rnd.number} committed twice")
            if rnd.number != len(rounds) + 1:
                raise body.fail("round", "record.round-order", f"must be {len(rounds) + 1}")
            rounds[rnd.number] = rnd
        elif ref.kind == "draw.result":
            number = body.req_int("round", minimum=1)
            committed = rounds.get(number)
            if committed is None or committed.result is not None:
                raise body.fail("round", "record.round-order", "must name a committed, not yet drawn round")
            result = _result(ref, body, chunks)
            if result.commit != committed.commit.index:
                raise body.fail("commit", "record.commit-index", f"must be {committed.commit.index}")
            rounds[number] = replace(committed, result=result)
            experts[number] = [ExpertLine(x.code, "draw", x.position, ref.index) for x in result.experts]
        event = _event(ref, body)
        if ref.kind == "draw.expert.response" and event.round is not None and event.subject is not None:
            responses[(event.round, event.subject)] = (event.category, ref.index)
        elif ref.kind == "draw.expert.topup" and event.round is not None:
            for n, item in enumerate(body.list("experts") or []):
                x = body.sub(f"experts[{n}]", item)
                experts.setdefault(event.round, []).append(
                    ExpertLine(x.req_str("code"), "topup", x.req_int("position"), ref.index)
                )
        elif ref.kind == "draw.designate" and body.str("role") == "expert" and event.round is not None:
            experts.setdefault(event.round, []).append(
                ExpertLine(body.req_str("person"), "designate", None, ref.index)
            )
        events.append(event)
    if task is None:
        raise NotFound(
            f"task {task_id} has no task.create entry among those given",
            field="entries",
            rule="record.no-create",
        )

    for number, lines in experts.items():
        if number in rounds:
            answered = [
                replace(
                    x, response=responses[(number, x.code)][0], response_index=responses[(number, x.code)][1]
                )
                if (number, x.code) in responses
                else x
                for x in lines
            ]
            rounds[number] = replace(rounds[number], experts=tuple(answered))
    ordered_rounds = tuple(rounds[n] for n in sorted(rounds))
    return DrawRecord(
        spec=RECORD_SPEC,
        task=task,
        rounds=ordered_rounds,
        events=tuple(events),
        operators=_operators(r for r, _ in refs),
        witnesses=_witnesses(ordered_rounds),
        discipline_actors=_operators(r for r, _ in refs if r.actor.role == "discipline"),
        first_index=refs[0][0].index,
        last_index=refs[-1][0].index,
        entry_count=len(refs),
        anchor_index=_anchor(ordered_rounds, task),
    )


def _task(ref: Ref, body: _Body) -> TaskInfo:
    period = body.sub("period", body.obj("period"))
    items: list[str] = []
    for n, item in enumerate(body.list("check_items") or []):
        sub = body.sub(f"check_items[{n}]", item)
        items.append(f"{sub.req_str('department')}:{sub.req_str('code')}")
    return TaskInfo(
        ref=ref,
        task=body.req_str("task"),
        parent=body.str("parent", optional=True),
        unit=body.str("unit", optional=True),
        title=body.req_str("title"),
        year=body.req_int("year"),
        period_start=period.req_str("start"),
        period_end=period.req_str("end"),
        organiser=body.req_str("organiser"),
        departments=body.codes("departments"),
        check_items=tuple(items),
    )


def _operators(refs: Iterable[Ref]) -> tuple[OperatorActs, ...]:
    acts: dict[Operator, list[int]] = {}
    for ref in refs:
        acts.setdefault(ref.actor, []).append(ref.index)
    return tuple(OperatorActs(op, tuple(ix)) for op, ix in acts.items())


def _witnesses(rounds: Sequence[Round]) -> tuple[Witness, ...]:
    out: list[Witness] = []
    for rnd in rounds:
        for c in rnd.commitments:
            if c.party != "discipline":
                continue
            secret = None
            if rnd.result is not None:
                secret = next((r.value for r in rnd.result.reveals if r.party == "discipline"), None)
            out.append(
                Witness(
                    round=rnd.number,
                    department=c.department,
                    commitment=c.value,
                    commit_index=rnd.commit.index,
                    secret=secret,
                    result_index=rnd.result.ref.index if rnd.result else None,
                )
            )
    return tuple(out)


def _anchor(rounds: Sequence[Round], task: TaskInfo) -> int:
    """DR-9: the current round's ``draw.result``; undrawn: its ``draw.commit``; else ``task.create``."""
    if not rounds:
        return task.ref.index
    current = rounds[-1]
    return current.result.ref.index if current.result else current.commit.index


# --------------------------------------------------------------------------- HTML


TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(record: DrawRecord, *, verify_base_url: str) -> str:
    """The printable page (A4, 中文 labels, signature blanks, QR code) as one HTML document."""
    url = record_url(record, verify_base_url=verify_base_url)
    return (
        _environment()
        .get_template("draw_record.html")
        .render(
            r=record,
            verify_url=url,
            qr_data_uri=qr.png_data_uri(url),
            pool_labels=POOL_LABELS,
        )
    )


# --------------------------------------------------------------------------- PDF


def render_pdf(record: DrawRecord, *, verify_base_url: str, font: record_pdf.CjkFont | None = None) -> bytes:
    """The same record as an A4 PDF (fpdf2), Chinese set in ``font`` (default: :func:`find_cjk_font`)."""
    from drawsvc.tasks import record_pdf  # fpdf2 and fontTools load only when a PDF is wanted

    font = font or record_pdf.find_cjk_font()
    url = record_url(record, verify_base_url=verify_base_url)
    return record_pdf.layout(record, font=font, url=url, qr_png=qr.png_bytes(url), created=_created(record))


def _created(record: DrawRecord) -> datetime | None:
    """The PDF's CreationDate: the ``at`` of the last entry shown, so the bytes are reproducible."""
    last = max((e.ref for e in record.events), key=lambda r: r.index, default=record.task.ref)
    try:
        return datetime.fromisoformat(last.at)
    except ValueError:
        return None
