"""The draw record (docs/specs/draw-record.md): its figures equal the log's, its QR code decodes.

The log is the vector ``tests/vectors/draw-record/log.json`` (a whole task life cycle, with an
entry of another task interleaved). Figures are read back out of the HTML by ``data-field`` and
``data-log-index`` and compared with the entries at those indices.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from drawsvc.errors import InvalidInput, NotFound
from drawsvc.tasks import qr
from drawsvc.tasks.record import build_record, entries_of_task, render_html, select_entries

VECTOR = Path(__file__).parents[1] / "vectors" / "draw-record" / "log.json"
TASK = "T2026-0001"
BASE = "https://sjs.example.gov.cn/gongshi"
CHUNKS = {"draw.pool.members", "draw.avoidance", "draw.result.part"}


def load_log() -> list[dict[str, Any]]:
    return json.loads(VECTOR.read_text(encoding="utf-8"))


LOG = load_log()


def task_entries(log: list[dict[str, Any]] | None = None) -> list[tuple[int, dict[str, Any]]]:
    return entries_of_task(enumerate(log if log is not None else LOG), TASK)  # type: ignore[return-value]


# --- reading the page back -----------------------------------------------------------------


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def all(self, **attrs: str) -> list[Element]:
        """Descendants whose attributes (``class_`` for class, ``data_x`` for data-x) match."""
        want = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        out = []
        for e in self.iter():
            if all(
                (v in e.attrs.get(k, "").split()) if k == "class" else e.attrs.get(k) == v
                for k, v in want.items()
            ):
                out.append(e)
        return out[1:] if out and out[0] is self else out

    def one(self, **attrs: str) -> Element:
        found = self.all(**attrs)
        assert len(found) == 1, (attrs, len(found))
        return found[0]

    def field(self, name: str) -> str:
        return self.one(data_field=name).text

    def fields(self, name: str) -> list[str]:
        return [e.text for e in self.all(data_field=name)]


VOID = {"meta", "img", "br", "link", "input", "hr"}


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"unbalanced </{tag}> (open: {self.stack[-1].tag})"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for el in self.stack:
            el.parts.append(data)


def parse_page(html: str) -> Element:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    assert parser.stack == [parser.root], "unclosed elements"
    return parser.root


@pytest.fixture(scope="module")
def page() -> Element:
    return parse_page(render_html(build_record(task_entries()), verify_base_url=BASE))


def body(index: int) -> dict[str, Any]:
    return LOG[index]["body"]


# --- QR code --------------------------------------------------------------------------------


def decode_png(data: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (dev extra) decodes the QR code")
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_qr_code_decodes_to_the_draw_verification_address(page: Element) -> None:
    img = page.one(id="verify-qr")
    prefix = "data:image/png;base64,"
    assert img.attrs["src"].startswith(prefix)
    decoded = decode_png(base64.b64decode(img.attrs["src"][len(prefix) :]))
    anchor = int(page.one(id="draw-record").attrs["data-anchor-index"])
    assert decoded == [f"{BASE}/draws/{TASK}.html#log-{anchor}"]
    assert page.one(id="verify-url").attrs["href"] == decoded[0] == page.one(id="verify-url").text
    # DR-9: the anchor is the current round's draw.result
    assert LOG[anchor]["kind"] == "draw.result" and body(anchor)["round"] == 2
    assert anchor == max(i for i, e in enumerate(LOG) if e["kind"] == "draw.result")


def test_qr_code_of_an_undrawn_task_points_at_its_commitment() -> None:
    commit2 = next(i for i, e in enumerate(LOG) if e["kind"] == "draw.commit" and e["body"]["round"] == 2)
    record = build_record(task_entries(LOG[: commit2 + 1]))
    assert record.anchor_index == commit2
    html = parse_page(render_html(record, verify_base_url=BASE + "/"))
    src = html.one(id="verify-qr").attrs["src"].split(",", 1)[1]
    assert decode_png(base64.b64decode(src)) == [f"{BASE}/draws/{TASK}.html#log-{commit2}"]


def test_verify_url_of_a_sub_draw_is_a_path_below_its_parent() -> None:
    assert qr.verify_url(BASE, "T2026-0001/330102", 7) == f"{BASE}/draws/T2026-0001/330102.html#log-7"
    assert qr.verify_url(BASE, "T2026-单位", 0) == f"{BASE}/draws/T2026-%E5%8D%95%E4%BD%8D.html#log-0"


@pytest.mark.parametrize("task", ["", "../etc", "T1/../T2", "T1/", "T 1", "T1\n", "x" * 201])
def test_task_ids_that_cannot_name_a_page_are_refused(task: str) -> None:
    with pytest.raises(InvalidInput) as err:
        qr.verify_url(BASE, task, 1)
    assert err.value.rule == "record.task-id"


@pytest.mark.parametrize(
    "base", ["ftp://x.example", "https://", "https://x.example/?a=1", "https://x.example/#f", "x.example"]
)
def test_base_urls_other_than_plain_http_addresses_are_refused(base: str) -> None:
    with pytest.raises(InvalidInput) as err:
        qr.verify_url(base, TASK, 1)
    assert err.value.field == "verify_base_url"


# --- figures equal the log ------------------------------------------------------------------


def rounds(page: Element) -> dict[int, Element]:
    return {int(s.attrs["data-round"]): s for s in page.all(class_="round")}


def test_task_figures_match_task_create(page: Element) -> None:
    section = page.one(id="task")
    create = int(section.attrs["data-log-index"])
    b = body(create)
    assert LOG[create]["kind"] == "task.create"
    assert section.field("task.id") == b["task"] == TASK
    assert section.field("task.title") == b["title"]
    assert section.field("task.year") == str(b["year"])
    assert section.field("task.period") == f"{b['period']['start']} 至 {b['period']['end']}"
    assert section.field("task.organiser") == b["organiser"]
    assert section.field("task.check_items") == "、".join(
        f"{c['department']}:{c['code']}" for c in b["check_items"]
    )


def test_draw_parameters_are_shown_in_words(page: Element) -> None:
    params = body(int(page.one(id="task").attrs["data-log-index"]))["params"]
    targets, teams, experts = params["targets"], params["teams"], params["experts"]
    assert page.one(id="task").fields("task.params") == [
        f"检查对象：抽取 {targets['count']} 户，每户每年至多 {targets['cap_per_year']} 次",
        f"检查组：每组 {teams['size']} 人，含组长",
        f"专家：{experts['headcount']} 人（{experts['pool']}/{experts['group']}），"
        f"{experts['response_working_days']} 个工作日内答复",
    ]


def test_pool_sizes_and_roots_match_the_commitment(page: Element) -> None:
    shown = rounds(page)
    assert sorted(shown) == [1, 2]
    for number, section in shown.items():
        commit = int(section.attrs["data-log-index"])
        b = body(commit)
        assert LOG[commit]["kind"] == "draw.commit" and b["round"] == number
        frozen = {**b["pools"], "avoidance": b["avoidance"]}
        rows = section.all(class_="pool")
        assert {r.attrs["data-pool"] for r in rows} == set(frozen)
        for row in rows:
            want = frozen[row.attrs["data-pool"]]
            assert int(row.attrs["data-log-index"]) == commit
            assert row.field("pool.size") == str(want["size"])
            assert row.field("pool.root") == want["root"]
            first, count = want["entries"]
            assert row.field("pool.entries") == f"#{first}–#{first + count - 1}"
            kinds = {LOG[i]["kind"] for i in range(first, first + count)}
            assert kinds <= CHUNKS
    # pools are listed targets, inspectors, experts (then avoidance)
    assert [r.attrs["data-pool"] for r in shown[1].all(class_="pool")] == [
        "targets",
        "inspectors",
        "experts",
        "avoidance",
    ]


def test_commitments_and_reveals_match_the_log(page: Element) -> None:
    for number, section in rounds(page).items():
        commit = int(section.attrs["data-log-index"])
        rows = section.all(class_="commitment")
        logged = body(commit)["commitments"]
        assert [r.attrs["data-party"] for r in rows] == [c["party"] for c in logged]
        result = next(
            i for i, e in enumerate(LOG) if e["kind"] == "draw.result" and e["body"]["round"] == number
        )
        secrets = {r["party"]: r["secret"] for r in body(result)["reveals"]}
        for row, c in zip(rows, logged, strict=True):
            assert int(row.attrs["data-log-index"]) == commit
            assert row.field("commitment") == c["commitment"]
            assert row.field("commitment.department") == c["department"]
            reveal = row.one(data_field="reveal")
            assert reveal.text == secrets[c["party"]]
            assert int(reveal.attrs["data-log-index"]) == result


def result_of(index: int) -> dict[str, Any]:
    """The engine result of the draw.result at ``index``, its parts' text joined when split (E-6)."""
    b = body(index)
    if b["result"] is not None:
        return b["result"]
    first, count = b["parts"]
    return json.loads("".join(body(i)["text"] for i in range(first, first + count)))


