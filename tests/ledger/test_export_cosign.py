"""ledger.export with ``cosign`` (docs/specs/ledger.md EX-4): the published checkpoint carries the
cosignature lines, is rewritten at an unchanged size when they change, and still verifies with
the log key alone (verify_directory)."""

from __future__ import annotations

import sys
from pathlib import Path

from ledger import cosignature, export, tiles
from ledger.note import open_note

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support


def test_export_publishes_cosignatures_even_at_an_unchanged_size(tmp_path: Path) -> None:
    engine = support.sqlite_engine(tmp_path / "log.db")
    log = support.make_log()
    with engine.begin() as conn:
        log.append_encoded(conn, support.random_entries(300))
    out = tmp_path / "out"
    seed, public = cosignature.generate_witness_key()
    key = cosignature.WitnessKey("w.example", public)
    lines: dict[int, list[str]] = {}
    seen: list[int] = []

    def cosign(size: int, note: bytes) -> bytes:
        seen.append(size)
        return cosignature.add_cosignatures(note, lines.get(size, []))

    with engine.connect() as conn:
        first = export.export_tiles(conn, out, fsync=False, cosign=cosign)
    plain = (out / tiles.CHECKPOINT_PATH).read_bytes()
    assert first.size == 300 and seen == [300]
    body = open_note(plain, [log.signer.verifier()]).text
    lines[300] = [cosignature.cosign(body, key.name, seed, 1_700_000_000)]
    with engine.connect() as conn:
        again = export.export_tiles(conn, out, fsync=False, cosign=cosign)
    assert again.written == []  # no tile rewritten, only the checkpoint
    published = (out / tiles.CHECKPOINT_PATH).read_bytes()
    assert published == plain + lines[300][0].encode()
    assert export.verify_directory(out, log.signer.verifier(), origin=support.ORIGIN) == 300
    assert [c.timestamp for c in cosignature.cosignatures_in_note(published, [key])[1]] == [1_700_000_000]
    # grown: the next size has no cosignature yet, so none is published
    with engine.begin() as conn:
        log.append_encoded(conn, support.random_entries(5, seed=2))
    with engine.connect() as conn:
        export.export_tiles(conn, out, fsync=False, cosign=cosign)
    grown = (out / tiles.CHECKPOINT_PATH).read_bytes()
    assert open_note(grown, [log.signer.verifier()]).unverified_sigs == ()
