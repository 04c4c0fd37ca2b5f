"""Building the draw record (pure): ``[(log index, entry dict), ...]`` of one task → :class:`DrawRecord`.

Strict about what it reads (typed :class:`~drawsvc.errors.InvalidInput` naming the log index and
field), tolerant of what it does not know (an unknown kind of the task is listed, never hidden;
unknown body members are ignored). Rules DR-1 … DR-6, DR-12: docs/specs/draw-record.md."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from drawsvc.errors import InvalidInput, NotFound
from drawsvc.journal import ENTRY_SCHEMA
from drawsvc.tasks import seal
from drawsvc.tasks.record import final as fin
from drawsvc.tasks.record import qr
from drawsvc.tasks.record.model import (
    CHUNK_KINDS,
    EVENT_KINDS,
    HEX,
    HEX64,
    POOL_LABELS,
    RECORD_SPEC,
    RESPONSES,
    Beacon,
    Designation,
    DrawRecord,
    Event,
    ExpertLine,
    Experts,
    Frozen,
    Inspection,
    Operator,
    OperatorActs,
    PartyValue,
    Redraw,
    Ref,
    Result,
    Round,
    Sealed,
    TaskInfo,
    Team,
    Witness,
)
from ledger.errors import LedgerError

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


def _frozen(body: _Body, name: str, value: Any) -> Frozen:
    sub = body.sub(name, value)
    span = sub.span("entries", optional=True)
    return Frozen(
        name=name,
        size=sub.req_int("size"),
        root=sub.hex("root") or "",
        first=span[0] if span else None,
        count=span[1] if span else None,
        salt_commitment=sub.hex("salt_commitment", optional=True),
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


Chunks = Mapping[int, tuple[Ref, Mapping[str, Any]]]  # chunk entries of the task by log index


def _commit(ref: Ref, body: _Body, chunks: Chunks) -> Round:
    """A ``draw.commit`` (entries.md §4): frozen pools, commitments, announced beacon, redraw."""
    pools_obj = body.obj("pools") or {}
    pools_body = body.sub("pools", pools_obj)
    order = {name: n for n, name in enumerate(POOL_LABELS)}
    ordered = sorted(pools_obj.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    pools = tuple(_frozen(pools_body, name, v) for name, v in ordered)
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
        added, removed = sub.req_int("added"), sub.req_int("removed")
        if added or removed:
            manual.append((pool, added, removed))
    designated = []
    for n, item in enumerate(body.list("designated", optional=True) or []):
        sub = body.sub(f"designated[{n}]", item)
        designated.append(Designation(sub.req_str("id"), sub.req_str("reason"), sub.req_str("approver")))
    rotation = []
    for n, item in enumerate(body.list("rotation", optional=True) or []):
        sub = body.sub(f"rotation[{n}]", item)
        rotation.append((sub.req_int("draw"), sub.codes("panel")))
    number = body.req_int("round", minimum=1)
    if number > 1 and redraw is None:
        raise body.fail("redraw", "record.redraw-reason", "is required for round > 1 (an approved reason)")
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
        designated=tuple(designated),
        rotation=tuple(rotation),
    )


def _chunk_bodies(ref: Ref, where: str, kind: str, span: tuple[int, int], chunks: Chunks) -> list[_Body]:
    """The chunks ``span = (first, count)`` cited at ``where``: present, of ``kind``, in order (DR-3)."""
    first, count = span
    out = []
    for n in range(count):
        index = first + n
        if index not in chunks or chunks[index][0].kind != kind:
            raise InvalidInput(
                f"log entry {ref.index}: {where} cites entry {index}, not a {kind} chunk of this task",
                field=f"log[{ref.index}].body.{where}",
                rule="record.chunk-missing",
                index=ref.index,
                cited=index,
            )
        body = _Body(index, kind, chunks[index][1])
        if body.req_int("chunk") != n or body.req_int("chunks", minimum=1) != count:
            raise body.fail("chunk", "record.chunk-order", f"must be chunk {n} of {count}")
        out.append(body)
    return out


def _check_chunks(ref: Ref, frozen: Frozen, chunks: Chunks) -> None:
    """A frozen pool's chunks hold exactly ``size`` rows (avoidance: ``size`` tags) (DR-3)."""
    if frozen.first is None or frozen.count is None:
        return
    avoidance = frozen.name == "avoidance"
    where = "avoidance.entries" if avoidance else f"pools.{frozen.name}.entries"
    kind = "draw.avoidance" if avoidance else "draw.pool.members"
    total = 0
    for body in _chunk_bodies(ref, where, kind, (frozen.first, frozen.count), chunks):
        if not avoidance and body.req_str("pool") != frozen.name:
            raise body.fail("pool", "record.chunk-order", f"must be {frozen.name}")
        total += len(body.list("tags") or []) if avoidance else _pool_chunk_size(body)
    if total != frozen.size:
        raise InvalidInput(
            f"log entry {ref.index}: {frozen.name} size {frozen.size} but its chunks hold {total}",
            field=f"log[{ref.index}].body.{where.removesuffix('.entries')}.size",
            rule="record.pool-size",
            index=ref.index,
            size=frozen.size,
            rows=total,
        )