def test_beacon_seeds_and_salt_match_the_draw_result(page: Element) -> None:
    shown = rounds(page)
    seed = shown[1].one(data_field="seed")
    result = int(seed.attrs["data-log-index"])
    b = body(result)
    assert seed.text == b["seed"]
    assert shown[1].field("seed.inspection") == b["result"]["inspection"]["seed"]
    assert shown[1].field("seed.experts") == b["result"]["experts"]["seed"]
    assert shown[1].field("avoidance_salt") == b["avoidance_salt"]
    commit = int(shown[1].attrs["data-log-index"])
    assert shown[1].field("avoidance.salt_commitment") == body(commit)["avoidance"]["salt_commitment"]
    assert shown[1].field("beacon.source") == b["beacon"]["source"]
    assert shown[1].field("beacon.round") == str(b["beacon"]["round"])
    assert shown[1].field("beacon.value") == b["beacon"]["value"]
    seed2 = shown[2].one(data_field="seed")
    assert seed2.text == body(int(seed2.attrs["data-log-index"]))["seed"]
    assert shown[2].all(data_field="beacon.value") == []  # round 2 committed no beacon
    assert seed.text != seed2.text


def test_drawn_teams_and_experts_match_the_result_including_parts(page: Element) -> None:
    for number, section in rounds(page).items():
        seed = section.one(data_field="seed")
        result = int(seed.attrs["data-log-index"])
        assert (body(result)["parts"] is not None) == (number == 2)  # round 2 is split in parts
        res = result_of(result)
        teams = section.all(class_="team")
        assignments = res["inspection"]["teams"]["assignments"]
        assert [t.field("team.target") for t in teams] == res["inspection"]["targets"]["selected"]
        for row, a in zip(teams, assignments, strict=True):
            assert row.field("team.target") == a["target"]
            assert row.field("team.members").split() == [m["id"] for m in a["members"]]
            assert row.field("team.leader") == next(m["id"] for m in a["members"] if m["leader"])
        assert section.field("result.teams_position") == str(res["inspection"]["teams"]["position"])
        assert section.field("result.eligible") == str(res["inspection"]["targets"]["eligible"])
        exp = res["experts"]["experts"]
        drawn = [e for e in section.all(class_="expert") if e.attrs["data-source"] == "draw"]
        assert [e.field("expert.code") for e in drawn] == exp["sequence"]
        assert [e.attrs["data-code"] for e in section.all(class_="expert", data_source="designate")] == [
            d["id"] for d in exp["designated"]
        ]
        assert section.field("experts.headcount") == str(exp["headcount"])
        for key, n in body(result)["counts"].items():
            assert section.field(f"count.{key}") == str(n)


