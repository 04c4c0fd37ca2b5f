"""Read a published log from a site directory, a log directory, or an http(s) URL of either.

Returns a ``Fetch`` (relative path inside the log → bytes, ``FileNotFoundError`` when absent), the
only I/O the pure checks in ``drawsvc.audit.tree`` need.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from drawsvc.audit.tree import Fetch
from ledger import tiles


def _dir_fetch(base: Path) -> Fetch:
    def fetch(rel: str) -> bytes:
        return (base / rel).read_bytes()

    return fetch


def _url_fetch(base: str) -> Fetch:
    def fetch(rel: str) -> bytes:
        try:
            with urllib.request.urlopen(base.rstrip("/") + "/" + rel, timeout=30) as resp:
                return bytes(resp.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise FileNotFoundError(rel) from None
            raise

    return fetch


def open_source(source: str) -> Fetch:
    """A site (log under ``log/``) or the log itself; the checkpoint decides which."""
    if source.startswith(("http://", "https://")):
        for base in (source.rstrip("/") + "/log", source):
            fetch = _url_fetch(base)
            try:
                fetch(tiles.CHECKPOINT_PATH)
            except (FileNotFoundError, urllib.error.URLError):
                continue
            return fetch
        raise FileNotFoundError(f"no {tiles.CHECKPOINT_PATH} at {source} or {source}/log")
    root = Path(source)
    for base in (root / "log", root):
        if (base / tiles.CHECKPOINT_PATH).is_file():
            return _dir_fetch(base)
    raise FileNotFoundError(f"no {tiles.CHECKPOINT_PATH} in {root} or {root / 'log'}")
