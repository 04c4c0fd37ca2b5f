"""The arrangement format and its validation (docs/specs/calendar.md §3–§4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drawsvc.calendar import arrangement_to_json, parse_arrangement
from drawsvc.calendar.service import parse_arrangement_file
from drawsvc.errors import InvalidInput

VECTORS = Path(__file__).parents[1] / "vectors" / "calendar"
FIXTURE_BYTES = (VECTORS / "arrangement-2027.TEST-FIXTURE.json").read_bytes()
INVALID = sorted((VECTORS / "invalid").glob("*.json"))
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "calendar-2027.example.json"


def test_there_is_a_vector_for_every_rule_of_section_4() -> None:
    rules = {json.loads(p.read_text(encoding="utf-8"))["expect"]["rule"] for p in INVALID}
    assert {"calendar.format", "calendar.year", "calendar.date-outside-year", "calendar.date-format",
            "calendar.holiday-and-workday", "calendar.workday-not-weekend", "calendar.duplicate-date",
            "calendar.no-holidays", "calendar.unknown-field", "calendar.missing-field"} <= rules


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_bad_arrangement_is_refused_naming_the_field(path: Path) -> None:
    vector = json.loads(path.read_text(encoding="utf-8"))
    with pytest.raises(InvalidInput) as info:
        parse_arrangement(vector["arrangement"])
    assert (info.value.field, info.value.rule) == (vector["expect"]["field"], vector["expect"]["rule"])
    assert info.value.message.startswith(vector["expect"]["field"])


def test_fixture_round_trips_through_the_canonical_form() -> None:
    parsed = parse_arrangement_file(FIXTURE_BYTES)
    canonical = arrangement_to_json(parsed)
    assert canonical == json.loads(FIXTURE_BYTES)
    assert parse_arrangement(canonical) == parsed
    assert parsed.year == 2027 and "TEST FIXTURE" in parsed.notice.title


def test_canonical_form_sorts_dates_within_a_group() -> None:
    obj = json.loads(FIXTURE_BYTES)
    obj["holidays"][0]["dates"].reverse()
    assert arrangement_to_json(parse_arrangement(obj))["holidays"][0]["dates"][0] == "2027-01-01"


def test_docs_example_is_valid_and_labelled_as_an_example() -> None:
    example = parse_arrangement_file(EXAMPLE.read_bytes())
    assert "EXAMPLE" in example.notice.title and example.notes and "EXAMPLE" in example.notes


@pytest.mark.parametrize(("data", "field", "rule"), [
    (b"\xff\xfe{}", "file", "calendar.file-encoding"),
    (b'{"format": ', "file", "calendar.file-json"),
    (b'{"year": 2027, "year": 2028}', "year", "calendar.duplicate-field"),
    (b'{"year": NaN}', "file", "calendar.file-json"),
    (b"[]", "(file)", "calendar.shape"),
    (b" " * (256 * 1024 + 1), "file", "calendar.file-size"),
], ids=["not-utf8", "truncated", "duplicate-key", "nan", "not-an-object", "too-large"])
def test_bad_file_bytes_are_refused(data: bytes, field: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_arrangement_file(data)
    assert (info.value.field, info.value.rule) == (field, rule)
