"""The verifier's modules in a real browser: headless Debian Chromium loads them over http from
the demo site (no build step, no CDN), verifies every demo draw (WebCrypto Ed25519 or the noble
fallback) and checks the drand beacon vector with the lazily loaded @noble/curves."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

VERIFY = Path(__file__).parents[2] / "public_site" / "static" / "verify"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PORT = 8152  # sitejs's port range 8150-8159

PAGE = """<!doctype html><meta charset="utf-8"><title>verify</title><pre id="out">running</pre>
<script type="module">
import { verifyDraw, fetcherFromUrl } from "./static/verify/orchestrator.js";
const fetchFile = fetcherFromUrl(new URL("./", location.href));
const out = [];
for (const [drawIndex, task] of DRAWS) {
  const r = await verifyDraw({ fetchFile, drawIndex, task, verifierKey: KEY });
  out.push({ drawIndex, ok: r.ok, failed: r.failed, steps: r.steps.map((s) => s.code) });
}
const { verifyBeacon } = await import("./static/verify/beacon.mjs");
let beacon = "ok";
try { verifyBeacon({ round: 123, signature: SIG, value: RANDOMNESS }); } catch (e) { beacon = e.message; }
document.getElementById("out").textContent = "RESULT" + JSON.stringify({ out, beacon }) + "END";
</script>"""
# quicknet round 123, genuine (tests/vectors/beacon/genuine.json names its source)
SIG = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92"
RANDOMNESS = "fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_every_demo_draw_verifies_in_chromium(demo: Any, tmp_path: Path) -> None:
    rt, report, entries = demo
    site = tmp_path / "site"
    shutil.copytree(report.site_dir, site)
    shutil.rmtree(site / "static" / "verify", ignore_errors=True)
    shutil.copytree(VERIFY, site / "static" / "verify")
    draws = [
        [i, json.loads(e)["body"]["task"]]
        for i, e in enumerate(entries)
        if json.loads(e)["kind"] == "draw.result"
    ]
    page = PAGE.replace("DRAWS", json.dumps(draws)).replace("KEY", json.dumps(rt.log.signer.verifier_key()))
    page = page.replace("SIG", json.dumps(SIG)).replace("RANDOMNESS", json.dumps(RANDOMNESS))
    (site / "verify-test.html").write_text(page, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--virtual-time-budget=120000",
                "--dump-dom",
                f"http://127.0.0.1:{PORT}/verify-test.html",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    found = re.search(r"RESULT(.*)END", run.stdout)
    assert found, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"'))
    assert result["beacon"] == "ok"
    assert len(result["out"]) == len(draws) >= 6
    for d in result["out"]:
        assert d["ok"], d
        assert "result.recompute" in d["steps"] and "page.display" in d["steps"]
