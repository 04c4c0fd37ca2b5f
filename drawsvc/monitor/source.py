"""Where a published log is read from: a directory or an http(s) URL (docs/specs/witness.md M1).

A source answers ``read(path)`` for paths relative to the log root (``checkpoint``,
``verifier-key``, ``tile/...``) and tells the checkpoint's publication time, which the checkpoint
does not carry itself: the file's mtime, or the HTTP ``Last-Modified`` header.
A site directory or URL holds its log under ``log/``; both layouts are accepted.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

from ledger import tiles
from ledger.errors import MalformedError

HTTP_TIMEOUT = 30.0
MAX_FILE_BYTES = 1 << 20  # a tile is 8 KiB and a checkpoint a few hundred bytes


class SourceError(MalformedError):
    """The source cannot be read (missing directory, HTTP error, missing file)."""

    code = "source-unavailable"


class LogSource(Protocol):
    description: str

    def read(self, path: str) -> bytes | None:
        """The bytes of ``path`` under the log root, ``None`` if it does not exist."""
        ...

    def checkpoint_time(self) -> float | None:
        """POSIX time the checkpoint was published (mtime / Last-Modified), if known."""
        ...


@dataclass
class DirectorySource:
    root: Path
    description: str = ""

    def read(self, path: str) -> bytes | None:
        file = self.root / path
        return file.read_bytes() if file.is_file() else None

    def checkpoint_time(self) -> float | None:
        return (self.root / tiles.CHECKPOINT_PATH).stat().st_mtime


@dataclass
class HttpSource:
    base: str  # ends with "/"
    description: str = ""
    _last_modified: float | None = None
    _cache: dict[str, bytes | None] = field(default_factory=dict)

    def _get(self, path: str) -> tuple[bytes, float | None] | None:
        url = self.base + path
        try:
            with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as resp:
                data = resp.read(MAX_FILE_BYTES + 1)
                modified = resp.headers.get("Last-Modified")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise SourceError(f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise SourceError(f"{url}: {getattr(exc, 'reason', exc)}") from None
        if len(data) > MAX_FILE_BYTES:
            raise SourceError(f"{url}: larger than {MAX_FILE_BYTES} bytes")
        when = None
        if modified:
            try:
                when = parsedate_to_datetime(modified).timestamp()
            except (TypeError, ValueError):
                when = None
        return data, when

    def read(self, path: str) -> bytes | None:
        if path not in self._cache:
            got = self._get(path)
            if got is not None and path == tiles.CHECKPOINT_PATH:
                self._last_modified = got[1]
            self._cache[path] = None if got is None else got[0]
        return self._cache[path]

    def checkpoint_time(self) -> float | None:
        self.read(tiles.CHECKPOINT_PATH)
        return self._last_modified


def open_source(spec: str) -> LogSource:
    """A log directory, a site directory (log under ``log/``), or an http(s) URL of either."""
    if spec.startswith(("http://", "https://")):
        base = spec if spec.endswith("/") else spec + "/"
        for candidate in (base, base + "log/"):
            src = HttpSource(candidate, description=candidate)
            if src.read(tiles.CHECKPOINT_PATH) is not None:
                return src
        raise SourceError(f"{spec}: no checkpoint at {base}checkpoint nor {base}log/checkpoint")
    path = Path(spec)
    for candidate in (path, path / "log"):
        if (candidate / tiles.CHECKPOINT_PATH).is_file():
            return DirectorySource(candidate, description=str(candidate))
    raise SourceError(f"{spec}: no checkpoint file in it nor in its log/ directory")


def read_required(source: LogSource, path: str) -> bytes:
    data = source.read(path)
    if data is None:
        raise SourceError(
            f"{source.description}{'' if source.description.endswith('/') else '/'}{path} missing"
        )
    return data
