// draw/v1 random stream (docs/draw-spec.md §4, DRAW-10 … DRAW-14). Port of drawsvc/draw/stream.py.
// Block i = SHA-256(seed || uint64_be(i)); position = bytes consumed; uniform(n) by rejection
// with BigInt (n up to 2^64); sample(n, k) partial Fisher–Yates; sub-streams via JCS labels.
import { sha256, toHex, VerifyError } from "../bytes.mjs";
import { canonicalize } from "../jcs.mjs";

export const SPEC = "draw/v1";
const TWO64 = 1n << 64n;
const TWO32 = 2 ** 32;
const SMALL = 2 ** 26;

/** Seed of sub-stream `label` (DRAW-14). */
export function deriveStreamSeed(seed, label) {
  checkSeed(seed);
  return sha256(canonicalize({ label: label.map(String), seed: toHex(seed), spec: SPEC }));
}

function checkSeed(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new VerifyError("invalid-input", "a draw seed is 32 bytes", { rule: "DRAW-10", subject: "seed" });
  }
}

export class DrawStream {
  constructor(seed, position = 0) {
    checkSeed(seed);
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new VerifyError("invalid-input", "stream position is a non-negative integer",
        { rule: "DRAW-11", subject: "position" });
    }
    this.seed = seed;
    this.input = new Uint8Array(40); // seed || uint64_be(block), the counter rewritten per block
    this.input.set(seed);
    this.view = new DataView(this.input.buffer);
    this.block = Math.floor(position / 32);
    this.buf = this.make(this.block);
    this.off = position % 32;
  }

  static derived(seed, label, position = 0) {
    return new DrawStream(deriveStreamSeed(seed, label), position);
  }

  make(i) {
    this.view.setUint32(32, Math.floor(i / 2 ** 32));
    this.view.setUint32(36, i >>> 0);
    return sha256(this.input);
  }

  byte() {
    if (this.off === 32) { this.block += 1; this.buf = this.make(this.block); this.off = 0; }
    return this.buf[this.off++];
  }

  /** The next 8 bytes as two uint32 (big-endian): [hi, lo]. */
  word() {
    let hi = 0, lo = 0;
    if (this.off <= 24) {
      const b = this.buf, o = this.off;
      hi = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
      lo = ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
      this.off += 8;
      return [hi, lo];
    }
    for (let k = 0; k < 4; k++) hi = (hi * 256 + this.byte());
    for (let k = 0; k < 4; k++) lo = (lo * 256 + this.byte());
    return [hi, lo];
  }

  get position() {
    return this.block * 32 + this.off;
  }

  /** The next n bytes (DRAW-10, DRAW-11). */
  read(n) {
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) out[k] = this.byte();
    return out;
  }

  /** Unbiased integer in [0, n) (DRAW-12). n: number or BigInt, 1 <= n <= 2^64. Returns a
   * number when n is a safe integer, else a BigInt. */
  uniform(n) {
    if (typeof n === "number" && Number.isInteger(n) && n >= 2 && n <= SMALL) return this.uniformSmall(n);
    const big = BigInt(n);
    if (big < 1n || big > TWO64) throw new RangeError("uniform(n) needs 1 <= n <= 2^64");
    if (big === 1n) return typeof n === "bigint" ? 0n : 0;
    const limit = TWO64 - (TWO64 % big);
    for (;;) {
      const [hi, lo] = this.word();
      const x = (BigInt(hi) << 32n) | BigInt(lo);
      if (x < limit) {
        const r = x % big;
        return typeof n === "number" ? Number(r) : r;
      }
    }
  }

  /** uniform(n) for 2 <= n <= 2^26 in safe-integer arithmetic, exactly DRAW-12: with
   * x = hi·2^32 + lo and r = 2^64 mod n < 2^26, x >= limit = 2^64 − r iff hi = 2^32 − 1 and
   * lo >= 2^32 − r; x mod n = ((hi mod n)·(2^32 mod n) + lo) mod n, products below 2^52. */
  uniformSmall(n) {
    const m32 = TWO32 % n;
    const r = (m32 * m32) % n;
    for (;;) {
      const [hi, lo] = this.word();
      if (r !== 0 && hi === 0xffffffff && lo >= TWO32 - r) continue;
      return (((hi % n) * m32) % n + lo) % n;
    }
  }

  /** k distinct indices of [0, n) in draw order (DRAW-13). */
  sample(n, k) {
    if (k < 0 || k > n) throw new RangeError("sample needs 0 <= k <= n");
    const swapped = new Map();
    const out = [];
    for (let i = 0; i < k; i++) {
      const j = i + this.uniform(n - i);
      const vj = swapped.has(j) ? swapped.get(j) : j;
      swapped.set(j, swapped.has(i) ? swapped.get(i) : i);
      out.push(vj);
    }
    return out;
  }
}
