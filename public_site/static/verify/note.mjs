// C2SP signed-note (Ed25519) and tlog-checkpoint, strict, as ledger/note.py and
// ledger/checkpoint.py (docs/specs/signed-note.md SN-1 … SN-12, docs/specs/tlog-checkpoint.md
// CP-1 … CP-8). Order: syntax of the whole note, then every signature by a known key, then the
// body is parsed, then the origin compared. Errors: VerifyError with code "malformed",
// "bad-signature" or "origin-mismatch" (the stable codes of ledger/errors.py).
//
// Ed25519: WebCrypto (`crypto.subtle`, algorithm "Ed25519") where the browser has it, else the
// vendored @noble/ed25519 (strict RFC 8032 verification, zip215: false, as OpenSSL).
import { concat, fromBase64Strict, fromUtf8, sha256, utf8, VerifyError } from "./bytes.mjs";

export const MAX_SIGNATURES = 100;
const SIG_PREFIX = "\u2014 ";
const SPACES = new Set("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000");
const CONTROL = /[\x00-\x09\x0b-\x1f]/;
const malformed = (msg) => new VerifyError("malformed", "malformed note: " + msg);
const badSignature = (msg) => new VerifyError("bad-signature", msg);

export function isValidName(name) {
  if (typeof name !== "string" || name === "" || name.includes("+")) return false;
  for (const c of name) {
    const cp = c.codePointAt(0);
    if (SPACES.has(c) || cp < 0x20 || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  }
  return true;
}

export function keyId(name, publicKey) {
  const d = sha256(concat(utf8(name), new Uint8Array([0x0a, 0x01]), publicKey));
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

const chop = (s, sep) => { const i = s.indexOf(sep); return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + sep.length)]; };

/** `<name>+<8 hex>+base64(0x01 || 32-byte key)` (Go note.NewVerifier). */
export function parseVerifierKey(vkey) {
  const bad = (m) => new VerifyError("malformed", "verifier key: " + m);
  if (typeof vkey !== "string") throw bad("not a string");
  const [name, rest] = chop(vkey, "+");
  const [hash16, key64] = chop(rest, "+");
  if (!/^[0-9a-fA-F]{8}$/.test(hash16) || !isValidName(name)) throw bad("malformed (want name+8 hex digits+base64)");
  const key = fromBase64Strict(key64);
  if (!key) throw bad("not canonical standard base64");
  if (!key.length) throw bad("empty key data");
  if (key[0] !== 1) throw bad("unknown algorithm");
  if (key.length !== 33) throw bad("Ed25519 key must be 32 bytes");
  const publicKey = key.subarray(1);
  const id = keyId(name, publicKey);
  if (id !== parseInt(hash16, 16)) throw bad("key hash does not match name and key");
  return { name, keyId: id, publicKey };
}

let backend = "auto";
/** "auto" (WebCrypto, else noble), "webcrypto" or "noble" — tests use both. */
export function setEd25519Backend(name) { backend = name; }

let webcryptoOk = null;
async function webcryptoVerify(pub, sig, msg) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  try {
    const key = await subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    return await subtle.verify({ name: "Ed25519" }, key, sig, msg);
  } catch (e) {
    if (e?.name === "NotSupportedError" || e?.name === "TypeError" || e?.name === "SyntaxError") return null;
    if (e?.name === "DataError") return false; // an invalid public key verifies nothing
    return null;
  }
}