USCC_LENGTH = 18


def _pool_chunk_size(body: _Body) -> int:
    """Members in one ``draw.pool.members`` chunk: ``rows``, or a targets chunk's ``ids`` column
    (concatenated 18-character USCCs, entries.md §4)."""
    if "rows" in body.body:
        return len(body.list("rows") or [])
    ids = body.req_str("ids")
    if len(ids) % USCC_LENGTH:
        raise body.fail("ids", "record.field-type", f"must be {USCC_LENGTH}-character USCCs, concatenated")
    return len(ids) // USCC_LENGTH


def _joined_result(ref: Ref, body: _Body, chunks: Chunks) -> Mapping[str, Any]:
    """``result``, or the RFC 8785 JSON text of the cited ``draw.result.part`` entries joined (E-6)."""
    span = body.span("parts", optional=True)
    if span is None:
        return body.obj("result") or {}
    text = []
    for part in _chunk_bodies(ref, "parts", "draw.result.part", span, chunks):
        if part.req_int("round", minimum=1) != body.req_int("round", minimum=1):
            raise part.fail("round", "record.chunk-order", "must be the round of the result it belongs to")
        text.append(part.req_str("text"))
    try:
        joined = json.loads("".join(text))
    except json.JSONDecodeError:
        joined = None
    if not isinstance(joined, dict):
        raise body.fail("parts", "record.result-text", "cite parts whose text is not one JSON object")
    return joined


def _inspection(res: _Body) -> Inspection | None:
    obj = res.obj("inspection", optional=True)
    if obj is None:
        return None
    ins = res.sub("inspection", obj)
    targets = ins.sub("targets", ins.obj("targets"))
    teams: list[Team] = []
    teams_position = None
    teams_obj = ins.obj("teams", optional=True)
    if teams_obj is not None:
        tm = ins.sub("teams", teams_obj)
        teams_position = tm.int("position", optional=True)
        for n, item in enumerate(tm.list("assignments") or []):
            a = tm.sub(f"assignments[{n}]", item)
            members, leaders, designated = [], [], []
            for k, m in enumerate(a.list("members") or []):
                mb = a.sub(f"members[{k}]", m)
                code = mb.req_str("id")
                members.append(code)
                if mb.get("leader") is True:
                    leaders.append(code)
                if mb.get("designated", optional=True) is True:
                    designated.append(code)
            teams.append(
                Team(
                    no=n + 1,
                    target=a.req_str("target"),
                    leader=leaders[0] if leaders else None,
                    members=tuple(members),
                    designated=tuple(designated),
                )
            )
    return Inspection(
        seed=ins.hex("seed") or "",
        eligible=targets.int("eligible", optional=True),
        selected=targets.codes("selected"),
        teams=tuple(teams),
        teams_position=teams_position,
    )


