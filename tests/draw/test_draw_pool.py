"""Pools: ordering, duplicates, canonical records, pages, RFC 9162 roots (docs/draw-spec.md §5)."""

from __future__ import annotations

import random
from unittest import mock

import pytest
import rfc8785
from draw_reference import ref_mth, ref_pool_root
from hypothesis import given, settings
from hypothesis import strategies as st

from drawsvc.draw import pool as pool_mod
from drawsvc.draw.pool import (
    USCC_ALPHABET,
    ExpertRecord,
    InspectorRecord,
    TargetColumns,
    TargetRecord,
    _joined_usccs,
    _target_pages,
    expert_json,
    freeze_avoidance,
    freeze_experts,
    freeze_inspectors,
    freeze_target_columns,
    freeze_targets,
    inspector_json,
    order_target_columns,
    target_json,
)
from drawsvc.errors import InvalidInput

uscc = st.text(alphabet=USCC_ALPHABET, min_size=18, max_size=18)
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
targets = st.builds(TargetRecord, uscc, text, st.integers(0, 10_000), st.booleans())
inspectors = st.builds(InspectorRecord, text.filter(bool), text, st.booleans(),
                       st.lists(text, unique=True, max_size=3).map(tuple))


def _dict(record) -> dict:
    d = record._asdict()
    if "specialties" in d:
        d["specialties"] = sorted(d["specialties"])
    return d


def _jcs(record) -> bytes:
    return rfc8785.dumps(_dict(record))


def _pages_of(size: int):
    """Pages of ``size`` records, so that small hypothesis pools cross page boundaries (DRAW-19)."""
    return mock.patch.object(pool_mod, "PAGE_SIZE", size)


@settings(max_examples=150, deadline=None)
@given(targets)
def test_target_json_is_the_jcs_of_the_record(r):
    assert target_json(r) == _jcs(r)
    assert freeze_targets([r]).root == ref_pool_root([_dict(r)])


@settings(max_examples=150, deadline=None)
@given(inspectors)
def test_inspector_json_is_the_jcs_of_the_record(r):
    r = r._replace(specialties=tuple(sorted(r.specialties)))
    assert inspector_json(r) == _jcs(r)


@settings(max_examples=60, deadline=None)
@given(st.lists(inspectors, max_size=30, unique_by=lambda r: r.id), st.booleans())
def test_a_pools_inspector_leaves_are_each_records_inspector_json(recs, as_lists):
    """``freeze_inspectors`` builds its leaves in one loop (``_inspector_leaves``): the same bytes
    as ``inspector_json`` of each record, specialties given sorted or not, as tuples or lists."""
    given_ = [r._replace(specialties=list(reversed(r.specialties)) if as_lists else r.specialties)
              for r in recs]
    pool = freeze_inspectors(given_)
    assert all(type(r.specialties) is tuple for r in pool.records)
    assert [list(r.specialties) for r in pool.records] == [
        sorted(r.specialties) for r in sorted(recs, key=lambda r: r.id.encode())]
    assert pool_mod._inspector_leaves(pool.records) == [inspector_json(r) for r in pool.records]
    assert pool.root == ref_pool_root([_dict(r) for r in pool.records])


@pytest.mark.parametrize("bad", [{"leader": 1}, {"specialties": ("价格", "价格")}])
def test_a_pools_inspector_leaves_refuse_what_inspector_json_refuses(bad):
    r = InspectorRecord("I-1", "SCJG", True, ("价格",))._replace(**bad)
    for build in (lambda: inspector_json(r), lambda: freeze_inspectors([r])):
        with pytest.raises(InvalidInput, match="leader is a boolean and specialties are unique"):
            build()


@settings(max_examples=60, deadline=None)
@given(text.filter(bool))
def test_expert_json_is_the_jcs_of_the_record(x):
    assert expert_json(ExpertRecord(x)) == rfc8785.dumps({"id": x})


@settings(max_examples=40, deadline=None)
@given(st.lists(targets, max_size=40, unique_by=lambda r: r.id), st.sampled_from([1, 3, 7, 256]))
def test_target_pool_root_is_the_recursive_mth_over_pages_of_sorted_records(recs, page):
    with _pages_of(page):
        pool = freeze_targets(recs)
    ordered = sorted(recs, key=lambda r: r.id.encode())
    assert [r.id for r in pool.records] == [r.id for r in ordered]
    assert pool.root == ref_pool_root([_dict(r) for r in ordered], page)
    assert pool.size == len(recs)


