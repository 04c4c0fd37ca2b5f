"""Sealed draws, then disclosure (docs/specs/sealed-draws.md), through the real tasks service.

Before disclosure the log carries only the commitment (no secret, seed, salt or result: the
plaintext never reaches the log or the record), the verifier checks what it can, follow-ups that
would publish the result are refused, and the discipline office's view opens the commitment. A
disclosure that does not open the commitment is refused and writes nothing; after a disclosure
anyone recomputes the draw from the log, and a tampered disclosure fails naming the rule.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from tasks_support import SECRET, actor, log_entries, ops, reveal, seed_registries

from drawsvc.calendar.service import ensure_bundled
from drawsvc.errors import Conflict, InvalidInput, RuleViolation
from drawsvc.journal import SYSTEM, Actor
from drawsvc.tasks import seal, service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.record import build_record, entries_of_task, render_html
from drawsvc.tasks.verify import DrawMismatch, recompute, verify_task

DISCIPLINE = Actor(role="discipline", department="JJJC", name="jj-1")
BASE = "https://sjs.example.gov.cn"


def sealed_task(rt: Any, opens: dict[str, str], *, experts: bool = True) -> str:
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        seed_registries(s, targets=20, experts=8, inspectors_per_dept=12)
        params: dict[str, Any] = {"targets": {"count": 3}, "teams": {"size": 2}, "seal": {"opens": opens}}
        if experts:
            params["experts"] = {"headcount": 2, "pool": "ZJ", "group": "食品"}
        code = service.create_task(
            s, rt.journal, title="暗访抽查", year=2026, organiser="SCJG", params=params, actor=actor()
        ).code
        for pool in ("targets", "inspectors", *(("experts",) if experts else ())):
            service.build_pool(s, rt.journal, task=code, pool=pool, filters={}, actor=actor())
        service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor())
    with rt.transaction() as s:
        service.draw_task(s, rt.journal, task=code, reveals=reveal(), on=date(2026, 3, 2), actor=actor())
    return code


def verify(rt: Any, task: str) -> Any:
    with rt.engine.connect() as conn:
        return verify_task(reader_for(rt.log, conn), task, size=rt.log.size(conn))


def log_size(rt: Any) -> int:
    with rt.engine.connect() as conn:
        return rt.log.size(conn)


def opened(rt: Any, task: str) -> dict[str, Any]:
    with rt.transaction() as s:
        return service.opened_state(s, task, 1)


@pytest.fixture
def panel(runtime: Any) -> str:
    return sealed_task(runtime, {"event": "专家评审会开始"})


def test_the_log_and_the_record_hold_only_the_commitment_before_disclosure(runtime: Any, panel: str) -> None:
    state = opened(runtime, panel)
    entries = log_entries(runtime)
    text = "\n".join(json.dumps(e, ensure_ascii=False) for e in entries)
    kinds = [e["kind"] for e in entries if e["body"].get("task") == panel]
    assert "draw.sealed" in kinds and "draw.result" not in kinds and "draw.result.part" not in kinds
    secrets_seen = [SECRET.hex(), state["salt"], state["plaintext"]["seed"]]
    assert all(v not in text for v in secrets_seen)
    teams = state["plaintext"]["result"]["inspection"]["teams"]["assignments"]
    assert '"assignments"' not in text and teams
    sealed = next(e for e in entries if e["kind"] == "draw.sealed")["body"]
    assert sealed["sealed"] == {
        "spec": "drawsvc/seal/v1",
        "commitment": state["commitment"],
        "opens": {"event": "专家评审会开始"},
    }
    assert sealed["counts"] == {"targets": 3, "teams": 3, "experts": 2}
    # the draw record shows it sealed, with its commitment and opening, and nothing of the plaintext
    indexed = list(enumerate(entries))
    html = render_html(build_record(entries_of_task(indexed, panel)), verify_base_url=BASE)
    assert 'data-field="sealed.commitment"' in html and state["commitment"] in html
    assert "专家评审会开始" in html
    assert all(v not in html for v in secrets_seen)
    assert all(t["target"] not in html for t in teams)


def test_the_discipline_view_opens_the_commitment_at_once(runtime: Any, panel: str) -> None:
    state = opened(runtime, panel)
    assert state["verified"] is True and state["disclosed_index"] is None
    value = seal.open_seal(state["commitment"], state["salt"], state["plaintext"])  # anyone's own check
    assert value["task"] == panel and value["round"] == 1
    with runtime.transaction() as s:
        assert value["result"] == service.current_draw(s, panel).result


def test_before_disclosure_the_verifier_checks_what_it_can(runtime: Any, panel: str) -> None:
    v = verify(runtime, panel)
    assert v.seed == "" and v.sealed is not None and v.sealed["disclosed"] is None
    assert v.sealed["opens"] == {"event": "专家评审会开始"}
    assert v.counts == {"targets": 3, "teams": 3, "experts": 2}


def test_follow_ups_that_would_publish_the_result_are_refused_until_disclosure(
    runtime: Any, panel: str
) -> None:
    state = opened(runtime, panel)
    team = state["plaintext"]["result"]["inspection"]["teams"]["assignments"][0]
    size = log_size(runtime)
    with pytest.raises(RuleViolation) as exc, runtime.transaction() as s:
        service.replace_inspector(
            s, runtime.journal, task=panel, target=team["target"], inspector=team["members"][0]["id"],
            reason="病假", approver="王科长", actor=actor(),
        )
    assert exc.value.rule == "seal.undisclosed"
    expert = state["plaintext"]["result"]["experts"]["experts"]["panel"][0]
    with pytest.raises(RuleViolation) as exc, runtime.transaction() as s:
        service.respond_expert(
            s, runtime.journal, task=panel, expert=expert, response="accepted", actor=actor()
        )
    assert exc.value.rule == "seal.undisclosed"
    with runtime.transaction() as s:
        service.lock_draw(s, runtime.journal, task=panel, actor=actor())  # names no drawn member
    with pytest.raises(RuleViolation) as exc, runtime.transaction() as s:
        service.dispatch_draw(s, runtime.journal, task=panel, actor=actor())
    assert exc.value.rule == "seal.undisclosed"
    assert log_size(runtime) == size + 1  # only the lock


@pytest.mark.parametrize("tamper", ["salt", "plaintext"])
def test_a_disclosure_that_does_not_open_the_commitment_is_refused_and_nothing_written(
    runtime: Any, panel: str, tamper: str
) -> None:
    state = opened(runtime, panel)
    size = log_size(runtime)
    given: dict[str, Any] = {"salt": state["salt"], "plaintext": copy.deepcopy(state["plaintext"])}
    if tamper == "salt":
        given["salt"] = ("0" if state["salt"][0] != "0" else "1") + state["salt"][1:]
    else:
        given["plaintext"]["result"]["inspection"]["teams"]["assignments"].reverse()
    with pytest.raises(InvalidInput) as exc, runtime.transaction() as s:
        service.disclose_draw(s, runtime.journal, task=panel, actor=DISCIPLINE, **given)
    assert exc.value.field == tamper and exc.value.rule == "seal.commitment-mismatch"
    assert log_size(runtime) == size
    assert opened(runtime, panel)["disclosed_index"] is None


def test_after_disclosure_anyone_recomputes_the_draw_from_the_log(runtime: Any, panel: str) -> None:
    state = opened(runtime, panel)
    with runtime.transaction() as s:
        [index] = service.disclose_draw(s, runtime.journal, task=panel, actor=DISCIPLINE)
    entries = log_entries(runtime)
    disclosure = entries[index]
    assert disclosure["kind"] == "draw.disclose"
    body = disclosure["body"]
    assert body["salt"] == state["salt"] and body["plaintext"] == state["plaintext"]
    assert body["opened"]["by"] == "event" and body["sealed"] == state["sealed_index"]
    v = verify(runtime, panel)
    assert v.seed == state["plaintext"]["seed"] and v.sealed["disclosed"] == index
    # byte for byte: anyone's own hash of the logged disclosure is the sealed commitment
    assert seal.commitment(bytes.fromhex(body["salt"]), body["plaintext"]) == state["commitment"]
    with pytest.raises(Conflict), runtime.transaction() as s:
        service.disclose_draw(s, runtime.journal, task=panel, actor=DISCIPLINE)
    # disclosed: the follow-ups work again and the verifier replays them
    team = state["plaintext"]["result"]["inspection"]["teams"]["assignments"][0]
    with runtime.transaction() as s:
        service.replace_inspector(
            s, runtime.journal, task=panel, target=team["target"], inspector=team["members"][0]["id"],
            reason="病假", approver="王科长", actor=actor(),
        )
        slots = service.repo.expert_slots(s, panel, 1)
        assert slots and all(x.deadline is not None for x in slots)  # deadlines run from the disclosure
    assert len(verify(runtime, panel).events) == 1
    record = build_record(entries_of_task(list(enumerate(log_entries(runtime))), panel))
    html = render_html(record, verify_base_url=BASE)
    assert team["target"] in html and state["commitment"] in html


@pytest.mark.parametrize(
    ("path", "what"),
    [
        (("salt",), "disclose.plaintext"),
        (("plaintext", "seed"), "disclose.plaintext"),
        (("plaintext", "result", "inspection", "seed"), "disclose.plaintext"),
    ],
)
def test_a_tampered_disclosure_fails_verification_naming_the_rule(
    runtime: Any, panel: str, path: tuple[str, ...], what: str
) -> None:
    with runtime.transaction() as s:
        [index] = service.disclose_draw(s, runtime.journal, task=panel, actor=DISCIPLINE)
    entries = dict(enumerate(log_entries(runtime)))
    sealed_index = opened(runtime, panel)["sealed_index"]
    assert recompute(entries, sealed_index).sealed["disclosed"] == index
    forged = copy.deepcopy(entries)
    node = forged[index]["body"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = ("0" if node[path[-1]][0] != "0" else "1") + node[path[-1]][1:]
    with pytest.raises(DrawMismatch) as exc:
        recompute(forged, sealed_index)
    assert exc.value.rule == "seal.commitment-mismatch" and exc.value.what == what


def test_a_disclosure_of_another_commitment_fails_verification(runtime: Any, panel: str) -> None:
    with runtime.transaction() as s:
        service.disclose_draw(s, runtime.journal, task=panel, actor=DISCIPLINE)
    entries = dict(enumerate(log_entries(runtime)))
    sealed_index = opened(runtime, panel)["sealed_index"]
    forged = copy.deepcopy(entries)
    forged[sealed_index]["body"]["sealed"]["commitment"] = "ab" * 32
    with pytest.raises(DrawMismatch) as exc:
        recompute(forged, sealed_index)
    assert exc.value.rule == "seal.commitment-mismatch"


def test_a_date_seal_opens_on_its_date(runtime: Any) -> None:
    code = sealed_task(runtime, {"date": "2026-07-01"}, experts=False)
    size = log_size(runtime)
    with pytest.raises(RuleViolation) as exc, runtime.transaction() as s:
        service.disclose_draw(s, runtime.journal, task=code, on=date(2026, 6, 30), actor=actor())
    assert exc.value.rule == "seal.early-needs-reason" and log_size(runtime) == size
    with runtime.transaction() as s:
        assert service.disclose_due(s, runtime.journal, today=date(2026, 6, 30), actor=SYSTEM) == []
        assert service.disclose_due(s, runtime.journal, today=date(2026, 7, 1), actor=SYSTEM) == [code]
    v = verify(runtime, code)
    assert v.seed and v.sealed["disclosed"] is not None
    opened_by = next(e for e in log_entries(runtime) if e["kind"] == "draw.disclose")["body"]["opened"]
    assert opened_by == {"on": "2026-07-01", "by": "date", "opens": {"date": "2026-07-01"}, "reason": None}


def test_an_early_disclosure_with_a_reason_is_logged_as_early(runtime: Any) -> None:
    code = sealed_task(runtime, {"date": "2026-07-01"}, experts=False)
    with runtime.transaction() as s:
        service.disclose_draw(s, runtime.journal, task=code, reason="检查已提前完成", on=date(2026, 6, 20),
                              actor=actor())
    body = next(e for e in log_entries(runtime) if e["kind"] == "draw.disclose")["body"]
    assert body["opened"]["by"] == "early" and body["opened"]["reason"] == "检查已提前完成"
    assert verify(runtime, code).seed


def test_another_bureau_may_not_disclose(runtime: Any, panel: str) -> None:
    from drawsvc.errors import Forbidden

    with pytest.raises(Forbidden), runtime.transaction() as s:
        service.disclose_draw(s, runtime.journal, task=panel, actor=actor("OTHER"))


@pytest.mark.parametrize(
    ("seal_value", "field"),
    [
        ({"opens": {}}, "params.seal.opens"),
        ({"opens": {"date": "2026-02-30"}}, "params.seal.opens.date"),
        ({"opens": {"event": ""}}, "params.seal.opens.event"),
        ({"opens": {"date": "2026-07-01", "event": "x"}}, "params.seal.opens"),
        ({"when": "later"}, "params.seal"),
    ],
)
def test_bad_seal_settings_are_refused_naming_the_field(seal_value: dict[str, Any], field: str) -> None:
    from drawsvc.tasks.params import parse_params

    with pytest.raises(InvalidInput) as exc:
        parse_params({"targets": {"count": 1}, "seal": seal_value})
    assert exc.value.field == field and exc.value.rule == "seal.opens"


def test_the_pdf_record_of_a_sealed_draw_shows_it_sealed(runtime: Any, panel: str) -> None:
    from drawsvc.tasks.record import render_pdf
    from drawsvc.tasks.record.pdf import CjkFontMissing, find_cjk_font

    try:
        find_cjk_font()
    except CjkFontMissing:
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    state = opened(runtime, panel)
    record = build_record(entries_of_task(list(enumerate(log_entries(runtime))), panel))
    assert record.current_round is not None and record.current_round.sealed is not None
    assert record.current_round.result is None and record.anchor_index == state["sealed_index"]
    pdf = render_pdf(record, verify_base_url=BASE)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    flat = "".join(text.split())
    assert "已封存" in flat and state["commitment"] in flat
    assert state["salt"] not in flat and state["plaintext"]["seed"] not in flat


def test_a_large_disclosure_is_split_into_parts_and_verifies(runtime: Any) -> None:
    with runtime.transaction() as s:
        seed_registries(s, targets=4000, inspectors_per_dept=2)
        code = service.create_task(
            s, runtime.journal, title="大批暗访", year=2026, organiser="SCJG",
            params={"targets": {"count": 3000}, "seal": {"opens": {"event": "检查结束"}}}, actor=actor(),
        ).code
        service.build_pool(s, runtime.journal, task=code, pool="targets", filters={}, actor=actor())
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    with runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    with runtime.transaction() as s:
        [index] = service.disclose_draw(s, runtime.journal, task=code, actor=DISCIPLINE)
    entries = dict(enumerate(log_entries(runtime)))
    body = entries[index]["body"]
    assert body["plaintext"] is None and body["parts"][1] > 1
    first, count = body["parts"]
    assert {entries[i]["kind"] for i in range(first, first + count)} == {"draw.disclose.part"}
    sealed_index = body["sealed"]
    assert recompute(entries, sealed_index).counts["targets"] == 3000
    forged = copy.deepcopy(entries)
    text = forged[first]["body"]["text"]
    forged[first]["body"]["text"] = text.replace("9", "8", 1)
    with pytest.raises(DrawMismatch) as exc:
        recompute(forged, sealed_index)
    assert exc.value.rule == "seal.commitment-mismatch"


def test_a_sealed_parent_has_sub_draws_only_after_its_disclosure(runtime: Any) -> None:
    with runtime.transaction() as s:
        seed_registries(s, targets=30, departments=("SCJG", "WSJ"), inspectors_per_dept=6)
        parent = service.create_task(
            s, runtime.journal, title="联合暗访", year=2026, organiser="SCJG", departments=["WSJ"],
            params={"targets": {"count": 3}, "seal": {"opens": {"event": "检查开始"}}}, actor=actor(),
        ).code
        service.build_pool(s, runtime.journal, task=parent, pool="targets", filters={}, actor=actor())
        service.commit_task(s, runtime.journal, task=parent, commitments=ops(), actor=actor())
    with runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=parent, reveals=reveal(), actor=actor())
        service.lock_draw(s, runtime.journal, task=parent, actor=actor())
    with pytest.raises(RuleViolation) as exc, runtime.transaction() as s:
        service.create_subdraw(
            s, runtime.journal, parent=parent, unit="WSJ", params={"teams": {"size": 2}}, actor=actor("WSJ")
        )
    assert exc.value.rule == "seal.undisclosed"
    with runtime.transaction() as s:
        service.disclose_draw(s, runtime.journal, task=parent, actor=actor())
        sub = service.create_subdraw(
            s, runtime.journal, parent=parent, unit="WSJ", params={"teams": {"size": 2}}, actor=actor("WSJ")
        ).code
        service.commit_task(s, runtime.journal, task=sub, commitments=ops(), actor=actor("WSJ"))
    with runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=sub, reveals=reveal(), actor=actor("WSJ"))
    verified = verify(runtime, parent)
    assert [v.task for v in verified.subdraws] == [sub]
    assert verified.subdraws[0].counts["teams"] == 3


def test_a_sealed_entry_opening_later_than_committed_fails_verification(runtime: Any, panel: str) -> None:
    entries = dict(enumerate(log_entries(runtime)))
    sealed_index = opened(runtime, panel)["sealed_index"]
    assert recompute(entries, sealed_index).sealed["disclosed"] is None
    forged = copy.deepcopy(entries)
    forged[sealed_index]["body"]["sealed"]["opens"] = {"date": "2099-01-01"}
    with pytest.raises(DrawMismatch) as exc:
        recompute(forged, sealed_index)
    assert exc.value.rule == "seal.opens" and exc.value.what == "sealed.opens"


def test_no_result_is_entered_for_a_sealed_draw_before_disclosure(runtime: Any, panel: str) -> None:
    from drawsvc.results import service as results

    state = opened(runtime, panel)
    team = state["plaintext"]["result"]["inspection"]["teams"]["assignments"][0]
    leader = next(m["id"] for m in team["members"] if m["leader"])
    with runtime.transaction() as s:
        service.lock_draw(s, runtime.journal, task=panel, actor=actor())
    size = log_size(runtime)
    with pytest.raises(RuleViolation) as exc, runtime.transaction() as s:
        results.submit_result(
            s, runtime.journal, task=panel, actor=actor(), target=team["target"],
            check_item={"department": "SCJG", "code": "SCJG-01"}, inspector=leader,
            inspected_on=date(2026, 3, 3), method="实地核查", firm_signed=True, categories=["未发现问题"],
        )
    assert exc.value.rule == "seal.undisclosed"  # a result names its target: it would unseal the draw
    assert log_size(runtime) == size
