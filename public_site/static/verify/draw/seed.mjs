// draw/v1 commit/reveal and seed (docs/draw-spec.md §3, DRAW-5 … DRAW-9). Port of drawsvc/draw/seed.py.
import { fromHex, sha256, toHex, VerifyError } from "../bytes.mjs";
import { canonicalize } from "../jcs.mjs";
import { SPEC } from "./stream.mjs";

export const MIN_SECRET_BYTES = 32;

/** DRAW-6: throws reveal-mismatch unless secrets (Uint8Array[]) open commitments (hex[]). */
export function verifyReveal(commitments, secrets) {
  const fail = (msg, rule, subject) => { throw new VerifyError("reveal-mismatch", msg, { rule, subject }); };
  if (commitments.length === 0) fail("a draw needs at least one commitment", "DRAW-6", "commitments");
  if (secrets.length !== commitments.length) {
    fail(`${secrets.length} secrets revealed for ${commitments.length} commitments`, "DRAW-6", "secrets");
  }
  commitments.forEach((c, i) => {
    if (typeof c !== "string" || !/^[0-9a-f]{64}$/.test(c)) {
      fail(`commitment ${i} is not 64 lowercase hex digits`, "DRAW-5", `commitments[${i}]`);
    }
    const s = secrets[i];
    if (!(s instanceof Uint8Array) || s.length < MIN_SECRET_BYTES) {
      fail(`secret ${i} is shorter than 32 bytes`, "DRAW-5", `secrets[${i}]`);
    }
    if (toHex(sha256(s)) !== c) fail(`secret ${i} does not match commitment ${i}`, "DRAW-6", `secrets[${i}]`);
  });
}

/** The seed material object (DRAW-7). pools: {name: {root, size}}; beacon: {round, randomness}|null. */
export function seedMaterial({ task, round, purpose, pools, secrets, beacon }) {
  if (typeof task !== "string" || !task) throw new VerifyError("invalid-input", "task id is a non-empty string", { rule: "DRAW-7", subject: "task" });
  if (!Number.isSafeInteger(round) || round < 1) throw new VerifyError("invalid-input", "draw round is an integer >= 1", { rule: "DRAW-7", subject: "round" });
  if (typeof purpose !== "string" || !purpose) throw new VerifyError("invalid-input", "draw purpose is a non-empty string", { rule: "DRAW-7", subject: "purpose" });
  const p = {};
  for (const [name, v] of Object.entries(pools)) p[name] = { root: v.root, size: v.size };
  return {
    spec: SPEC, task, round, purpose, pools: p,
    secrets: secrets.map(toHex),
    beacon: beacon ? { round: beacon.round, randomness: beacon.randomness } : null,
  };
}

/** DRAW-6 then SHA-256(JCS(material)) (DRAW-8). secrets: Uint8Array[] or hex[]. */
export function deriveSeed({ task, round, purpose, pools, commitments, secrets, beacon }) {
  const raw = secrets.map((s) => (typeof s === "string" ? fromHex(s) : s));
  verifyReveal(commitments, raw);
  if (beacon && (!Number.isSafeInteger(beacon.round) || beacon.round < 0 || !/^(?:[0-9a-f]{2})+$/.test(beacon.randomness))) {
    throw new VerifyError("invalid-input", "beacon round and randomness (hex)", { rule: "DRAW-7", subject: "beacon" });
  }
  return sha256(canonicalize(seedMaterial({ task, round, purpose, pools, secrets: raw, beacon })));
}