@settings(max_examples=40, deadline=None)
@given(st.lists(inspectors, max_size=20, unique_by=lambda r: r.id), st.sampled_from([1, 2, 5, 256]))
def test_inspector_pool_root_is_the_recursive_mth_over_pages(recs, page):
    with _pages_of(page):
        pool = freeze_inspectors(recs)
    assert pool.root == ref_pool_root([_dict(r) for r in pool.records], page)


@pytest.mark.parametrize("n", [255, 256, 257, 600])
def test_page_boundaries_at_the_real_page_size(n):
    """Pools around one page and over several (DRAW-19): the last page is shorter, never empty."""
    recs = [TargetRecord(f"91{k:016d}", "A" if k % 5 else "", k % 3, k % 7 == 0) for k in range(n)]
    assert freeze_targets(recs).root == ref_pool_root([_dict(r) for r in recs], 256)
    experts = [ExpertRecord(f"E{k:05d}") for k in range(n)]
    assert freeze_experts(experts).root == ref_pool_root([{"id": e.id} for e in experts], 256)


def test_dropping_the_first_record_shifts_every_page_and_changes_the_root():
    recs = [TargetRecord(f"91{k:016d}") for k in range(300)]
    assert freeze_targets(recs).root != freeze_targets(recs[1:]).root


@settings(max_examples=40, deadline=None)
@given(st.lists(inspectors, max_size=20, unique_by=lambda r: r.id))
def test_inspector_pool_is_in_utf8_byte_order(recs):
    pool = freeze_inspectors(recs)
    assert [r.id for r in pool.records] == sorted((r.id for r in recs), key=lambda s: s.encode())


def test_utf8_order_differs_from_utf16_order_and_utf8_wins():
    # U+FF5E sorts before U+1F600 in UTF-8/code-point order but after it in UTF-16 code units.
    pool = freeze_experts([ExpertRecord("\U0001f600"), ExpertRecord("\uff5e")])
    assert pool.ids == ["\uff5e", "\U0001f600"]


def test_input_order_does_not_change_the_root():
    rnd = random.Random(4)
    recs = [TargetRecord("91" + "".join(rnd.choices(USCC_ALPHABET, k=16)), "A") for _ in range(100)]
    shuffled = list(recs)
    rnd.shuffle(shuffled)
    assert freeze_targets(recs).root == freeze_targets(shuffled).root


def test_duplicate_candidates_are_refused():
    r = TargetRecord("91350100M000100Y43")
    with pytest.raises(InvalidInput) as e:
        freeze_targets([r, TargetRecord("91350100M000100Y44"), r._replace(checks=1)])
    assert e.value.rule == "DRAW-17"


@pytest.mark.parametrize("bad", ["91350100M000100Y4", "91350100M000100Y43X", "91350100I000100Y43",
                                 "91350100m000100Y43"])
def test_target_ids_must_be_18_character_usccs(bad):
    with pytest.raises(InvalidInput) as e:
        freeze_targets([TargetRecord("91350100M000100Y43"), TargetRecord(bad)])
    assert e.value.rule == "DRAW-16"


@pytest.mark.parametrize("change", [{"checks": -1}, {"checks": 10_001}, {"checks": True},
                                    {"risk": 1}, {"stratum": 5}])
def test_target_fields_are_typed(change):
    with pytest.raises(InvalidInput):
        freeze_targets([TargetRecord("91350100M000100Y43")._replace(**change)])


@pytest.mark.parametrize("mutation", ["checks", "risk", "stratum", "id", "drop", "add"])
def test_tampered_pool_has_a_different_root(mutation):
    recs = [TargetRecord(f"9135010{k}M000100Y4{k}", "B", 0, False) for k in range(8)]
    base = freeze_targets(recs).root
    bad = list(recs)
    if mutation == "checks":
        bad[3] = bad[3]._replace(checks=1)
    elif mutation == "risk":
        bad[3] = bad[3]._replace(risk=True)
    elif mutation == "stratum":
        bad[3] = bad[3]._replace(stratum="C")
    elif mutation == "id":
        bad[3] = bad[3]._replace(id="91350103M000100Y49")
    elif mutation == "drop":
        del bad[3]
    else:
        bad.append(TargetRecord("91350109M000100Y49", "B"))
    assert freeze_targets(bad).root != base


def test_empty_pool_root_is_sha256_of_nothing():
    assert freeze_experts([]).root == ref_mth([])


def test_avoidance_tags_must_be_64_lowercase_hex():
    freeze_avoidance(["ab" * 32])
    with pytest.raises(InvalidInput):
        freeze_avoidance(["AB" * 32])
    with pytest.raises(InvalidInput):
        freeze_avoidance(["ab" * 31])


