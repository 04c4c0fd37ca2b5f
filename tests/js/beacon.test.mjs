// drand quicknet signature check with the vendored @noble/curves (bls12-381). Round 123 of
// quicknet, as published by api.drand.sh (quoted in the drand-verify crate's documentation).
import assert from "node:assert/strict";
import { test } from "node:test";
import { sha256, toHex, fromHex } from "../../public_site/static/verify/bytes.mjs";
import { verifyBeacon } from "../../public_site/static/verify/beacon.mjs";

const ROUND = 123;
const SIG = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92";

test("quicknet round 123 verifies, with its randomness", () => {
  verifyBeacon({ round: ROUND, signature: SIG });
  verifyBeacon({ round: ROUND, signature: SIG, value: toHex(sha256(fromHex(SIG))) });
});

test("another round, a flipped signature bit or a wrong randomness is refused", () => {
  assert.throws(() => verifyBeacon({ round: ROUND + 1, signature: SIG }), { code: "bad-signature" });
  const flipped = SIG.slice(0, 20) + (SIG[20] === "0" ? "1" : "0") + SIG.slice(21);
  assert.throws(() => verifyBeacon({ round: ROUND, signature: flipped }), { code: "bad-signature" });
  assert.throws(() => verifyBeacon({ round: ROUND, signature: SIG, value: "00".repeat(32) }), { code: "bad-signature" });
  assert.throws(() => verifyBeacon({ round: ROUND, signature: SIG, chainHash: "00" }), { code: "bad-signature" });
});
