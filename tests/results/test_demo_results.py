"""The demo goes on through results: published, one objection corrected (both versions public),
one follow-up transferred; no published record of the demo holds a private field or value."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from results_support import keys_of

from drawsvc.demo import DEMO_ORIGIN, run_demo
from drawsvc.privacy import PRIVATE_FIELDS
from drawsvc.results import service
from drawsvc.results.published import PUBLIC_KEYS
from drawsvc.settings import Settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    rt, report = run_demo(
        Settings(data_dir=tmp_path_factory.mktemp("demo") / "demo", log_origin=DEMO_ORIGIN), targets=600
    )
    yield rt, report
    rt.close()


def _published(rt: Any) -> list[dict[str, Any]]:
    with rt.transaction() as s:
        served = service.list_published(s, limit=1000)
    with rt.engine.connect() as conn:
        logged = [
            json.loads(b)["body"]["published"]
            for b in rt.log.entries(conn, 0, rt.log.size(conn))
            if json.loads(b)["kind"] == "result.publish"
        ]
    return served + logged


def test_the_demo_publishes_results_a_correction_beside_the_original_and_a_transfer(demo: Any) -> None:
    rt, report = demo
    res = report.results
    with rt.transaction() as s:
        forms = service.list_published(s, task=res["task"], limit=1000)
    assert {f["result"] for f in forms} == set(res["published"])
    corrected = sorted((f["version"], f["categories"]) for f in forms if f["result"] == res["corrected"])
    assert corrected == [(1, ["发现问题待后续处理"]), (2, ["未发现问题"])]
    assert next(f for f in forms if f["result"] == res["transferred"])["follow_up"] == "transferred"
    assert res["unconfirmed_dispatch"]


def test_no_published_record_of_the_demo_holds_a_private_field(demo: Any) -> None:
    rt, _report = demo
    published = _published(rt)
    assert len(published) >= 12  # served forms + the forms as logged
    with rt.engine.connect() as conn:
        from drawsvc.registries import models as reg
        from drawsvc.results import models as m

        phones = {p for p in conn.execute(sa.select(reg.Inspector.phone)).scalars() if p}
        inspectors = set(conn.execute(sa.select(reg.Inspector.code)).scalars())
        names = set(conn.execute(sa.select(reg.Inspector.name)).scalars())
        private = {
            v
            for col in (
                m.InspectionResult.refusal_note,
                m.InspectionResult.witness,
                m.Objection.objector,
                m.FollowUpStep.note,
            )
            for v in conn.execute(sa.select(col)).scalars()
            if v
        }
    assert phones and private
    for form in published:
        assert set(form) == set(PUBLIC_KEYS)  # the logged form is in RFC 8785 key order
        assert not PRIVATE_FIELDS & keys_of(form)
        text = json.dumps(form, ensure_ascii=False)
        tokens = set(re.findall(r"[0-9A-Za-z-]+", text))
        assert not (phones | inspectors) & tokens
        assert not any(v in text for v in names | private)


def test_every_deadline_of_the_demo_recomputes_from_its_log(demo: Any) -> None:
    from drawsvc.results.replay import verify_deadlines

    rt, _report = demo
    with rt.engine.connect() as conn:
        logged = [(i, json.loads(b)) for i, b in enumerate(rt.log.entries(conn, 0, rt.log.size(conn)))]
    assert verify_deadlines(logged) >= 10