def test_targets_list_without_teams() -> None:
    log = copy.deepcopy(LOG)
    i = index_of("draw.result")
    log[i]["body"]["result"]["inspection"]["teams"] = None
    page = parse_page(render_html(build_record(task_entries(log)), verify_base_url=BASE))
    assert rounds(page)[1].fields("target") == log[i]["body"]["result"]["inspection"]["targets"]["selected"]
    assert rounds(page)[1].all(class_="team") == []


def test_expert_roster_shows_designations_top_ups_and_answers(page: Element) -> None:
    roster = {e.attrs["data-code"]: e for e in rounds(page)[1].all(class_="expert")}
    assert roster["EXP-003"].field("expert.response") == "拒绝"
    assert roster["EXP-001"].field("expert.response") == "未应答"
    for i in (i for i, e in enumerate(LOG) if e["kind"] == "draw.expert.topup"):
        ev = body(i)["event"]
        row = roster[ev["replacement"]]
        assert row.attrs["data-source"] == "topup" and int(row.attrs["data-log-index"]) == i
        assert row.field("expert.replaces") == ev["expert"]
        assert row.field("expert.order") == f"随机流 {ev['position_before']}→{ev['position']}"
    assert roster["EXP-005"].field("expert.response") == "接受"
    assert roster["EXP-004"].attrs["data-source"] == "designate"
    # answers of round 1 do not leak into round 2 (a redraw invites afresh)
    assert {e.field("expert.response") for e in rounds(page)[2].all(class_="expert")} == {"待答复"}


