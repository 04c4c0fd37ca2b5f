"""drand beacons verified, not trusted (docs/specs/beacon.md BEACON-1 … BEACON-4, AUD-BEACON).

The cases are tests/vectors/beacon/cases.json: genuine quicknet rounds (tests/vectors/beacon/
genuine.json, each with its published source) and named mutations; tests/js/beacon.test.mjs
reads the same file."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from drawsvc.audit.beacon import (
    QUICKNET,
    BeaconInvalid,
    chain_of,
    round_time,
    verify_logged_beacon,
    verify_quicknet,
)

VECTORS = Path(__file__).parents[1] / "vectors" / "beacon"
CASES: list[dict[str, Any]] = json.loads((VECTORS / "cases.json").read_text(encoding="utf-8"))["cases"]
GENUINE: dict[str, Any] = json.loads((VECTORS / "genuine.json").read_text(encoding="utf-8"))


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("beacon_generate", VECTORS / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_cases_are_up_to_date() -> None:
    assert (VECTORS / "cases.json").read_text(encoding="utf-8") == _generator().render()


def test_genuine_rounds_are_the_chain_and_randomness_is_sha256_of_signature() -> None:
    assert GENUINE["chain"]["public_key"] == QUICKNET.public_key
    assert GENUINE["chain"]["hash"] == QUICKNET.hash
    for r in GENUINE["rounds"]:
        assert hashlib.sha256(bytes.fromhex(r["signature"])).hexdigest() == r["randomness"]
        assert r["source"]


def test_every_mutation_is_named_and_refused_by_a_rule() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    assert sum(c["expect"] == "ok" for c in CASES) == len(GENUINE["rounds"])
    assert {c["rule"] for c in CASES if c["expect"] != "ok"} == {f"BEACON-{n}" for n in range(1, 5)}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict[str, Any]) -> None:
    if case["expect"] == "ok":
        verify_logged_beacon(case["beacon"], case["committed"])
        return
    with pytest.raises(BeaconInvalid) as err:
        verify_logged_beacon(case["beacon"], case["committed"])
    assert err.value.code == "beacon-invalid"
    assert err.value.rule == case["rule"], str(err.value)
    assert case["rule"] in str(err.value)


def test_genuine_round_passes_the_pure_check_and_each_neighbour_round_fails() -> None:
    r = GENUINE["rounds"][1]
    verify_quicknet(r["round"], r["signature"], r["randomness"])
    for other in (r["round"] - 1, r["round"] + 1):
        with pytest.raises(BeaconInvalid, match="does not verify"):
            verify_quicknet(other, r["signature"], r["randomness"])


def test_round_time_follows_the_chain_schedule() -> None:
    assert round_time(QUICKNET, 1) == GENUINE["chain"]["genesis_time"] == 1692803367
    assert round_time(QUICKNET, 657413) - round_time(QUICKNET, 123) == (657413 - 123) * 3
    with pytest.raises(BeaconInvalid):
        round_time(QUICKNET, 0)


def test_unknown_source_is_refused() -> None:
    assert chain_of("drand-quicknet") is QUICKNET
    for source in ("drand", "", None, 7):
        with pytest.raises(BeaconInvalid) as err:
            chain_of(source)
        assert err.value.rule == "BEACON-1"
