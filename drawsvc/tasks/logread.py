"""Read a draw's inputs back from log entries (docs/specs/entries.md §4).

Pure on decoded entries (:func:`inputs_from_entries`), plus one thin reader over the ledger
(:func:`inputs_from_log`). The service draws from what this returns, so a draw never uses
anything that is not in the log; the verifier uses the same function.
"""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.errors import MalformedError, VerificationError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from drawsvc.draw.pool import TargetColumns
    from ledger.log import Log

EntryReader = Callable[[int, int], list[dict[str, Any]]]


class LogMismatch(VerificationError):
    """The log does not hold what a draw entry says it does (wrong kind, task, chunk order...)."""

    code = "draw-log-mismatch"


@dataclass
class DrawInputs:
    """Everything a draw of one commitment round consumes, as logged."""

    task: str
    round: int
    commit_index: int
    commit: dict[str, Any]  # the draw.commit body
    pools: dict[str, list[list[Any]]] = field(default_factory=dict)  # pool → rows (logged order)
    fields: dict[str, list[str]] = field(default_factory=dict)
    avoidance: list[Any] = field(default_factory=list)

    @property
    def params(self) -> dict[str, Any]:
        return self.commit["params"]


# ``json.loads`` of a str without options is this decoder's ``decode``: skip whitespace, scan one
# value, skip whitespace, refuse extra data. Its C scanner is called directly below.
_SCAN = json.scanner.make_scanner(json.JSONDecoder())


