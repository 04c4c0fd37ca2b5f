"""The result vocabulary as versioned data: exact national strings, combinations, a province's own file."""

from __future__ import annotations

import copy
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from results_support import bureau, drawn_task, entries, seed, set_today, submission, teams

from drawsvc.errors import Conflict, InvalidInput
from drawsvc.results import service
from drawsvc.results.vocabulary import DATA_DIR, bundled_vocabulary, parse_vocabulary

NATIONAL = [
    "未发现问题",
    "发现问题待后续处理",
    "发现问题经责令已改正",
    "未发现开展本次抽查涉及的经营活动",
    "通过登记的住所（经营场所）无法联系",
    "不配合检查情节严重",
    "已关闭停业或正在组织清算",
]


def test_the_national_file_holds_the_exact_strings_with_full_width_punctuation_and_its_source() -> None:
    v = bundled_vocabulary()
    assert [c.text for c in v.categories] == NATIONAL
    assert "（" in NATIONAL[4] and "(" not in json.dumps(v.raw, ensure_ascii=False).split('"categories"')[1]
    assert v.category("发现问题待后续处理").subcategories[:3] == (
        "未按规定公示应当公示的信息",
        "公示信息隐瞒真实情况弄虚作假",
        "违反其他部门相关规定",
    )
    assert v.source["title"] and v.key == "cn-national/v1"
    assert json.loads((DATA_DIR / "cn-national-v1.json").read_text(encoding="utf-8")) == v.raw


@pytest.mark.parametrize(
    "cats, subs, ok",
    [
        (["未发现问题"], [], True),
        (["发现问题经责令已改正", "不配合检查情节严重"], [], True),
        (
            ["发现问题待后续处理", "发现问题经责令已改正", "不配合检查情节严重"],
            ["违反其他部门相关规定"],
            True,
        ),
        (["未发现问题", "不配合检查情节严重"], [], False),
        (["已关闭停业或正在组织清算", "通过登记的住所（经营场所）无法联系"], [], False),
        (["通过登记的住所(经营场所)无法联系"], [], False),  # half-width brackets are another string
        (["发现问题经责令已改正"], ["违反其他部门相关规定"], False),  # subcategory of an unchosen category
        ([], [], False),
    ],
)
def test_combinations(cats: list[str], subs: list[str], ok: bool) -> None:
    v = bundled_vocabulary()
    if ok:
        v.check(cats, subs)
    else:
        with pytest.raises(InvalidInput):
            v.check(cats, subs)


def _province() -> dict[str, Any]:
    raw = copy.deepcopy(dict(bundled_vocabulary().raw))
    raw["id"], raw["province"] = "cn-hebei-example", "河北省"
    raw["source"] = {"title": "示例：省级平台补充的后续处理细分类（测试数据）"}
    raw["categories"][1]["subcategories"].append("未按规定报送年度报告")
    return raw


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda r: r.update(format="x"), "format"),
        (lambda r: r.update(extra=1), "extra"),
        (lambda r: r.pop("source"), "source"),
        (lambda r: r["categories"].append({"text": "未发现问题", "problem": False}), "categories"),
        (lambda r: r.update(combinable=["不存在的类别"]), "combinable"),
        (lambda r: r["categories"][0].update(problem="no"), "categories[0].problem"),
    ],
)
def test_a_bad_vocabulary_file_is_refused_naming_the_field(mutate: Any, field: str) -> None:
    raw = _province()
    mutate(raw)
    with pytest.raises(InvalidInput) as exc:
        parse_vocabulary(raw)
    assert exc.value.field == field and exc.value.rule == "result.vocabulary-format"


def test_a_province_loads_its_own_vocabulary_and_results_are_checked_against_it(runtime: Any) -> None:
    set_today(runtime, date(2026, 6, 15))
    with runtime.transaction() as s:
        seed(s)
    task = drawn_task(runtime)
    with runtime.transaction() as s:
        got = service.set_department_settings(
            s, runtime.journal, department="QY", vocabulary=_province(), actor=bureau()
        )
        assert got.vocabulary == "cn-hebei-example/v1"
    target, (leader, _m) = next(iter(teams(runtime, task).items()))
    with runtime.transaction() as s:
        row = service.submit_result(
            s,
            runtime.journal,
            task=task,
            actor=bureau(),
            **submission(
                target, leader, categories=["发现问题待后续处理"], subcategories=["未按规定报送年度报告"]
            ),
        )
    logged = [e for e in entries(runtime) if e["kind"] == "result.vocabulary"]
    assert [e["body"]["vocabulary"]["id"] for e in logged] == ["cn-hebei-example"]
    submit = next(e for e in entries(runtime) if e["kind"] == "result.submit")
    assert submit["body"]["vocabulary"] == row.vocabulary_index
    changed = _province()
    changed["categories"][0]["text"] = "无问题"
    with pytest.raises(Conflict), runtime.transaction() as s:
        service.set_department_settings(
            s, runtime.journal, department="QY", vocabulary=changed, actor=bureau()
        )