def _experts(res: _Body) -> Experts | None:
    obj = res.obj("experts", optional=True)
    if obj is None:
        return None
    exp = res.sub("experts", obj)
    part = exp.sub("experts", exp.obj("experts"))
    designated = []
    for n, item in enumerate(part.list("designated") or []):
        designated.append(part.sub(f"designated[{n}]", item).req_str("id"))
    return Experts(
        seed=exp.hex("seed") or "",
        pool=exp.req_str("pool"),
        group=exp.req_str("group"),
        headcount=part.req_int("headcount"),
        designated=tuple(designated),
        sat_out=part.codes("sat_out"),
        sequence=part.codes("sequence"),
        panel=part.codes("panel"),
        position=part.int("position", optional=True),
    )


def _result(ref: Ref, body: _Body, chunks: Chunks) -> Result:
    """A ``draw.result`` (entries.md §4) with the parts of the engine result the record shows."""
    res = body.sub("result", _joined_result(ref, body, chunks))
    counts = []
    for key, value in sorted((body.obj("counts", optional=True) or {}).items()):
        if isinstance(value, bool) or not isinstance(value, int):
            raise body.fail(f"counts.{key}", "record.field-type", "must be an integer")
        counts.append((key, value))
    return Result(
        ref=ref,
        commit=body.req_int("commit"),
        reveals=_party_values(body, "reveals", "secret"),
        beacon=_beacon(body, "beacon", with_value=True),
        avoidance_salt=body.hex("avoidance_salt", optional=True, digest=False),
        seed=body.hex("seed") or "",
        inspection=_inspection(res),
        experts=_experts(res),
        counts=tuple(counts),
        parts=body.span("parts"),
    )


REPLACE_MODES = {"refill": "补位", "swap": "互换"}
TOPUP_REASONS = {"declined": "拒绝", "no-answer": "未应答"}


