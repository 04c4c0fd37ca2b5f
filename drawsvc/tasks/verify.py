"""Recompute a draw from the log alone and raise on any difference (docs/tasks.md §5).

Pure on log entries: the caller supplies an ``EntryReader`` (``read(start, stop)`` → decoded
entries) and the log size; nothing else is consulted. The discipline office's audit tool and
the public site's verifier reuse :func:`verify_draw` / :func:`verify_task`.

Checks, in order (each failure raises a ``VerificationError`` naming what differs):

V-1. the entry is a ``draw.result``; its ``commit`` is a ``draw.commit`` of the same task and round;
V-2. each frozen pool's chunk entries rebuild the committed root and size (draw-spec §5);
V-3. the revealed secrets open the commitments (DRAW-6), the beacon is the committed round, its
     drand signature and randomness verify (docs/specs/beacon.md BEACON-1 … BEACON-4) and the
     revealed avoidance salt opens its commitment;
V-4. the engine, run on the logged inputs, gives exactly the logged result (DRAW-73), whose seed
     is the logged seed;
V-5. every later ``draw.expert.topup`` / ``draw.replace`` of that round, replayed in log order
     through the engine, gives exactly the logged event record; a leader ``draw.designate`` of
     that round (DRAW-44a) names a member of the target's team at that point;
V-6. a sub-draw's targets are its unit's share of the parent's verified draw.

A sealed draw (``draw.sealed``, docs/specs/sealed-draws.md) is checked as far as the log allows:
before its ``draw.disclose``, V-1, V-2 and the seal's form (SEAL-9); after it, the disclosure must
open the commitment (SEAL-3, ``seal.commitment-mismatch``) and bind the same task, round and
commitment, and then V-3 … V-6 run on the disclosed plaintext exactly as on a ``draw.result``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from drawsvc.audit.beacon import BeaconInvalid, verify_logged_beacon
from drawsvc.errors import InvalidInput, RevealMismatch
from drawsvc.tasks import replay, seal
from drawsvc.tasks.logread import EntryReader, LogMismatch, expect, inputs_from_entries, result_of
from ledger.errors import VerificationError

SCAN_BATCH = 1000
DRAW_KINDS = ("draw.result", "draw.sealed")
_HEX = re.compile(r"(?:[0-9a-f]{2})+")


def _is_hex(value: str) -> bool:
    return _HEX.fullmatch(value) is not None


class DrawMismatch(VerificationError):
    """The recomputed draw differs from the logged one. ``what`` names the field."""

    code = "draw-mismatch"

    def __init__(self, what: str, message: str, *, index: int | None = None, rule: str | None = None) -> None:
        where = f" (log entry {index})" if index is not None else ""
        super().__init__(f"{what}: {message}" + (f" [{rule}]" if rule else "") + where)
        self.what = what
        self.index = index
        self.rule = rule


@dataclass
class Verified:
    task: str
    round: int
    draw_index: int
    seed: str
    counts: dict[str, int]
    events: list[int] = field(default_factory=list)  # log indices of replayed follow-ups
    subdraws: list[Verified] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)  # replay.summary of the state after the events
    # sealed draws only: {"spec", "commitment", "opens", "disclosed": draw.disclose index | None}; before
    # the disclosure ``seed`` is "" and only V-1, V-2 and the seal's form were checked
    sealed: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {
            "task": self.task,
            "round": self.round,
            "draw": self.draw_index,
            "seed": self.seed,
            "counts": self.counts,
            "events": self.events,
            "subdraws": [s.as_dict() for s in self.subdraws],
        }
        if self.sealed is not None:
            out["sealed"] = self.sealed
        return out


def _compare(what: str, logged: Any, recomputed: Any, index: int) -> None:
    """DRAW-73: canonical bytes equal, else name the first differing path."""
    if not isinstance(logged, dict):
        raise DrawMismatch(what, "the logged value is not an object", index=index)
    diff = replay.compare(logged, recomputed)
    if diff is not None:
        raise DrawMismatch(
            f"{what}{diff[1:]}", "the logged value differs from the recomputation", index=index
        )


class TaskEntries(Protocol):
    """An index a streaming auditor keeps (drawsvc.audit.replay): a task's entries other than
    chunks, so that V-6 need not scan the log. Without it the verifier scans (O(size))."""

    def task_entries(self, task: str, start: int, stop: int) -> list[tuple[int, dict[str, Any]]]: ...


def scan(read: EntryReader, start: int, size: int) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    for lo in range(start, size, SCAN_BATCH):
        hi = min(size, lo + SCAN_BATCH)
        out.extend(zip(range(lo, hi), read(lo, hi), strict=True))
    return out


def verify_draw(
    read: EntryReader,
    draw_index: int,
    *,
    size: int,
    later: list[tuple[int, dict[str, Any]]] | None = None,
    parents_verified: set[int] | None = None,
    index: TaskEntries | None = None,
) -> Verified:
    """V-1 … V-6 for the draw logged at ``draw_index``; ``size`` is the log size to scan to.

    A sub-draw's parent draw is verified too (V-4 on its targets), once per ``parents_verified``.
    """
    if parents_verified is None:
        parents_verified = set()
    if not 0 <= draw_index < size:
        raise LogMismatch(f"log index {draw_index} is not within the log (size {size})")
    if later is None:
        later = scan(read, draw_index + 1, size)
    body, logged, sealed = draw_of(read, draw_index, later)
    task, round_ = body["task"], body["round"]
    inputs = inputs_from_entries(read, int(body["commit"]))
    commit = inputs.commit
    if commit["task"] != task or commit["round"] != round_:
        raise DrawMismatch(
            "commit",
            f"draw of {task} round {round_} cites a commitment of {commit['task']} round {commit['round']}",
            index=draw_index,
        )
    # V-2
    for pool, ref in commit["pools"].items():
        rows = inputs.pools[pool]
        if len(rows) != ref["size"]:
            raise DrawMismatch(
                f"pools.{pool}.size",
                f"{len(rows)} rows logged, {ref['size']} committed",
                index=inputs.commit_index,
            )
        if replay.pool_root(pool, rows, remember=True) != ref["root"]:
            raise DrawMismatch(
                f"pools.{pool}.root",
                "the logged members do not rebuild the committed root",
                index=inputs.commit_index,
            )
    av = commit.get("avoidance")
    if av is not None and (
        len(inputs.avoidance) != av["size"] or replay.avoidance_root(inputs.avoidance) != av["root"]
    ):
        raise DrawMismatch(
            "avoidance.root",
            "the logged avoidance tags do not rebuild the committed root",
            index=inputs.commit_index,
        )
    if sealed is not None:
        _check_seal_form(commit, sealed, draw_index)
        if logged is None:  # not disclosed yet: what the log allows is checked
            return Verified(task=task, round=round_, draw_index=draw_index, seed="",
                            counts=dict(body.get("counts") or {}), sealed=sealed)
    assert logged is not None
    # V-3
    try:
        secrets = replay.check_reveals(commit["commitments"], body["reveals"])
    except RevealMismatch as exc:
        raise DrawMismatch("reveals", exc.message, index=draw_index) from None
    beacon = body.get("beacon")
    if (commit.get("beacon") is None) != (beacon is None) or (
        beacon is not None and {k: beacon.get(k) for k in ("source", "round")} != commit["beacon"]
    ):
        raise DrawMismatch("beacon", "the beacon used is not the committed one", index=draw_index)
    if beacon is not None:  # BEACON-1 … BEACON-4 (docs/specs/beacon.md): verified, not trusted
        try:
            verify_logged_beacon(beacon, commit["beacon"])
        except BeaconInvalid as exc:
            raise DrawMismatch("beacon.signature", exc.message, index=draw_index, rule=exc.rule) from None
    salt = body.get("avoidance_salt")
    if av is not None and (
        not isinstance(salt, str)
        or not _is_hex(salt)
        or hashlib.sha256(bytes.fromhex(salt)).hexdigest() != av.get("salt_commitment")
    ):
        raise DrawMismatch(
            "avoidance.salt", "the revealed avoidance salt does not match its commitment", index=draw_index
        )
    # V-4 (the engine derives the seed from reveals, beacon and pool roots, DRAW-7)
    # the pools frozen by V-2 (equal roots: equal records) are reused rather than frozen again
    recomputed = replay.run_draw(inputs, secrets, beacon, salt, trust_cache=True)
    _compare("result", logged, recomputed, draw_index)
    seed = (recomputed["inspection"] or recomputed["experts"])["seed"]
    if body.get("seed") != seed:
        raise DrawMismatch("seed", "the logged seed is not the derived one", index=draw_index)
    if sealed is not None:
        _check_sealed_counts(body, recomputed, draw_index)
    verified = Verified(
        task=task,
        round=round_,
        draw_index=draw_index,
        seed=seed,
        counts=dict(body.get("counts") or {}),
        sealed=sealed,
    )
    # V-5: replay every follow-up of this round in log order
    state, applied = replay_followups(inputs, secrets, beacon, salt, recomputed, later)
    verified.events.extend(f.index for f in applied)
    verified.final = replay.summary(state)
    # V-6
    parent_draw = commit.get("parent_draw")
    if parent_draw is not None:
        if int(parent_draw) not in parents_verified:
            verify_draw(read, int(parent_draw), size=size,
                        later=_disclosures(read, int(parent_draw), size, index),
                        parents_verified=parents_verified, index=index)
            parents_verified.add(int(parent_draw))
        _check_share(read, inputs, int(parent_draw), index)
    return verified


def draw_of(
    read: EntryReader, draw_index: int, later: list[tuple[int, dict[str, Any]]]
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
    """(body, result, seal) of the draw logged at ``draw_index``.

    A ``draw.result``: its body and result, seal None. A ``draw.sealed``: before its disclosure
    (among ``later``), its body and None; after it, the body a ``draw.result`` would have had
    (the disclosed plaintext with the sealed counts) and the disclosed result. ``seal`` is
    ``{"spec", "commitment", "opens", "disclosed"}``. Raises ``DrawMismatch`` for a disclosure that does
    not open the commitment (SEAL-3) or binds another draw (SEAL-9).
    """
    entry = read(draw_index, draw_index + 1)[0]
    if entry.get("kind") != "draw.sealed":
        body, result = result_of(read, draw_index)
        return body, result, None
    body = expect(entry, "draw.sealed", draw_index)
    sealed = body["sealed"]
    disclosures = [
        (i, e)
        for i, e in later
        if e.get("kind") == "draw.disclose"
        and e["body"].get("task") == body["task"]
        and e["body"].get("sealed") == draw_index
    ]
    info = {
        "spec": sealed.get("spec"),
        "commitment": sealed.get("commitment"),
        "opens": sealed.get("opens"),
        "disclosed": None,
    }
    if not disclosures:
        return dict(body), None, info
    if len(disclosures) > 1:
        raise DrawMismatch("disclose", "the sealed draw is disclosed twice", index=disclosures[1][0],
                           rule="seal.disclosed-once")
    index, disclosure = disclosures[0]
    d = disclosure["body"]
    if d.get("round") != body["round"] or d.get("commitment") != sealed.get("commitment"):
        raise DrawMismatch("disclose.commitment", "the disclosure names another round or commitment",
                           index=index, rule=seal.RULE_MISMATCH)
    value = d.get("plaintext") if d.get("parts") is None else _joined_plaintext(read, d, index)
    try:
        p = seal.open_seal(sealed.get("commitment"), d.get("salt"), value)
    except seal.SealMismatch as exc:
        raise DrawMismatch(f"disclose.{exc.what}", str(exc), index=index, rule=exc.rule) from None
    for key in ("task", "round", "commit"):
        if p[key] != body[key]:
            raise DrawMismatch(f"disclose.plaintext.{key}", "the plaintext binds another draw",
                               index=index, rule=seal.RULE_PLAINTEXT)
    info["disclosed"] = index
    opened = {k: p[k] for k in ("task", "round", "commit", "reveals", "beacon", "avoidance_salt", "seed")}
    opened.update(spec=body["spec"], counts=body.get("counts"), parts=None, result=p["result"])
    return opened, p["result"], info


def _disclosures(
    read: EntryReader, draw_index: int, size: int, index: TaskEntries | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """A parent's disclosure, when the parent is sealed (its follow-ups are not replayed here)."""
    entry = read(draw_index, draw_index + 1)[0]
    if entry.get("kind") != "draw.sealed":
        return []
    later = (
        scan(read, draw_index + 1, size)
        if index is None
        else index.task_entries(entry["body"]["task"], draw_index + 1, size)
    )
    return [(i, e) for i, e in later if e.get("kind") == "draw.disclose"]


