"""``db.arrays.text_array``: the literal only where it means the same array as the list."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from drawsvc.db.arrays import text_array


def test_plain_codes_become_one_literal_and_anything_else_stays_a_list() -> None:
    assert text_array(["91330100MA000000A0", "I7", "x"]) == "{91330100MA000000A0,I7,x}"
    odds = (["a,b"], ['x"y'], ["{z}"], ["p q"], ["b\\s"], ["a", ""], ["NULL?"], ["null"], ["A", "Null"], [],
            ["食品"])
    for odd in odds:
        assert text_array(odd) == odd
    assert text_array(["a", 1]) == ["a", 1]  # type: ignore[list-item]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "values", [["A1", "B2", "C3"], ["a,b", 'x"y', "{z}", "", "NULL", "p q"], ["NULL"], ["A", "nUll"], []]
)
def test_either_form_reads_back_as_the_values_in_order(values: list[str], pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            got = conn.exec_driver_sql("SELECT u FROM unnest(%s::text[]) AS u", (text_array(values),))
            assert [r[0] for r in got] == values
    finally:
        engine.dispose()
