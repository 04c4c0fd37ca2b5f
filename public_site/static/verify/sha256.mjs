// SHA-256 (FIPS 180-4 §6.2) and HMAC-SHA256 (RFC 2104), synchronous, on typed arrays.
// The verifier hashes hundreds of thousands of short messages (stream blocks, pool pages,
// avoidance tags, Merkle nodes): one compression function over a message schedule reused
// across calls, no object or promise per hash, and midstates (`Sha256#clone`) so that HMAC
// and the avoidance tags absorb their fixed prefix once. Cross-checked against @noble/hashes
// and the FIPS 180-4 / RFC 4231 vectors in tests/js/sha256.test.mjs. Pure: no I/O, no DOM.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK = 64;
const W = new Int32Array(64); // message schedule, shared (single-threaded, never re-entered)

/** FIPS 180-4 §6.2.2: absorb the 64-byte block at b[o…o+63] into the state h (8 words). */
function compress(h, b, o) {
  for (let t = 0; t < 16; t++, o += 4) W[t] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15], y = W[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
    hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + bb) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
}

const SCRATCH = new Uint8Array(3 * BLOCK); // the final blocks: buffered bytes, more, padding
const FINAL = new Int32Array(8);
const MAX_TAIL = SCRATCH.length - 9; // room for 0x80 and the 64-bit length

/** §5.1.1: the digest (32 big-endian bytes) of state h (not modified) followed by the `n`
 * buffered bytes buf[0…n) and `more` (n + more.length ≤ MAX_TAIL), `length` bytes in all. */
function finish(h, buf, n, more, length) {
  const m = n + more.length;
  SCRATCH.fill(0);
  SCRATCH.set(buf.subarray(0, n));
  SCRATCH.set(more, n);
  SCRATCH[m] = 0x80;
  const end = m + 9 <= BLOCK ? BLOCK : m + 9 <= 2 * BLOCK ? 2 * BLOCK : 3 * BLOCK;
  const bits = length * 8; // a safe integer below 2^53
  const hi = Math.floor(bits / 2 ** 32);
  SCRATCH[end - 8] = hi >>> 24; SCRATCH[end - 7] = hi >>> 16; SCRATCH[end - 6] = hi >>> 8; SCRATCH[end - 5] = hi;
  SCRATCH[end - 4] = bits >>> 24; SCRATCH[end - 3] = bits >>> 16; SCRATCH[end - 2] = bits >>> 8; SCRATCH[end - 1] = bits;
  FINAL.set(h);
  for (let o = 0; o < end; o += BLOCK) compress(FINAL, SCRATCH, o);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const w = FINAL[i];
    out[4 * i] = w >>> 24; out[4 * i + 1] = w >>> 16; out[4 * i + 2] = w >>> 8; out[4 * i + 3] = w;
  }
  return out;
}

const NONE = new Uint8Array(0);

/** SHA-256 of `bytes` (a Uint8Array). */
export function sha256(bytes) {
  const h = Int32Array.from(IV);
  const whole = bytes.length - (bytes.length % BLOCK);
  for (let o = 0; o < whole; o += BLOCK) compress(h, bytes, o);
  return finish(h, bytes.subarray(whole), bytes.length - whole, NONE, bytes.length);
}

/** Incremental SHA-256. `digest()` leaves the hash as it was, so a midstate (the state after a
 * common prefix) can be cloned or finished any number of times. */
export class Sha256 {
  constructor() {
    this.h = Int32Array.from(IV);
    this.buf = new Uint8Array(BLOCK);
    this.n = 0; // bytes in buf
    this.length = 0; // bytes absorbed
  }

  update(data) {
    let o = 0;
    const len = data.length;
    this.length += len;
    if (this.n) {
      const take = Math.min(BLOCK - this.n, len);
      this.buf.set(data.subarray(0, take), this.n);
      this.n += take;
      o = take;
      if (this.n < BLOCK) return this;
      compress(this.h, this.buf, 0);
      this.n = 0;
    }
    for (; o + BLOCK <= len; o += BLOCK) compress(this.h, data, o);
    if (o < len) { this.buf.set(data.subarray(o), 0); this.n = len - o; }
    return this;
  }

  clone() {
    const c = Object.create(Sha256.prototype);
    c.h = this.h.slice();
    c.buf = this.buf.slice();
    c.n = this.n;
    c.length = this.length;
    return c;
  }

  digest() {
    return finish(this.h, this.buf, this.n, NONE, this.length);
  }

  /** The digest of what was absorbed followed by `data`, without changing this hash. */
  digestWith(data) {
    if (this.n + data.length > MAX_TAIL) return this.clone().update(data).digest();
    return finish(this.h, this.buf, this.n, data, this.length + data.length);
  }
}

/** HMAC-SHA256 (RFC 2104) with the key absorbed once: `mac(message)` for many messages. */
export class HmacSha256 {
  constructor(key) {
    const k = new Uint8Array(BLOCK);
    k.set(key.length > BLOCK ? sha256(key) : key);
    this.inner = new Sha256().update(k.map((b) => b ^ 0x36));
    this.outer = new Sha256().update(k.map((b) => b ^ 0x5c));
  }

  /** The inner hash with `prefix` absorbed: finish it with `macFrom(state, rest)`. */
  innerWith(prefix) {
    return this.inner.clone().update(prefix);
  }

  macFrom(innerState, rest) {
    return this.outer.digestWith(innerState.digestWith(rest));
  }

  mac(message) {
    return this.outer.digestWith(this.inner.digestWith(message));
  }
}

export function hmacSha256(key, message) {
  return new HmacSha256(key).mac(message);
}