def _event(ref: Ref, body: _Body) -> Event:
    """One row of the events table; fields per entries.md §2, §5."""
    category, label = EVENT_KINDS.get(ref.kind, ("other", ref.kind))
    rnd = body.int("round", optional=True, minimum=1)
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
            detail = f"取代日志 #{replaces} 的抽取结果" if replaces is not None else "前一轮未抽取"
            return Event(
                ref,
                "redraw",
                "重新抽取（承诺）",
                round=rnd,
                reason=sub.str("reason"),
                approver=sub.str("approver"),
                detail=detail,
            )
        return Event(ref, category, label, round=rnd)
    if kind == "draw.result":
        body.hex("seed")
        return Event(ref, category, label, round=rnd, detail=f"种子等见第 {rnd} 轮")
    if kind == "draw.expert.response":
        response = body.req_str("response")
        if response not in RESPONSES:
            raise body.fail("response", "record.field-enum", "must be accepted, declined or no_answer")
        deadline = body.str("deadline", optional=True)
        return Event(
            ref,
            response,
            f"专家{RESPONSES[response]}",
            round=rnd,
            subject=body.str("expert"),
            reason=body.str("reason", optional=True),
            detail=f"答复期限 {deadline}" if deadline else None,
        )
    if kind == "draw.expert.topup":
        ev = body.sub("event", body.obj("event"))
        why = ev.req_str("reason")
        return Event(
            ref,
            category,
            label,
            round=rnd,
            subject=ev.req_str("expert"),
            replacement=ev.req_str("replacement"),
            detail=f"{TOPUP_REASONS.get(why, why)}后补抽；随机流 {ev.int('position_before')}→"
            f"{ev.int('position')}"
            + (f"；答复期限 {deadline}" if (deadline := body.str("deadline", optional=True)) else ""),
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
            detail=_designation(body),
        )
    if kind == "draw.replace":
        ev = body.sub("event", body.obj("event"))
        mode = ev.req_str("mode")
        detail = f"检查对象 {ev.req_str('target')} · {REPLACE_MODES.get(mode, mode)}"
        if (swap := ev.str("swap_target", optional=True)) is not None:
            detail += f"（与 {swap} 组互换）"
        if body.get("avoidance", optional=True) is True:
            detail += " · 回避"
        return Event(
            ref,
            category,
            label,
            round=rnd,
            subject=ev.req_str("person"),
            replacement=ev.req_str("replacement"),
            reason=ev.req_str("reason"),
            approver=ev.req_str("approver"),
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
    return Event(ref, "other", kind, round=rnd)


def _designation(body: _Body) -> str:
    """``draw.designate``: an expert before the commitment, or a team leader after the draw (DRAW-44a)."""
    role = body.req_str("role")
    if role == "leader":
        eligible = "" if body.get("leader_eligible", optional=True) is not False else "（非组长资格人员）"
        return f"指定组长：检查对象 {body.req_str('target')}{eligible}"
    return "指定专家" if role == "expert" else role


def build_record(indexed: Iterable[tuple[int, Mapping[str, Any]]]) -> DrawRecord:
    """Build the draw record of one task from its log entries (DR-1 … DR-6).

    ``indexed`` is every log entry of the task as ``(log index, entry)``; order does not matter,
    duplicates and entries of another task are refused. Raises ``NotFound`` without a
    ``task.create`` entry, ``InvalidInput`` (field ``log[i].body.x``) for a malformed figure.
    """
    items = sorted(indexed, key=lambda p: p[0] if isinstance(p[0], int) else -1)
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
    topups: dict[int, list[ExpertLine]] = {}
    responses: dict[tuple[int, str], tuple[str, int]] = {}
    sealed_bodies: dict[int, tuple[Ref, _Body]] = {}
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
        elif ref.kind == "draw.sealed":
            number = body.req_int("round", minimum=1)
            committed = rounds.get(number)
            if committed is None or committed.result is not None or committed.sealed is not None:
                raise body.fail("round", "record.round-order", "must name a committed, not yet drawn round")
            if body.req_int("commit") != committed.commit.index:
                raise body.fail("commit", "record.commit-index", f"must be {committed.commit.index}")
            rounds[number] = replace(committed, sealed=_sealed(ref, body))
            sealed_bodies[number] = (ref, body)
        elif ref.kind == "draw.disclose":
            number = body.req_int("round", minimum=1)
            committed = rounds.get(number)
            if committed is None or committed.sealed is None or committed.sealed.disclosed is not None:
                raise body.fail("round", "record.round-order", "must name a sealed, undisclosed round")
            if body.req_int("sealed") != committed.sealed.index:
                raise body.fail("sealed", "record.commit-index", f"must be {committed.sealed.index}")
            rounds[number] = _disclosed(committed, ref, body, sealed_bodies[number], chunks)
        event = _event(ref, body)
        if ref.kind == "draw.expert.response" and event.round is not None and event.subject is not None:
            responses[(event.round, event.subject)] = (event.category, ref.index)
        elif ref.kind == "draw.expert.topup" and event.round is not None:
            ev = body.sub("event", body.obj("event"))
            order = f"随机流 {ev.int('position_before')}→{ev.int('position')}"
            topups.setdefault(event.round, []).append(
                ExpertLine(event.replacement or "", "topup", order, ref.index, replaces=event.subject)
            )
        events.append(event)
    if task is None:
        raise NotFound(
            f"task {task_id} has no task.create entry among those given",
            field="entries",
            rule="record.no-create",
        )
    for number, rnd in rounds.items():
        rounds[number] = replace(rnd, experts=_roster(rnd, topups.get(number, []), responses))
    ordered_rounds = tuple(rounds[n] for n in sorted(rounds))
    final = None
    if ordered_rounds and ordered_rounds[-1].result is not None:
        final, previous = _final(ordered_rounds[-1], dict(items))
        events = [_with_previous(e, previous.get(e.ref.index)) for e in events]
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
        final=final,
    )


