// Byte helpers shared by the verifier modules: UTF-8, hex, strict base64 (RFC 4648 §4),
// synchronous SHA-256 and HMAC-SHA256 (./sha256.mjs), id order (draw-spec C-4).
// Pure: no I/O, no DOM.
import { hmacSha256 as ownHmacSha256, sha256 as ownSha256 } from "./sha256.mjs";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string; a lone surrogate is refused (it has no UTF-8 form). */
export function utf8(s) {
  checkWellFormed(s);
  return encoder.encode(s);
}

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Refuse a string with a lone surrogate (no UTF-8 form; RFC 8785 refuses it too). */
export function checkWellFormed(s) {
  if (typeof s.isWellFormed === "function" ? !s.isWellFormed() : LONE.test(s)) {
    throw new TypeError("string holds a lone surrogate");
  }
}

/** Strict UTF-8 decoding: invalid sequences (and encoded surrogates) throw. */
export function fromUtf8(bytes) {
  return strictDecoder.decode(bytes);
}

export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

/** Lowercase hex (draw-spec C-1) to bytes; anything else throws. */
export function fromHex(s) {
  if (typeof s !== "string" || s.length % 2 || !/^[0-9a-f]*$/.test(s)) {
    throw new TypeError("not lowercase hex");
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i], b = bytes[i + 1], c = bytes[i + 2];
    s += B64[a >> 2] + B64[((a & 3) << 4) | ((b ?? 0) >> 4)];
    s += i + 1 < bytes.length ? B64[((b & 15) << 2) | ((c ?? 0) >> 6)] : "=";
    s += i + 2 < bytes.length ? B64[c & 63] : "=";
  }
  return s;
}

/** Standard padded base64 that must be canonical (re-encoding gives the same text), else null. */
export function fromBase64Strict(s) {
  if (typeof s !== "string" || s.length % 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  const n = (s.length / 4) * 3 - pad;
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const v = [0, 1, 2, 3].map((k) => (s[i + k] === "=" ? 0 : B64.indexOf(s[i + k])));
    const w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    if (o < n) out[o++] = w >> 16;
    if (o < n) out[o++] = (w >> 8) & 255;
    if (o < n) out[o++] = w & 255;
  }
  return toBase64(out) === s ? out : null;
}

/** SHA-256 (FIPS 180-4), synchronous. */
export function sha256(bytes) {
  return ownSha256(bytes);
}

export function hmacSha256(key, message) {
  return ownHmacSha256(key, message);
}

/** Big-endian uint64 of a non-negative safe integer or BigInt. */
export function uint64be(i) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(i));
  return out;
}

// UTF-16 order equals code-point order except between a surrogate (U+D800–DFFF) and a BMP
// character at or above U+E000; moving the first differing code units fixes exactly that.
function fixup(c) {
  return c >= 0xd800 && c <= 0xdfff ? c + 0x2000 : c >= 0xe000 ? c - 0x800 : c;
}

/** Id order (draw-spec C-4): UTF-8 byte order = code-point order; never the default `<`. */
export function compareIds(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

/** Verifier error with a stable code; verifiers throw it, they never return a bool. */
export class VerifyError extends Error {
  constructor(code, message, detail = {}) {
    super(message);
    this.name = "VerifyError";
    this.code = code;
    this.rule = detail.rule ?? null;
    this.subject = detail.subject ?? null;
    this.detail = detail;
  }
}
