"""The draw record's final view (docs/specs/draw-record.md DR-12), on a task run through the real
tasks service: a replacement, a leader designation and an expert top-up after the draw.

The final teams read back from the HTML (``data-field``) equal the verifier's final state
(``verify_task(...).final``); the as-drawn table still equals the logged ``draw.result``; members
who came in by a replacement or a designation carry that entry's log index; a log whose
follow-ups do not replay says so instead of showing a guessed final state.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from tasks_support import actor, log_entries, ops, reveal, seed_registries

from drawsvc.calendar.service import ensure_bundled
from drawsvc.journal import SYSTEM
from drawsvc.tasks import service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.record import build_record, entries_of_task, render_html
from drawsvc.tasks.verify import verify_task

BASE = "https://sjs.example.gov.cn"
WHY, HEAD = "熟悉该企业所在行业，由其带队", "分管局长"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    rt = open_runtime(
        Settings(data_dir=tmp_path_factory.mktemp("final"), log_origin="test.drawsvc.example/log")
    )
    try:
        with rt.transaction() as s:
            ensure_bundled(s, rt.journal, actor=SYSTEM)
            seed_registries(s, targets=20, experts=8, inspectors_per_dept=12)
            code = service.create_task(
                s,
                rt.journal,
                title="抽查",
                year=2026,
                organiser="SCJG",
                params={
                    "targets": {"count": 3},
                    "teams": {"size": 3},
                    "experts": {"headcount": 2, "pool": "ZJ", "group": "食品", "response_working_days": 2},
                },
                actor=actor(),
            ).code
            for pool in ("targets", "inspectors", "experts"):
                service.build_pool(s, rt.journal, task=code, pool=pool, filters={}, actor=actor())
            service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor())
        with rt.transaction() as s:
            draw = service.draw_task(
                s, rt.journal, task=code, reveals=reveal(), on=date(2026, 3, 2), actor=actor()
            )
            drawn = copy.deepcopy(draw.result)
        team = drawn["inspection"]["teams"]["assignments"][0]
        plain = [m["id"] for m in team["members"] if not m["leader"]]
        with rt.transaction() as s:  # a plain member is ill: refilled from the stream
            service.replace_inspector(
                s,
                rt.journal,
                task=code,
                target=team["target"],
                inspector=plain[0],
                reason="病假",
                approver="王科长",
                actor=actor(),
            )
        with rt.transaction() as s:  # the other plain member is designated leader
            service.designate(
                s,
                rt.journal,
                task=code,
                role="leader",
                target=team["target"],
                person=plain[1],
                reason=WHY,
                approver=HEAD,
                actor=actor(),
            )
        panel = drawn["experts"]["experts"]["panel"]
        with rt.transaction() as s:
            service.respond_expert(
                s,
                rt.journal,
                task=code,
                expert=panel[0],
                response="declined",
                reason="出差",
                on=date(2026, 3, 3),
                actor=actor(),
            )
            service.respond_expert(
                s,
                rt.journal,
                task=code,
                expert=panel[1],
                response="accepted",
                on=date(2026, 3, 3),
                actor=actor(),
            )
        with rt.engine.connect() as conn:
            verified = verify_task(reader_for(rt.log, conn), code, size=rt.log.size(conn))
        return {
            "code": code,
            "log": log_entries(rt),
            "drawn": drawn,
            "final": verified.final,
            "events": verified.events,
            "target": team["target"],
            "ill": plain[0],
            "leader": plain[1],
        }
    finally:
        rt.close()


def rows(html: str, cls: str) -> list[tuple[dict[str, str], str]]:
    """(attributes, inner HTML) of every ``<tr class="cls" ...>``."""
    out = []
    for attrs, inner in re.findall(rf'<tr class="{cls}"([^>]*)>(.*?)</tr>', html, flags=re.S):
        out.append((dict(re.findall(r'(data-[\w-]+)="([^"]*)"', attrs)), inner))
    return out


def field(inner: str, name: str) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(rf'data-field="{re.escape(name)}"[^>]*>([^<]*)<', inner)]


def page(served: dict[str, Any], log: list[dict[str, Any]] | None = None) -> str:
    record = build_record(entries_of_task(enumerate(log or served["log"]), served["code"]))
    return render_html(record, verify_base_url=BASE)


def test_final_teams_equal_the_verifiers_final_state(served: dict[str, Any]) -> None:
    html = page(served)
    final = [
        {"target": f["target"][0], "members": f["members"][0].split(), "leader": f["leader"][0]}
        for a, inner in rows(html, "final-team")
        for f in [{k: field(inner, f"final.{k}") for k in ("target", "members", "leader")}]
    ]
    assert final == served["final"]["teams"]
    changed = next(t for t in final if t["target"] == served["target"])
    assert changed["leader"] == served["leader"] and served["ill"] not in changed["members"]


def test_as_drawn_teams_still_equal_the_draw_result(served: dict[str, Any]) -> None:
    html = page(served)
    drawn = [
        {
            "target": a["target"],
            "members": [m["id"] for m in a["members"]],
            "leader": next(m["id"] for m in a["members"] if m["leader"]),
        }
        for a in served["drawn"]["inspection"]["teams"]["assignments"]
    ]
    shown = [
        {
            "target": field(inner, "team.target")[0],
            "members": field(inner, "team.members")[0].split(),
            "leader": field(inner, "team.leader")[0],
        }
        for _a, inner in rows(html, "team")
    ]
    assert shown == drawn and shown != served["final"]["teams"]


def test_members_from_a_replacement_or_designation_carry_the_log_index(served: dict[str, Any]) -> None:
    log, code = served["log"], served["code"]
    replace_at = next(
        i for i, e in enumerate(log) if e["kind"] == "draw.replace" and e["body"]["task"] == code
    )
    designate_at = next(
        i for i, e in enumerate(log) if e["kind"] == "draw.designate" and e["body"].get("role") == "leader"
    )
    newcomer = log[replace_at]["body"]["event"]["replacement"]
    html = page(served)
    ((_attrs, inner),) = [(a, i) for a, i in rows(html, "final-team") if a["data-target"] == served["target"]]
    marks = re.findall(r'data-member="([^"]+)" data-change="([^"]+)" data-log-index="(\d+)"', inner)
    assert sorted(marks) == sorted(
        [(newcomer, "refill", str(replace_at)), (served["leader"], "designate", str(designate_at))]
    )
    assert not [
        a for a, i in rows(html, "final-team") if a["data-target"] != served["target"] and "final.mark" in i
    ]
    assert re.search(r'data-applied="([^"]*)"', html).group(1).split() == [str(i) for i in served["events"]]  # type: ignore[union-attr]
    # the designation's event row: target, person, reason, approver, 组长 and the leader it replaced
    event = html.split(f'id="log-{designate_at}"', 1)[1].split("</tr>", 1)[0]
    drawn_leader = next(
        m["id"]
        for a in served["drawn"]["inspection"]["teams"]["assignments"]
        if a["target"] == served["target"]
        for m in a["members"]
        if m["leader"]
    )
    assert field(event, "event.subject") == [served["leader"]] and field(event, "event.reason") == [WHY]
    assert field(event, "event.approver") == [HEAD]
    eligible = "" if log[designate_at]["body"]["leader_eligible"] else "（非组长资格人员）"
    detail = f"指定组长：检查对象 {served['target']}{eligible}；原组长 {drawn_leader}"
    assert field(event, "event.detail") == [detail]
    assert "leader" not in field(event, "event.detail")[0]


def test_final_expert_panel_follows_declines_and_top_ups(served: dict[str, Any]) -> None:
    html = page(served)
    experts = rows(html, "final-expert")
    seated = [a["data-code"] for a, _ in experts if a["data-seated"] == "true"]
    assert seated == served["final"]["experts"]
    declined = served["drawn"]["experts"]["experts"]["panel"][0]
    left = [(a["data-code"], a["data-status"]) for a, _ in experts if a["data-seated"] == "false"]
    assert left == [(declined, "declined")]
    status = {a["data-code"]: a["data-status"] for a, _ in experts}
    accepted = served["drawn"]["experts"]["experts"]["panel"][1]
    assert status[accepted] == "accepted" and status[seated[0]] == "invited"  # the top-up awaits an answer


def test_a_follow_up_that_does_not_replay_is_named_not_guessed(served: dict[str, Any]) -> None:
    log = copy.deepcopy(served["log"])
    at = next(i for i, e in enumerate(log) if e["kind"] == "draw.replace")
    others = {m for t in served["final"]["teams"] for m in t["members"]}
    log[at]["body"]["event"]["replacement"] = sorted(
        r[0]
        for e in log
        if e["kind"] == "draw.pool.members" and e["body"]["pool"] == "inspectors"
        for r in e["body"]["rows"]
        if r[0] not in others
    )[0]
    html = page(served, log)
    assert (
        'data-field="final.unavailable"' in html
        and f'data-log-index="{at}"' in html.split("final.unavailable")[1][:40]
    )
    assert rows(html, "final-team") == [] and len(rows(html, "team")) == 3  # the as-drawn table stays


def test_a_draw_without_follow_ups_says_the_final_state_is_the_drawn_one(served: dict[str, Any]) -> None:
    later = {"draw.replace", "draw.designate", "draw.expert.topup", "draw.expert.response"}
    log = [
        e if e["kind"] not in later else {**e, "body": {**e["body"], "task": "T-other"}}
        for e in served["log"]
    ]
    html = page(served, log)
    assert 'data-field="final.unchanged"' in html and rows(html, "final-team") == []


def test_pdf_shows_the_final_teams_and_their_marks(served: dict[str, Any], tmp_path: Any) -> None:
    from drawsvc.tasks.record import render_pdf
    from drawsvc.tasks.record_pdf import FONT_PACKAGE, CjkFontMissing, find_cjk_font

    try:
        font = find_cjk_font()
    except CjkFontMissing as exc:
        pytest.skip(f"{exc} (apt-get install {FONT_PACKAGE})")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) reads the PDF back")
    record = build_record(entries_of_task(enumerate(served["log"]), served["code"]))
    (tmp_path / "r.pdf").write_bytes(render_pdf(record, verify_base_url=BASE, font=font))
    out = subprocess.run(["pdftotext", "-raw", str(tmp_path / "r.pdf"), "-"], capture_output=True, check=True)
    text = " ".join(out.stdout.decode("utf-8").split())
    replace_at = next(i for i, e in enumerate(served["log"]) if e["kind"] == "draw.replace")
    newcomer = served["log"][replace_at]["body"]["event"]["replacement"]
    assert "现行名单" in text and f"{newcomer} 补位替换 #{replace_at}" in text
    assert f"{served['leader']} 指定组长 #" in text
    for team in served["final"]["teams"]:
        assert " ".join(team["members"]) in text
