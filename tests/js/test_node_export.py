"""A real log built by the Python service (the demo: imports, tasks, draws with teams, sub-draws,
experts and follow-ups), exported as C2SP tlog-tiles, and every draw recomputed byte for byte by
the in-browser verifier under node (tests/js/verify_export.mjs reads the directory with fs).

Then tampering: a tile hash, a seed byte of an entry, the checkpoint signature, and — through a
log re-signed with the log's own key, as a dishonest operator could — a logged seed and a logged
team member; each must fail and name its step (docs/specs/js-verifier.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from drawsvc.demo import DEMO_ORIGIN
from ledger.entries import canonicalize
from ledger.export import export_tiles
from ledger.log import Log
from ledger.store import create_tables
from ledger.tiles import decode_bundle, encode_bundle

SCRIPT = Path(__file__).with_name("verify_export.mjs")
ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _node(site: Path, key: str) -> dict[str, Any]:
    run = subprocess.run(
        ["node", str(SCRIPT), str(site), key],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _key(rt: Any) -> str:
    return rt.log.signer.verifier_key()


def test_every_demo_draw_recomputes_in_javascript(demo: Any) -> None:
    rt, report, entries = demo
    out = _node(report.site_dir, _key(rt))
    draws = [json.loads(e) for e in entries]
    draw_kinds = ("draw.result", "draw.sealed")
    want = [(i, e["body"]["task"]) for i, e in enumerate(draws) if e["kind"] in draw_kinds]
    assert [(d["index"], d["task"]) for d in out["draws"]] == want
    assert len(want) >= 6 and out["ok"], out
    python_verified = {index for _task, index, _drawn in report.verified}
    assert python_verified <= {i for i, _t in want}
    for d in out["draws"]:
        assert "result.recompute" in d["steps"] and "followups.replay" in d["steps"]
        assert ("subdraw.share" in d["steps"]) == ("/" in d["task"])  # V-6 for every sub-draw
    # the demo has teams with avoidance, and expert draws: both paths ran
    assert any("avoidance.salt" in d["steps"] for d in out["draws"])
    kinds = {e["kind"] for e in draws}
    assert "draw.expert.topup" in kinds or "draw.replace" in kinds or "draw.designate" in kinds


def _copy(report: Any, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(report.site_dir, site)
    return site


def _failed(rt: Any, site: Path) -> set[str | None]:
    out = _node(site, _key(rt))
    assert not out["ok"]
    return {d["failed"] for d in out["draws"]}


def test_a_tampered_tile_hash_names_the_log_step(demo: Any, tmp_path: Path) -> None:
    rt, report, _entries = demo
    site = _copy(report, tmp_path)
    tile = next(p for p in sorted((site / "log" / "tile" / "0").rglob("*")) if p.is_file())
    data = bytearray(tile.read_bytes())
    data[40] ^= 1  # leaf 1's hash
    tile.write_bytes(bytes(data))
    assert _failed(rt, site) <= {"log.tiles", "log.inclusion"}


def test_a_tampered_seed_byte_names_the_inclusion_step(demo: Any, tmp_path: Path) -> None:
    rt, report, _entries = demo
    site = _copy(report, tmp_path)
    for path in sorted((site / "log" / "tile" / "entries").rglob("*")):
        if not path.is_file():
            continue
        bundle = decode_bundle(path.read_bytes())
        for k, raw in enumerate(bundle):
            if b'"draw.result"' in raw:
                seed = json.loads(raw)["body"]["seed"].encode()
                at = raw.index(seed)
                bundle[k] = raw[:at] + (b"1" if raw[at : at + 1] == b"0" else b"0") + raw[at + 1 :]
                path.write_bytes(encode_bundle(bundle))
                failed = _failed(rt, site)
                assert "log.inclusion" in failed
                return
    raise AssertionError("no draw.result entry")


def test_a_tampered_checkpoint_signature_names_the_signature_step(demo: Any, tmp_path: Path) -> None:
    rt, report, _entries = demo
    site = _copy(report, tmp_path)
    cp = site / "log" / "checkpoint"
    text = cp.read_text()
    body, sig = text.rsplit(" ", 1)
    cp.write_text(body + " " + sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:])
    assert _failed(rt, site) == {"checkpoint.signature"}


def _resigned(rt: Any, entries: list[bytes], index: int, change: Any, out: Path) -> None:
    """A log of the same entries with entry ``index`` changed, signed with the log's own key."""
    entry = json.loads(entries[index])
    change(entry)
    changed = [*entries[:index], canonicalize(entry), *entries[index + 1 :]]
    out.mkdir(parents=True)
    engine = sa.create_engine(f"sqlite:///{out.parent.parent / 'resigned.db'}")
    create_tables(engine)
    log = Log(origin=DEMO_ORIGIN, signer=rt.log.signer)
    with engine.begin() as conn:
        log.append_encoded(conn, changed)
    with engine.connect() as conn:
        export_tiles(conn, out, fsync=False)
    engine.dispose()


