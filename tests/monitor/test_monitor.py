"""drawsvc monitor (docs/specs/witness.md §Monitor): honest growth passes; fork, rollback, changed key
and stale checkpoint alarm with distinct exit codes and leave the state file unchanged."""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

from drawsvc.monitor import service
from drawsvc.monitor.service import Alarm, run_monitor
from drawsvc.monitor.source import open_source
from ledger import export
from ledger.log import Log
from ledger.note import Signer

sys.path.insert(0, str(Path(__file__).parents[1] / "ledger"))
import ledger_support as support


class Published:
    """One SQLite log exported to a directory after each append."""

    def __init__(self, tmp: Path, name: str, signer: Signer, seed: int) -> None:
        self.engine = support.sqlite_engine(tmp / f"{name}.db")
        self.log = Log(origin=support.ORIGIN, signer=signer)
        self.entries = support.random_entries(1_500, seed=seed)
        self.signer = signer

    def grow_to(self, size: int, site: Path) -> Path:
        with self.engine.begin() as conn:
            n = self.log.size(conn)
            self.log.append_encoded(conn, self.entries[n:size])
        with self.engine.connect() as conn:
            export.export_tiles(conn, site / "log", fsync=False, empty_checkpoint=self.log.checkpoint(conn))
        export.publish_verifier_key(site / "log", self.signer.verifier_key(), fsync=False)
        return site


def run(site: Path, state: Path, **kw):
    return run_monitor(open_source(str(site)), state, **kw)


def expect_alarm(kind: str, code: int, site: Path, state: Path, **kw) -> None:
    before = state.read_bytes()
    with pytest.raises(Alarm) as exc:
        run(site, state, **kw)
    assert (exc.value.kind, exc.value.exit_code) == (kind, code)
    assert state.read_bytes() == before  # an alarm never moves the state


@pytest.fixture
def honest(tmp_path: Path) -> Published:
    return Published(tmp_path, "honest", support.signer(), seed=1)


def test_honest_growth_passes_and_moves_the_state(honest: Published, tmp_path: Path) -> None:
    site, state = tmp_path / "site", tmp_path / "state.json"
    honest.grow_to(300, site)
    first = run(site, state)
    assert first.first_run and first.trust_on_first_use and first.checkpoint.size == 300
    for size in (300, 301, 555, 1_100):
        honest.grow_to(size, site)
        assert run(site / "log", state, max_age=3600).checkpoint.size == size
    assert '"size": 1100' in state.read_text()


def test_a_fork_with_the_same_key_alarms(honest: Published, tmp_path: Path) -> None:
    site, state = tmp_path / "site", tmp_path / "state.json"
    run(honest.grow_to(300, site), state)
    fork = Published(tmp_path, "fork", support.signer(), seed=2)  # same key, other entries
    expect_alarm("inconsistent", service.EXIT_INCONSISTENT, fork.grow_to(700, tmp_path / "fork"), state)
    expect_alarm("inconsistent", service.EXIT_INCONSISTENT, fork.grow_to(700, tmp_path / "fork"), state)
    same_size = Published(tmp_path, "same", support.signer(), seed=3)
    expect_alarm("inconsistent", service.EXIT_INCONSISTENT, same_size.grow_to(300, tmp_path / "same"), state)


def test_a_fork_sharing_a_prefix_alarms(honest: Published, tmp_path: Path) -> None:
    site, state = tmp_path / "site", tmp_path / "state.json"
    run(honest.grow_to(300, site), state)
    fork = Published(tmp_path, "fork", support.signer(), seed=1)
    fork.entries = honest.entries[:200] + support.random_entries(1_000, seed=9)  # same first 200
    expect_alarm("inconsistent", service.EXIT_INCONSISTENT, fork.grow_to(400, tmp_path / "fork"), state)


def test_a_rollback_alarms(honest: Published, tmp_path: Path) -> None:
    old_site, site, state = tmp_path / "old", tmp_path / "site", tmp_path / "state.json"
    honest.grow_to(200, old_site)
    run(honest.grow_to(600, site), state)
    expect_alarm("inconsistent", service.EXIT_INCONSISTENT, old_site, state)


def test_a_changed_key_alarms(honest: Published, tmp_path: Path) -> None:
    site, state = tmp_path / "site", tmp_path / "state.json"
    run(honest.grow_to(300, site), state, key=honest.signer.verifier_key())
    other = Published(tmp_path, "other", Signer.from_seed(support.ORIGIN, bytes(32)), seed=1)
    other_site = other.grow_to(400, tmp_path / "other")
    expect_alarm("key-changed", service.EXIT_KEY, other_site, state)  # published verifier-key differs
    (other_site / "log" / export.VKEY_PATH).unlink()
    expect_alarm("key-unknown", service.EXIT_KEY, other_site, state)  # checkpoint by an unknown key
    expect_alarm("key-changed", service.EXIT_KEY, site, state, key=other.signer.verifier_key())


def test_a_first_run_without_any_key_alarms(honest: Published, tmp_path: Path) -> None:
    site = honest.grow_to(10, tmp_path / "site")
    (site / "log" / export.VKEY_PATH).unlink()
    with pytest.raises(Alarm) as exc:
        run(site, tmp_path / "state.json")
    assert exc.value.kind == "key-unknown" and not (tmp_path / "state.json").exists()


def test_a_stale_checkpoint_alarms(honest: Published, tmp_path: Path) -> None:
    site, state = tmp_path / "site", tmp_path / "state.json"
    run(honest.grow_to(300, site), state)
    honest.grow_to(400, site)
    old = os.path.getmtime(site / "log" / "checkpoint") - 7200
    os.utime(site / "log" / "checkpoint", (old, old))
    expect_alarm("stale", service.EXIT_STALE, site, state, max_age=3600)
    assert run(site, state, max_age=86400).checkpoint.size == 400


def test_tiles_that_do_not_match_the_checkpoint_alarm(honest: Published, tmp_path: Path) -> None:
    site, state = tmp_path / "site", tmp_path / "state.json"
    run(honest.grow_to(300, site), state)
    honest.grow_to(400, site)
    tile = next((site / "log" / "tile" / "0").rglob("*.p/*"))
    tile.write_bytes(support.flip(tile.read_bytes(), 5))
    expect_alarm("bad-tiles", service.EXIT_BAD_TILES, site, state)


@pytest.fixture
def served(tmp_path: Path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    for port in range(8190, 8200):
        try:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
            break
        except OSError:
            continue
    else:
        pytest.skip("no free port in 8190-8199")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_an_http_source(honest: Published, tmp_path: Path, served) -> None:
    root, url = served
    state = tmp_path / "state.json"
    honest.grow_to(300, root)
    assert run_monitor(open_source(url), state).first_run
    honest.grow_to(900, root)
    got = run_monitor(open_source(url + "log"), state, max_age=3600)
    assert got.checkpoint.size == 900 and got.age is not None
    fork = Published(tmp_path, "fork", support.signer(), seed=2)
    fork.grow_to(1_000, tmp_path / "fork")
    import shutil

    shutil.rmtree(root / "log")
    shutil.copytree(tmp_path / "fork" / "log", root / "log")
    with pytest.raises(Alarm) as exc:
        run_monitor(open_source(url), state)
    assert exc.value.kind == "inconsistent"
