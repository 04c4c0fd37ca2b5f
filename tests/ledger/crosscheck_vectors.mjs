// Independent check of the custom ledger vectors with Node's own crypto and JSON (no Python code).
// Run: node tests/ledger/crosscheck_vectors.mjs   (tests/ledger/test_vectors_crosscheck.py runs it)
// Checks: Ed25519 signatures and key IDs of every accepted note/checkpoint vector; RFC 8785 bytes
// (JSON.stringify + UTF-16 key order) and RFC 9162 leaf hashes of every canonical entry vector.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const vectors = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors");
const load = (p) => JSON.parse(readFileSync(join(vectors, p), "utf8"));
let checked = 0;
const fail = (msg) => { console.error("FAIL " + msg); process.exitCode = 1; };

function parseVerifierKey(vkey) {
  const [name, hash16, b64] = [vkey.slice(0, vkey.indexOf("+")), ...vkey.slice(vkey.indexOf("+") + 1).split(/\+(.*)/s)];
  const key = Buffer.from(b64, "base64");
  if (key.length !== 33 || key[0] !== 1) throw new Error("not an Ed25519 verifier key: " + vkey);
  const id = createHash("sha256").update(Buffer.concat([Buffer.from(name + "\n", "utf8"), key])).digest().readUInt32BE(0);
  if (id !== parseInt(hash16, 16)) throw new Error("key ID mismatch in " + vkey);
  const pub = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: key.subarray(1).toString("base64url") }, format: "jwk" });
  return { name, id, pub };
}

function checkNote(label, note, vkeys, wantSigs) {
  const split = note.lastIndexOf("\n\n");
  const text = Buffer.from(note.slice(0, split + 1), "utf8");
  const keys = vkeys.map(parseVerifierKey);
  const verified = [];
  for (const line of note.slice(split + 2, -1).split("\n")) {
    if (!line.startsWith("\u2014 ")) return fail(`${label}: bad line`);
    const [name, b64] = line.slice(2).split(" ");
    const raw = Buffer.from(b64, "base64");
    const k = keys.find((k) => k.name === name && k.id === raw.readUInt32BE(0));
    if (!k) continue;
    if (!verify(null, text, k.pub, raw.subarray(4))) return fail(`${label}: signature does not verify`);
    if (!verified.includes(b64)) verified.push(b64);
  }
  if (wantSigs && JSON.stringify(verified) !== JSON.stringify(wantSigs)) return fail(`${label}: verified ${verified}`);
  if (!verified.length) return fail(`${label}: nothing verified`);
  checked++;
}

// RFC 8785: ECMAScript serialization of primitives, object keys sorted by UTF-16 code units.
function jcs(v) {
  if (Array.isArray(v)) return "[" + v.map(jcs).join(",") + "]";
  if (v !== null && typeof v === "object") {
    return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + jcs(v[k])).join(",") + "}";
  }
  return JSON.stringify(v);
}
const leafHash = (bytes) => createHash("sha256").update(Buffer.concat([Buffer.from([0]), bytes])).digest("hex");

const go = load("note/go_sumdb_note.json");
checkNote("go signed_by_peter", go.signed_by_peter, [go.peter.verifier_key], null);
checkNote("go peter+enoch", go.signed_by_peter_and_enoch, [go.peter.verifier_key, go.enoch.verifier_key], null);

for (const c of load("note/cases.json").cases) {
  if (c.expect === "ok") checkNote("note " + c.name, c.note, c.verifiers, c.sigs);
}
for (const c of load("checkpoint/cases.json").signed) {
  if (c.expect === "ok") checkNote("checkpoint " + c.name, c.note, [c.verifier], null);
}
for (const c of load("checkpoint/cases.json").bodies) {
  if (c.expect !== "ok") continue;
  const lines = c.text.slice(0, -1).split("\n");
  const cp = c.checkpoint;
  if (lines[0] !== cp.origin || BigInt(lines[1]) !== BigInt(cp.size) || lines[1] !== cp.size || lines[2] !== cp.root
      || Buffer.from(cp.root, "base64").length !== 32) fail("checkpoint body " + c.name);
  else checked++;
}
const entries = load("entries/cases.json");
for (const c of entries.canonical) {
  const out = jcs(JSON.parse(c.input));
  if (out !== c.canonical) fail(`entry ${c.name}: ${out}`);
  else if (leafHash(Buffer.from(out, "utf8")) !== c.leaf_hash) fail(`entry ${c.name}: leaf hash`);
  else checked++;
}
for (const c of entries.distinct) {
  const a = leafHash(Buffer.from(jcs(JSON.parse(c.a)), "utf8"));
  const b = leafHash(Buffer.from(jcs(JSON.parse(c.b)), "utf8"));
  if (a !== c.a_leaf_hash || b !== c.b_leaf_hash || a === b) fail("distinct " + c.name);
  else checked++;
}
for (const name of ["french", "structures", "unicode", "values", "weird"]) {
  const input = readFileSync(join(vectors, "entries", "jcs", name + ".input.json"), "utf8");
  const output = readFileSync(join(vectors, "entries", "jcs", name + ".output.json"), "utf8");
  if (jcs(JSON.parse(input)) !== output) fail("jcs " + name);
  else checked++;
}
console.log(JSON.stringify({ checked, ok: !process.exitCode }));