def _sealed(ref: Ref, body: _Body) -> Sealed:
    sub = body.sub("sealed", body.obj("sealed"))
    opens = sub.sub("opens", sub.obj("opens"))
    return Sealed(
        index=ref.index,
        commitment=sub.hex("commitment") or "",
        opens_date=opens.str("date", optional=True),
        opens_event=opens.str("event", optional=True),
    )


def _disclosed(
    rnd: Round, ref: Ref, body: _Body, sealed: tuple[Ref, _Body], chunks: Chunks
) -> Round:
    """A ``draw.disclose``: the round's result is the disclosed plaintext's (shown as the draw at
    the ``draw.sealed`` index, with the sealed counts); whether it opens the commitment is shown."""
    sealed_ref, sealed_body = sealed
    span = body.span("parts", optional=True)
    if span is None:
        plaintext = body.obj("plaintext") or {}
    else:
        parts = _chunk_bodies(ref, "parts", "draw.disclose.part", span, chunks)
        try:
            plaintext = json.loads("".join(part.req_str("text") for part in parts))
        except json.JSONDecodeError:
            raise body.fail("parts", "record.result-text", "cite parts whose text is not JSON") from None
    opened = body.sub("plaintext", plaintext)
    salt = body.hex("salt")
    assert rnd.sealed is not None
    try:
        opens = seal.commitment(bytes.fromhex(salt or ""), opened.body) == rnd.sealed.commitment
    except (ValueError, TypeError, LedgerError):  # a salt or plaintext that cannot be hashed
        opens = False
    keys = ("commit", "reveals", "beacon", "avoidance_salt", "seed")
    view = {k: opened.get(k, optional=True) for k in keys}
    view.update(round=rnd.number, result=opened.obj("result"), parts=None, counts=sealed_body.get("counts"))
    result = _result(sealed_ref, _Body(ref.index, ref.kind, view, prefix="plaintext."), chunks)
    how = body.sub("opened", body.obj("opened"))
    return replace(
        rnd,
        result=result,
        sealed=replace(
            rnd.sealed,
            disclosed=ref.index,
            salt=salt,
            opened_on=how.str("on"),
            opened_by=how.str("by"),
            reason=how.str("reason", optional=True),
            opens_commitment=opens,
        ),
    )


def _final(rnd: Round, entries: Mapping[int, Mapping[str, Any]]) -> tuple[fin.Final, dict[int, str | None]]:
    """DR-12: the current round with its replacements, leader designations and top-ups applied
    by the verifier's replay; the previous leader of each designation (for its event row)."""
    result = rnd.result
    assert result is not None
    base = fin.Final(
        round=rnd.number,
        draw_index=result.ref.index,
        has_teams=bool(result.inspection and result.inspection.teams),
        has_experts=result.experts is not None,
    )
    try:
        replayed = fin.replay_current(entries, result.ref.index)
    except fin.ReplayFailed as exc:
        return replace(base, error=exc.message, error_index=exc.index), {}
    panel, left = fin.panel(replayed)
    return (
        replace(
            base,
            applied=tuple(f.index for f in replayed.applied),
            teams=fin.final_teams(replayed),
            experts=_final_experts(rnd.experts, panel, left),
        ),
        fin.designation_previous(replayed),
    )