def test_designation_and_rotation_are_shown_with_the_commitment(page: Element) -> None:
    for section in rounds(page).values():
        commit = int(section.attrs["data-log-index"])
        shown = section.all(class_="designated")
        logged = body(commit)["designated"]
        assert [
            (d.field("designated.id"), d.field("designated.reason"), d.field("designated.approver"))
            for d in shown
        ] == [(d["id"], d["reason"], d["approver"]) for d in logged]
    rotation = rounds(page)[2].one(class_="rotation").text
    assert all(code in rotation for code in body(index_of("draw.commit", 1))["rotation"][0]["panel"])


def test_every_entry_of_the_task_is_an_event_with_its_index(page: Element) -> None:
    rows = page.one(id="events").all(class_="event")
    expected = [(i, e["kind"]) for i, e in task_entries() if e["kind"] not in CHUNKS]
    assert [(int(r.attrs["data-log-index"]), r.attrs["data-kind"]) for r in rows] == expected
    for row in rows:
        i = int(row.attrs["data-log-index"])
        assert row.attrs["id"] == f"log-{i}"
        assert row.field("event.at") == LOG[i]["at"]
        actor = LOG[i]["actor"]
        assert actor["name"] in row.field("event.actor")


def event(page: Element, kind: str, nth: int = 0) -> tuple[Element, dict[str, Any]]:
    rows = [r for r in page.one(id="events").all(class_="event") if r.attrs["data-kind"] == kind]
    row = rows[nth]
    return row, body(int(row.attrs["data-log-index"]))


def test_decline_no_answer_and_top_up_rows_match(page: Element) -> None:
    declined, b = event(page, "draw.expert.response", 0)
    assert declined.attrs["data-category"] == "declined"
    assert declined.field("event.subject") == b["expert"]
    assert declined.field("event.reason") == b["reason"]
    no_answer, b = event(page, "draw.expert.response", 1)
    assert no_answer.attrs["data-category"] == "no_answer" and no_answer.field("event.subject") == b["expert"]
    for n in (0, 1):
        topup, b = event(page, "draw.expert.topup", n)
        assert topup.field("event.subject") == b["event"]["expert"]
        assert topup.field("event.replacement") == b["event"]["replacement"]
        assert f"答复期限 {b['deadline']}" in topup.field("event.detail")  # the replacement's deadline


