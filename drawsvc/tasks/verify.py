"""Recompute a draw from the log alone and raise on any difference (docs/tasks.md §5).

Pure on log entries: the caller supplies an ``EntryReader`` (``read(start, stop)`` → decoded
entries) and the log size; nothing else is consulted. The discipline office's audit tool and
the public site's verifier reuse :func:`verify_draw` / :func:`verify_task`.

Checks, in order (each failure raises a ``VerificationError`` naming what differs):

V-1. the entry is a ``draw.result``; its ``commit`` is a ``draw.commit`` of the same task and round;
V-2. each frozen pool's chunk entries rebuild the committed root and size (draw-spec §5);
V-3. the revealed secrets open the commitments (DRAW-6) and the logged seed is the derived seed;
V-4. the engine, run on the logged inputs, gives exactly the logged result;
V-5. every later top-up and stream replacement of that round is the engine's continuation of the
     stream from the logged position; swaps are applied as logged;
V-6. a sub-draw's targets are its unit's share of the parent's verified draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from drawsvc.errors import RevealMismatch
from drawsvc.tasks import replay
from drawsvc.tasks.logread import EntryReader, LogMismatch, expect, inputs_from_entries, result_of
from ledger.errors import VerificationError

SCAN_BATCH = 1000


class DrawMismatch(VerificationError):
    """The recomputed draw differs from the logged one. ``what`` names the field."""

    code = "draw-mismatch"

    def __init__(self, what: str, message: str, *, index: int | None = None) -> None:
        super().__init__(f"{what}: {message}" + (f" (log entry {index})" if index is not None else ""))
        self.what = what
        self.index = index


@dataclass
class Verified:
    task: str
    round: int
    draw_index: int
    seed: str
    counts: dict[str, int]
    events: list[int] = field(default_factory=list)  # log indices of replayed follow-ups
    subdraws: list[Verified] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"task": self.task, "round": self.round, "draw": self.draw_index, "seed": self.seed,
                "counts": self.counts, "events": self.events, "subdraws": [s.as_dict() for s in self.subdraws]}


def _first_difference(expected: Any, got: Any, path: str = "result") -> str | None:
    if type(expected) is not type(got):
        return path
    if isinstance(expected, dict):
        for key in sorted(set(expected) | set(got)):
            if key not in expected or key not in got:
                return f"{path}.{key}"
            d = _first_difference(expected[key], got[key], f"{path}.{key}")
            if d:
                return d
        return None
    if isinstance(expected, list):
        for i, (a, b) in enumerate(zip(expected, got, strict=False)):
            d = _first_difference(a, b, f"{path}[{i}]")
            if d:
                return d
        return f"{path} (length {len(expected)} vs {len(got)})" if len(expected) != len(got) else None
    return None if expected == got else path


def _compare(what: str, logged: Any, recomputed: Any, index: int) -> None:
    diff = _first_difference(recomputed, logged, what)
    if diff is not None:
        raise DrawMismatch(diff, "the logged value differs from the recomputed one", index=index)


def scan(read: EntryReader, start: int, size: int) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    for lo in range(start, size, SCAN_BATCH):
        hi = min(size, lo + SCAN_BATCH)
        out.extend(zip(range(lo, hi), read(lo, hi), strict=True))
    return out


def verify_draw(read: EntryReader, draw_index: int, *, size: int,
                later: list[tuple[int, dict[str, Any]]] | None = None) -> Verified:
    """V-1 … V-6 for the draw logged at ``draw_index``; ``size`` is the log size to scan to."""
    if not 0 <= draw_index < size:
        raise LogMismatch(f"log index {draw_index} is not within the log (size {size})")
    body, logged = result_of(read, draw_index)
    task, round_ = body["task"], body["round"]
    inputs = inputs_from_entries(read, int(body["commit"]))
    commit = inputs.commit
    if commit["task"] != task or commit["round"] != round_:
        raise DrawMismatch("commit", f"draw of {task} round {round_} cites a commitment of "
                           f"{commit['task']} round {commit['round']}", index=draw_index)
    # V-2
    for pool, ref in commit["pools"].items():
        rows = inputs.pools[pool]
        if len(rows) != ref["size"]:
            raise DrawMismatch(f"pools.{pool}.size", f"{len(rows)} rows logged, {ref['size']} committed",
                               index=inputs.commit_index)
        if replay.pool_root(pool, rows) != ref["root"]:
            raise DrawMismatch(f"pools.{pool}.root", "the logged members do not rebuild the committed root",
                               index=inputs.commit_index)
    av = commit.get("avoidance")
    if av is not None and replay.avoidance_root(inputs.avoidance) != av["root"]:
        raise DrawMismatch("avoidance.root", "the logged avoidance tags do not rebuild the committed root",
                           index=inputs.commit_index)
    # V-3
    try:
        secrets = replay.check_reveals(commit["commitments"], body["reveals"])
    except RevealMismatch as exc:
        raise DrawMismatch("reveals", str(exc), index=draw_index) from None
    beacon = body.get("beacon")
    if (commit.get("beacon") is None) != (beacon is None) or (
            beacon is not None and {k: beacon[k] for k in ("source", "round")} != commit["beacon"]):
        raise DrawMismatch("beacon", "the beacon used is not the committed one", index=draw_index)
    seed = replay.derive_seed(task=task, round_=round_, commitments=commit["commitments"], secrets=secrets,
                              beacon=beacon, pools=commit["pools"])
    if seed != body["seed"]:
        raise DrawMismatch("seed", "the logged seed is not derived from the reveals and pool roots",
                           index=draw_index)
    # V-4
    outcome = replay.run_draw(inputs, seed)
    _compare("result", logged, outcome.result, draw_index)
    verified = Verified(task=task, round=round_, draw_index=draw_index, seed=seed,
                        counts=dict(body.get("counts") or {}))
    # V-5
    if later is None:
        later = scan(read, draw_index + 1, size)
    state = dict(outcome.result)
    for index, entry in later:
        b = entry["body"]
        if b.get("task") != task or b.get("round") != round_:
            continue
        kind = entry["kind"]
        if kind == "draw.expert.topup":
            invited = {e["code"] for e in state["experts"]} | _designated(later, task, round_, index)
            if b["from"] != state["position"]:
                raise DrawMismatch("topup.from", f"continues at {b['from']}, the stream is at {state['position']}",
                                   index=index)
            picked, position = replay.top_up_experts(inputs, seed, start=b["from"], exclude=invited,
                                                     needed=len(b["experts"]))
            _compare("topup.experts", b["experts"], [{"code": c, "position": p} for c, p in picked], index)
            _compare("topup.position", b["position"], position, index)
            state["experts"] = [*state["experts"], *b["experts"]]
            state["position"] = position
        elif kind == "draw.replace" and b["method"] == "stream":
            if b["from"] != state["position"]:
                raise DrawMismatch("replace.from", f"continues at {b['from']}, the stream is at "
                                   f"{state['position']}", index=index)
            new, position = replay.replace_from_stream(inputs, seed, state, team=b["team"], out=b["out"],
                                                       start=b["from"])
            _compare("replace.in", b["in"], new, index)
            _compare("replace.position", b["position"], position, index)
            state = replay.apply_replace(state, team=b["team"], out=b["out"], in_=new, position=position)
        elif kind == "draw.replace" and b["method"] == "swap":
            state = replay.apply_swap(state, teams=tuple(b["swap"]["teams"]), targets=tuple(b["swap"]["targets"]))
        else:
            continue
        verified.events.append(index)
    # V-6
    parent_draw = commit.get("parent_draw")
    if parent_draw is not None:
        _check_share(read, inputs, int(parent_draw), size, later)
    return verified


def _designated(later: list[tuple[int, dict[str, Any]]], task: str, round_: int, before: int) -> set[str]:
    return {e["body"]["person"] for i, e in later if i < before and e["kind"] == "draw.designate"
            and e["body"].get("task") == task and e["body"].get("round") == round_
            and e["body"].get("role") == "expert"}


def _check_share(read: EntryReader, inputs: Any, parent_draw: int, size: int,
                 later: list[tuple[int, dict[str, Any]]]) -> None:
    """V-6: the sub-draw's targets pool is its unit's share of the parent's (locked) draw."""
    task = inputs.task
    parent_body, parent_result = result_of(read, parent_draw)
    parent = parent_body["task"]
    create = _task_create(read, task, inputs.commit_index)
    if create.get("parent") != parent:
        raise DrawMismatch("parent", f"sub-draw {task} cites a draw of {parent}", index=inputs.commit_index)
    unit = create["unit"]
    dispatched: dict[str, list[str]] = {}
    for i, e in scan(read, parent_draw + 1, inputs.commit_index):
        if e["kind"] == "task.dispatch" and e["body"].get("task") == parent \
                and e["body"].get("round") == parent_body["round"]:
            for u, targets in e["body"]["units"].items():
                dispatched.setdefault(u, []).extend(targets)
            del i
    share = sorted(dispatched[unit]) if unit in dispatched else sorted(parent_result["targets"])
    ids = [r[0] for r in inputs.pools.get("targets", [])]
    if ids != share:
        raise DrawMismatch("pools.targets", f"sub-draw {task} targets are not {unit}'s share of {parent}",
                           index=inputs.commit_index)


