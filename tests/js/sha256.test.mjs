// The verifier's own synchronous SHA-256 / HMAC-SHA256 (public_site/static/verify/sha256.mjs):
// FIPS 180-4 example vectors, RFC 4231 HMAC vectors, and a cross-check against two other
// implementations (node:crypto, the vendored @noble/hashes) at every length around the block
// and padding boundaries, incremental updates split at every point, and reused midstates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { HmacSha256, Sha256, hmacSha256, sha256 } from "../../public_site/static/verify/sha256.mjs";
import { sha256 as nobleSha256 } from "../../public_site/static/verify/vendor/noble-hashes-2.4.0/sha2.js";

const hex = (b) => Buffer.from(b).toString("hex");
const ascii = (s) => new Uint8Array(Buffer.from(s, "latin1"));
const bytes = (n, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 3)) & 255);

test("FIPS 180-4 examples (one block, two blocks, a million 'a')", () => {
  assert.equal(hex(sha256(ascii(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(hex(sha256(ascii("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(hex(sha256(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  assert.equal(hex(sha256(new Uint8Array(1_000_000).fill(0x61))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
});

test("every length 0…300 equals node:crypto and @noble/hashes", () => {
  for (let n = 0; n <= 300; n++) {
    const m = bytes(n);
    const want = createHash("sha256").update(m).digest("hex");
    assert.equal(hex(sha256(m)), want, `length ${n}`);
    assert.equal(hex(nobleSha256(m)), want, `noble, length ${n}`);
    assert.equal(hex(new Sha256().update(m).digest()), want, `incremental, length ${n}`);
  }
});

test("incremental updates split anywhere, digestWith and reused midstates", () => {
  const m = bytes(200, 3);
  const want = createHash("sha256").update(m).digest("hex");
  for (let a = 0; a <= m.length; a += 7) {
    for (let b = a; b <= m.length; b += 13) {
      const h = new Sha256().update(m.subarray(0, a)).update(m.subarray(a, b));
      assert.equal(hex(h.digestWith(m.subarray(b))), want, `split ${a}/${b}`);
      assert.equal(hex(h.clone().update(m.subarray(b)).digest()), want, `clone ${a}/${b}`);
    }
  }
  const mid = new Sha256().update(m.subarray(0, 100));
  for (const tail of [m.subarray(100), m.subarray(100, 150), m.subarray(100, 101)]) {
    const expected = createHash("sha256").update(m.subarray(0, 100)).update(tail).digest("hex");
    assert.equal(hex(mid.digestWith(tail)), expected);
    assert.equal(hex(mid.digestWith(tail)), expected, "a midstate is reusable");
  }
  assert.equal(hex(mid.digest()), createHash("sha256").update(m.subarray(0, 100)).digest("hex"));
});

test("a flipped input bit changes the digest", () => {
  const m = bytes(77);
  const flipped = m.slice();
  flipped[40] ^= 1;
  assert.notEqual(hex(sha256(m)), hex(sha256(flipped)));
});

test("RFC 4231 HMAC-SHA256 test cases 1, 2, 6 and node:crypto for key lengths 0…140", () => {
  assert.equal(hex(hmacSha256(new Uint8Array(20).fill(0x0b), ascii("Hi There"))),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  assert.equal(hex(hmacSha256(ascii("Jefe"), ascii("what do ya want for nothing?"))),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  assert.equal(hex(hmacSha256(new Uint8Array(131).fill(0xaa), ascii("Test Using Larger Than Block-Size Key - Hash Key First"))),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  const msg = bytes(90, 5);
  for (let k = 0; k <= 140; k += 3) {
    const key = bytes(k, 9);
    const want = createHmac("sha256", key).update(msg).digest("hex");
    const mac = new HmacSha256(key);
    assert.equal(hex(mac.mac(msg)), want, `key length ${k}`);
    assert.equal(hex(mac.macFrom(mac.innerWith(msg.subarray(0, 33)), msg.subarray(33))), want, `split key length ${k}`);
  }
});