def _joined_plaintext(read: EntryReader, d: Mapping[str, Any], index: int) -> Any:
    first, count = d["parts"]
    texts = []
    for i, entry in enumerate(read(first, first + count)):
        part = expect(entry, "draw.disclose.part", first + i, d["task"])
        if part.get("chunk") != i or part.get("chunks") != count or part.get("round") != d["round"]:
            raise LogMismatch(f"log entry {first + i}: disclosure part out of order (expected {i}/{count})")
        texts.append(part["text"])
    try:
        return json.loads("".join(texts))
    except ValueError:
        raise DrawMismatch("disclose.parts", "the joined plaintext is not JSON", index=index,
                           rule=seal.RULE_PLAINTEXT) from None


def _check_seal_form(commit: Mapping[str, Any], sealed: Mapping[str, Any], index: int) -> None:
    """SEAL-9: the seal is drawsvc/seal/v1 and opens as the committed parameters said."""
    wanted = (commit.get("params") or {}).get("seal")
    if sealed.get("spec") != seal.SEAL_SPEC or wanted is None or sealed.get("opens") != wanted["opens"]:
        raise DrawMismatch("sealed.opens", "the seal is not the one the committed parameters ask for",
                           index=index, rule=seal.RULE_OPENS)


def _check_sealed_counts(body: Mapping[str, Any], result: Mapping[str, Any], index: int) -> None:
    """SEAL-9: the counts published while sealed are those of the disclosed result."""
    counts = {
        "targets": len(replay.drawn_targets(result)),
        "teams": len(replay.teams_of(result)),
        "experts": len(replay.panel_of(result)),
    }
    if body.get("counts") != counts:
        raise DrawMismatch("counts", "the sealed counts are not those of the disclosed result", index=index,
                           rule="seal.counts")


