"""Crash harness: a real ``drawsvc serve`` under a stream of client operations, SIGKILLed at
random moments, restarted, and the whole log checked while it is down (docs/reliability.md).

Every client operation is a sequence of POSTs, each with its own ``Idempotency-Key``, retried
with the same key until it is answered (the server may be dead, restarting, or answer a
replay): so a request the server committed but whose answer was lost is never done twice, and
every 2xx a client saw must be in the log exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from drawsvc.draw.seed import commitment
from ledger import store, tree
from ledger.checkpoint import Checkpoint, verify_checkpoint
from ledger.hashing import leaf_hash
from ledger.note import Verifier

ORIGIN = "faults.drawsvc.example/log"
SECRET = "22" * 32
LONG = bool(os.environ.get("DRAWSVC_FAULTS_LONG"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """``drawsvc serve`` in its own process group (uvicorn's workers die with it)."""

    data_dir: Path
    database_url: str
    workers: int = 1
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DRAWSVC_DATA_DIR": str(self.data_dir),
                "DRAWSVC_DATABASE_URL": self.database_url,
                "DRAWSVC_LOG_ORIGIN": ORIGIN}

    def start(self, timeout: float = 60.0) -> None:
        cmd = [sys.executable, "-m", "drawsvc.cli.app", "serve", "--port", str(self.port),
               "--workers", str(self.workers), "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise AssertionError(f"server exited at start: {err[-2000:]}")
            try:
                if httpx.get(f"{self.base}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("server did not start in time")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler runs, as in a power cut."""
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self.proc = None


class Unanswered(Exception):
    """The server did not answer (dead or restarting): retry with the same key."""


@dataclass
class Client:
    """One bureau client. ``acked`` records every operation the client saw succeed."""

    base: Callable[[], str]
    headers: dict[str, str]
    name: str
    stop: threading.Event
    acked: list[tuple[str, str]] = field(default_factory=list)  # (kind, id)
    replays: int = 0
    retries: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        key = f"{self.name}-{uuid.uuid4().hex}"
        while not self.stop.is_set():
            try:
                r = httpx.post(self.base() + path, json=body, timeout=30,
                               headers={**self.headers, "Idempotency-Key": key})
            except httpx.HTTPError:
                self.retries += 1
                time.sleep(0.05)
                continue
            if r.status_code >= 500 or r.status_code == 503:
                self.retries += 1  # a worker died mid-request: same key again
                time.sleep(0.05)
                continue
            assert r.status_code < 300, (path, r.status_code, r.text)
            if r.headers.get("idempotent-replayed") == "true":
                self.replays += 1
            return r.json()
        raise Unanswered(path)

    def add_target(self, uscc: str) -> None:
        self.post("/v1/targets", {"uscc": uscc, "name": f"企业{uscc[-6:]}", "region_code": "330102"})
        self.acked.append(("target", uscc))

    def task_cycle(self) -> None:
        task = self.post("/v1/tasks", {"title": f"抽查 {self.name}", "year": 2026,
                                       "params": {"targets": {"count": 2}, "teams": {"size": 2}}})["code"]
        self.acked.append(("task", task))
        self.post(f"/v1/tasks/{task}/pools/targets/build", {"filters": {}})
        self.post(f"/v1/tasks/{task}/pools/inspectors/build", {"filters": {"departments": ["dept-a"]}})
        self.post(f"/v1/tasks/{task}/commit",
                  {"commitments": [{"party": "operator", "commitment": commitment(bytes.fromhex(SECRET))}]})
        self.acked.append(("commit", task))
        self.post(f"/v1/tasks/{task}/draw", {"reveals": [{"party": "operator", "secret": SECRET}]})
        self.acked.append(("draw", task))

    def run(self, make_uscc: Callable[[], str]) -> None:
        try:
            while not self.stop.is_set():
                if self.rng.random() < 0.5:
                    self.add_target(make_uscc())
                else:
                    self.task_cycle()
        except Unanswered:
            return


# --- whole-log checks, run while the server is down -------------------------------------------

@dataclass
class LogState:
    size: int
    root: bytes
    checkpoint: Checkpoint | None
    entries: list[dict[str, Any]]


def check_log(engine: sa.Engine, verifier: Verifier, seen: list[Checkpoint]) -> LogState:
    """The tree recomputed from the entries matches the stored and the signed root; every
    checkpoint seen earlier is a prefix of it (the log never forked or lost what it signed)."""
    with engine.connect() as conn, conn.begin():
        state = store.read_state(conn)
        raw = store.read_entries(conn, 0, state.size)
    assert len(raw) == state.size
    roots: dict[int, bytes] = {}
    n, edge = 0, dict[int, bytes]()
    wanted = sorted({c.size for c in seen if c.size <= state.size} | {state.size})
    for stop in wanted:
        step = tree.integrate(n, edge, [leaf_hash(e) for e in raw[n:stop]])
        n, edge = step.size, step.edge
        roots[stop] = tree.root_from_edge(n, edge)
    assert roots[state.size] == state.root, "stored root is not the root of the stored entries"
    signed = None
    if state.checkpoint is not None:
        signed = verify_checkpoint(state.checkpoint, verifier, origin=ORIGIN)
        assert signed.size <= state.size
        if signed.size not in roots:
            roots[signed.size] = tree.root_from_edge(
                signed.size, tree.integrate(0, {}, [leaf_hash(e) for e in raw[: signed.size]]).edge)
        assert roots[signed.size] == signed.root, "signed checkpoint does not match the entries"
    for c in seen:
        assert c.size <= state.size, f"a checkpoint of size {c.size} was published, the log has {state.size}"
        assert roots[c.size] == c.root, f"checkpoint of size {c.size} is not a prefix of the log: fork"
    return LogState(state.size, state.root, signed, [json.loads(e) for e in raw])


def acked_exactly_once(entries: list[dict[str, Any]], acked: list[tuple[str, str]]) -> None:
    """Each acknowledged operation left exactly one entry of its kind."""
    def count(kind: str, pred: Callable[[dict[str, Any]], bool]) -> int:
        return sum(1 for e in entries if e.get("kind") == kind and pred(e.get("body", {})))

    for what, ident in acked:
        if what == "target":
            n = count("registry.target.upsert", lambda b, u=ident: b.get("uscc") == u)
        elif what == "task":
            n = count("task.create", lambda b, t=ident: b.get("task") == t)
        elif what == "commit":
            n = count("draw.commit", lambda b, t=ident: b.get("task") == t)
        else:
            n = count("draw.result", lambda b, t=ident: b.get("task") == t)
        assert n == 1, f"acknowledged {what} {ident} is in the log {n} times"
