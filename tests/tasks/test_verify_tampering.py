"""The pure verifier on tampered logs: each named mutation must fail, naming what differs.

The log is read once into memory (``{index: entry}``); each test mutates one field of a copy
and runs ``drawsvc.tasks.verify.recompute`` on it. One test tampers the stored log itself and
runs the CLI (``drawsvc verify-draw``), which must exit with the verification-failed code.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from tasks_support import actor, log_entries, ops, reveal, seed_registries

from drawsvc.calendar.service import ensure_bundled
from drawsvc.journal import SYSTEM
from drawsvc.tasks import service
from drawsvc.tasks.logread import LogMismatch
from drawsvc.tasks.verify import DrawMismatch, recompute
from ledger.errors import VerificationError


@pytest.fixture(scope="module")
def logged_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One runtime for the whole module: the mutations work on copies of its entries."""
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    rt = open_runtime(
        Settings(data_dir=tmp_path_factory.mktemp("tamper"), log_origin="test.drawsvc.example/log")
    )
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def logged(logged_runtime: Any) -> dict[str, Any]:
    """A task with targets + teams (one replacement) and an expert task (one decline), all logged."""
    rt = logged_runtime
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        seed_registries(s, targets=30, inspectors_per_dept=6, experts=6)
        t = service.create_task(
            s,
            rt.journal,
            title="抽查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"ratio_bp": 2000}, "teams": {"size": 2}},
            actor=actor(),
        ).code
        e = service.create_task(
            s,
            rt.journal,
            title="专家",
            year=2026,
            organiser="SCJG",
            params={"experts": {"headcount": 2, "pool": "ZJ", "group": "食品"}},
            actor=actor(),
        ).code
        for pool in ("targets", "inspectors"):
            service.build_pool(s, rt.journal, task=t, pool=pool, filters={}, actor=actor())
        service.build_pool(s, rt.journal, task=e, pool="experts", actor=actor())
        for code in (t, e):
            service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor())
    with rt.transaction() as s:
        dt = service.draw_task(s, rt.journal, task=t, reveals=reveal(), actor=actor())
        de = service.draw_task(s, rt.journal, task=e, reveals=reveal(), on=date(2026, 3, 2), actor=actor())
        team = dt.result["inspection"]["teams"]["assignments"][0]
        service.replace_inspector(
            s,
            rt.journal,
            task=t,
            target=team["target"],
            inspector=team["members"][1]["id"],
            reason="病假",
            approver="科长",
            actor=actor(),
        )
        service.respond_expert(
            s,
            rt.journal,
            task=e,
            expert=de.result["experts"]["experts"]["panel"][0],
            response="declined",
            reason="出差在外",
            on=date(2026, 3, 2),
            actor=actor(),
        )
    entries = dict(enumerate(log_entries(rt)))
    return {"entries": entries, "teams": dt.log_index, "experts": de.log_index}


def _index(entries: dict[int, Any], kind: str, n: int = 0) -> int:
    return [i for i, e in sorted(entries.items()) if e["kind"] == kind][n]


def test_untampered_logs_verify(logged: dict[str, Any]) -> None:
    assert len(recompute(logged["entries"], logged["teams"]).events) == 1
    assert len(recompute(logged["entries"], logged["experts"]).events) == 1


def _body(entries: dict[int, Any], kind: str, n: int = 0) -> dict[str, Any]:
    return entries[_index(entries, kind, n)]["body"]


def _other_replacement(event: dict[str, Any], *choices: str) -> None:
    """Set the event's replacement to the first of ``choices`` it is not already (a real change)."""
    event["replacement"] = next(c for c in choices if c != event["replacement"])


