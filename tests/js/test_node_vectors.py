"""The JavaScript verifier (public_site/static/verify/) against the shared vectors: runs
``node --test tests/js/`` so that ``./dev test`` (and ``.ci/run``) run the JS tests too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_test_suite_passes() -> None:
    files = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    assert len(files) >= 4
    run = subprocess.run(
        ["node", "--test", *files], capture_output=True, text=True, timeout=600, check=False, cwd=HERE.parents[1]
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