def test_replacement_designation_and_redraw_show_approver_and_reason(page: Element) -> None:
    for n in (0, 1):
        replace, b = event(page, "draw.replace", n)
        ev = b["event"]
        assert (replace.field("event.subject"), replace.field("event.replacement")) == (
            ev["person"],
            ev["replacement"],
        )
        assert (replace.field("event.reason"), replace.field("event.approver")) == (
            ev["reason"],
            ev["approver"],
        )
        assert ev["target"] in replace.field("event.detail")
    swap, b = event(page, "draw.replace", 1)
    assert "互换" in swap.field("event.detail") and b["event"]["swap_target"] in swap.field("event.detail")
    designate, b = event(page, "draw.designate")
    assert designate.field("event.subject") == b["person"]
    assert (designate.field("event.reason"), designate.field("event.approver")) == (
        b["reason"],
        b["approver"],
    )
    redraw, b = event(page, "draw.commit", 1)
    assert redraw.attrs["data-category"] == "redraw" and redraw.attrs["data-round"] == "2"
    assert (redraw.field("event.reason"), redraw.field("event.approver")) == (
        b["redraw"]["reason"],
        b["redraw"]["approver"],
    )
    section = rounds(page)[2]
    assert section.field("redraw.reason") == b["redraw"]["reason"]
    assert section.field("redraw.replaces") == str(b["redraw"]["replaces"])
    assert LOG[b["redraw"]["replaces"]]["kind"] == "draw.result"


def test_decline_without_a_logged_reason_says_so() -> None:
    log = copy.deepcopy(LOG)
    i = next(i for i, e in enumerate(log) if e["kind"] == "draw.expert.response")
    del log[i]["body"]["reason"]  # the service's entries.md §5 body has no reason
    page = parse_page(render_html(build_record(task_entries(log)), verify_base_url=BASE))
    row = page.one(id="events").one(data_log_index=str(i))
    assert row.all(data_field="event.reason") == []
    assert row.field("event.reason-missing") == "（日志未载明理由）"


def test_operators_are_the_entries_actors_with_their_indices(page: Element) -> None:
    shown = {
        (r.attrs["data-role"], r.attrs["data-department"], r.attrs["data-name"]): [
            int(x) for x in r.attrs["data-log-indices"].split()
        ]
        for r in page.all(class_="operator")
    }
    expected: dict[tuple[str, str, str], list[int]] = {}
    for i, e in task_entries():
        a = e["actor"]
        expected.setdefault((a["role"], a["department"] or "", a["name"]), []).append(i)
    assert shown == expected


def test_witness_is_the_discipline_office_commitment_and_reveal(page: Element) -> None:
    rows = page.one(id="witness").all(class_="witness")
    assert [int(r.attrs["data-round"]) for r in rows] == [1, 2]
    for row in rows:
        commit = int(row.attrs["data-log-index"])
        c = next(c for c in body(commit)["commitments"] if c["party"] == "discipline")
        assert row.attrs["data-department"] == c["department"]
        assert row.field("witness.commitment").split()[0] == c["commitment"]
        result = next(
            i for i, e in enumerate(LOG) if e["kind"] == "draw.result" and e["body"]["commit"] == commit
        )
        secret = next(r["secret"] for r in body(result)["reveals"] if r["party"] == "discipline")
        assert row.field("witness.secret") == f"{secret} #{result}"
    assert "330100-JW key-jw-02" in page.one(id="witness").field("witness.actor")


def test_signature_blanks_for_operator_discipline_and_head(page: Element) -> None:
    sign = page.one(id="signatures")
    assert [th.text for th in sign.all() if th.tag == "th"] == ["抽取人", "监督人（纪检监察）", "负责人"]
    assert [td.attrs["data-sign"] for td in sign.all(class_="blank")] == ["operator", "discipline", "head"]


def test_print_styles_are_a4() -> None:
    html = render_html(build_record(task_entries()), verify_base_url=BASE)
    assert "@page { size: A4;" in html and 'lang="zh-CN"' in html


def test_other_tasks_and_unrelated_entries_are_left_out(page: Element) -> None:
    other = next(i for i, e in enumerate(LOG) if e["body"].get("task") == "T2026-0002")
    assert page.all(data_log_index=str(other)) == []
    assert "其他任务" not in page.text
    assert page.all(data_log_index="0") == []


