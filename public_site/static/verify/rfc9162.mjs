// RFC 9162 §2.1 Merkle trees and C2SP tlog-tiles, pure (no I/O). Port of ledger/hashing.py,
// ledger/verify.py, ledger/tiles.py and the range decomposition of docs/specs/ledger.md §5.
//
// Sizes and indices are BigInt-checked: they must be non-negative safe integers (< 2^53; a
// checkpoint may state up to 2^63−1, which parses as BigInt and is refused here above 2^53
// because no browser can hold that many tiles anyway), and index < size, as sigstore-js does.
import { concat, equal, sha256, VerifyError } from "./bytes.mjs";

export const HASH_SIZE = 32;
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;

const err = (code, msg, detail) => new VerifyError(code, msg, detail);

export function leafHash(entry) {
  const input = new Uint8Array(entry.length + 1);
  input.set(entry, 1);
  return sha256(input);
}

export function nodeHash(left, right) {
  const input = new Uint8Array(65);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 33);
  return sha256(input);
}

export const EMPTY_ROOT = sha256(new Uint8Array(0));

/** MTH over leaf hashes (RFC 9162 §2.1.1); empty list: SHA-256(""). */
export function mthFromLeafHashes(leaves) {
  if (leaves.length === 0) return EMPTY_ROOT;
  let level = leaves;
  // RFC 9162 split at the largest power of two < n equals folding perfect subtrees left to
  // right: pair adjacent nodes level by level, carrying an odd last node up unchanged.
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

/** A size or index as a safe non-negative integer (BigInt check first). */
export function checkedInt(value, what) {
  const big = typeof value === "bigint" ? value : Number.isInteger(value) ? BigInt(value) : null;
  if (big === null || big < 0n || big > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw err("proof-range", `${what} is not a non-negative integer below 2^53`, { subject: what });
  }
  return Number(big);
}

const bitLength = (x) => (x === 0 ? 0 : Math.floor(Math.log2(x)) + 1);
function bitLen(x) { let n = 0; while (x > 0) { n++; x = Math.floor(x / 2); } return n; }
function popcount(x) { let n = 0; while (x > 0) { n += x % 2; x = Math.floor(x / 2); } return n; }
// safe-integer bit operations (sizes may exceed 2^32, so no `>>`/`^` on numbers)
const xor = (a, b) => Number(BigInt(a) ^ BigInt(b));
const shr = (a, k) => Math.floor(a / 2 ** k);
void bitLength;

function decompose(index, size) {
  const inner = bitLen(xor(index, size - 1));
  const border = popcount(shr(index, inner));
  return [inner, border];
}

function checkHash(h, what) {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw err("malformed", `${what} is not a 32-byte hash`, { subject: what });
}

function checkProof(proof, n, what) {
  if (!Array.isArray(proof) || proof.length !== n) throw err("malformed", `${what} has ${proof?.length} hashes, expected ${n}`, { subject: what });
  proof.forEach((h, i) => checkHash(h, `${what}[${i}]`));
}

export function inclusionProofLength(index, size) {
  index = checkedInt(index, "index");
  size = checkedInt(size, "size");
  if (!(index < size)) throw err("proof-range", `leaf index ${index} is not below tree size ${size}`, { subject: "index" });
  const [inner, border] = decompose(index, size);
  return inner + border;
}

/** RFC 9162 §2.1.3.2: throws unless `proof` leads from leafHash at index to root. */
export function verifyInclusion(index, size, leaf, proof, root) {
  checkHash(root, "root");
  checkProof(proof, inclusionProofLength(index, size), "inclusion proof");
  checkHash(leaf, "leaf hash");
  let fn = BigInt(index), sn = BigInt(size) - 1n, r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw err("malformed", "inclusion proof too long");
    if (fn & 1n || fn === sn) {
      r = nodeHash(p, r);
      while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw err("malformed", "inclusion proof too short");
  if (!equal(r, root)) throw err("root-mismatch", "the inclusion proof leads to another root", { subject: "root" });
}

export function consistencyProofLength(size1, size2) {
  size1 = checkedInt(size1, "size1");
  size2 = checkedInt(size2, "size2");
  if (!(size1 > 0 && size1 <= size2)) throw err("proof-range", `first size ${size1} is not between 1 and ${size2}`, { subject: "size1" });
  if (size1 === size2) return 0;
  const [inner, border] = decompose(size1 - 1, size2);
  let shift = 0;
  while (shr(size1, shift) % 2 === 0) shift++;
  const start = size1 === 2 ** shift ? 0 : 1;
  return start + inner - shift + border;
}

/** RFC 9162 §2.1.4.2: throws unless `proof` shows root1 (size1) is a prefix of root2 (size2). */
export function verifyConsistency(size1, size2, proof, root1, root2) {
  checkHash(root1, "first root");
  checkHash(root2, "second root");
  checkProof(proof, consistencyProofLength(size1, size2), "consistency proof");
  if (size1 === size2) {
    if (!equal(root1, root2)) throw err("inconsistent", "equal sizes with different roots");
    return;
  }
  const path = [...proof];
  const s1 = BigInt(size1);
  if ((s1 & (s1 - 1n)) === 0n) path.unshift(root1);
  let fn = s1 - 1n, sn = BigInt(size2) - 1n;
  while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw err("malformed", "consistency proof too long");
    if (fn & 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw err("malformed", "consistency proof too short");
  if (!equal(fr, root1) || !equal(sr, root2)) throw err("inconsistent", "the consistency proof does not lead to both roots");
}

// ---- ranges (docs/specs/ledger.md §5) -----------------------------------------------------

function largestPow2Below(n) { let k = 1; while (k * 2 < n) k *= 2; return k; }

/** Leaf ranges [lo, hi) of the inclusion proof of m in a tree of n (PATH), bottom first. */
export function inclusionRanges(m, n) {
  const out = [];
  let lo = 0, hi = n;
  while (hi - lo > 1) {
    const k = largestPow2Below(hi - lo);
    if (m - lo < k) { out.push([lo + k, hi]); hi = lo + k; } else { out.push([lo, lo + k]); lo += k; }
  }
  return out.reverse();
}

/** Leaf ranges of the consistency proof from m to n (PROOF), bottom first. */
export function consistencyRanges(m, n) {
  const out = [];
  let lo = 0, hi = n, mm = m, complete = true;
  while (mm !== hi - lo) {
    const k = largestPow2Below(hi - lo);
    if (mm <= k) { out.push([lo + k, hi]); hi = lo + k; } else { out.push([lo, lo + k]); lo += k; mm -= k; complete = false; }
  }
  if (!complete) out.push([lo, hi]);
  return out.reverse();
}

/** Maximal perfect subtrees (level h, index i) of [lo, hi), left to right. */
export function perfectSubtrees(lo, hi) {
  const out = [];
  while (lo < hi) {
    let h = 0;
    while (lo % 2 ** (h + 1) === 0 && lo + 2 ** (h + 1) <= hi) h++;
    out.push([h, lo / 2 ** h]);
    lo += 2 ** h;
  }
  return out;
}

// ---- C2SP tlog-tiles ------------------------------------------------------------------

/** 1234067 -> "x001/x234/067" (tlog-tiles). */
export function encodeIndex(n) {
  n = checkedInt(n, "tile index");
  const groups = [];
  do { groups.push(String(n % 1000).padStart(3, "0")); n = Math.floor(n / 1000); } while (n > 0);
  groups.reverse();
  return [...groups.slice(0, -1).map((g) => "x" + g), groups[groups.length - 1]].join("/");
}

const suffix = (w) => {
  if (!(Number.isInteger(w) && w >= 1 && w <= TILE_WIDTH)) throw err("malformed", `tile width ${w}`);
  return w === TILE_WIDTH ? "" : `.p/${w}`;
};
export const tilePath = (level, index, width = TILE_WIDTH) => `tile/${level}/${encodeIndex(index)}${suffix(width)}`;
export const entriesPath = (index, width = TILE_WIDTH) => `tile/entries/${encodeIndex(index)}${suffix(width)}`;

/** Width of tile `index` at `level` in a tree of `size` (0: not there yet). */
export function tileWidth(size, level, index) {
  const count = Math.floor(size / 2 ** (TILE_HEIGHT * level));
  return Math.max(0, Math.min(TILE_WIDTH, count - index * TILE_WIDTH));
}

/** Strictly decode an entry bundle (uint16 big-endian length || bytes, tlog-tiles). */
export function decodeBundle(data, width) {
  const out = [];
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 2) throw err("malformed", `entry bundle: truncated length prefix at byte ${pos}`);
    const n = (data[pos] << 8) | data[pos + 1];
    pos += 2;
    if (data.length - pos < n) throw err("malformed", `entry bundle: entry ${out.length} truncated`);
    out.push(data.subarray(pos, pos + n));
    pos += n;
  }
  if (out.length > TILE_WIDTH || (width !== undefined && out.length !== width)) {
    throw err("malformed", `entry bundle holds ${out.length} entries, expected ${width}`);
  }
  return out;
}

/**
 * Perfect-subtree hashes of a tree of `size` read from its tiles. `getTile(level, index, width)`
 * returns the tile's bytes (async; the caller fetches `tilePath(level, index, width)`).
 * Node (h, i), h = 8L + r, lives in tile (L, (i·2^r) >> 8): hash i mod 256 when r = 0, else the
 * MTH of the 2^r tile hashes below it (docs/specs/ledger.md §3).
 */
export class TileHashReader {
  constructor(size, getTile) {
    this.size = checkedInt(size, "size");
    this.getTile = getTile;
    this.tiles = new Map();
  }

  async tile(level, index) {
    const key = `${level}/${index}`;
    if (!this.tiles.has(key)) {
      const width = tileWidth(this.size, level, index);
      if (width === 0) throw err("malformed", `tile ${key} does not exist at size ${this.size}`);
      this.tiles.set(key, (async () => {
        const data = await this.getTile(level, index, width);
        if (!(data instanceof Uint8Array) || data.length !== width * HASH_SIZE) {
          throw err("malformed", `tile ${key} is ${data?.length} bytes, expected ${width * HASH_SIZE}`, { subject: tilePath(level, index, width) });
        }
        return data;
      })());
    }
    return this.tiles.get(key);
  }

  async node(h, i) {
    const L = Math.floor(h / TILE_HEIGHT), r = h % TILE_HEIGHT;
    const first = i * 2 ** r; // index of the first covered hash at tile level L
    const t = await this.tile(L, Math.floor(first / TILE_WIDTH));
    const base = first % TILE_WIDTH;
    const hashes = [];
    for (let k = 0; k < 2 ** r; k++) hashes.push(t.subarray((base + k) * 32, (base + k + 1) * 32));
    return mthFromLeafHashes(hashes);
  }

  /** MTH of [lo, hi) (an RFC 9162 range: its perfect pieces fold right to left). */
  async rangeHash(lo, hi) {
    const nodes = await Promise.all(perfectSubtrees(lo, hi).map(([h, i]) => this.node(h, i)));
    let acc = nodes[nodes.length - 1];
    for (let k = nodes.length - 2; k >= 0; k--) acc = nodeHash(nodes[k], acc);
    return acc;
  }

  async root() {
    return this.size === 0 ? EMPTY_ROOT : this.rangeHash(0, this.size);
  }

  async inclusionProof(index) {
    if (!(index < this.size)) throw err("proof-range", `leaf index ${index} is not below tree size ${this.size}`);
    return Promise.all(inclusionRanges(index, this.size).map(([lo, hi]) => this.rangeHash(lo, hi)));
  }

  async consistencyProof(size1) {
    return Promise.all(consistencyRanges(size1, this.size).map(([lo, hi]) => this.rangeHash(lo, hi)));
  }

  /** The level-0 tile hash of leaf `index` (equals leafHash(entry) in an honest log). */
  async leaf(index) {
    return this.node(0, index);
  }
}

export { concat };
