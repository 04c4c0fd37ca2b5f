"""The draw record of a task run through the real tasks service: built from the log it wrote.

Guards the alignment between what ``drawsvc/tasks/service.py`` logs (docs/specs/entries.md) and
what the record reads (docs/specs/draw-record.md): designation, commit with the discipline office,
beacon, draw with teams and experts, decline + top-up, replacement, redraw, lock, dispatch.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from typing import Any

import pytest
from tasks_support import SECRET, SECRET2, actor, log_entries, seed_registries

from drawsvc.calendar.service import ensure_bundled
from drawsvc.draw.seed import commitment
from drawsvc.journal import SYSTEM
from drawsvc.tasks import service
from drawsvc.tasks.record import build_record, entries_of_task, render_html

BASE = "https://sjs.example.gov.cn"
COMMITMENTS = [
    {"party": "operator", "commitment": commitment(SECRET)},
    {"party": "discipline", "department": "JW", "commitment": commitment(SECRET2)},
]
REVEALS = [{"party": "operator", "secret": SECRET.hex()}, {"party": "discipline", "secret": SECRET2.hex()}]


# quicknet round 123, genuine (tests/vectors/beacon/genuine.json names its source)
QUICKNET_123_SIGNATURE = (
    "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92"
)
QUICKNET_123_RANDOMNESS = "fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]]]:
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    rt = open_runtime(
        Settings(data_dir=tmp_path_factory.mktemp("record"), log_origin="test.drawsvc.example/log")
    )
    try:
        with rt.transaction() as s:
            ensure_bundled(s, rt.journal, actor=SYSTEM)
            seed_registries(s, targets=30, experts=8, inspectors_per_dept=8)
            code = service.create_task(
                s,
                rt.journal,
                title="食品生产企业抽查",
                year=2026,
                organiser="SCJG",
                actor=actor(),
                params={
                    "targets": {"count": 4},
                    "teams": {"size": 2},
                    "experts": {"headcount": 2, "pool": "ZJ", "group": "食品", "response_working_days": 2},
                },
            ).code
            for pool in ("targets", "inspectors", "experts"):
                service.build_pool(s, rt.journal, task=code, pool=pool, filters={}, actor=actor())
            service.designate(
                s,
                rt.journal,
                task=code,
                person="ZJ-0008",
                reason="唯一冷链专家",
                approver="分管局长",
                actor=actor(),
            )
        with rt.transaction() as s:
            service.commit_task(
                s,
                rt.journal,
                task=code,
                commitments=COMMITMENTS,
                beacon={"source": "drand-quicknet", "round": 123},  # genuine: tests/vectors/beacon
                actor=actor(),
            )
        with rt.transaction() as s:
            draw = service.draw_task(
                s,
                rt.journal,
                task=code,
                reveals=REVEALS,
                beacon_signature=QUICKNET_123_SIGNATURE,
                on=date(2026, 3, 2),
                actor=actor(),
            )
            drawn = [x for x in draw.result["experts"]["experts"]["panel"] if x != "ZJ-0008"]
            team = draw.result["inspection"]["teams"]["assignments"][0]
        with rt.transaction() as s:
            service.respond_expert(
                s,
                rt.journal,
                task=code,
                expert=drawn[0],
                response="declined",
                reason="与被检查单位存在利害关系",
                on=date(2026, 3, 3),
                actor=actor(),
            )
        with rt.transaction() as s:
            service.replace_inspector(
                s,
                rt.journal,
                task=code,
                target=team["target"],
                inspector=team["members"][1]["id"],
                reason="病假",
                approver="王科长",
                actor=actor(),
            )
        with rt.transaction() as s:
            service.commit_task(
                s,
                rt.journal,
                task=code,
                commitments=COMMITMENTS,
                reason="候选池漏录，重新抽取",
                approver="局务会",
                actor=actor(),
            )
        with rt.transaction() as s:
            service.draw_task(s, rt.journal, task=code, reveals=REVEALS, on=date(2026, 3, 5), actor=actor())
        with rt.transaction() as s:
            service.lock_draw(s, rt.journal, task=code, actor=actor())
            service.dispatch_draw(s, rt.journal, task=code, by="region", actor=actor())
        return code, log_entries(rt)
    finally:
        rt.close()


def fields(html: str, name: str) -> list[str]:
    """Text of every element with ``data-field="name"`` (flat: the record's fields hold no nested tags)."""
    import re

    pattern = rf'data-field="{re.escape(name)}"[^>]*>([^<]*)<'
    return [" ".join(m.split()) for m in re.findall(pattern, html)]


def test_record_of_a_served_task_matches_its_log(served: tuple[str, list[dict[str, Any]]]) -> None:
    code, log = served
    entries = entries_of_task(enumerate(log), code)
    record = build_record(entries)
    html = render_html(record, verify_base_url=BASE)

    results = [i for i, e in entries if e["kind"] == "draw.result"]
    commits = [i for i, e in entries if e["kind"] == "draw.commit"]
    assert record.anchor_index == results[-1] and [r.number for r in record.rounds] == [1, 2]
    assert fields(html, "seed") == [log[i]["body"]["seed"] for i in results]
    roots = [
        p["root"] for i in commits for p in (*log[i]["body"]["pools"].values(), log[i]["body"]["avoidance"])
    ]
    assert sorted(fields(html, "pool.root")) == sorted(roots)
    assert fields(html, "commitment") == [
        c["commitment"] for i in commits for c in log[i]["body"]["commitments"]
    ]
    assert fields(html, "reveal") == [r["secret"] for i in results for r in log[i]["body"]["reveals"]]
    assert fields(html, "beacon.value") == [QUICKNET_123_RANDOMNESS]
    assert fields(html, "redraw.reason") == ["候选池漏录，重新抽取"]
    for i in results:
        teams = log[i]["body"]["result"]["inspection"]["teams"]["assignments"]
        assert [t.target for t in record.rounds[results.index(i)].result.inspection.teams] == [  # type: ignore[union-attr]
            t["target"] for t in teams
        ]
    # experts: designated, drawn, declined and topped up
    roster = {x.code: x for x in record.rounds[0].experts}
    assert roster["ZJ-0008"].source == "designate"
    topup = next(e for _, e in entries if e["kind"] == "draw.expert.topup")["body"]["event"]
    assert roster[topup["expert"]].response == "declined"
    assert fields(html, "event.reason").count("与被检查单位存在利害关系") == 1  # the logged decline reason
    assert "（日志未载明理由）" not in html
    assert (
        roster[topup["replacement"]].source == "topup"
        and roster[topup["replacement"]].replaces == topup["expert"]
    )
    # replacement and designation with approver and reason; the discipline office as witness
    assert "王科长" in fields(html, "event.approver") and "分管局长" in fields(html, "event.approver")
    assert [w.department for w in record.witnesses] == ["JW", "JW"]
    # every non-chunk entry of the task is an event row
    chunks = {"draw.pool.members", "draw.avoidance", "draw.result.part"}
    assert [e.ref.index for e in record.events] == [i for i, e in entries if e["kind"] not in chunks]


def test_qr_code_of_a_served_task_decodes_to_its_current_draw(
    served: tuple[str, list[dict[str, Any]]],
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (dev extra) decodes the QR code")
    from PIL import Image

    code, log = served
    record = build_record(entries_of_task(enumerate(log), code))
    html = render_html(record, verify_base_url=BASE)
    src = html.split('id="verify-qr" src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(src))))]
    assert decoded == [f"{BASE}/draws/{code}.html#log-{record.anchor_index}"]
    assert (
        log[record.anchor_index]["kind"] == "draw.result" and log[record.anchor_index]["body"]["round"] == 2
    )
    assert json.dumps(log[record.anchor_index]["body"]["seed"]) in json.dumps(fields(html, "seed"))