def test_record_follows_the_log_not_a_copy() -> None:
    """A changed figure in the log is the figure on the page (the page caches nothing)."""
    log = copy.deepcopy(LOG)
    i = max(i for i, e in enumerate(log) if e["kind"] == "draw.result")
    log[i]["body"]["seed"] = "ab" * 32
    page = parse_page(render_html(build_record(task_entries(log)), verify_base_url=BASE))
    assert rounds(page)[2].field("seed") == "ab" * 32


def test_text_is_escaped_and_personal_data_never_shown() -> None:
    log = copy.deepcopy(LOG)
    i = next(i for i, e in enumerate(log) if e["kind"] == "draw.replace")
    log[i]["body"]["event"]["reason"] = "<script>alert(1)</script> & 病假"
    log[i]["body"]["phone"] = "13800138000"  # must never be in a body; if it is, the page ignores it
    html = render_html(build_record(task_entries(log)), verify_base_url=BASE)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "13800138000" not in html
    assert parse_page(html).one(id="events").one(data_log_index=str(i)).field("event.reason") == (
        "<script>alert(1)</script> & 病假"
    )


# --- selecting a task's entries -------------------------------------------------------------


def raw_log() -> list[bytes]:
    """The vector as the log stores it: RFC 8785 bytes."""
    from ledger.entries import canonicalize

    return [canonicalize(e) for e in LOG]


def test_select_by_task_or_by_the_index_of_any_of_its_entries() -> None:
    by_task = select_entries(raw_log(), TASK)
    assert [i for i, _ in by_task] == [i for i, _ in task_entries()]
    assert select_entries(raw_log(), "13") == by_task
    with pytest.raises(NotFound):
        select_entries(raw_log(), "T1999-0001")
    with pytest.raises(NotFound):
        select_entries(raw_log(), str(len(LOG)))
    with pytest.raises(InvalidInput) as err:
        select_entries(raw_log(), "0")  # a registry entry: no task
    assert err.value.rule == "record.no-task"


# --- malformed input is refused, naming the index and the field ------------------------------


def mutated(index: int, path: str, value: Any, *, delete: bool = False) -> list[tuple[int, dict[str, Any]]]:
    log = copy.deepcopy(LOG)
    target: Any = log[index]
    keys = path.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if isinstance(target, list) else target[k]
    last: Any = int(keys[-1]) if isinstance(target, list) else keys[-1]
    if delete:
        del target[last]
    else:
        target[last] = value
    return task_entries(log)


def index_of(kind: str, nth: int = 0) -> int:
    return [i for i, e in enumerate(LOG) if e["kind"] == kind and e["body"].get("task") == TASK][nth]