@dataclass(frozen=True)
class Followup:
    """One replayed follow-up of a draw (V-5): its log index, kind and the engine's event record."""

    index: int
    kind: str  # draw.expert.topup | draw.replace | draw.designate (role leader)
    record: dict[str, Any]


def replay_followups(
    inputs: Any,
    secrets: list[dict[str, str]],
    beacon: Mapping[str, Any] | None,
    salt: str | None,
    state: dict[str, Any],
    later: list[tuple[int, dict[str, Any]]],
) -> tuple[dict[str, Any], list[Followup]]:
    """V-5 on its own: apply every ``draw.expert.topup``, ``draw.replace`` and leader
    ``draw.designate`` of the draw's task and round among ``later`` (log order) to ``state``
    through the engine (``replay.top_up``, ``replay.replace``, ``replay.designate_leader``);
    each replayed record must equal the logged one (``DrawMismatch`` naming the entry).

    Returns the state after the last one and the follow-ups applied. Pure: the verifier and the
    draw record's final view (docs/specs/draw-record.md DR-12) share it.
    """
    task, round_ = inputs.task, inputs.round
    applied: list[Followup] = []
    for index, entry in later:
        b = entry["body"]
        if b.get("task") != task or b.get("round") != round_:
            continue
        kind = entry["kind"]
        if kind == "draw.expert.topup":
            ev = b["event"]
            state = replay.top_up(
                inputs, secrets, beacon, state, expert=ev["expert"], reason=ev["reason"], trust_cache=True
            )
            record = state["experts"]["events"][-1]
            _compare("topup", ev, record, index)
        elif kind == "draw.replace":
            ev = b["event"]
            state = replay.replace(
                inputs,
                secrets,
                beacon,
                salt,
                state,
                target=ev["target"],
                person=ev["person"],
                reason=ev["reason"],
                approver=ev["approver"],
                trust_cache=True,
            )
            record = state["inspection"]["events"][-1]
            _compare("replace", ev, record, index)
        elif kind == "draw.designate" and b.get("role") == "leader":
            state = _replay_designation(inputs, state, b, index)
            record = state["inspection"]["events"][-1]
        else:
            continue
        applied.append(Followup(index, kind, record))
    return state, applied


