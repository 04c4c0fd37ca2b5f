"""Shared helpers for the Merkle-side ledger tests (not a test module)."""

from __future__ import annotations

import random
from pathlib import Path

import sqlalchemy as sa

from ledger import store
from ledger.database import create_engine
from ledger.log import Log
from ledger.note import Signer

ORIGIN = "test.drawsvc.example/log"
SEED = bytes(range(32))


def signer() -> Signer:
    return Signer.from_seed(ORIGIN, SEED)


def sqlite_engine(path: Path) -> sa.Engine:
    engine = create_engine(f"sqlite:///{path}")
    store.create_tables(engine)
    return engine


def make_log() -> Log:
    return Log(origin=ORIGIN, signer=signer())


def random_entries(n: int, seed: int = 1, size: int = 40) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(rng.randrange(1, size)) for _ in range(n)]


def flip(data: bytes, byte: int, bit: int = 0) -> bytes:
    return data[:byte] + bytes([data[byte] ^ (1 << bit)]) + data[byte + 1 :]