# (name, kind of the entry mutated, path in it, new value, expected rule, expected field under log[i])
MUTATIONS = [
    (
        "commitment-not-hex",
        "draw.commit",
        "body.commitments.0.commitment",
        "XYZ",
        "record.field-hex",
        "body.commitments[0].commitment",
    ),
    (
        "pool-size-not-rows",
        "draw.commit",
        "body.pools.targets.size",
        8,
        "record.pool-size",
        "body.pools.targets.size",
    ),
    (
        "inspectors-size-not-rows",
        "draw.commit",
        "body.pools.inspectors.size",
        6,
        "record.pool-size",
        "body.pools.inspectors.size",
    ),
    (
        "avoidance-size-not-tags",
        "draw.commit",
        "body.avoidance.size",
        2,
        "record.pool-size",
        "body.avoidance.size",
    ),
    (
        "pool-size-string",
        "draw.commit",
        "body.pools.targets.size",
        "7",
        "record.field-type",
        "body.pools.targets.size",
    ),
    (
        "pool-root-short",
        "draw.commit",
        "body.pools.experts.root",
        "ab",
        "record.field-hex",
        "body.pools.experts.root",
    ),
    (
        "chunk-span-elsewhere",
        "draw.commit",
        "body.pools.targets.entries",
        [1, 2],
        "record.chunk-missing",
        "body.pools.targets.entries",
    ),
    (
        "designated-without-approver",
        "draw.commit",
        "body.designated.0.approver",
        None,
        "record.field-type",
        "body.designated[0].approver",
    ),
    ("seed-upper-case", "draw.result", "body.seed", "AB" * 32, "record.field-hex", "body.seed"),
    ("result-cites-wrong-commit", "draw.result", "body.commit", 2, "record.commit-index", "body.commit"),
    (
        "reveal-not-hex",
        "draw.result",
        "body.reveals.1.secret",
        "zz",
        "record.field-hex",
        "body.reveals[1].secret",
    ),
    ("round-bool", "draw.result", "body.round", True, "record.field-type", "body.round"),
    (
        "team-member-not-code",
        "draw.result",
        "body.result.inspection.teams.assignments.0.members.0.id",
        1,
        "record.field-type",
        "body.result.inspection.teams.assignments[0].members[0].id",
    ),
    (
        "experts-seed-missing",
        "draw.result",
        "body.result.experts.seed",
        None,
        "record.field-type",
        "body.result.experts.seed",
    ),
    ("parts-not-json", "draw.result.part", "body.text", "{", "record.result-text", "body.parts"),
    (
        "response-unknown",
        "draw.expert.response",
        "body.response",
        "maybe",
        "record.field-enum",
        "body.response",
    ),
    (
        "topup-without-replacement",
        "draw.expert.topup",
        "body.event.replacement",
        None,
        "record.field-type",
        "body.event.replacement",
    ),
    (
        "replace-without-approver",
        "draw.replace",
        "body.event.approver",
        None,
        "record.field-type",
        "body.event.approver",
    ),
]


@pytest.mark.parametrize(
    ("name", "kind", "path", "value", "rule", "field"), MUTATIONS, ids=[m[0] for m in MUTATIONS]
)
def test_malformed_figures_are_refused_with_index_and_field(
    name: str, kind: str, path: str, value: Any, rule: str, field: str
) -> None:
    i = index_of(kind)
    with pytest.raises(InvalidInput) as err:
        build_record(mutated(i, path, value))
    if kind == "draw.result.part":  # a broken part is reported at the result that cites it
        i = next(j for j, e in enumerate(LOG) if e["kind"] == "draw.result" and e["body"]["parts"])
    assert err.value.rule == rule, name
    assert err.value.field == f"log[{i}].{field}", name


def test_redraw_without_an_approved_reason_is_refused() -> None:
    i = index_of("draw.commit", 1)
    with pytest.raises(InvalidInput) as err:
        build_record(mutated(i, "body.redraw", None))
    assert err.value.rule == "record.redraw-reason"


def test_chunk_out_of_order_is_refused() -> None:
    first = index_of("draw.pool.members")
    with pytest.raises(InvalidInput) as err:
        build_record(mutated(first, "body.chunk", 1))
    assert err.value.rule == "record.chunk-order" and err.value.field == f"log[{first}].body.chunk"


def test_result_without_its_commitment_is_refused() -> None:
    commit = index_of("draw.commit")
    entries = [(i, e) for i, e in task_entries() if i != commit]
    with pytest.raises(InvalidInput) as err:
        build_record(entries)
    assert err.value.rule in ("record.round-order", "record.redraw-reason")


def test_entries_of_two_tasks_are_refused() -> None:
    entries = [*task_entries(), (6, LOG[6])]
    with pytest.raises(InvalidInput) as err:
        build_record(entries)
    assert err.value.rule == "record.one-task"


def test_duplicate_index_is_refused() -> None:
    entries = task_entries()
    with pytest.raises(InvalidInput) as err:
        build_record([*entries, entries[3]])
    assert err.value.rule == "record.duplicate-index"


def test_foreign_schema_is_refused() -> None:
    i = index_of("task.lock")
    with pytest.raises(InvalidInput) as err:
        build_record(mutated(i, "schema", "drawsvc/entry/v0"))
    assert err.value.rule == "record.envelope" and err.value.field == f"log[{i}].schema"


def test_no_entries_or_no_task_create_is_not_found() -> None:
    with pytest.raises(NotFound):
        build_record([])
    with pytest.raises(NotFound):
        build_record([(i, e) for i, e in task_entries() if e["kind"] != "task.create"])


