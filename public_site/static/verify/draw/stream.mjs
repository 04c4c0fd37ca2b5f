// draw/v1 random stream (docs/draw-spec.md §4, DRAW-10 … DRAW-14). Port of drawsvc/draw/stream.py.
// Block i = SHA-256(seed || uint64_be(i)); position = bytes consumed; uniform(n) by rejection
// with BigInt (n up to 2^64); sample(n, k) partial Fisher–Yates; sub-streams via JCS labels.
import { concat, sha256, toHex, uint64be, VerifyError } from "../bytes.mjs";
import { canonicalize } from "../jcs.mjs";

export const SPEC = "draw/v1";
const TWO64 = 1n << 64n;

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
    this.block = Math.floor(position / 32);
    this.buf = this.make(this.block);
    this.off = position % 32;
  }

  static derived(seed, label, position = 0) {
    return new DrawStream(deriveStreamSeed(seed, label), position);
  }

  make(i) {
    return sha256(concat(this.seed, uint64be(i)));
  }

  get position() {
    return this.block * 32 + this.off;
  }

  /** The next n bytes (DRAW-10, DRAW-11). */
  read(n) {
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      if (this.off === 32) { this.block += 1; this.buf = this.make(this.block); this.off = 0; }
      out[k] = this.buf[this.off++];
    }
    return out;
  }

  /** Unbiased integer in [0, n) (DRAW-12). n: number or BigInt, 1 <= n <= 2^64. Returns a
   * number when n is a safe integer, else a BigInt. */
  uniform(n) {
    const big = BigInt(n);
    if (big < 1n || big > TWO64) throw new RangeError("uniform(n) needs 1 <= n <= 2^64");
    if (big === 1n) return typeof n === "bigint" ? 0n : 0;
    const limit = TWO64 - (TWO64 % big);
    for (;;) {
      const b = this.read(8);
      const x = new DataView(b.buffer).getBigUint64(0);
      if (x < limit) {
        const r = x % big;
        return typeof n === "number" ? Number(r) : r;
      }
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