MUTATIONS: dict[str, tuple[str, Callable[[dict[int, Any]], None], str]] = {
    "result-target-swapped": (
        "teams",
        lambda es: _body(es, "draw.result")["result"]["inspection"]["targets"]["selected"].__setitem__(
            0, "91330102MA00000000"
        ),
        "result",
    ),
    "team-member-changed": (
        "teams",
        lambda es: _body(es, "draw.result")["result"]["inspection"]["teams"]["assignments"][1]["members"][
            0
        ].__setitem__("id", "SCJG-0099"),
        "result",
    ),
    "pool-member-checks-changed": (
        "teams",
        lambda es: _body(es, "draw.pool.members")["checks"].append([0, 1]),
        "pools.targets.root",
    ),
    "pool-member-risk-flagged": (
        "teams",
        lambda es: _body(es, "draw.pool.members")["risk"].append(3),
        "pools.targets.root",
    ),
    "pool-member-id-changed": (
        "teams",
        lambda es: _body(es, "draw.pool.members").__setitem__(
            "ids", "91330102MA00000000" + _body(es, "draw.pool.members")["ids"][18:]
        ),
        "pools.targets.root",
    ),
    "pool-inspector-dropped": (
        "teams",
        lambda es: _body(es, "draw.pool.members", 1)["rows"].pop(),
        "pools.inspectors.size",
    ),
    "avoidance-salt-changed": (
        "teams",
        lambda es: _body(es, "draw.result").__setitem__("avoidance_salt", "00" * 32),
        "avoidance.salt",
    ),
    "secret-changed": (
        "teams",
        lambda es: _body(es, "draw.result")["reveals"][0].__setitem__("secret", "11" * 32),
        "reveals",
    ),
    "seed-changed": ("teams", lambda es: _body(es, "draw.result").__setitem__("seed", "22" * 32), "seed"),
    "params-ratio-changed": (
        "teams",
        lambda es: _body(es, "draw.commit")["params"]["targets"].__setitem__("ratio_bp", 3000),
        "result",
    ),
    "replacement-changed": (
        "teams",
        lambda es: _other_replacement(_body(es, "draw.replace")["event"], "SCJG-0001", "SCJG-0002"),
        "replace",
    ),
    "topup-changed": (
        "experts",
        lambda es: _other_replacement(_body(es, "draw.expert.topup")["event"], "ZJ-0006", "ZJ-0007"),
        "topup",
    ),
    "expert-panel-changed": (
        "experts",
        lambda es: _body(es, "draw.result", 1)["result"]["experts"]["experts"]["panel"].reverse(),
        "result",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_tampered_log_fails_verification_naming_what_differs(logged: dict[str, Any], name: str) -> None:
    which, mutate, what = MUTATIONS[name]
    entries = copy.deepcopy(logged["entries"])
    mutate(entries)
    with pytest.raises(DrawMismatch) as err:
        recompute(entries, logged[which])
    assert err.value.what.startswith(what), err.value


def test_chunks_out_of_order_are_refused(logged: dict[str, Any]) -> None:
    entries = copy.deepcopy(logged["entries"])
    i = _index(entries, "draw.pool.members")
    entries[i]["body"]["chunk"] = 1
    with pytest.raises(LogMismatch):
        recompute(entries, logged["teams"])


def test_index_that_is_not_a_draw_result_is_refused(logged: dict[str, Any]) -> None:
    with pytest.raises(VerificationError):
        recompute(logged["entries"], 0)


def test_cli_verify_draw_passes_then_fails_after_tampering_the_stored_log(
    logged_runtime: Any, logged: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = logged_runtime
    from typer.testing import CliRunner

    from drawsvc.cli.output import EXIT_VERIFICATION_FAILED
    from drawsvc.cli.verify import verify_draw_command
    from drawsvc.settings import get_settings
    from ledger.log import Log

    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", runtime.settings.log_origin)
    get_settings.cache_clear()
    import typer

    app = typer.Typer()
    app.command()(verify_draw_command)
    runner = CliRunner()
    ok = runner.invoke(app, [str(logged["teams"])])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output and "1 follow-up" in ok.output
    ok = runner.invoke(app, ["T2026-0002"])
    assert ok.exit_code == 0, ok.output

    # tamper with what the log serves (the storage layout is the ledger's business)
    entry = copy.deepcopy(logged["entries"][logged["teams"]])
    entry["body"]["result"]["inspection"]["targets"]["selected"].reverse()
    forged = json.dumps(entry, ensure_ascii=False).encode()
    original = Log.entries

    def tampered(self: Log, conn: Any, start: int, stop: int) -> list[bytes]:
        out = original(self, conn, start, stop)
        return [forged if start + k == logged["teams"] else b for k, b in enumerate(out)]

    monkeypatch.setattr(Log, "entries", tampered)
    from drawsvc.cli.output import run_guarded

    with pytest.raises(SystemExit) as ex:
        run_guarded(lambda: app([str(logged["teams"])], standalone_mode=False))
    assert ex.value.code == EXIT_VERIFICATION_FAILED
    get_settings.cache_clear()
