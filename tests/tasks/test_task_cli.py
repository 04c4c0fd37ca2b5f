"""`drawsvc task ...` and `drawsvc verify-draw`: a complete two-level task through the CLI."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tasks_support import seed_registries
from typer.testing import CliRunner

from drawsvc.cli.output import EXIT_ERROR, EXIT_OK, run_guarded
from drawsvc.settings import get_settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", "cli.test/log")
    get_settings.cache_clear()
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    with rt.transaction() as s:
        seed_registries(s, targets=30, departments=("SCJG", "WSJ"), inspectors_per_dept=5)
    rt.close()

    from drawsvc.cli.app import app

    runner = CliRunner()

    def run(*args: str) -> Any:
        result = runner.invoke(app, list(args))
        return result

    def run_guarded_exit(*args: str) -> int:
        try:
            run_guarded(lambda: app(list(args), standalone_mode=False))
        except SystemExit as exc:
            return int(exc.code or 0)
        return EXIT_OK

    run.guarded = run_guarded_exit  # type: ignore[attr-defined]
    yield run
    get_settings.cache_clear()


def test_complete_two_level_task_through_the_cli(cli: Any, tmp_path: Path) -> None:
    def ok(*args: str) -> str:
        r = cli(*args)
        assert r.exit_code == 0, (args, r.output, r.exception)
        return r.output

    assert "T2026-0001 created" in ok(
        "task",
        "create",
        "--title",
        "联合抽查",
        "--year",
        "2026",
        "-d",
        "SCJG",
        "--departments",
        "WSJ",
        "--ratio-bp",
        "2000",
    )
    assert "30 members" in ok("task", "pool", "build", "T2026-0001", "-d", "SCJG")
    members = json.loads(ok("task", "show", "T2026-0001"))
    assert members["pools"]["targets"] == 30
    out = ok("task", "commit", "T2026-0001", "-d", "SCJG")
    secret_file = next((tmp_path / "secrets").iterdir())
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    assert secret_file.read_text().strip() not in out  # the secret is never printed
    drawn = json.loads(ok("task", "draw", "T2026-0001", "-d", "SCJG"))
    assert drawn["targets"] == 6
    ok("task", "lock", "T2026-0001", "-d", "SCJG")
    assert json.loads(ok("task", "dispatch", "T2026-0001", "--by", "region", "-d", "SCJG"))
    ok("task", "subdraw", "T2026-0001", "--unit", "WSJ", "-d", "WSJ")
    ok("task", "commit", "T2026-0001/WSJ", "-d", "WSJ")
    sub = json.loads(ok("task", "draw", "T2026-0001/WSJ", "-d", "WSJ"))
    assert sub["targets"] == 6 and len(sub["teams"]) == 6
    verified = ok("verify-draw", "T2026-0001")
    assert verified.count("OK") == 2 and "T2026-0001/WSJ" in verified
    as_json = json.loads(ok("verify-draw", "T2026-0001", "--json"))
    assert as_json["ok"] is True and as_json["subdraws"][0]["task"] == "T2026-0001/WSJ"
    target = json.loads(ok("task", "show", "T2026-0001"))["draw"]["result"]["targets"][0]
    ok(
        "task",
        "inspect",
        "--target",
        target,
        "--kind",
        "complaint",
        "--on",
        "2026-06-01",
        "--reason",
        "投诉",
        "-d",
        "WSJ",
    )
    report = json.loads(ok("task", "merge-report", "--year", "2026"))
    assert [r["target"] for r in report] == [target]


def test_cli_refusals_exit_non_zero_without_traceback(cli: Any) -> None:
    assert (
        cli(
            "task", "create", "--title", "抽查", "--year", "2026", "-d", "SCJG", "--ratio-bp", "2000"
        ).exit_code
        == 0
    )
    assert cli.guarded("task", "pool", "build", "T2026-0001", "-d", "SCJG") == EXIT_OK
    assert cli.guarded("task", "commit", "T2026-0001", "-d", "SCJG") == EXIT_OK
    # pool frozen
    assert (
        cli.guarded(
            "task", "pool", "remove", "T2026-0001", "91330102MA00000000", "--reason", "x", "-d", "SCJG"
        )
        != EXIT_OK
    )
    # wrong secret
    assert cli.guarded("task", "draw", "T2026-0001", "--secret", "00" * 32, "-d", "SCJG") == EXIT_ERROR
    # dispatch before lock
    assert cli.guarded("task", "dispatch", "T2026-0001", "-d", "SCJG") == EXIT_ERROR
    # verify a log index that is not a draw result
    assert cli.guarded("verify-draw", "0") == 3


def test_cli_draw_with_a_committed_drand_round_verifies_its_signature(cli: Any) -> None:
    # quicknet round 657413, genuine (tests/vectors/beacon/genuine.json names its source)
    sig = "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be41076862b98fad56e91a6b85b89cd97b"
    created = cli("task", "create", "--title", "信标", "--year", "2026", "-d", "SCJG", "--ratio-bp", "2000")
    assert created.exit_code == 0
    assert cli("task", "pool", "build", "T2026-0001", "-d", "SCJG").exit_code == 0
    r = cli("task", "commit", "T2026-0001", "-d", "SCJG", "--beacon-source", "drand-quicknet",
            "--beacon-round", "657413")
    assert r.exit_code == 0, r.output
    forged = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    assert cli.guarded("task", "draw", "T2026-0001", "-d", "SCJG", "--beacon-signature", forged) == EXIT_ERROR
    assert cli("verify-draw", "T2026-0001").exit_code != 0  # nothing was drawn
    r = cli("task", "draw", "T2026-0001", "-d", "SCJG", "--beacon-signature", sig)
    assert r.exit_code == 0, r.output
    assert cli("verify-draw", "T2026-0001").exit_code == 0
