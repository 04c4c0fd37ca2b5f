"""The whole demo and a served API, every output searched for secrets and private fields
(issue 19, REL-K4): the CLI's stdout and stderr, the server's log lines, error bodies, the log,
the built site and the draw records never hold the signing key, an API key's secret (outside
the one place the demo prints them), a phone number, an ID number or a birth date of the
sample files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from harness import free_port

sys.path.insert(0, str(Path(__file__).parents[1] / "demo"))
from test_demo import _private_values

from drawsvc.demo import DEMO_ORIGIN

KEYS_HEADING = "演示 API 密钥"


def _texts(root: Path) -> str:
    suffixes = ("", ".html", ".json", ".js", ".mjs", ".txt", ".csv", ".css")
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*")
                     if p.is_file() and p.suffix in suffixes)


def _tokens(text: str) -> set[str]:
    # Whole tokens: an 11-digit phone can occur by chance inside a hex digest.
    return set(re.findall(r"[0-9A-Za-z_+/=-]+", text))


@pytest.mark.slow
def test_demo_and_server_outputs_hold_no_secret(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    env = {**os.environ, "DRAWSVC_DATA_DIR": str(data), "DRAWSVC_LOG_ORIGIN": DEMO_ORIGIN, "COLUMNS": "200"}
    demo = subprocess.run([sys.executable, "-m", "drawsvc.cli.app", "demo", "--data-dir", str(data),
                           "--targets", "600", "--no-serve"], env=env, capture_output=True, timeout=600)
    out, err = demo.stdout.decode(), demo.stderr.decode()
    assert demo.returncode == 0, err[-3000:]
    before_keys, _, key_lines = out.partition(KEYS_HEADING)
    api_secrets = re.findall(r"dsk_[0-9a-f]+_([A-Za-z0-9_-]{20,})", key_lines)
    assert len(api_secrets) >= 3
    key_file = next(data.rglob("*.key"))
    signing_key = key_file.read_text().strip()
    # PRIVATE+KEY+<name>+<hash>+<base64>: the key data is everything after the fourth "+" (base64
    # has "+" of its own: the text after the last one can be a few letters found anywhere)
    key_parts = {signing_key, signing_key.split("+", 4)[-1]}

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "drawsvc.cli.app", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    bodies = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        token = re.search(r"bureau:SCJG: (dsk_\S+)", key_lines).group(1)  # type: ignore[union-attr]
        h = {"X-API-Key": token}
        for body in ({"staff_no": "0901", "name": "李四", "certificate_no": "C0901",
                      "certificate_valid_until": "2030-01-01", "phone": "1390000123x"},  # a bad phone
                     {"staff_no": "0902", "name": "王五", "certificate_no": "C0902",
                      "certificate_valid_until": "2030-01-01", "phone": "13900001234"}):
            bodies.append(httpx.post(f"{base}/v1/inspectors", json=body, headers=h, timeout=10).text)
        bodies.append(httpx.get(f"{base}/v1/me", headers={"X-API-Key": token + "x"}, timeout=10).text)
        bodies.append(httpx.get(f"{base}/v1/inspectors/SCJG-0902", headers=h, timeout=10).text)
    finally:
        server.terminate()
        server_out, server_err = (b.decode() for b in server.communicate(timeout=30))
    assert '"rule":"RG-18"' in bodies[0].replace(" ", ""), bodies[0]  # refused, naming the rule
    private = _private_values(data / "samples") | {"1390000123x", "1390000123"}
    assert len(private) > 50
    public = {
        "cli stdout before the key list": before_keys, "cli stderr": err,
        "server log": server_out + server_err, "error bodies": "\n".join(bodies[:1] + bodies[2:3]),
        "site": _texts(data / "site"), "draw records": _texts(data / "records"),
    }
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    rt = open_runtime(Settings(data_dir=data, log_origin=DEMO_ORIGIN))
    with rt.engine.connect() as conn:
        public["log"] = b"\n".join(rt.log.entries(conn, 0, rt.log.size(conn))).decode()
    rt.close()
    for where, text in public.items():
        tokens = _tokens(text)
        leaked = sorted(v for v in private if v in tokens)
        assert not leaked, f"{where}: {len(leaked)} private values"
        assert not any(s in text for s in api_secrets), f"{where}: an API key secret"
        assert not any(k in text for k in key_parts), f"{where}: the signing key"
    assert not any(k in out for k in key_parts)
    assert "13900001234" in bodies[3]  # the owner reads its own inspector's phone: the probe is real
