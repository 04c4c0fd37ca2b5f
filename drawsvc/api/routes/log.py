"""The public transparency log: checkpoint, entries, inclusion and consistency proofs.

Everything here is public (no key needed): the log holds only public fields and
commitments. Hashes are standard base64; the checkpoint is the C2SP signed note as text.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import PlainTextResponse

from drawsvc.api.deps import RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.common import b64, parse_hash
from drawsvc.api.schemas.log import ConsistencyProof, InclusionProof, LogEntries, LogEntry, LogState
from drawsvc.errors import InvalidInput
from ledger.hashing import leaf_hash

router = api_router(prefix="/v1/log", tags=["log"])

MAX_PAGE = 1000
MAX_INDEX = 2**53 - 1  # also bounds what reaches the database
Index = Annotated[int, Query(ge=0, le=MAX_INDEX)]


def _entry(index: int, data: bytes) -> LogEntry:
    return LogEntry(index=index, leaf_hash=b64(leaf_hash(data)), data=b64(data), entry=json.loads(data))


@router.get("/checkpoint", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}, "description": "C2SP signed note"}})
def get_checkpoint(runtime: RuntimeDep, session: SessionDep) -> PlainTextResponse:
    """The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)."""
    note = runtime.log.checkpoint(session.connection())
    return PlainTextResponse(note.decode("utf-8"), media_type="text/plain; charset=utf-8")


@router.get("", response_model=LogState)
def get_state(runtime: RuntimeDep, session: SessionDep) -> LogState:
    conn = session.connection()
    size = runtime.log.size(conn)
    return LogState(origin=runtime.log.origin, tree_size=size, root_hash=b64(runtime.log.root(conn, size)))


@router.get("/entries/{index}", response_model=LogEntry)
def get_entry(index: Annotated[int, Path(ge=0, le=MAX_INDEX)], runtime: RuntimeDep,
              session: SessionDep) -> LogEntry:
    return _entry(index, runtime.log.entry(session.connection(), index))


@router.get("/entries", response_model=LogEntries)
def list_entries(runtime: RuntimeDep, session: SessionDep, start: Index = 0,
                 limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100) -> LogEntries:
    """Entries ``[start, start+limit)`` clipped to the tree size."""
    conn = session.connection()
    size = runtime.log.size(conn)
    if start > size:
        raise InvalidInput(f"start: beyond the tree size {size}", field="start", rule="log.index-range")
    stop = min(size, start + limit)
    data = runtime.log.entries(conn, start, stop)
    return LogEntries(start=start, tree_size=size,
                      entries=[_entry(start + i, d) for i, d in enumerate(data)])


@router.get("/proofs/inclusion", response_model=InclusionProof)
def get_inclusion_proof(
    runtime: RuntimeDep, session: SessionDep,
    index: Annotated[int | None, Query(ge=0, le=MAX_INDEX, description="leaf index")] = None,
    leaf_hash_: Annotated[str | None, Query(alias="leaf_hash", max_length=100,
                                            description="leaf hash, base64 or hex")] = None,
    tree_size: Annotated[int | None, Query(ge=1, le=MAX_INDEX, description="default: current size")] = None,
) -> InclusionProof:
    """RFC 9162 §2.1.3.1 inclusion proof for a leaf given by index or by leaf hash."""
    if (index is None) == (leaf_hash_ is None):
        raise InvalidInput("give exactly one of index and leaf_hash", field="index",
                           rule="log.proof-leaf-selector")
    conn = session.connection()
    size = tree_size if tree_size is not None else runtime.log.size(conn)
    if index is None:
        assert leaf_hash_ is not None
        index = runtime.log.index_of_leaf(conn, parse_hash(leaf_hash_, field="leaf_hash"))
    proof = runtime.log.inclusion_proof(conn, index, size)
    leaf = leaf_hash(runtime.log.entry(conn, index))
    return InclusionProof(leaf_index=index, tree_size=size, leaf_hash=b64(leaf),
                          root_hash=b64(runtime.log.root(conn, size)), hashes=[b64(h) for h in proof])


@router.get("/proofs/consistency", response_model=ConsistencyProof)
def get_consistency_proof(
    runtime: RuntimeDep, session: SessionDep,
    first: Annotated[int, Query(ge=0, le=MAX_INDEX, description="older tree size")],
    second: Annotated[int | None, Query(ge=0, le=MAX_INDEX, description="newer size (default: current)")]
    = None,
) -> ConsistencyProof:
    """RFC 9162 §2.1.4.1 proof that the tree of ``first`` is a prefix of that of ``second``."""
    conn = session.connection()
    size2 = second if second is not None else runtime.log.size(conn)
    proof = runtime.log.consistency_proof(conn, first, size2)
    return ConsistencyProof(first=first, second=size2, first_root=b64(runtime.log.root(conn, first)),
                            second_root=b64(runtime.log.root(conn, size2)), hashes=[b64(h) for h in proof])