def test_a_column_mixing_true_and_one_is_refused():
    ok = TargetRecord("91350100M000100Y43", "A", 0, True)
    with pytest.raises(InvalidInput):
        freeze_targets([ok, TargetRecord("91350100M000100Y44", "A", 0, 1)])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        freeze_targets([ok, TargetRecord("91350100M000100Y44", "A", False, False)])


def test_assume_frozen_keeps_the_logged_root_and_refuses_unsorted_rows():
    from drawsvc.draw.pool import assume_frozen

    pool = freeze_targets(TargetRecord(f"9135010{k}M000100Y4{k}") for k in range(5))
    again = assume_frozen("targets", pool.records, pool.root.hex())
    assert again == pool
    with pytest.raises(InvalidInput):
        assume_frozen("targets", list(reversed(pool.records)), pool.root.hex())
    with pytest.raises(InvalidInput):
        assume_frozen("targets", pool.records, pool.root.hex().upper())


# --- the column form (freeze_target_columns: the service's million-target path) -------------

# Mostly regular pools (the template path: zero checks, no risk, one stratum) and irregular
# ones (one record at a time) must give the same pages, root and records as the record path.
sparse_targets = st.builds(
    TargetRecord,
    uscc,
    st.sampled_from(["", "", "", "A", "region=330102|scale=小型", 'q"\\\n']),
    st.sampled_from([0, 0, 0, 0, 0, 1, 2, 10_000]),
    st.sampled_from([False, False, False, False, True]),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(sparse_targets, targets), max_size=60, unique_by=lambda r: r.id),
       st.sampled_from(["", "A"]), st.sampled_from([1, 4, 9, 256]))
def test_column_freeze_equals_the_record_freeze_and_the_reference(recs, common, page):
    recs = [r._replace(stratum=common) if k % 3 else r for k, r in enumerate(recs)]
    cols = TargetColumns.of_records(recs)
    with _pages_of(page):
        by_columns, by_records = freeze_target_columns(cols), freeze_targets(recs)
    ordered = sorted(recs, key=lambda r: r.id.encode())
    assert by_columns.root == by_records.root == ref_pool_root([_dict(r) for r in ordered], page)
    assert by_columns.records == by_records.records == tuple(ordered)
    assert all(type(r) is TargetRecord for r in by_columns.records)


@pytest.mark.parametrize("shape", ["regular", "sparse", "irregular", "one stratum", "flagged", "many checks"])
def test_every_column_page_is_0x00_and_the_jcs_of_its_records(shape):
    rnd = random.Random(shape)
    ids = sorted({"91" + "".join(rnd.choices(USCC_ALPHABET, k=16)) for _ in range(700)})
    n = len(ids)
    strata = {"sparse": ["" if k % 50 else "B" for k in range(n)],
              "irregular": [rnd.choice("ABCD") for _ in range(n)], "one stratum": ['小型"\\'] * n,
              }.get(shape, [""] * n)
    # one stratum and at most 8 checks values: the marked path ("regular", "one stratum",
    # "flagged": a third of the records flagged, every marker used); the others are pieced
    checks = [0 if shape == "regular" or k % 40 else k % 5 + 1 for k in range(n)]
    if shape == "many checks":
        checks = [k % 11 for k in range(n)]
    if shape == "flagged":
        checks = [rnd.choice([0, 0, 1, 3, 9999]) for _ in range(n)]
    risk = [shape != "regular" and (k % 67 == 0 or (shape == "flagged" and k % 3 == 0)) for k in range(n)]
    cols = TargetColumns(ids, strata, checks, risk)
    pages = _target_pages(cols, _joined_usccs(ids))
    records = [_dict(r) for r in cols.records()]
    assert pages == [b"\x00" + rfc8785.dumps(records[a : a + 256]) for a in range(0, n, 256)]
    assert [target_json(r) for r in cols.records()] == [_jcs(r) for r in cols.records()]


@pytest.mark.parametrize("bad", ["91350100M000100Y4|", "91350100M000100Y4\n", "91350100M0001|0Y43",
                                 "91350100M000100Y43|91350100M000100Y44", "9135010０M000100Y43"])
def test_an_id_hiding_a_separator_or_non_ascii_is_refused(bad):
    cols = TargetColumns(["91350100M000100Y42", bad], ["", ""], [0, 0], [False, False])
    with pytest.raises(InvalidInput) as e:
        freeze_target_columns(cols)
    assert e.value.rule == "DRAW-16"


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(InvalidInput) as e:
        freeze_target_columns(TargetColumns(["91350100M000100Y43"], ["", ""], [0], [False]))
    assert e.value.rule == "DRAW-18"


