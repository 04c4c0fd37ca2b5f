// drand beacons with the vendored @noble/curves (bls12-381), on the same vectors as
// tests/audit/test_beacon.py (drand-verify): tests/vectors/beacon/cases.json — genuine quicknet
// rounds (sources in tests/vectors/beacon/genuine.json) and named mutations, each with its rule.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { verifyBeacon, verifyLoggedBeacon, QUICKNET } from "../../public_site/static/verify/beacon.mjs";

const dir = new URL("../vectors/beacon/", import.meta.url);
const { cases } = JSON.parse(readFileSync(new URL("cases.json", dir), "utf-8"));
const genuine = JSON.parse(readFileSync(new URL("genuine.json", dir), "utf-8"));

test("the vectors' chain is the verifier's", () => {
  assert.equal(genuine.chain.public_key, QUICKNET.publicKey);
  assert.equal(genuine.chain.hash, QUICKNET.chainHash);
});

for (const c of cases) {
  test(`beacon vector ${c.name}: ${c.expect}${c.rule ? ` (${c.rule})` : ""}`, () => {
    if (c.expect === "ok") {
      verifyLoggedBeacon(c.beacon, c.committed);
      return;
    }
    assert.throws(() => verifyLoggedBeacon(c.beacon, c.committed), (e) => e.code === "beacon-invalid" && e.rule === c.rule);
  });
}

test("each genuine round verifies only for its own round and with its own randomness", () => {
  for (const r of genuine.rounds) {
    verifyBeacon({ round: r.round, signature: r.signature, value: r.randomness });
    assert.throws(() => verifyBeacon({ round: r.round + 1, signature: r.signature, value: r.randomness }), { code: "beacon-invalid", rule: "BEACON-3" });
    assert.throws(() => verifyBeacon({ round: r.round, signature: r.signature, value: "00".repeat(32) }), { code: "beacon-invalid", rule: "BEACON-4" });
    assert.throws(() => verifyBeacon({ round: r.round, signature: r.signature, value: r.randomness, chainHash: "00" }), { code: "beacon-invalid", rule: "BEACON-1" });
  }
});