def _replay_designation(
    inputs: Any, state: dict[str, Any], b: Mapping[str, Any], index: int
) -> dict[str, Any]:
    """V-5 for a leader designated after the draw (DRAW-44a): the designee must be a member of
    the target's team in the state reached so far, and the logged ``leader_eligible`` must be
    the inspector pool's flag."""
    try:
        state = replay.designate_leader(
            state,
            inputs.pools.get("inspectors", []),
            target=b.get("target"),
            person=b.get("person"),
            reason=b.get("reason", ""),
            approver=b.get("approver", ""),
        )
    except InvalidInput as exc:
        raise DrawMismatch("designate", exc.message, index=index) from None
    record = state["inspection"]["events"][-1]
    if b.get("leader_eligible") != record["leader_eligible"]:
        raise DrawMismatch(
            "designate.leader_eligible", "the logged flag is not the inspector pool's", index=index
        )
    return state


def _check_share(read: EntryReader, inputs: Any, parent_draw: int, index: TaskEntries | None = None) -> None:
    """V-6: the sub-draw's targets pool is its unit's share of the parent's (locked) draw."""
    task = inputs.task
    # a sealed parent must be disclosed before its sub-draws commit (SEAL-6)
    if index is None:
        before = scan(read, parent_draw + 1, inputs.commit_index)
    else:
        parent_task = read(parent_draw, parent_draw + 1)[0]["body"].get("task")
        before = index.task_entries(str(parent_task), parent_draw + 1, inputs.commit_index)
    parent_body, parent_result, _sealed = draw_of(read, parent_draw, before)
    if parent_result is None:
        raise DrawMismatch(
            "parent_draw",
            f"sub-draw {task} was committed before its sealed parent was disclosed",
            index=inputs.commit_index,
            rule=seal.RULE_UNDISCLOSED,
        )
    parent = parent_body["task"]
    create = _task_create(read, task, inputs.commit_index, index)
    if create.get("parent") != parent:
        raise DrawMismatch("parent", f"sub-draw {task} cites a draw of {parent}", index=inputs.commit_index)
    unit = create["unit"]
    dispatched: dict[str, list[str]] = {}
    locked = False
    for _i, e in before:
        b = e["body"]
        if b.get("task") != parent or b.get("round") != parent_body["round"]:
            continue
        if e["kind"] == "task.lock" and b.get("draw") == parent_draw:
            locked = True
        if e["kind"] == "task.dispatch":
            for u, targets in b["units"].items():
                dispatched.setdefault(u, []).extend(targets)
    if not locked:
        raise DrawMismatch(
            "parent_draw",
            f"sub-draw {task} was committed before {parent}'s draw was locked",
            index=inputs.commit_index,
        )
    share = sorted(dispatched[unit]) if unit in dispatched else sorted(replay.drawn_targets(parent_result))
    ids = [r[0] for r in inputs.pools.get("targets", [])]
    if ids != share:
        raise DrawMismatch(
            "pools.targets",
            f"sub-draw {task} targets are not {unit}'s share of {parent}",
            index=inputs.commit_index,
        )