def _final_experts(
    roster: Sequence[ExpertLine], panel: Sequence[str], left: Sequence[str]
) -> tuple[fin.FinalExpert, ...]:
    """The current panel in seat order, then those who left it, from the round's roster lines."""
    lines = {x.code: x for x in roster}
    successors = {x.replaces: x for x in roster if x.source == "topup" and x.replaces}
    out = []
    for code, seated in [*((c, True) for c in panel), *((c, False) for c in left)]:
        line = lines.get(code) or ExpertLine(code, "draw", "", 0)
        status = line.response or ("invited" if seated else "declined")
        after = successors.get(code)
        out.append(
            fin.FinalExpert(
                code=code,
                seated=seated,
                status=status,
                source=line.source_label + (f"（接替 {line.replaces}）" if line.replaces else ""),
                index=line.index,
                response_index=line.response_index,
                successor=after.code if after and not seated else None,
                successor_index=after.index if after and not seated else None,
            )
        )
    return tuple(out)


def _with_previous(event: Event, previous: str | None) -> Event:
    """A leader designation's event row names the leader it replaced (REC-3)."""
    if event.ref.kind != "draw.designate" or previous is None or event.detail is None:
        return event
    return replace(event, detail=f"{event.detail}；原组长 {previous}")


def _roster(
    rnd: Round, topups: Sequence[ExpertLine], responses: Mapping[tuple[int, str], tuple[str, int]]
) -> tuple[ExpertLine, ...]:
    """The round's experts (DR-4): designated, drawn in sequence, topped up; each with its answer."""
    if rnd.result is None or rnd.result.experts is None:
        return ()
    exp, index = rnd.result.experts, rnd.result.ref.index
    lines = [ExpertLine(code, "designate", "", index) for code in exp.designated]
    lines += [ExpertLine(code, "draw", f"第 {k} 位", index) for k, code in enumerate(exp.sequence, 1)]
    lines += topups
    out = []
    for line in lines:
        answer = responses.get((rnd.number, line.code))
        out.append(replace(line, response=answer[0], response_index=answer[1]) if answer else line)
    return tuple(out)


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
        params=_params_summary(body.obj("params", optional=True) or {}),
    )


def _params_summary(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The draw parameters (entries.md §3) in words; members of an unexpected type are left out."""

    def num(obj: Any, key: str) -> int | None:
        value = obj.get(key) if isinstance(obj, Mapping) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    out = []
    targets, teams, experts = params.get("targets"), params.get("teams"), params.get("experts")
    if isinstance(targets, Mapping):
        if targets.get("mode") == "all":
            line = "检查对象：全部（分派份额）"
        elif (count := num(targets, "count")) is not None:
            line = f"检查对象：抽取 {count} 户"
        elif (ratio := num(targets, "ratio_bp")) is not None:
            line = f"检查对象：抽取比例 {ratio / 100:g}%"
        else:
            line = "检查对象：按信用分类比例"
        strata = targets.get("strata")
        if isinstance(strata, list) and strata and all(isinstance(x, str) for x in strata):
            line += f"，分层 {'/'.join(strata)}"
        if (cap := num(targets, "cap_per_year")) is not None:
            line += f"，每户每年至多 {cap} 次"
        out.append(line)
    if isinstance(teams, Mapping) and (size := num(teams, "size")) is not None:
        depts = teams.get("departments")
        joint = (
            f"，联合 {'、'.join(depts)}"
            if isinstance(depts, list) and depts and all(isinstance(d, str) for d in depts)
            else ""
        )
        out.append(f"检查组：每组 {size} 人，含组长{joint}")
    if isinstance(experts, Mapping) and (headcount := num(experts, "headcount")) is not None:
        where = "/".join(str(experts[k]) for k in ("pool", "group") if isinstance(experts.get(k), str))
        days = num(experts, "response_working_days")
        out.append(
            f"专家：{headcount} 人"
            + (f"（{where}）" if where else "")
            + (f"，{days} 个工作日内答复" if days is not None else "")
        )
    return tuple(out)


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
    """DR-9: the current round's ``draw.result`` (sealed: its ``draw.sealed``); undrawn: its
    ``draw.commit``; else ``task.create``."""
    if not rounds:
        return task.ref.index
    current = rounds[-1]
    if current.result:
        return current.result.ref.index
    return current.sealed.index if current.sealed else current.commit.index


