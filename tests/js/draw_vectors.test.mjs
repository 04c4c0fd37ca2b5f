// Every tests/vectors/draw/*.json file (the same ones tests/draw/test_draw_vectors.py reads)
// recomputed by the JavaScript draw/v1 implementation, byte for byte (RFC 8785).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex, toHex } from "../../public_site/static/verify/bytes.mjs";
import { canonicalText } from "../../public_site/static/verify/jcs.mjs";
import * as engine from "../../public_site/static/verify/draw/engine.mjs";
import { freezeAvoidance, freezeExperts, freezeInspectors, freezeTargets } from "../../public_site/static/verify/draw/pool.mjs";
import { deriveSeed } from "../../public_site/static/verify/draw/seed.mjs";
import { DrawStream, deriveStreamSeed } from "../../public_site/static/verify/draw/stream.mjs";
import { allocate } from "../../public_site/static/verify/draw/targets.mjs";
import { avoidanceTag } from "../../public_site/static/verify/draw/teams.mjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jsonFiles, VECTORS } from "./support.mjs";

// Stream vectors hold integers above 2^53, which JSON.parse rounds: read them from the text.
function streamResults(name) {
  const text = readFileSync(join(VECTORS, "draw", name), "utf8");
  const body = text.slice(text.indexOf("[", text.indexOf('"results"')));
  const out = [];
  let depth = 0, token = "", list = null;
  for (const ch of body) {
    if (ch === "[") { depth++; if (depth === 2) list = []; continue; }
    if (ch === "]" || ch === ",") {
      if (token.trim()) {
        const t = token.trim();
        const v = t.startsWith('"') ? JSON.parse(t) : t;
        if (list) list.push(v); else out.push(v);
      }
      token = "";
      if (ch === "]") { depth--; if (depth === 1 && list) { out.push(list); list = null; } if (depth === 0) break; }
      continue;
    }
    token += ch;
  }
  return out;
}

function run(kind, inp) {
  switch (kind) {
    case "stream": {
      const s = new DrawStream(fromHex(inp.seed), inp.position);
      const results = [], positions = [];
      for (const op of inp.ops) {
        const n = typeof op.n === "string" ? BigInt(op.n) : op.n;
        if (op.op === "read") results.push(toHex(s.read(Number(n))));
        else if (op.op === "uniform") results.push(String(s.uniform(n)));
        else results.push(s.sample(Number(n), op.k));
        positions.push(s.position);
      }
      return { results, positions };
    }
    case "substream": return { seed: toHex(deriveStreamSeed(fromHex(inp.seed), inp.label)) };
    case "seed": return { seed: toHex(deriveSeed({ ...inp, beacon: inp.beacon })) };
    case "pool": {
      const f = { targets: freezeTargets, inspectors: freezeInspectors, experts: freezeExperts }[inp.kind];
      const pool = f(inp.records);
      return { order: pool.ids, records: pool.texts, root: pool.root, size: pool.size };
    }
    case "avoidance": {
      const salt = fromHex(inp.salt);
      const tags = inp.pairs.map(([p, t]) => avoidanceTag(salt, p, t));
      const pool = freezeAvoidance(tags);
      return { tags, order: pool.ids, records: pool.texts, root: pool.root, size: pool.size };
    }
    case "allocation": {
      const a = allocate(inp.sizes, inp.total, inp.minimums, DrawStream.derived(fromHex(inp.seed), ["allocation"]));
      return { counts: Object.fromEntries(a.counts), tie_winners: a.tieWinners, position: a.position };
    }
    case "inspection": return engine.replayInspection(engine.inspectionRequest(inp), inp.events);
    case "experts": return engine.replayExperts(engine.expertRequest(inp), inp.events);
    case "verify": {
      const got = engine.replayInspection(engine.inspectionRequest(inp.request), inp.request.events);
      engine.verifyResult(inp.logged, got);
      return {};
    }
    default: throw new Error("unknown vector kind " + kind);
  }
}

const files = jsonFiles("draw");

test("there are draw vectors of every kind", () => {
  const kinds = new Set(files.map(([, v]) => v.kind));
  assert.deepEqual([...kinds].sort(), ["allocation", "avoidance", "experts", "inspection", "pool", "seed", "stream", "substream", "verify"]);
});

for (const [name, v] of files) {
  test(`draw vector ${name}`, () => {
    if (v.expected_error) {
      assert.throws(() => run(v.kind, v.input), (e) => {
        assert.equal(e.code, v.expected_error.code, e.stack);
        assert.equal(e.rule, v.expected_error.rule);
        if (v.expected_error.subject !== null) assert.equal(e.subject, v.expected_error.subject);
        return true;
      });
      return;
    }
    const got = run(v.kind, v.input);
    const want = v.expected;
    if (v.kind === "stream") {
      const raw = streamResults(name);
      v.input.ops.forEach((op, i) => {
        if (op.op === "uniform") assert.equal(got.results[i], raw[i], `${name}: uniform op ${i}`);
        else if (op.op === "sample") assert.deepEqual(got.results[i], raw[i].map(Number), `${name}: sample op ${i}`);
        else assert.equal(got.results[i], raw[i], `${name}: read op ${i}`);
      });
      assert.deepEqual(got.positions, want.positions);
      return;
    }
    for (const [k, value] of Object.entries(got)) {
      if (k in want || !["records"].includes(k)) assert.equal(canonicalText({ v: value }, (_, x) => x), canonicalText({ v: want[k] }), `${name}: ${k}`);
    }
    if (v.kind === "inspection" || v.kind === "experts") {
      assert.equal(canonicalText(got), canonicalText(want), "JCS bytes of the whole result");
    }
    if (want.pages) assert.equal(want.root, got.root);
    if (v.must_differ_from) assert.notEqual(got.root, v.must_differ_from);
  });
}

test("uniform(n): the safe-integer path equals the BigInt path of DRAW-12", () => {
  const seed = fromHex("5a".repeat(32));
  const ns = [2, 3, 7, 10, 255, 256, 1000, 65537, 2 ** 20 + 7, 2 ** 26 - 1, 2 ** 26];
  for (const n of ns) {
    const a = new DrawStream(seed, 3), b = new DrawStream(seed, 3);
    for (let k = 0; k < 200; k++) {
      assert.equal(a.uniform(n), Number(b.uniform(BigInt(n))), `n=${n} k=${k}`);
      assert.equal(a.position, b.position);
    }
  }
});