let noble = null;
async function nobleVerify(pub, sig, msg) {
  noble ??= await import("./vendor/noble-ed25519-3.2.0/index.js");
  try {
    return await noble.verifyAsync(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
}

/** Ed25519 (RFC 8032) check; true/false. */
export async function ed25519Verify(pub, sig, msg) {
  if (backend !== "noble" && webcryptoOk !== false) {
    const r = await webcryptoVerify(pub, sig, msg);
    if (r !== null) { webcryptoOk = true; return r; }
    if (backend === "webcrypto") throw new VerifyError("malformed", "this browser has no Ed25519 in WebCrypto");
    webcryptoOk = false;
  }
  return nobleVerify(pub, sig, msg);
}

function splitNote(msg) {
  let whole;
  try { whole = fromUtf8(msg); } catch { throw malformed("not UTF-8"); }
  if (CONTROL.test(whole)) throw malformed("control character");
  const split = whole.lastIndexOf("\n\n");
  if (split < 0) throw malformed("no blank line before the signatures");
  const text = whole.slice(0, split + 1), block = whole.slice(split + 2);
  if (!block || !block.endsWith("\n")) throw malformed("signature block missing or not ending in a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  const parsed = lines.map((line, k) => {
    const n = k + 1;
    if (!line.startsWith(SIG_PREFIX)) throw malformed(`signature line ${n} does not start with an em dash`);
    const [name, b64] = chop(line.slice(SIG_PREFIX.length), " ");
    if (!isValidName(name)) throw malformed(`signature line ${n} has an invalid key name`);
    if (!b64) throw malformed(`signature line ${n} has no signature`);
    const raw = fromBase64Strict(b64);
    if (!raw) throw malformed(`signature line ${n}: not canonical standard base64`);
    if (raw.length < 5) throw malformed(`signature line ${n} is too short`);
    const kid = ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0;
    return { line, sig: { name, keyId: kid, base64: b64 }, raw: raw.subarray(4) };
  });
  return { text, parsed };
}

/**
 * Open a signed note (bytes) with verifiers ({name, keyId, publicKey}, e.g. from
 * parseVerifierKey). Returns {text, sigs, unverifiedSigs} only after every signature by a known
 * key verified and at least one did; throws VerifyError otherwise.
 */
export async function openNote(msg, verifiers) {
  const { text, parsed } = splitNote(msg);
  const known = new Map();
  for (const v of verifiers) {
    const k = `${v.name}\n${v.keyId}`;
    const same = known.get(k) ?? [];
    if (!same.some((w) => w.publicKey.length === v.publicKey.length && w.publicKey.every((b, i) => b === v.publicKey[i]))) same.push(v);
    known.set(k, same);
  }
  const body = utf8(text);
  const sigs = [], unverifiedSigs = [], seen = new Set(), verifiedKeys = new Set();
  for (const { line, sig, raw } of parsed) {
    if (seen.has(line)) continue;
    seen.add(line);
    const k = `${sig.name}\n${sig.keyId}`;
    const candidates = known.get(k);
    if (!candidates) { unverifiedSigs.push(sig); continue; }
    if (candidates.length > 1) throw badSignature(`ambiguous key ${sig.name}: several verifiers`);
    if (raw.length !== 64 || !(await ed25519Verify(candidates[0].publicKey, raw, body))) {
      throw badSignature(`invalid signature for key ${sig.name}+${sig.keyId.toString(16).padStart(8, "0")}`);
    }
    if (!verifiedKeys.has(k)) { verifiedKeys.add(k); sigs.push(sig); }
  }
  if (!sigs.length) throw badSignature("note has no verifiable signatures");
  return { text, sigs, unverifiedSigs };
}

export const MAX_TREE_SIZE = (1n << 63n) - 1n;

/** Strict checkpoint body: {origin, size (BigInt), root (32 bytes), extensions}. */
export function parseCheckpoint(text) {
  const bad = (m) => new VerifyError("malformed", "checkpoint: " + m);
  if (typeof text !== "string" || !text.endsWith("\n")) throw bad("text does not end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw bad("fewer than three lines (origin, size, root)");
  const [origin, sizeText, rootText, ...extensions] = lines;
  const line = (l, what) => {
    if (l === "") throw bad(`${what} is empty`);
    if (/[\x00-\x1f]/.test(l)) throw bad(`${what} contains a control character`);
  };
  line(origin, "origin");
  if (!/^(?:0|[1-9][0-9]{0,18})$/.test(sizeText)) throw bad("tree size is not a decimal without sign or leading zero");
  const size = BigInt(sizeText);
  if (size > MAX_TREE_SIZE) throw bad("tree size exceeds 2^63-1");
  const root = fromBase64Strict(rootText);
  if (!root) throw bad("root hash: not canonical standard base64");
  if (root.length !== 32) throw bad(`root hash is ${root.length} bytes, not 32`);
  extensions.forEach((e, n) => line(e, `extension line ${n + 1}`));
  return { origin, size, root, extensions };
}

/** Verify the signature, then parse the body, then compare the origin (CP-7). */
export async function verifyCheckpoint(note, verifier, { origin }) {
  const opened = await openNote(note, [verifier]);
  const cp = parseCheckpoint(opened.text);
  if (cp.origin !== origin) {
    throw new VerifyError("origin-mismatch", `checkpoint of log ${JSON.stringify(cp.origin)}, expected ${JSON.stringify(origin)}`, { subject: "origin" });
  }
  return { ...cp, sigs: opened.sigs, unverifiedSigs: opened.unverifiedSigs };
}