def _task_create(
    read: EntryReader, task: str, before: int, index: TaskEntries | None = None
) -> dict[str, Any]:
    entries = scan(read, 0, before) if index is None else index.task_entries(task, 0, before)
    for _i, e in reversed(entries):
        if e["kind"] == "task.create" and e["body"].get("task") == task:
            return dict(e["body"])
    raise LogMismatch(f"no task.create entry for {task}")


def find_draws(entries: list[tuple[int, dict[str, Any]]], task: str) -> list[int]:
    return [i for i, e in entries if e["kind"] in DRAW_KINDS and e["body"].get("task") == task]


def verify_task(read: EntryReader, task: str, *, size: int) -> Verified:
    """Verify a task's current (latest) draw and, recursively, the current draws of its sub-draws."""
    entries = scan(read, 0, size)
    return _verify_task(read, task, size, entries, set())


def _verify_task(
    read: EntryReader, task: str, size: int, entries: list[tuple[int, dict[str, Any]]], parents: set[int]
) -> Verified:
    draws = find_draws(entries, task)
    if not draws:
        raise LogMismatch(f"task {task}: no draw.result in the log")
    index = draws[-1]
    verified = verify_draw(
        read, index, size=size, later=[(i, e) for i, e in entries if i > index], parents_verified=parents
    )
    parents.add(index)
    subs = sorted(
        {
            e["body"]["task"]
            for _i, e in entries
            if e["kind"] == "task.create" and e["body"].get("parent") == task
        }
    )
    for sub in subs:
        if find_draws(entries, sub):
            verified.subdraws.append(_verify_task(read, sub, size, entries, parents))
    return verified


def verify_index_or_task(read: EntryReader, target: str, *, size: int) -> Verified:
    """``target`` is a log index of a ``draw.result`` (digits) or a task id."""
    if target.isdigit():
        index = int(target)
        if not 0 <= index < size:
            raise LogMismatch(f"log index {index} is not within the log (size {size})")
        entry = read(index, index + 1)[0]
        expect(entry, "draw.sealed" if entry.get("kind") == "draw.sealed" else "draw.result", index)
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
