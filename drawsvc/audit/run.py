"""One audit run over a published log (docs/audit.md): AUD-1 … AUD-11, from a saved state or not.

Pure apart from the ``Fetch`` callable (a directory or an http(s) reader, ``drawsvc.audit.source``):
the CLI (``drawsvc audit``) and the demo both call :func:`run_audit` and do their own I/O — reading
and writing the state file, printing, writing the reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from drawsvc.audit.replay import Auditor, BundleReader, Finding
from drawsvc.audit.report import report
from drawsvc.audit.tree import WIDTH, CompactRange, Fetch, bundles, check_root, checkpoint_of, hash_bundle
from ledger.errors import LedgerError
from ledger.note import parse_verifier_key

STATE_VERSION = 1
# Progress: called with (phase, total) once per phase ("bundles" of entries read, "draws"
# recomputed); returns the callable advancing that phase by one.
Progress = Callable[[str, int], Callable[[], None]]


def _no_progress(_phase: str, _total: int) -> Callable[[], None]:
    return lambda: None


class StateRefused(ValueError):
    """A saved state that does not belong to this log or key (exit status 2 in the CLI)."""


@dataclass
class AuditRun:
    """What one run found: the report (docs/audit.md "Report and state formats"), the state to
    save (None when the tree did not verify: a state only ever records a verified tree), and the
    counts for a summary line."""

    report: dict[str, Any]
    state: dict[str, Any] | None
    findings: list[dict[str, Any]]
    summary: dict[str, Any]
    omitted: int

    @property
    def passed(self) -> bool:
        return not self.findings and not self.omitted


def check_state(state: Mapping[str, Any] | None, key: str) -> None:
    """Raise ``StateRefused`` unless ``state`` (if any) is this version's and made with ``key``."""
    if state is None:
        return
    if state.get("version") != STATE_VERSION:
        raise StateRefused(f"not an audit state of version {STATE_VERSION} (found {state.get('version')!r})")
    if state.get("key") != key:
        raise StateRefused(
            f"the state belongs to another log (key {str(state.get('key')).split('+')[0]}), "
            f"not {key.split('+')[0]}"
        )


def run_audit(
    fetch: Fetch, key: str, state: Mapping[str, Any] | None = None, *, progress: Progress = _no_progress
) -> AuditRun:
    """Verify the checkpoint (AUD-1) and the tree (AUD-2, or AUD-9 from ``state``), replay every
    new entry and recompute every draw that needs it (AUD-3 … AUD-11). Raises ``StateRefused``
    for a state of another log, ``ledger.errors.LedgerError`` for a malformed key."""
    check_state(state, key)
    verifier = parse_verifier_key(key)
    origin = key.split("+")[0]
    findings: list[Finding] = []
    earlier = [Finding(**f) for f in state["findings"]] if state is not None else []
    start = 0
    rng = CompactRange()
    auditor = Auditor()
    if state is not None:
        start = int(state["size"])
        rng = CompactRange(start, [bytes.fromhex(h) for h in state["range"]])
        auditor = Auditor.from_state(state["auditor"])
    size, root, tree_ok = 0, "", False
    try:
        cp = checkpoint_of(fetch, verifier, origin)
    except (LedgerError, FileNotFoundError) as exc:
        findings.append(Finding("AUD-1", None, str(exc)))
        cp = None
    if cp is not None:
        size, root = cp.size, cp.root.hex()
        if cp.size < start:
            shrank = f"the log shrank: {cp.size} entries signed, {start} verified before (rollback)"
            findings.append(Finding("AUD-9", cp.size, shrank))
        else:
            read = BundleReader(fetch, cp.size)
            try:
                # progress per bundle: a bar advanced per entry cost ≈ 5 µs each (5 s per 1M)
                advance = progress("bundles", (cp.size + WIDTH - 1) // WIDTH - start // WIDTH)
                observe = auditor.observe_raw
                for first, raws in bundles(fetch, cp.size, start):
                    hash_bundle(rng, raws)
                    for i, raw in enumerate(raws, first):
                        observe(i, raw, read)
                    advance()
                check_root(cp, rng)
                tree_ok = True
            except (LedgerError, FileNotFoundError) as exc:
                if state is None:
                    findings.append(Finding("AUD-2", None, str(exc)))
                else:
                    findings.append(Finding("AUD-9", None, f"{exc} (the new tree does not extend the saved "
                                                           "checkpoint, or its new entries changed)"))
            auditor.finish(read, cp.size, progress=progress("draws", len(auditor.dirty)))
            findings.extend(auditor.findings)
    all_findings = [f.as_dict() for f in [*earlier, *findings]]
    incremental = {"start": start, "earlier_findings": len(earlier)} if state is not None else None
    summary = auditor.summary()
    rep = report(origin=origin, size=size, root=root, findings=all_findings, summary=summary,
                 incremental=incremental)
    new_state = None
    if tree_ok and cp is not None:
        auditor.findings = []
        new_state = {
            "version": STATE_VERSION,
            "origin": origin,
            "key": key,
            "size": cp.size,
            "root": root,
            "range": [h.hex() for h in rng.stack],
            "auditor": auditor.to_state(),
            "findings": all_findings,
        }
    return AuditRun(report=rep, state=new_state, findings=all_findings, summary=summary,
                    omitted=sum(auditor.omitted.values()))