def decode(raw: bytes) -> dict[str, Any]:
    """A log entry's JSON object (its ``body`` an object), exactly as ``json.loads(raw)`` reads it.

    Entries are UTF-8 JSON objects without whitespace (RFC 8785 §3.2.4, §3.2.1): one that starts
    with ``{"`` is decoded as UTF-8 (what ``json.detect_encoding`` gives such bytes: no BOM, no NUL
    among the first bytes; ``surrogatepass`` as ``json.loads``) and scanned by the C scanner; only
    when the value does not end the text (trailing whitespace, extra data) or does not scan is it
    handed to ``json.loads``, which accepts or refuses it with its own message. A third less per
    300-byte entry than ``json.loads`` (two regex matches and ``detect_encoding`` saved).
    """
    try:
        if raw[:2] == b'{"':
            text = raw.decode("utf-8", "surrogatepass")
            try:
                obj, end = _SCAN(text, 0)
            except StopIteration:
                end = -1
            if end != len(text):
                obj = json.loads(text)
        else:
            obj = json.loads(raw)
    except ValueError as exc:
        raise MalformedError(f"log entry is not JSON: {exc}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("body"), dict):
        raise MalformedError("log entry has no object body")
    return obj


def reader_for(log: Log, conn: sa.Connection) -> EntryReader:
    def read(start: int, stop: int) -> list[dict[str, Any]]:
        return [decode(b) for b in log.entries(conn, start, stop)]

    return read


# At most this many entries are read ahead for a draw (its commitment with the small pools'
# chunks and the avoidance tags, appended as one batch just before it).
PREFETCH_MAX = 64


def prefetching(read: EntryReader, start: int, stop: int) -> EntryReader:
    """``read`` with the entries ``[start, stop)`` read once up front and served from memory.

    A draw reads its commitment, then the avoidance tags and the pools it does not hold, each a
    range just before the commitment: one read (one round trip per table) instead of several.
    Reads outside the range go to ``read``. Entries are decoded once; callers do not mutate them.
    """
    ahead = read(start, stop)

    def served(a: int, b: int) -> list[dict[str, Any]]:
        if start <= a <= b <= stop:
            return ahead[a - start:b - start]
        return read(a, b)

    return served


def inputs_from_log(
    log: Log,
    conn: sa.Connection,
    commit_index: int,
    *,
    cached: set[str] | frozenset[str] = frozenset(),
    target_columns: bool = False,
) -> DrawInputs:
    return inputs_from_entries(
        reader_for(log, conn), commit_index, cached=cached, target_columns=target_columns
    )


def expect(entry: Mapping[str, Any], kind: str, index: int, task: str | None = None) -> dict[str, Any]:
    if entry.get("kind") != kind:
        raise LogMismatch(f"log entry {index} is {entry.get('kind')!r}, expected {kind!r}")
    body = entry["body"]
    if task is not None and body.get("task") != task:
        raise LogMismatch(f"log entry {index} belongs to task {body.get('task')!r}, not {task!r}")
    return dict(body)


def read_chunks(
    read: EntryReader, kind: str, task: str, span: list[int], key: str, pool: str | None = None
) -> tuple[list[Any], dict[str, Any] | None]:
    """Concatenate ``key`` of the chunk entries ``span = [first, count]`` (E-5), checking order."""
    first, count = int(span[0]), int(span[1])
    if count < 1 or first < 0:
        raise LogMismatch(f"task {task}: bad chunk span {span}")
    out: list[Any] = []
    head: dict[str, Any] | None = None
    for i, entry in enumerate(read(first, first + count)):
        body = expect(entry, kind, first + i, task)
        if (
            body.get("chunk") != i
            or body.get("chunks") != count
            or (pool is not None and body.get("pool") != pool)
        ):
            raise LogMismatch(
                f"log entry {first + i}: chunk {body.get('chunk')}/{body.get('chunks')} "
                f"of {kind} is out of order (expected {i}/{count})"
            )
        head = head or body
        out.extend(body[key])
    return out, head


def read_target_chunks(read: EntryReader, task: str, span: list[int]) -> list[Any]:
    """The targets pool from its column-encoded chunks (entries.md §4), in order, as records."""
    return read_target_columns(read, task, span).records()


def read_target_columns(read: EntryReader, task: str, span: list[int]) -> TargetColumns:
    """``read_target_chunks`` as columns (the service's draw: no record per row): the ids stay
    the chunks' text joined (``pool.FixedWidthIds``), no string per target until one is drawn."""
    from drawsvc.draw.pool import FixedWidthIds, TargetColumns
    from drawsvc.errors import InvalidInput
    from drawsvc.tasks.replay import USCC_LENGTH, decode_target_text

    first, count = int(span[0]), int(span[1])
    if count < 1 or first < 0:
        raise LogMismatch(f"task {task}: bad chunk span {span}")
    ids: list[str] = []  # each chunk's text
    strata: list[str] = []
    checks: list[int] = []
    risk: list[bool] = []
    for i, entry in enumerate(read(first, first + count)):
        body = expect(entry, "draw.pool.members", first + i, task)
        if body.get("chunk") != i or body.get("chunks") != count or body.get("pool") != "targets":
            raise LogMismatch(
                f"log entry {first + i}: chunk {body.get('chunk')}/{body.get('chunks')} "
                f"of the targets pool is out of order (expected {i}/{count})"
            )
        try:
            cols = decode_target_text(body)
        except InvalidInput as exc:
            raise LogMismatch(f"log entry {first + i}: {exc.message}") from None
        ids.append(cols.ids.text)  # type: ignore[attr-defined]
        strata += cols.strata
        checks += cols.checks
        risk += cols.risk
    return TargetColumns(FixedWidthIds("".join(ids), USCC_LENGTH), strata, checks, risk)


def inputs_from_entries(
    read: EntryReader,
    commit_index: int,
    *,
    cached: set[str] | frozenset[str] = frozenset(),
    target_columns: bool = False,
) -> DrawInputs:
    """The inputs of the draw committed at ``commit_index``: params, pool rows, avoidance.

    Pools named in ``cached`` are not read (the service holds them frozen under the committed
    root, ``replay.cached_pools``); verifiers never pass it. ``target_columns``: the targets pool
    as ``TargetColumns`` instead of records (the service's own draw, see ``replay.frozen_for``).
    """
    commit = expect(read(commit_index, commit_index + 1)[0], "draw.commit", commit_index)
    task = commit["task"]
    inputs = DrawInputs(task=task, round=int(commit["round"]), commit_index=commit_index, commit=commit)
    for pool, ref in sorted(commit["pools"].items()):
        if pool in cached:
            continue
        if pool == "targets":
            read_pool = read_target_columns if target_columns else read_target_chunks
            inputs.pools[pool] = read_pool(read, task, ref["entries"])  # type: ignore[assignment]
            inputs.fields[pool] = ["id", "stratum", "checks", "risk"]
            continue
        rows, head = read_chunks(read, "draw.pool.members", task, ref["entries"], "rows", pool)
        inputs.pools[pool] = rows
        inputs.fields[pool] = list(head["fields"]) if head else []
    av = commit.get("avoidance")
    if av is not None:
        inputs.avoidance, _ = read_chunks(read, "draw.avoidance", task, av["entries"], "tags")
    return inputs


def result_of(read: EntryReader, draw_index: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the ``draw.result`` body, its result object) — parts joined (entries.md §4, E-6)."""
    body = expect(read(draw_index, draw_index + 1)[0], "draw.result", draw_index)
    if body.get("result") is not None:
        return body, body["result"]
    first, count = body["parts"]
    texts = []
    for i, entry in enumerate(read(first, first + count)):
        part = expect(entry, "draw.result.part", first + i, body["task"])
        if part.get("chunk") != i or part.get("chunks") != count or part.get("round") != body["round"]:
            raise LogMismatch(
                f"log entry {first + i}: result part {part.get('chunk')}/{part.get('chunks')} "
                f"out of order (expected {i}/{count})"
            )
        texts.append(part["text"])
    try:
        result = json.loads("".join(texts))
    except ValueError:
        raise LogMismatch(f"log entry {draw_index}: the joined result parts are not JSON") from None
    return body, result
