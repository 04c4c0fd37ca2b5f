// tests/vectors/cosignature (as tests/ledger/test_cosignature.py reads them): a checkpoint with
// witness cosignature lines appended still opens with the log key alone in the site's verifier
// (public_site/static/verify/note.mjs), with both Ed25519 back ends; the cosignatures are
// signatures by unknown keys, ignored (C2SP signed-note §Signatures).
import assert from "node:assert/strict";
import { test } from "node:test";
import { utf8 } from "../../public_site/static/verify/bytes.mjs";
import { openNote, parseVerifierKey, setEd25519Backend, verifyCheckpoint } from "../../public_site/static/verify/note.mjs";
import { loadJson } from "./support.mjs";

const vectors = loadJson("cosignature", "cases.json");

const BACKENDS = globalThis.crypto?.subtle ? ["webcrypto", "noble"] : ["noble"];
for (const backend of BACKENDS) {
  test(`cosigned checkpoints open with the log key alone (${backend})`, async (t) => {
    setEd25519Backend(backend);
    try {
      assert.ok(vectors.cases.length >= 5);
      for (const c of vectors.cases) {
        await t.test(c.name, async () => {
          const key = parseVerifierKey(c.log_key);
          const msg = utf8(c.note);
          if (c.log_only.expect === "ok") {
            const n = await openNote(msg, [key]);
            assert.deepEqual(n.sigs.map((s) => s.base64), c.log_only.sigs);
            assert.deepEqual(n.unverifiedSigs.map((s) => s.base64), c.log_only.unverified_sigs);
            const cp = await verifyCheckpoint(msg, key, { origin: "drawsvc.example/log" });
            assert.equal(cp.size, 20852163n);
          } else {
            await assert.rejects(openNote(msg, [key]), (e) => { assert.equal(e.code, c.log_only.expect, e.message); return true; });
          }
        });
      }
    } finally {
      setEd25519Backend("auto");
    }
  });
}
