"""Every file in tests/vectors/draw/ is re-checked here: Python engine and slow reference.

The same files are read by the public site's JavaScript verifier (docs/draw-spec.md §12).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from draw_reference import RefStream, ref_mth, ref_substream_seed, ref_tag

from drawsvc.draw import engine
from drawsvc.draw.experts import Decline
from drawsvc.draw.pool import (
    ExpertRecord,
    InspectorRecord,
    TargetRecord,
    freeze_avoidance,
    freeze_experts,
    freeze_inspectors,
    freeze_targets,
)
from drawsvc.draw.seed import Beacon, PoolRoot, derive_seed
from drawsvc.draw.stratify import allocate
from drawsvc.draw.stream import DrawStream, derive_stream_seed
from drawsvc.draw.teams import Replacement, avoidance_tag
from drawsvc.errors import DrawsvcError

VECTORS = Path(__file__).parents[1] / "vectors" / "draw"
FILES = sorted(VECTORS.glob("*.json"))


def _run(kind: str, inp: dict[str, Any]) -> Any:
    if kind == "stream":
        s, ref = DrawStream(bytes.fromhex(inp["seed"]), inp["position"]), RefStream(
            bytes.fromhex(inp["seed"]), inp["position"])
        results, positions = [], []
        for op in inp["ops"]:
            n = int(op["n"])
            if op["op"] == "read":
                got, want = s.read(n).hex(), ref.read(n).hex()
            elif op["op"] == "uniform":
                got, want = s.uniform(n), ref.uniform(n)
            else:
                got, want = s.sample(n, op["k"]), ref.sample(n, op["k"])
            assert got == want, "fast stream differs from the reference"
            results.append(got)
            positions.append(s.position)
        return {"results": results, "positions": positions}
    if kind == "substream":
        seed = derive_stream_seed(bytes.fromhex(inp["seed"]), inp["label"])
        assert seed == ref_substream_seed(bytes.fromhex(inp["seed"]), inp["label"])
        return {"seed": seed.hex()}
    if kind == "seed":
        b = inp["beacon"]
        seed = derive_seed(task_id=inp["task"], round=inp["round"], purpose=inp["purpose"],
                           pools={k: PoolRoot(**v) for k, v in inp["pools"].items()},
                           commitments=inp["commitments"], secrets=[bytes.fromhex(x) for x in inp["secrets"]],
                           beacon=Beacon(**b) if b else None)
        return {"seed": seed.hex()}
    if kind == "pool":
        recs = inp["records"]
        if inp["kind"] == "targets":
            pool = freeze_targets(TargetRecord(**r) for r in recs)
        elif inp["kind"] == "inspectors":
            pool = freeze_inspectors(InspectorRecord(**{**r, "specialties": tuple(r["specialties"])})
                                     for r in recs)
        else:
            pool = freeze_experts(ExpertRecord(**r) for r in recs)
        return {"order": pool.ids, "root": pool.root.hex(), "size": pool.size}
    if kind == "avoidance":
        salt = bytes.fromhex(inp["salt"])
        tags = [avoidance_tag(salt, p, t) for p, t in inp["pairs"]]
        assert tags == [ref_tag(salt, p, t) for p, t in inp["pairs"]]
        pool = freeze_avoidance(tags)
        return {"tags": tags, "order": pool.ids, "root": pool.root.hex(), "size": pool.size}
    if kind == "allocation":
        a = allocate(inp["sizes"], inp["total"], inp["minimums"],
                     DrawStream.derived(bytes.fromhex(inp["seed"]), ["allocation"]))
        return {"counts": a.counts, "tie_winners": a.tie_winners, "position": a.position}
    if kind == "inspection":
        req = engine.InspectionRequest.from_json(inp)
        return engine.replay_inspection(req, [Replacement.from_json(e) for e in inp["events"]])
    if kind == "verify":
        req = engine.InspectionRequest.from_json(inp["request"])
        events = [Replacement.from_json(e) for e in inp["request"]["events"]]
        engine.verify_result(inp["logged"], engine.replay_inspection(req, events))
        return {}
    if kind == "experts":
        req = engine.ExpertRequest.from_json(inp)
        return engine.replay_experts(req, [Decline.from_json(e) for e in inp["events"]])
    raise AssertionError(f"unknown vector kind {kind}")


def test_there_are_vectors_of_every_kind_and_mutations():
    kinds = {json.loads(f.read_text(encoding="utf-8"))["kind"] for f in FILES}
    assert kinds == {"stream", "substream", "seed", "pool", "avoidance", "allocation", "inspection",
                     "experts", "verify"}
    assert sum(1 for f in FILES if "expected_error" in f.read_text(encoding="utf-8")) >= 10


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_vector(path: Path):
    v = json.loads(path.read_text(encoding="utf-8"))
    assert v["spec"] == "draw/v1" and v["source"] and v["description"] and v["rules"]
    if "expected_error" in v:
        with pytest.raises(DrawsvcError) as e:
            _run(v["kind"], v["input"])
        assert e.value.code == v["expected_error"]["code"]
        assert e.value.detail.get("rule") == v["expected_error"]["rule"]
        assert e.value.detail.get("subject") == v["expected_error"]["subject"]
        return
    got = _run(v["kind"], v["input"])
    want = v["expected"]
    for key, value in got.items():
        assert value == want[key], f"{path.name}: {key}"
    if v["kind"] in ("inspection", "experts"):
        engine.verify_result(want, got)
    if "pages" in want:  # DRAW-19 from the vector's own text: records -> pages -> root
        records, pages = want["records"], want["pages"]
        assert pages == ["[" + ",".join(records[a : a + 256]) + "]" for a in range(0, len(records), 256)]
        assert ref_mth([page.encode() for page in pages]).hex() == want["root"]
    if "must_differ_from" in v:
        assert want["root"] != v["must_differ_from"]


def test_vector_files_are_what_the_generator_produces():
    spec = importlib.util.spec_from_file_location("draw_vectors_generate", VECTORS / "generate.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    built = gen.build()
    assert sorted(built) == sorted(f.stem for f in FILES)
    for name, obj in built.items():
        assert (VECTORS / f"{name}.json").read_text(encoding="utf-8") == gen.render(obj), name
