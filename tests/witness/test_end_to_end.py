"""The whole path (docs/specs/witness.md): the service publishes its site, the discipline office's
witness cosigns the published checkpoint and submits it over HTTP, the service verifies and stores
it, and the next site build publishes it: the checkpoint file carries the cosignature, still
verifies with the log key alone (Python ledger and the site's JavaScript verifier), and the home
page names the witness and the time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drawsvc.api import auth
from drawsvc.journal import SYSTEM
from drawsvc.monitor.service import run_monitor
from drawsvc.monitor.source import SourceError, open_source
from drawsvc.witness.keys import init_witness
from drawsvc.witness.service import run_cosign, submit
from ledger import cosignature
from ledger.export import verify_consistency_with_directory, verify_directory
from ledger.note import open_note
from public_site.build import build_site

sys.path.insert(0, str(Path(__file__).parent))
from serving import served

PORTS = range(8630, 8640)
ROOT = Path(__file__).parents[2]


@pytest.fixture
def server(runtime) -> Iterator[str]:
    from drawsvc.api.app import create_app

    with served(create_app(runtime), PORTS) as url:
        yield url


def test_witness_cosigns_the_site_submits_and_the_site_publishes_it(runtime, server, tmp_path: Path) -> None:
    with runtime.transaction() as session:  # the witness's API key first: it is itself a log entry
        _, token = auth.create_api_key(session, runtime.journal, role="discipline", department=None,
                                       actor=SYSTEM)
        for i in range(300):
            runtime.journal.record(session, "test.event", {"n": i}, actor=SYSTEM)
    site = tmp_path / "site"
    build_site(runtime, site, base_url="http://127.0.0.1/site")
    state = tmp_path / "witness"
    w = init_witness(state, "jiwei.example/witness")
    runtime.settings.witness_keys = [w.vkey]
    log_verifier = runtime.log.signer.verifier()

    result = run_cosign(open_source(str(site)), state)
    assert result.first_run and result.checkpoint.size == 301
    with pytest.raises(SourceError, match="HTTP 401"):
        submit(server, "dsk_" + "0" * 12 + "_" + "A" * 43, result.cosigned_note)  # not a key: refused
    answer = submit(server, token, result.cosigned_note)
    assert [a["witness"] for a in answer["accepted"]] == ["jiwei.example/witness"]  # type: ignore[index, union-attr]

    # the API's checkpoint carries it …
    import urllib.request

    with urllib.request.urlopen(f"{server}/v1/log/checkpoint") as resp:
        api_note = resp.read()
    assert api_note.endswith(result.line.encode())

    # … and so does the next site build, at the same size.
    build_site(runtime, site, base_url="http://127.0.0.1/site")
    published = (site / "log" / "checkpoint").read_bytes()
    assert published == api_note
    assert open_note(published, [log_verifier]).unverified_sigs[0].name == "jiwei.example/witness"
    assert verify_directory(site / "log", log_verifier, origin=runtime.log.origin) == 301
    assert verify_consistency_with_directory(published, site / "log", log_verifier,
                                             origin=runtime.log.origin) == 301
    _, found = cosignature.cosignatures_in_note(published, [w.key])
    assert [c.timestamp for c in found] == [result.timestamp]
    home = (site / "index.html").read_text("utf-8")
    assert 'data-witness="jiwei.example/witness"' in home and "联署时间" in home
    # A monitor that knows nothing of witnesses still follows the cosigned site.
    assert run_monitor(open_source(str(site)), tmp_path / "monitor.json").checkpoint.size == 301
    # The witness, run again on the cosigned checkpoint, re-cosigns the same tree.
    again = run_cosign(open_source(str(site)), state)
    assert again.old_size == 301 and again.cosigned_note.count(b"jiwei.example/witness") == 1

    if shutil.which("node") is not None:  # the site's verifier accepts the checkpoint as published
        script = (
            "import { readFileSync } from 'node:fs';"
            "import { parseVerifierKey, verifyCheckpoint } from './public_site/static/verify/note.mjs';"
            "const [file, key, origin] = process.argv.slice(1);"
            "const note = new Uint8Array(readFileSync(file));"
            "const cp = await verifyCheckpoint(note, parseVerifierKey(key), { origin });"
            "const unverified = cp.unverifiedSigs.map((s) => s.name);"
            "console.log(JSON.stringify({ size: Number(cp.size), unverified }));"
        )
        run = subprocess.run(
            ["node", "--input-type=module", "-e", script, str(site / "log" / "checkpoint"),
             runtime.log.signer.verifier_key(), runtime.log.origin],
            capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout) == {"size": 301, "unverified": ["jiwei.example/witness"]}