def test_unknown_kind_of_the_task_is_listed_not_hidden() -> None:
    log = copy.deepcopy(LOG)
    log.append({**copy.deepcopy(LOG[-1]), "kind": "task.note", "body": {"task": TASK, "text": "新增事项"}})
    page = parse_page(render_html(build_record(task_entries(log)), verify_base_url=BASE))
    row = page.one(id="events").one(data_log_index=str(len(log) - 1))
    assert row.attrs["data-kind"] == "task.note" and row.attrs["data-category"] == "other"


def test_columnar_targets_chunks_are_counted_by_their_ids() -> None:
    log = copy.deepcopy(LOG)  # the vector's targets chunks are in the column form (entries.md §4)
    assert "ids" in log[index_of("draw.pool.members")]["body"]
    record = build_record(task_entries(log))
    assert record.rounds[0].pools[0].name == "targets" and record.rounds[0].pools[0].size == 7
    first = index_of("draw.pool.members")
    log[first]["body"]["ids"] = log[first]["body"]["ids"][18:]  # one target fewer than the commit's size
    with pytest.raises(InvalidInput) as err:
        build_record(task_entries(log))
    commit = index_of("draw.commit")
    assert err.value.rule == "record.pool-size"
    assert err.value.field == f"log[{commit}].body.pools.targets.size"
    log[first]["body"]["ids"] += "X"  # not a whole number of USCCs
    with pytest.raises(InvalidInput) as err:
        build_record(task_entries(log))
    assert err.value.rule == "record.field-type" and err.value.field == f"log[{first}].body.ids"


@pytest.mark.parametrize(
    ("targets", "line"),
    [
        ({"mode": "sample", "ratio_bp": 300, "count": None, "strata": ["region"], "cap_per_year": 1},
         "检查对象：抽取比例 3%，分层 region，每户每年至多 1 次"),
        ({"mode": "all", "ratio_bp": None, "count": None, "strata": []}, "检查对象：全部（分派份额）"),
        ({"mode": "sample", "count": True, "ratio_bp": None}, "检查对象：按信用分类比例"),  # bool: no count
    ],
)
def test_target_parameters_in_words(targets: dict[str, Any], line: str) -> None:
    log = copy.deepcopy(LOG)
    log[1]["body"]["params"] = {"spec": "draw/v1", "targets": targets, "teams": None, "experts": None}
    assert build_record(task_entries(log)).task.params == (line,)


def test_leader_designated_after_the_draw_is_an_event_with_target_reason_and_approver() -> None:
    log = copy.deepcopy(LOG)
    lock = index_of("task.lock")
    team = result_of(index_of("draw.result", 1))["inspection"]["teams"]["assignments"][0]
    target = team["target"]
    drawn_leader = next(m["id"] for m in team["members"] if m["leader"])
    log.insert(lock, {**copy.deepcopy(LOG[lock]), "kind": "draw.designate", "body": {
        "task": TASK, "round": 2, "role": "leader", "target": target, "person": "INS-001",
        "reason": "熟悉该企业生产工艺", "approver": "分管局长", "leader_eligible": False}})
    # (lock and dispatch, shifted by the insertion, are left out: they cite the draw by index)
    entries = [(i, e) for i, e in task_entries(log) if e["kind"] not in ("task.lock", "task.dispatch")]
    page = parse_page(render_html(build_record(entries), verify_base_url=BASE))
    row = page.one(id="events").one(data_log_index=str(lock))
    assert row.attrs["data-kind"] == "draw.designate" and row.attrs["data-round"] == "2"
    assert (row.field("event.subject"), row.field("event.reason"), row.field("event.approver")) == (
        "INS-001", "熟悉该企业生产工艺", "分管局长")
    # the replay (DR-12) names the leader the designation replaced (REC-3)
    detail = f"指定组长：检查对象 {target}（非组长资格人员）；原组长 {drawn_leader}"
    assert row.field("event.detail") == detail
