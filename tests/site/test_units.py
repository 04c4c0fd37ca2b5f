"""Pure parts of the site: the folded state, the search index, the charts, checkpoint display."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from public_site import charts, pages
from public_site.search import COMMON, SearchIndex, bigrams, fnv1a32, name_shard
from public_site.state import SiteState


def _e(
    kind: str, body: dict[str, Any], at: str = "2026-03-02T10:00:00+08:00", dept: str = "SCJG"
) -> dict[str, Any]:
    return {
        "schema": "drawsvc/entry/v1",
        "kind": kind,
        "at": at,
        "actor": {"role": "bureau", "department": dept, "name": "x"},
        "body": body,
    }


def _draw(task: str, targets: list[str], rnd: int = 1) -> dict[str, Any]:
    result = {"inspection": {"targets": {"selected": targets}, "teams": None}, "experts": None}
    return _e(
        "draw.result",
        {
            "task": task,
            "round": rnd,
            "commit": 0,
            "seed": "00" * 32,
            "result": result,
            "counts": {"targets": len(targets)},
        },
    )


def _fold(entries: list[dict[str, Any]]) -> tuple[SiteState, list[set[Any]]]:
    st = SiteState()
    return st, [st.apply(i, e) for i, e in enumerate(entries)]


A, B, C = "91330105MA7TC00013", "91330182MA277J8082", "91330109MAWJ15H0XG"


def test_a_draw_publishes_its_targets_as_firms_and_touches_their_pages() -> None:
    st, dirty = _fold(
        [
            _e("registry.target.upsert", {"uscc": A, "name": "甲公司"}),
            _e("task.create", {"task": "T1", "title": "t", "year": 2026, "organiser": "SCJG"}),
            _draw("T1", [A, B]),
        ]
    )
    assert ("firm", A) in dirty[2] and ("task", "T1") in dirty[2]
    assert st.firms[A].name == "甲公司" and set(st.firms) == {A, B}
    assert st.checks_by_month[("SCJG", "2026-03")] == 2


def test_a_redraw_replaces_the_earlier_rounds_firms_and_figures() -> None:
    st, dirty = _fold(
        [
            _e("task.create", {"task": "T1", "title": "t", "year": 2026, "organiser": "SCJG"}),
            _draw("T1", [A, B]),
            _draw("T1", [C], rnd=2),
        ]
    )
    assert "T1" not in st.firms[A].checks and "T1" in st.firms[C].checks
    assert ("firm", A) in dirty[2]
    assert st.checks_by_month[("SCJG", "2026-03")] == 1


def test_a_renamed_firm_touches_the_pages_that_show_its_name() -> None:
    st, dirty = _fold(
        [
            _e("task.create", {"task": "T1", "title": "t", "year": 2026, "organiser": "SCJG"}),
            _draw("T1", [A]),
            _e("registry.target.batch.v2", {"fields": ["uscc", "name"], "records": [[A, "新名称"]]}),
        ]
    )
    assert {("firm", A), ("task", "T1")} <= dirty[2]
    assert st.firms[A].name == "新名称"


def test_results_objections_and_follow_ups_fold_onto_the_result() -> None:
    form = {
        "result": "R1",
        "version": 1,
        "task": "T1",
        "firm": {"uscc": A, "name": "甲"},
        "categories": ["发现问题"],
        "inspected_on": "2026-03-10",
        "follow_up": "ordered",
    }
    st, _ = _fold(
        [
            _e("result.publish", {"result": "R1", "published": form}),
            _e("result.objection.file", {"objection": "O1", "result": "R1", "received_on": "2026-03-11"}),
            _e(
                "result.objection.decide",
                {"objection": "O1", "outcome": "更正", "corrected": {"version": 2}},
            ),
            _e(
                "result.publish",
                {"result": "R1", "published": dict(form, version=2, categories=["未发现问题"])},
            ),
            _e("result.followup", {"result": "R1", "step": "rectification.ordered", "on": "2026-03-20"}),
        ]
    )
    r = st.results["R1"]
    assert r.current.form["categories"] == ["未发现问题"] and r.follow_up == "rectification.ordered"
    assert r.objections[0]["outcome"] == "更正" and r.objections[0]["corrected"] == 2
    assert pages.result_categories(st) == {"未发现问题": 1}


def test_drafts_are_not_public_and_entries_are_applied_in_order() -> None:
    st, _ = _fold([_e("plan.upsert", {"department": "SCJG", "year": 2026, "version": 1, "items": []})])
    assert not st.plans
    with pytest.raises(ValueError):
        st.apply(5, _e("plan.publish", {}))


def test_a_malformed_body_is_ignored_not_fatal() -> None:
    st, _ = _fold(
        [_e("task.create", {"title": 3}), _e("result.publish", {"published": "x"}), _e("draw.result", {})]
    )
    assert st.size == 3 and not st.results


def test_fnv1a32_matches_the_published_test_values() -> None:
    # FNV-1a 32-bit reference values (draft-eastlake-fnv): "" and "a", "foobar"
    assert fnv1a32("") == 0x811C9DC5 and fnv1a32("a") == 0xE40C292C and fnv1a32("foobar") == 0xBF9CF968


def test_the_index_dirties_only_the_shards_a_firm_touches_and_drops_common_bigrams() -> None:
    index = SearchIndex()
    dirty = index.update(A, "杭州甲乙")
    assert {name_shard(g) for g in bigrams("杭州甲乙")} <= dirty
    assert index.update(A, "杭州甲乙") == set()
    index.update(A, "杭州丙丁")
    assert 0 not in index.postings.get("甲乙", [])
    for n in range(COMMON + 1):
        index.update(f"X{n:017d}", "有限公司")
    assert isinstance(index.postings["有限"], int)
    rendered = index.render({name_shard("有限")})
    assert json.loads(rendered[name_shard("有限")])["有限"] == {"n": COMMON + 1}


def test_charts_are_valid_svg_with_a_title_and_proportional_bars() -> None:
    svg = charts.horizontal_bars(
        [charts.Bar("甲", 10, "10"), charts.Bar("乙", 5, "5")], title="标题", ident="c"
    )
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.find(f"{ns}title").text == "标题"
    widths = [float(r.get("width")) for r in root.iter(f"{ns}rect")]
    assert widths[0] == pytest.approx(2 * widths[1])
    cov = charts.coverage_bars(
        [{"label": "事项", "coverage_bp": 250, "min_ratio_bp": 300}], title="t", ident="v"
    )
    assert ET.fromstring(cov).find(f"{ns}line") is not None and "最低 3%" in cov
    ET.fromstring(charts.monthly_columns({"甲": {"2026-01": 3}, "乙": {"2026-02": 1}}, title="t", ident="m"))


def test_checkpoint_view_reads_cosignature_timestamps() -> None:
    import base64

    sig = base64.b64encode(b"\x01\x02\x03\x04" + (1700000000).to_bytes(8, "big") + b"\x00" * 64).decode()
    own = base64.b64encode(b"\x09" * 68).decode()
    note = f"log.example\n5\nAAAA\n\n— log.example {own}\n— witness.example {sig}\n"
    cp = pages.checkpoint_view(note, log_name="log.example")
    assert cp.size == 5 and [s.name for s in cp.cosignatures] == ["witness.example"]
    assert cp.cosignatures[0].timestamp == 1700000000


def test_entry_pages_prove_inclusion_in_a_size_that_never_changes_once_the_tile_is_full() -> None:
    assert pages.proof_size(10, 100) == 100
    assert pages.proof_size(10, 300) == 256 == pages.proof_size(255, 10**6)


def test_a_sealed_draw_shows_its_commitment_until_disclosed() -> None:
    sealed = {"spec": "drawsvc/seal/v1", "commitment": "ab" * 32, "opens": {"date": "2026-04-01"}}
    plain = {"seed": "11" * 32, "result": {"inspection": {"targets": {"selected": [A]}, "teams": None}}}
    st, dirty = _fold(
        [
            _e("task.create", {"task": "T1", "title": "t", "year": 2026, "organiser": "SCJG"}),
            _e(
                "draw.sealed",
                {"task": "T1", "round": 1, "commit": 0, "sealed": sealed, "counts": {"targets": 1}},
            ),
        ]
    )
    t = st.tasks["T1"]
    assert t.status == "已封存" and t.sealed == {"commitment": "ab" * 32, "opens_on": "2026-04-01"}
    assert t.draw is None and A not in st.firms  # nothing drawn is public before the disclosure
    dirty = st.apply(2, _e("draw.disclose", {"task": "T1", "round": 1, "plaintext": plain, "parts": None}))
    assert t.sealed is None and t.draw is not None and t.draw.targets == [A] and ("firm", A) in dirty


def test_registered_names_of_firms_without_a_page_are_set_without_reading_the_base() -> None:
    from public_site.state import FirmNames

    loads: list[str] = []

    def load(base_id: str) -> dict[str, str]:
        loads.append(base_id)
        return {A: "旧名称", B: "乙公司"}

    names = FirmNames()
    names.rebase("b1")  # an empty base, now called b1
    names._base = None  # as after unpickling: the base file is not loaded yet
    names.attach(load)
    st = SiteState(names=names)
    st.apply(0, _e("registry.target.batch.v2", {"fields": ["uscc", "name"], "records": [[C, "丙公司"]]}))
    assert loads == [] and names.recent == {C: "丙公司"}
    # a firm drawn for the first time whose name is in the base: loaded once, then cached
    st.apply(1, _e("task.create", {"task": "T1", "title": "t", "year": 2026, "organiser": "SCJG"}))
    st.apply(2, _draw("T1", [A, B, C]))
    assert loads == ["b1"]
    assert [st.firm_name(u) for u in (A, B, C)] == ["旧名称", "乙公司", "丙公司"]
    assert all(st.firms[u].registered for u in (A, B, C))
    # a published firm's rename touches its pages; the same name again does not
    rename = _e("registry.target.batch.v2", {"fields": ["uscc", "name"], "records": [[A, "新名称"]]})
    dirty = st.apply(3, rename)
    assert {("firm", A), ("task", "T1")} <= dirty
    again = st.apply(4, rename)
    assert ("firm", A) not in again
    merged = names.rebase("b2")
    assert merged == {A: "新名称", B: "乙公司", C: "丙公司"} and names.recent == {} and names.base_id == "b2"


def test_firm_names_pickle_without_their_base() -> None:
    import pickle

    from public_site.state import FirmNames

    names = FirmNames()
    names[A] = "甲"
    names.rebase("b1")
    names[B] = "乙"
    copy = pickle.loads(pickle.dumps(names))
    assert copy.recent == {B: "乙"} and copy.base_id == "b1" and not copy.base_loaded
    with pytest.raises(LookupError):
        copy.get(A)
    copy.attach(lambda base_id: {A: "甲"} if base_id == "b1" else {})
    assert copy.get(A) == "甲" and copy.get(B) == "乙" and copy.get(C) is None


def test_code_shards_render_every_firm_of_the_shard_and_no_other() -> None:
    from public_site.search import code_shard

    index = SearchIndex()
    firms = {f"9133010{k:011d}": f"样例{k}商贸有限公司" for k in range(3000)}
    for uscc, name in firms.items():
        index.update(uscc, name)
    index.update("913301050000000007", "改名商贸有限公司")
    firms["913301050000000007"] = "改名商贸有限公司"
    shards = sorted({code_shard(u) for u in firms})[:40]
    out = index.render(set(shards))
    for path in shards:
        want = {u: n for u, n in firms.items() if code_shard(u) == path}
        assert json.loads(out[path]) == want and want
