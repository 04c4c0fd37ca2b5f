"""The pass skips the dispatch for kinds no rule reads: for such an entry ``observe`` would have
changed nothing (state, findings), on every entry of a log the service wrote."""

from __future__ import annotations

import json
from typing import Any

from drawsvc.audit.replay import RULE_KINDS, Auditor
from drawsvc.tasks.logread import decode


def test_skipped_kinds_are_those_observe_ignores(service_log: dict[str, Any]) -> None:
    raws = service_log["raws"]

    def read(start: int, stop: int) -> list[dict[str, Any]]:
        return [decode(r) for r in raws[start:stop]]

    auditor = Auditor()
    skipped: set[str] = set()
    for i, raw in enumerate(raws):
        entry = decode(raw)
        kind = entry["kind"]
        if Auditor()._no_rule_for(kind):
            skipped.add(kind)
            before = json.dumps(auditor.to_state(), sort_keys=True), list(auditor.findings)
            auditor.observe(i, entry, read)  # what the pass did before it skipped these kinds
            assert (json.dumps(auditor.to_state(), sort_keys=True), auditor.findings) == before, kind
        else:
            auditor.observe(i, entry, read)
    # the test means something: the pool chunks were skipped (and checked above), no rule's kind was
    assert {"draw.pool.members", "draw.avoidance"} <= skipped
    assert not skipped & RULE_KINDS
    assert not any(k.startswith(("result.", "registry.expert")) for k in skipped)


def test_a_malformed_entry_of_a_skipped_kind_is_still_a_finding() -> None:
    a = Auditor()
    a.observe_raw(0, b'{"kind":"inspection.record","body":[]}', lambda _a, _b: [])
    a.observe_raw(1, b'{"kind":"inspection.record","body":{}', lambda _a, _b: [])
    assert [(f.rule, f.index) for f in a.findings] == [("AUD-3", 0), ("AUD-3", 1)]
    assert a.size == 2


def test_the_remembered_kinds_are_bounded() -> None:
    a = Auditor()
    for n in range(1000):
        a.observe_raw(n, json.dumps({"kind": f"x.{n}", "body": {}}).encode(), lambda _a, _b: [])
    assert a.size == 1000 and not a.findings
    assert len(a._no_rule) == 256
