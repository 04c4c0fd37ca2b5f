"""A committed drand beacon is verified, not trusted (docs/specs/beacon.md BEACON-1 … BEACON-4):
the draw service refuses a beacon that does not verify and logs nothing; ``verify_draw`` (V-3,
and so ``drawsvc verify-draw`` and the audit) refuses a forged beacon in a logged draw.

Genuine rounds and mutations come from tests/vectors/beacon (sources in genuine.json)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tasks_support import actor, log_entries, ops, reveal, seed_registries

from drawsvc.errors import BeaconRejected, InvalidInput
from drawsvc.tasks import service
from drawsvc.tasks.models import Draw
from drawsvc.tasks.verify import DrawMismatch, recompute

VECTORS = Path(__file__).parents[1] / "vectors" / "beacon"
GENUINE = json.loads((VECTORS / "genuine.json").read_text(encoding="utf-8"))["rounds"]
CASES = json.loads((VECTORS / "cases.json").read_text(encoding="utf-8"))["cases"]
R1, R2 = GENUINE  # round 123 and round 657413
SOURCE = "drand-quicknet"


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("beacon"), log_origin="test.drawsvc.example/log")
    runtime = open_runtime(settings)
    with runtime.transaction() as s:
        seed_registries(s, targets=30, inspectors_per_dept=6)
    yield runtime
    runtime.close()


def _committed_task(rt: Any, beacon: dict[str, Any] | None) -> str:
    with rt.transaction() as s:
        t = service.create_task(
            s, rt.journal, title="信标抽查", year=2026, organiser="SCJG",
            params={"targets": {"ratio_bp": 2000}, "teams": {"size": 2}}, actor=actor(),
        ).code
        for pool in ("targets", "inspectors"):
            service.build_pool(s, rt.journal, task=t, pool=pool, filters={}, actor=actor())
        service.commit_task(s, rt.journal, task=t, commitments=ops(), beacon=beacon, actor=actor())
    return t


def _state(rt: Any, task: str) -> tuple[int, int, str]:
    with rt.transaction() as s:
        draws = s.scalar(sa.select(sa.func.count()).select_from(Draw).where(Draw.task_code == task))
        return rt.log.size(s.connection()), draws, service.get_task(s, task).status


def _draw(rt: Any, task: str, **beacon: Any) -> Any:
    with rt.transaction() as s:
        return service.draw_task(s, rt.journal, task=task, reveals=reveal(), actor=actor(), **beacon)


@pytest.fixture(scope="module")
def committed(rt: Any) -> str:
    """A task committed to genuine round R2: every refusal below leaves it committed, undrawn."""
    return _committed_task(rt, {"source": SOURCE, "round": R2["round"]})


@pytest.fixture(scope="module")
def committed_r1(rt: Any) -> str:
    return _committed_task(rt, {"source": SOURCE, "round": R1["round"]})


# the mutations an operator can hand the service for a task committed to round R1 (a missing value
# is not one: the service derives it from the signature)
SERVICE_REFUSALS = [
    c for c in CASES
    if c["expect"] != "ok" and c["beacon"].get("signature") and "value" in c["beacon"]
    and c["beacon"] | {"signature": None, "value": None} == {"source": SOURCE, "round": R1["round"],
                                                             "signature": None, "value": None}
    and c["committed"] == {"source": SOURCE, "round": R1["round"]}
]


def test_the_service_refusals_cover_signature_and_randomness_mutations() -> None:
    names = {c["name"] for c in SERVICE_REFUSALS}
    assert {"signature-byte-24-flipped", "signature-of-other-round", "signature-infinity",
            "signature-g2-length", "randomness-mismatch"} <= names


@pytest.mark.parametrize("case", SERVICE_REFUSALS, ids=[c["name"] for c in SERVICE_REFUSALS])
def test_a_beacon_that_does_not_verify_is_refused_and_nothing_is_written(
    rt: Any, committed_r1: str, case: dict[str, Any]
) -> None:
    before = _state(rt, committed_r1)
    b = case["beacon"]
    with pytest.raises(BeaconRejected) as err:
        _draw(rt, committed_r1, beacon_signature=b["signature"], beacon_value=b.get("value"))
    assert err.value.code == "beacon-invalid" and err.value.rule == case["rule"]
    assert err.value.subject == f"beacon round {R1['round']}"
    assert _state(rt, committed_r1) == before and before[1:] == (0, "committed")


def test_a_genuine_signature_for_the_next_round_is_refused(rt: Any) -> None:
    task = _committed_task(rt, {"source": SOURCE, "round": R1["round"] + 1})
    before = _state(rt, task)
    with pytest.raises(BeaconRejected) as err:
        _draw(rt, task, beacon_signature=R1["signature"], beacon_value=R1["randomness"])
    assert err.value.rule == "BEACON-3"
    assert _state(rt, task) == before


def test_missing_signature_is_refused_before_anything_is_written(rt: Any, committed: str) -> None:
    before = _state(rt, committed)
    for kw in ({}, {"beacon_value": R2["randomness"]}, {"beacon_signature": ""}):
        with pytest.raises(InvalidInput) as err:
            _draw(rt, committed, **kw)
        assert err.value.detail["field"] == "beacon_signature"
        assert err.value.detail["rule"] == "draw.beacon-value"
    assert _state(rt, committed) == before


def test_the_genuine_signature_of_another_round_is_refused(rt: Any, committed: str) -> None:
    before = _state(rt, committed)
    with pytest.raises(BeaconRejected) as err:  # round R1's genuine beacon for a task committed to R2
        _draw(rt, committed, beacon_signature=R1["signature"], beacon_value=R1["randomness"])
    assert err.value.rule == "BEACON-3"
    assert _state(rt, committed) == before


def test_a_beacon_without_a_committed_round_is_refused(rt: Any) -> None:
    task = _committed_task(rt, None)
    before = _state(rt, task)
    with pytest.raises(InvalidInput):
        _draw(rt, task, beacon_signature=R2["signature"])
    assert _state(rt, task) == before


@pytest.mark.parametrize("beacon", [{"source": "drand", "round": 5}, {"source": "drand-default", "round": 5},
                                    {"source": SOURCE, "round": 0}])
def test_commit_refuses_a_beacon_the_service_cannot_verify(rt: Any, beacon: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as err:
        _committed_task(rt, beacon)
    assert err.value.detail["rule"] in {"BEACON-1", "BEACON-3"}


@pytest.fixture(scope="module")
def drawn(rt: Any, committed: str) -> dict[str, Any]:
    """The genuine draw (after the refusals above, which left nothing behind)."""
    draw = _draw(rt, committed, beacon_signature=R2["signature"])  # value derived: SHA-256(signature)
    entries = dict(enumerate(log_entries(rt)))
    return {"task": committed, "index": draw.log_index, "entries": entries, "draw": draw}


def test_the_genuine_round_is_drawn_with_its_signature_logged_and_verifies(drawn: dict[str, Any]) -> None:
    body = drawn["entries"][drawn["index"]]["body"]
    assert body["beacon"] == {"source": SOURCE, "round": R2["round"], "signature": R2["signature"],
                              "value": R2["randomness"]}
    assert drawn["draw"].beacon == body["beacon"]
    v = recompute(drawn["entries"], drawn["index"])
    assert v.seed == body["seed"]


def test_an_explicit_matching_value_is_accepted(rt: Any) -> None:
    task = _committed_task(rt, {"source": SOURCE, "round": R1["round"]})
    d = _draw(rt, task, beacon_signature=R1["signature"], beacon_value=R1["randomness"])
    assert d.beacon["value"] == hashlib.sha256(bytes.fromhex(R1["signature"])).hexdigest()


LOG_TAMPERS = [c for c in CASES if c["expect"] != "ok"]


@pytest.mark.parametrize("case", LOG_TAMPERS, ids=[c["name"] for c in LOG_TAMPERS])
def test_verify_draw_refuses_a_forged_beacon_in_the_log(drawn: dict[str, Any], case: dict[str, Any]) -> None:
    entries = copy.deepcopy(drawn["entries"])
    body = entries[drawn["index"]]["body"]
    body["beacon"] = copy.deepcopy(case["beacon"])
    entries[body["commit"]]["body"]["beacon"] = copy.deepcopy(case["committed"])
    with pytest.raises(DrawMismatch) as err:
        recompute(entries, drawn["index"])
    assert err.value.index == drawn["index"]
    if case["rule"] == "BEACON-2":  # the committed-round check V-3 already had
        assert err.value.what == "beacon"
    else:
        assert err.value.what == "beacon.signature" and err.value.rule == case["rule"], str(err.value)


def test_verify_draw_refuses_a_logged_beacon_stripped_of_its_signature(drawn: dict[str, Any]) -> None:
    entries = copy.deepcopy(drawn["entries"])
    del entries[drawn["index"]]["body"]["beacon"]["signature"]
    with pytest.raises(DrawMismatch, match="no signature"):
        recompute(entries, drawn["index"])


def test_cli_verify_draw_passes_then_refuses_a_forged_beacon_in_the_stored_log(
    rt: Any, drawn: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    import typer
    from typer.testing import CliRunner

    from drawsvc.cli.output import EXIT_VERIFICATION_FAILED, run_guarded
    from drawsvc.cli.verify import verify_draw_command
    from drawsvc.settings import get_settings
    from ledger.log import Log

    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", rt.settings.log_origin)
    get_settings.cache_clear()
    app = typer.Typer()
    app.command()(verify_draw_command)
    ok = CliRunner().invoke(app, [str(drawn["index"])])
    assert ok.exit_code == 0, ok.output

    # the operator swaps in another genuine round's signature and randomness (a valid G1 point)
    entry = copy.deepcopy(drawn["entries"][drawn["index"]])
    entry["body"]["beacon"] |= {"signature": R1["signature"], "value": R1["randomness"]}
    forged = json.dumps(entry, ensure_ascii=False).encode()
    original = Log.entries

    def tampered(self: Log, conn: Any, start: int, stop: int) -> list[bytes]:
        out = original(self, conn, start, stop)
        return [forged if start + k == drawn["index"] else b for k, b in enumerate(out)]

    monkeypatch.setattr(Log, "entries", tampered)
    with pytest.raises(SystemExit) as ex:
        run_guarded(lambda: app([str(drawn["index"])], standalone_mode=False))
    assert ex.value.code == EXIT_VERIFICATION_FAILED
    said = " ".join(capfd.readouterr())
    assert "beacon.signature" in said and "BEACON-3" in said and f"log entry {drawn['index']}" in said, said
    get_settings.cache_clear()
