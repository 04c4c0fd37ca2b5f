"""``logread.decode``: the direct UTF-8 path gives exactly what ``json.loads`` gives, and refuses
what it refuses."""

from __future__ import annotations

import json

import pytest

from drawsvc.tasks.logread import decode
from ledger.errors import MalformedError

ACCEPTED = [
    b'{"body":{},"kind":"x"}',
    '{"body":{"name":"杭州样例商贸有限公司"},"kind":"registry.target.upsert"}'.encode(),
    b'{"body":{"a":"\\ud800"}}',  # an escaped lone surrogate
    b'{"body":{"a":"\xed\xa0\x80"}}',  # a UTF-8-encoded surrogate (json.loads: surrogatepass)
    b'{"body":{}} \n',  # trailing whitespace
    b'\xef\xbb\xbf{"body":{}}',  # a BOM: the json.loads path
    b' {"body":{}}',
    b'{"body":{"a":NaN,"b":1e400}}',  # what json.loads accepts, so does decode
    b'{"body":{"a":1},"body":{"b":2}}',  # duplicate keys: the last wins, as in json.loads
    '{"body":{}}'.encode("utf-16-le"),
]
REFUSED = [
    b'{"body":{}} x',
    b'{"body":{}}{"body":{}}',
    b'{"body":{},}',
    b'{"body":{"a":NaN}}x',
    b'{"body":{}}x',
    b'{"body":{}',
    b'{"body":[]}',
    b'{"kind":"x"}',
    b"[1]",
    b'{"body":{"a":"\xff"}}',  # not UTF-8
    b"",
]


@pytest.mark.parametrize("raw", ACCEPTED)
def test_decode_equals_json_loads(raw: bytes) -> None:
    assert decode(raw) == json.loads(raw)


@pytest.mark.parametrize("raw", REFUSED)
def test_decode_refuses_what_is_not_an_entry(raw: bytes) -> None:
    with pytest.raises(MalformedError):
        decode(raw)
