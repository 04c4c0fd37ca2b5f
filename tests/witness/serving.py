"""An ASGI app served by uvicorn in a thread on the first free port of a range, for tests that
need a real HTTP server (the witness and the service talk over urllib)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


@contextmanager
def served(app: Any, ports: range) -> Iterator[str]:
    """Yield the base URL of ``app`` served on the first port of ``ports`` that binds (skip the
    test when none does); stop the server afterwards."""
    import uvicorn

    for port in ports:
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        for _ in range(200):
            if srv.started or not thread.is_alive():
                break
            time.sleep(0.02)
        if srv.started:
            break
    else:
        pytest.skip(f"no free port in {ports.start}-{ports.stop - 1}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