def test_unordered_columns_are_ordered_and_duplicates_refused():
    a, b = "91350100M000100Y43", "91350100M000100Y44"
    cols = order_target_columns(TargetColumns([b, a], ["B", "A"], [2, 1], [True, False]))
    assert cols == TargetColumns([a, b], ["A", "B"], [1, 2], [False, True])
    assert order_target_columns(cols) is cols
    with pytest.raises(InvalidInput) as e:
        freeze_target_columns(TargetColumns([b, a, b], ["", "", ""], [0, 0, 0], [False] * 3))
    assert e.value.rule == "DRAW-17"


def test_columns_root_alone_equals_the_frozen_root_and_builds_no_record(monkeypatch):
    from drawsvc.draw.pool import target_columns_root

    cols = TargetColumns.of_records([TargetRecord(f"9135010{k}M000100Y4{k}", "", k % 2, k == 3)
                                     for k in reversed(range(9))])
    frozen = freeze_target_columns(cols)
    monkeypatch.setattr(TargetColumns, "records", lambda self: pytest.fail("records built"))
    assert target_columns_root(cols) == frozen.root
    assert target_columns_root(cols._replace(checks=[0] * 9)) != frozen.root


def test_assume_frozen_columns_keeps_the_logged_root_and_refuses_bad_columns():
    from drawsvc.draw.pool import assume_frozen_columns

    pool = freeze_targets(TargetRecord(f"9135010{k}M000100Y4{k}", "A", k, k == 2) for k in range(5))
    cols = TargetColumns.of_records(pool.records)
    again = assume_frozen_columns(cols, pool.root.hex())
    assert again == pool and all(type(r) is TargetRecord for r in again.records)
    with pytest.raises(InvalidInput, match="strict id order"):
        assume_frozen_columns(TargetColumns(*(list(reversed(c)) for c in cols)), pool.root.hex())
    with pytest.raises(InvalidInput, match="strict id order"):  # a duplicate is not strictly ordered
        assume_frozen_columns(TargetColumns(*([c[0], *c] for c in cols)), pool.root.hex())
    with pytest.raises(InvalidInput, match="differ in length"):
        assume_frozen_columns(cols._replace(risk=[False]), pool.root.hex())
    with pytest.raises(InvalidInput, match="64 lowercase hex"):
        assume_frozen_columns(cols, pool.root.hex().upper())


def test_fixed_width_ids_read_like_the_list_of_their_slices():
    from drawsvc.draw.pool import FixedWidthIds, ids_at

    ids = ["A" * 18, "B\n" + "B" * 16, "C" * 18, "D" * 18]  # a line break counts as a character
    fixed = FixedWidthIds("".join(ids), 18)
    assert len(fixed) == 4 and list(fixed) == ids and fixed == ids and ids == fixed
    assert [fixed[k] for k in range(-4, 4)] == ids + ids
    assert fixed[1:3] == ids[1:3] and fixed[::2] == ids[::2] and fixed[3:1] == [] and fixed[1:] == ids[1:]
    assert ids_at(fixed, [3, 0, 1]) == ids_at(ids, [3, 0, 1]) == [ids[3], ids[0], ids[1]]
    assert fixed != ids[:3] and fixed != "".join(ids)
    for bad in (4, -5):
        with pytest.raises(IndexError):
            fixed[bad]
    with pytest.raises(ValueError):
        FixedWidthIds("A" * 17, 18)


def test_assume_frozen_columns_of_logged_text_refuses_what_is_not_usccs_of_the_alphabet():
    from drawsvc.draw.pool import FixedWidthIds, assume_frozen_columns

    pool = freeze_targets(TargetRecord(f"9135010{k}M000100Y4{k}", "A", k, k == 2) for k in range(5))
    cols = TargetColumns.of_records(pool.records)
    text = "".join(cols.ids)
    taken = assume_frozen_columns(cols._replace(ids=FixedWidthIds(text, 18)), pool.root.hex())
    assert taken == pool and taken.root == pool.root
    for bad in (text[:-1] + "I", text[:-1] + "a", text[:-1] + '"', text[:-1] + "\n", text[:-1] + "ü"):
        with pytest.raises(InvalidInput, match="18-character USCCs"):
            assume_frozen_columns(cols._replace(ids=FixedWidthIds(bad, 18)), pool.root.hex())
    with pytest.raises(InvalidInput, match="18-character USCCs"):
        assume_frozen_columns(cols._replace(ids=FixedWidthIds(text[:90], 9), strata=["A"] * 10,
                                            checks=[0] * 10, risk=[False] * 10), pool.root.hex())
