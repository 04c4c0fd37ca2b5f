"""The custom ledger vectors checked by a second implementation: Node's crypto and JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("crosscheck_vectors.mjs")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_vectors_verify_with_node_crypto_and_json() -> None:
    run = subprocess.run(["node", str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["ok"] and result["checked"] >= 40
