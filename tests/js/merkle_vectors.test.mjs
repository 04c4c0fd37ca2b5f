// tests/vectors/merkle (transparency-dev and drawsvc files, as tests/ledger/test_merkle_vectors.py
// reads them) and tests/vectors/entries (RFC 8785, leaf hashes) through the verifier modules.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fromBase64Strict, toHex, utf8 } from "../../public_site/static/verify/bytes.mjs";
import { canonicalText } from "../../public_site/static/verify/jcs.mjs";
import * as m from "../../public_site/static/verify/rfc9162.mjs";
import { jsonFiles, loadJson, VECTORS } from "./support.mjs";

const b64 = (s) => (s === null || s === undefined ? null : Buffer.from(s, "base64"));
const u8 = (b) => (b === null ? null : new Uint8Array(b));
const proofOf = (p) => (p ?? []).map((h) => u8(b64(h)));

function check(kind, v) {
  if (kind === "inclusion") m.verifyInclusion(v.leafIdx, v.treeSize, u8(b64(v.leafHash)), proofOf(v.proof), u8(b64(v.root)));
  else m.verifyConsistency(v.size1, v.size2, proofOf(v.proof), u8(b64(v.root1)), u8(b64(v.root2)));
}

for (const source of ["transparency-dev", "drawsvc"]) {
  for (const kind of ["inclusion", "consistency"]) {
    test(`${source} ${kind} proofs`, () => {
      let n = 0;
      for (const [name, v] of jsonFiles(`merkle/${source}/${kind}`)) {
        // 15-byte "roots" (transparency-dev additional/): we require 32-byte hashes everywhere
        const want = name.endsWith("sizes-are-equal-one-and-proof-is-empty.json") ? true : v.wantErr;
        if (want) assert.throws(() => check(kind, v), (e) => e.code !== undefined, name);
        else check(kind, v);
        n++;
      }
      assert.ok(n > 10);
    });
  }
}

test("roots.json: MTH over the drawsvc vector tree", () => {
  const roots = loadJson("merkle", "drawsvc", "roots.json");
  const list = Array.isArray(roots) ? roots : roots.roots ?? Object.entries(roots).map(([size, root]) => ({ size: Number(size), root }));
  assert.ok(list.length > 30);
  for (const r of list) {
    const leaves = Array.from({ length: r.size ?? r.treeSize }, (_, i) => m.leafHash(utf8(`drawsvc-vector-${i}`)));
    assert.equal(Buffer.from(m.mthFromLeafHashes(leaves)).toString("base64"), r.root ?? r.hash, `size ${r.size}`);
  }
});

test("proofs from tiles equal the RFC proofs, and tile paths are tlog-tiles'", async () => {
  assert.equal(m.encodeIndex(1234067), "x001/x234/067");
  assert.equal(m.tilePath(1, 5, 12), "tile/1/005.p/12");
  assert.equal(m.entriesPath(1000), "tile/entries/x001/000");
  for (const size of [1, 2, 3, 255, 256, 257, 511, 513, 1100, 65536 + 300]) {
    const leaves = Array.from({ length: size }, (_, i) => m.leafHash(utf8(`e${i}`)));
    // tiles of height 8 from the leaves: level 0 = leaf hashes, level L+1 = MTH of full tiles
    const levels = [leaves];
    while (levels[levels.length - 1].length >= 256) {
      const up = [], prev = levels[levels.length - 1];
      for (let k = 0; k + 256 <= prev.length; k += 256) up.push(m.mthFromLeafHashes(prev.slice(k, k + 256)));
      levels.push(up);
    }
    const reader = new m.TileHashReader(size, async (L, N, w) => {
      assert.equal(w, m.tileWidth(size, L, N));
      return new Uint8Array(Buffer.concat(levels[L].slice(N * 256, N * 256 + w)));
    });
    const root = await reader.root();
    assert.equal(toHex(root), toHex(m.mthFromLeafHashes(leaves)), `root ${size}`);
    for (const i of [0, size - 1, Math.floor(size / 2)]) {
      const proof = await reader.inclusionProof(i);
      m.verifyInclusion(i, size, leaves[i], proof, root);
      assert.throws(() => m.verifyInclusion(i, size, m.leafHash(utf8("x")), proof, root), { code: "root-mismatch" });
    }
    if (size > 3) {
      const s1 = Math.floor(size / 3);
      const proof = await reader.consistencyProof(s1);
      m.verifyConsistency(s1, size, proof, m.mthFromLeafHashes(leaves.slice(0, s1)), root);
    }
  }
});

test("index < size and safe sizes are enforced (BigInt checks)", () => {
  const h = new Uint8Array(32);
  assert.throws(() => m.verifyInclusion(5, 5, h, [], h), { code: "proof-range" });
  assert.throws(() => m.verifyInclusion(-1, 5, h, [], h), { code: "proof-range" });
  assert.throws(() => m.verifyInclusion(0, 2n ** 63n, h, [], h), { code: "proof-range" });
  assert.throws(() => m.verifyConsistency(0, 5, [], h, h), { code: "proof-range" });
  assert.throws(() => m.verifyConsistency(6, 5, [], h, h), { code: "proof-range" });
});

test("entry bundles decode strictly", () => {
  const bundle = new Uint8Array([0, 2, 65, 66, 0, 0, 0, 1, 67]);
  assert.deepEqual(m.decodeBundle(bundle, 3).map((e) => [...e]), [[65, 66], [], [67]]);
  assert.throws(() => m.decodeBundle(bundle, 2), { code: "malformed" });
  assert.throws(() => m.decodeBundle(bundle.subarray(0, 8)), { code: "malformed" });
});

test("RFC 8785 entry vectors and leaf hashes", () => {
  const cases = loadJson("entries", "cases.json");
  for (const c of cases.canonical) {
    const out = canonicalText(JSON.parse(c.input));
    assert.equal(out, c.canonical, c.name);
    assert.equal(toHex(m.leafHash(utf8(out))), c.leaf_hash, c.name);
  }
  for (const c of cases.distinct) {
    assert.notEqual(toHex(m.leafHash(utf8(canonicalText(JSON.parse(c.a))))), toHex(m.leafHash(utf8(canonicalText(JSON.parse(c.b))))));
  }
  for (const name of ["french", "structures", "unicode", "values", "weird"]) {
    const input = readFileSync(join(VECTORS, "entries", "jcs", name + ".input.json"), "utf8");
    const output = readFileSync(join(VECTORS, "entries", "jcs", name + ".output.json"), "utf8");
    assert.equal(canonicalText(JSON.parse(input)), output, name);
  }
  assert.equal(fromBase64Strict("AB=="), null); // non-canonical padding bits (AA== is canonical)
});