def _task_create(read: EntryReader, task: str, before: int) -> dict[str, Any]:
    for _i, e in reversed(scan(read, 0, before)):
        if e["kind"] == "task.create" and e["body"].get("task") == task:
            return dict(e["body"])
    raise LogMismatch(f"no task.create entry for {task}")


def find_draws(entries: list[tuple[int, dict[str, Any]]], task: str) -> list[int]:
    return [i for i, e in entries if e["kind"] == "draw.result" and e["body"].get("task") == task]


def verify_task(read: EntryReader, task: str, *, size: int) -> Verified:
    """Verify a task's current (latest) draw and, recursively, the current draws of its sub-draws."""
    entries = scan(read, 0, size)
    return _verify_task(read, task, size, entries)


def _verify_task(read: EntryReader, task: str, size: int, entries: list[tuple[int, dict[str, Any]]]) -> Verified:
    draws = find_draws(entries, task)
    if not draws:
        raise LogMismatch(f"task {task}: no draw.result in the log")
    index = draws[-1]
    verified = verify_draw(read, index, size=size, later=[(i, e) for i, e in entries if i > index])
    subs = sorted({e["body"]["task"] for _i, e in entries
                   if e["kind"] == "task.create" and e["body"].get("parent") == task})
    for sub in subs:
        if find_draws(entries, sub):
            verified.subdraws.append(_verify_task(read, sub, size, entries))
    return verified


def verify_index_or_task(read: EntryReader, target: str, *, size: int) -> Verified:
    """``target`` is a log index of a ``draw.result`` (digits) or a task id."""
    if target.isdigit():
        index = int(target)
        if not 0 <= index < size:
            raise LogMismatch(f"log index {index} is not within the log (size {size})")
        expect(read(index, index + 1)[0], "draw.result", index)
        return verify_draw(read, index, size=size)
    return verify_task(read, target, size=size)


def recompute(entries: Mapping[int, dict[str, Any]], draw_index: int) -> Verified:
    """Convenience for tools holding decoded entries in memory: ``{index: entry}``."""
    size = max(entries) + 1 if entries else 0

    def read(start: int, stop: int) -> list[dict[str, Any]]:
        try:
            return [entries[i] for i in range(start, stop)]
        except KeyError as exc:
            raise LogMismatch(f"log entry {exc.args[0]} is missing") from None

    return verify_draw(read, draw_index, size=size)
