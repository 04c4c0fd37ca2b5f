"""drawsvc witness (docs/specs/witness.md §Witness): init, cosign an honest growing log, and a
forked log shown to two witnesses — each cosigns its own view, then refuses the other (split
view); rollback, same size with another root and a bad log signature are refused too. Every
refusal leaves the witness state unchanged and signs nothing."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drawsvc.cli.app import app
from drawsvc.monitor import service as monitor
from drawsvc.monitor.service import Alarm
from drawsvc.monitor.source import open_source
from drawsvc.witness import service
from drawsvc.witness.keys import KEY_FILE, init_witness, load_witness
from drawsvc.witness.service import run_cosign
from ledger import cosignature, export
from ledger.checkpoint import verify_checkpoint
from ledger.errors import KeyFileError
from ledger.log import Log
from ledger.note import Signer, open_note

sys.path.insert(0, str(Path(__file__).parents[1] / "ledger"))
import ledger_support as support


class Published:
    """One SQLite log exported to ``<site>/log`` after each growth."""

    def __init__(self, tmp: Path, name: str, entries: list[bytes], signer: Signer | None = None) -> None:
        self.engine = support.sqlite_engine(tmp / f"{name}.db")
        self.signer = signer or support.signer()
        self.log = Log(origin=support.ORIGIN, signer=self.signer)
        self.entries = entries

    def grow_to(self, size: int, site: Path) -> Path:
        with self.engine.begin() as conn:
            n = self.log.size(conn)
            self.log.append_encoded(conn, self.entries[n:size])
        with self.engine.connect() as conn:
            export.export_tiles(conn, site / "log", fsync=False, empty_checkpoint=self.log.checkpoint(conn))
        export.publish_verifier_key(site / "log", self.signer.verifier_key(), fsync=False)
        return site


def cosign(site: Path, state: Path, **kw):
    return run_cosign(open_source(str(site)), state, **kw)


def state_files(state: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((state / service.LOGS_DIR).glob("*.json"))}


def refused(kind: str, code: int, site: Path, state: Path, **kw) -> Alarm:
    before = state_files(state)
    with pytest.raises(Alarm) as exc:
        cosign(site, state, **kw)
    assert (exc.value.kind, exc.value.exit_code) == (kind, code), exc.value.message
    assert state_files(state) == before  # a refusal never moves the state
    return exc.value


def witness(tmp: Path, name: str) -> Path:
    state = tmp / name
    init_witness(state, f"{name}.jiwei.example")
    return state


def test_init_writes_a_private_key_once_and_prints_the_verifier_key(tmp_path: Path) -> None:
    state = tmp_path / "w"
    result = CliRunner().invoke(app, ["witness", "init", "--state", str(state), "--name", "jiwei.example/w1"])
    assert result.exit_code == 0, result.output
    key_file = state / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    vkey = result.stdout.strip()
    assert cosignature.parse_witness_key(vkey).name == "jiwei.example/w1"
    assert load_witness(state).vkey == vkey
    secret = key_file.read_text().strip()
    assert secret.startswith("PRIVATE+KEY+jiwei.example/w1+") and secret not in result.output
    before = key_file.read_bytes()
    again = CliRunner().invoke(app, ["witness", "init", "--state", str(state), "--name", "jiwei.example/w1"])
    assert again.exit_code != 0 and key_file.read_bytes() == before  # never overwritten
    with pytest.raises(KeyFileError):
        init_witness(state, "other")
    key_file.chmod(0o644)
    with pytest.raises(KeyFileError):  # a key others may read is refused
        load_witness(state)


def test_cosign_an_honest_growing_log(tmp_path: Path) -> None:
    honest = Published(tmp_path, "honest", support.random_entries(1_200, seed=1))
    site, state = tmp_path / "site", witness(tmp_path, "w1")
    vkey = load_witness(state).vkey
    first = cosign(honest.grow_to(300, site), state)
    assert first.first_run and first.trust_on_first_use and first.checkpoint.size == 300
    for size in (300, 301, 555, 1_100):
        got = cosign(honest.grow_to(size, site), state, now=1_800_000_000 + size)
        assert not got.first_run and got.checkpoint.size == size
        body = open_note((site / "log" / "checkpoint").read_bytes(), [honest.signer.verifier()]).text
        assert cosignature.verify_cosignature(body, got.line, vkey) == 1_800_000_000 + size
        # the cosigned note still opens with the log key alone, and carries a valid cosignature
        verify_checkpoint(got.cosigned_note, honest.signer.verifier(), origin=support.ORIGIN)
        key = cosignature.parse_witness_key(vkey)
        text, found = cosignature.cosignatures_in_note(got.cosigned_note, [key])
        assert text == body and [c.timestamp for c in found] == [1_800_000_000 + size]
    saved = json.loads(next(iter(state_files(state).values())))
    assert saved["size"] == 1_100 and saved["witness"] == vkey


def test_a_fork_shown_to_two_witnesses_is_detected_as_a_split_view(tmp_path: Path) -> None:
    common = support.random_entries(200, seed=1)
    view_a = Published(tmp_path, "a", common + support.random_entries(1_000, seed=2))
    view_b = Published(tmp_path, "b", common + support.random_entries(1_000, seed=3))  # same key
    site_a, site_b = view_a.grow_to(400, tmp_path / "site-a"), view_b.grow_to(400, tmp_path / "site-b")
    w1, w2 = witness(tmp_path, "w1"), witness(tmp_path, "w2")
    # Both witnesses saw the common prefix.
    prefix = Published(tmp_path, "prefix", common)
    site_p = prefix.grow_to(200, tmp_path / "site-p")
    cosign(site_p, w1)
    cosign(site_p, w2)
    # Each is shown its own view and cosigns it: the log signed two different trees of size 400.
    one, two = cosign(site_a, w1), cosign(site_b, w2)
    assert one.checkpoint.size == two.checkpoint.size == 400 and one.checkpoint.root != two.checkpoint.root
    # Shown the other view, each refuses: same size, other root (split view).
    alarm = refused("inconsistent", monitor.EXIT_INCONSISTENT, site_b, w1)
    assert "SPLIT VIEW" in alarm.message and "fork" in alarm.message
    refused("inconsistent", monitor.EXIT_INCONSISTENT, site_a, w2)
    # The other view grows on: still not an extension of what each cosigned.
    view_b.grow_to(700, site_b)
    refused("inconsistent", monitor.EXIT_INCONSISTENT, site_b, w1)
    # The evidence holds both signed checkpoints, each verifying with the log key.
    evidence = [json.loads(p.read_text()) for p in sorted((w1 / service.EVIDENCE_DIR).iterdir())]
    assert len(evidence) == 2 and evidence[0]["kind"] == "inconsistent"
    for name in ("cosigned_checkpoint", "refused_checkpoint"):
        verify_checkpoint(evidence[0][name].encode(), view_a.signer.verifier(), origin=support.ORIGIN)
    # Their own views still grow honestly.
    assert cosign(view_a.grow_to(900, site_a), w1).checkpoint.size == 900


def test_a_rollback_is_refused(tmp_path: Path) -> None:
    honest = Published(tmp_path, "honest", support.random_entries(700, seed=1))
    old_site = honest.grow_to(200, tmp_path / "old")
    state = witness(tmp_path, "w1")
    cosign(honest.grow_to(600, tmp_path / "site"), state)
    alarm = refused("inconsistent", monitor.EXIT_INCONSISTENT, old_site, state)
    assert "rollback" in alarm.message


def test_a_bad_log_signature_is_refused(tmp_path: Path) -> None:
    honest = Published(tmp_path, "honest", support.random_entries(700, seed=1))
    site, state = honest.grow_to(300, tmp_path / "site"), witness(tmp_path, "w1")
    cosign(site, state, log_key=honest.signer.verifier_key())
    honest.grow_to(400, site)
    cp = site / "log" / "checkpoint"
    cp.write_bytes(support.flip(cp.read_bytes(), len(cp.read_bytes()) - 10))  # in the signature
    refused("key-unknown", monitor.EXIT_KEY, site, state)
    # a checkpoint by another key, with its own verifier-key published: a changed key
    other = Published(tmp_path, "other", honest.entries, signer=Signer.from_seed(support.ORIGIN, bytes(32)))
    refused("key-changed", monitor.EXIT_KEY, other.grow_to(500, tmp_path / "other"), state)


def test_first_run_with_a_wrong_log_key_signs_nothing(tmp_path: Path) -> None:
    honest = Published(tmp_path, "honest", support.random_entries(100, seed=1))
    site, state = honest.grow_to(50, tmp_path / "site"), witness(tmp_path, "w1")
    wrong = Signer.from_seed(support.ORIGIN, bytes(32)).verifier_key()
    with pytest.raises(Alarm) as exc:
        cosign(site, state, log_key=wrong)
    assert exc.value.exit_code == monitor.EXIT_KEY and not (state / service.LOGS_DIR).exists()


def test_cli_cosign_prints_the_line_and_exits_10_on_a_split_view(tmp_path: Path) -> None:
    common = support.random_entries(100, seed=1)
    a = Published(tmp_path, "a", common + support.random_entries(300, seed=2))
    b = Published(tmp_path, "b", common + support.random_entries(300, seed=3))
    state = witness(tmp_path, "w1")
    site_a, site_b = a.grow_to(250, tmp_path / "a"), b.grow_to(250, tmp_path / "b")
    ok = CliRunner().invoke(app, ["witness", "cosign", str(site_a), "--state", str(state),
                                  "--log-key", a.signer.verifier_key()])
    assert ok.exit_code == 0, ok.output
    line = ok.stdout.strip()
    body = open_note((site_a / "log" / "checkpoint").read_bytes(), [a.signer.verifier()]).text
    cosignature.verify_cosignature(body, line, load_witness(state).vkey)
    bad = CliRunner().invoke(app, ["witness", "cosign", str(site_b), "--state", str(state)])
    assert bad.exit_code == monitor.EXIT_INCONSISTENT
    assert "SPLIT VIEW" in bad.stderr and "\u2014" not in bad.stdout
    missing = CliRunner().invoke(app, ["witness", "cosign", str(site_a), "--state", str(tmp_path / "none")])
    # (main() turns this ledger error into exit status 2 via drawsvc.cli.output.run_guarded)
    assert isinstance(missing.exception, KeyFileError) and "witness init" in str(missing.exception)


def test_runs_on_one_witness_directory_take_turns(tmp_path: Path) -> None:
    """Checking the old size and saving the new one is atomic (tlog-witness §add-checkpoint)."""
    import fcntl
    import os
    import threading

    honest = Published(tmp_path, "honest", support.random_entries(100, seed=1))
    site, state = honest.grow_to(50, tmp_path / "site"), witness(tmp_path, "w1")
    fd = os.open(state / service.LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another run holds the directory
    done: list[int] = []
    thread = threading.Thread(target=lambda: done.append(cosign(site, state).checkpoint.size))
    thread.start()
    thread.join(0.5)
    assert thread.is_alive() and done == [] and state_files(state) == {}
    os.close(fd)
    thread.join(10)
    assert done == [50]
