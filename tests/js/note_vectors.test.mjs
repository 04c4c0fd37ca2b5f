// tests/vectors/note and tests/vectors/checkpoint (as tests/ledger/test_note.py and
// test_checkpoint.py read them), through public_site/static/verify/note.mjs, with both Ed25519
// back ends: WebCrypto and the vendored @noble/ed25519.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex, toBase64, utf8 } from "../../public_site/static/verify/bytes.mjs";
import { openNote, parseCheckpoint, parseVerifierKey, setEd25519Backend, verifyCheckpoint } from "../../public_site/static/verify/note.mjs";
import { loadJson } from "./support.mjs";

const notes = loadJson("note", "cases.json");
const go = loadJson("note", "go_sumdb_note.json");
const cps = loadJson("checkpoint", "cases.json");

async function rejects(promise, code) {
  await assert.rejects(promise, (e) => { assert.equal(e.code, code, e.message); return true; });
}

for (const backend of ["webcrypto", "noble"]) {
  test(`signed-note vectors (${backend})`, async (t) => {
    setEd25519Backend(backend);
    try {
      for (const c of notes.cases) {
        await t.test(c.name, async () => {
          const msg = c.note_hex !== undefined ? fromHex(c.note_hex) : utf8(c.note);
          const verifiers = c.verifiers.map(parseVerifierKey);
          if (c.expect === "ok") {
            const n = await openNote(msg, verifiers);
            assert.equal(n.text, c.text);
            assert.deepEqual(n.sigs.map((s) => s.base64), c.sigs);
            assert.deepEqual(n.unverifiedSigs.map((s) => s.base64), c.unverified_sigs);
          } else {
            await rejects(openNote(msg, verifiers), c.expect);
          }
        });
      }
    } finally {
      setEd25519Backend("auto");
    }
  });

  test(`Go sumdb note vectors (${backend})`, async () => {
    setEd25519Backend(backend);
    try {
      const peter = parseVerifierKey(go.peter.verifier_key);
      const enoch = parseVerifierKey(go.enoch.verifier_key);
      assert.equal(peter.keyId.toString(16), go.peter.key_id);
      assert.equal((await openNote(utf8(go.signed_by_peter), [peter])).text, go.text);
      const both = await openNote(utf8(go.signed_by_peter_and_enoch), [peter, enoch]);
      assert.equal(both.sigs.length, 2);
      const dup = await openNote(utf8(go.duplicated_verified_and_unverified.note), [peter]);
      assert.deepEqual(dup.sigs.map((s) => s.base64), go.duplicated_verified_and_unverified.sigs);
      assert.deepEqual(dup.unverifiedSigs.map((s) => s.base64), go.duplicated_verified_and_unverified.unverified_sigs);
      for (const c of go.malformed_notes) await rejects(openNote(utf8(c.note), [peter]), "malformed");
      for (const c of go.malformed_notes_hex) await rejects(openNote(fromHex(c.note_hex), [peter]), "malformed");
      await rejects(openNote(utf8(go.invalid_signature.note), [peter]), "bad-signature");
      for (const c of go.bad_verifier_keys) assert.throws(() => parseVerifierKey(c.verifier_key), { code: "malformed" });
    } finally {
      setEd25519Backend("auto");
    }
  });
}

test("checkpoint bodies", () => {
  for (const c of cps.bodies) {
    if (c.expect === "ok") {
      const cp = parseCheckpoint(c.text);
      assert.equal(cp.origin, c.checkpoint.origin, c.name);
      assert.equal(cp.size.toString(), c.checkpoint.size, c.name);
      assert.equal(toBase64(cp.root), c.checkpoint.root, c.name);
      assert.deepEqual(cp.extensions, c.checkpoint.extensions, c.name);
    } else {
      assert.throws(() => parseCheckpoint(c.text), { code: c.expect }, c.name);
    }
  }
});

test("signed checkpoints: signature before body before origin", async (t) => {
  for (const c of cps.signed) {
    await t.test(c.name, async () => {
      const v = parseVerifierKey(c.verifier);
      if (c.expect === "ok") assert.ok((await verifyCheckpoint(utf8(c.note), v, { origin: c.origin })).root.length === 32);
      else await rejects(verifyCheckpoint(utf8(c.note), v, { origin: c.origin }), c.expect);
    });
  }
});

test("flipping any bit of a signed checkpoint is refused", async () => {
  const good = cps.signed.find((c) => c.expect === "ok");
  const v = parseVerifierKey(good.verifier);
  const bytes = utf8(good.note);
  for (let i = 0; i < bytes.length; i++) {
    for (const bit of [0, 5]) {
      const bad = bytes.slice();
      bad[i] ^= 1 << bit;
      await assert.rejects(verifyCheckpoint(bad, v, { origin: good.origin }), (e) => ["malformed", "bad-signature", "origin-mismatch"].includes(e.code), `byte ${i} bit ${bit}`);
    }
  }
});