def _first_draw(entries: list[bytes], want: str) -> int:
    return next(
        i
        for i, raw in enumerate(entries)
        if json.loads(raw)["kind"] == "draw.result"
        and want in json.loads(raw)["body"]["result"]
        and json.loads(raw)["body"]["result"][want] is not None
    )


def test_a_logged_seed_that_was_not_derived_names_the_seed_step(demo: Any, tmp_path: Path) -> None:
    rt, _report, entries = demo
    i = _first_draw(entries, "inspection")

    def change(e: dict[str, Any]) -> None:
        s = e["body"]["seed"]
        e["body"]["seed"] = ("1" if s[0] == "0" else "0") + s[1:]

    _resigned(rt, entries, i, change, tmp_path / "site" / "log")
    out = _node(tmp_path / "site", _key(rt))
    by_index = {d["index"]: d for d in out["draws"]}
    assert by_index[i]["failed"] == "seed.derive", by_index[i]
    task = by_index[i]["task"]
    for j, d in by_index.items():  # the sub-draws of that task recompute their parent (V-6)
        if j != i:
            assert d["ok"] or (d["task"].startswith(task + "/") and d["failed"] == "subdraw.share"), d


def test_a_logged_team_member_that_was_not_drawn_names_the_result_step(demo: Any, tmp_path: Path) -> None:
    rt, _report, entries = demo
    i = next(
        i
        for i, raw in enumerate(entries)
        if json.loads(raw)["kind"] == "draw.result"
        and (json.loads(raw)["body"]["result"] or {}).get("inspection")
        and json.loads(raw)["body"]["result"]["inspection"]["teams"]
    )

    def change(e: dict[str, Any]) -> None:
        teams = e["body"]["result"]["inspection"]["teams"]["assignments"]
        teams[0]["members"][1]["id"], teams[1]["members"][1]["id"] = (
            teams[1]["members"][1]["id"],
            teams[0]["members"][1]["id"],
        )

    _resigned(rt, entries, i, change, tmp_path / "site" / "log")
    out = _node(tmp_path / "site", _key(rt))
    d = {d["index"]: d for d in out["draws"]}[i]
    assert d["failed"] == "result.recompute", d
    assert any("assignments[0].members[1].id" in r for r in d["reasons"]), d


def test_a_sub_draw_committed_before_its_parent_was_locked_names_the_share_step(
    demo: Any, tmp_path: Path
) -> None:
    rt, _report, entries = demo
    i = next(i for i, raw in enumerate(entries) if json.loads(raw)["kind"] == "task.lock")

    def change(e: dict[str, Any]) -> None:
        e["body"]["draw"] = e["body"]["draw"] + 100_000  # the lock now names no draw

    _resigned(rt, entries, i, change, tmp_path / "site" / "log")
    out = _node(tmp_path / "site", _key(rt))
    subs = [d for d in out["draws"] if "/" in d["task"]]
    assert subs and all(d["failed"] == "subdraw.share" for d in subs), subs
    assert all(d["ok"] for d in out["draws"] if "/" not in d["task"])
