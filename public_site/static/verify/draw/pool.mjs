// draw/v1 pools: records -> JCS bytes -> pages of 256 -> RFC 9162 root (docs/draw-spec.md §5,
// DRAW-16 … DRAW-19). Port of drawsvc/draw/pool.py. Records are plain objects:
// target {id, stratum, checks, risk}; inspector {id, dept, leader, specialties}; expert {id};
// avoidance {tag}.
import { compareIds, sha256, toHex, utf8, VerifyError } from "../bytes.mjs";
import { canonicalText } from "../jcs.mjs";
import { mthFromLeafHashes } from "../rfc9162.mjs";

export const PAGE_SIZE = 256;
const USCC = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

const bad = (msg, rule, subject = null) => new VerifyError("invalid-input", msg, { rule, subject });

export function targetJson(r) {
  return `{"checks":${r.checks},"id":${JSON.stringify(r.id)},"risk":${r.risk},"stratum":${canonicalText(r.stratum)}}`;
}
export function inspectorJson(r) {
  return canonicalText({ dept: r.dept, id: r.id, leader: r.leader, specialties: r.specialties });
}
export const expertJson = (r) => canonicalText({ id: r.id });
export const avoidanceJson = (r) => `{"tag":"${r.tag}"}`;

/** Pages of records' JCS texts (DRAW-19), each `[r0,r1,…]`. */
export function pages(texts) {
  const out = [];
  for (let a = 0; a < texts.length; a += PAGE_SIZE) out.push("[" + texts.slice(a, a + PAGE_SIZE).join(",") + "]");
  return out;
}

/** The pool root (hex) over records' JCS texts in pool order (DRAW-19). */
export function pageRoot(texts) {
  const leaves = pages(texts).map((p) => {
    const b = utf8(p);
    const input = new Uint8Array(b.length + 1);
    input.set(b, 1);
    return sha256(input);
  });
  return toHex(mthFromLeafHashes(leaves));
}

function sortedUnique(kind, records, key = (r) => r.id) {
  const out = [...records].sort((a, b) => compareIds(key(a), key(b)));
  for (let i = 1; i < out.length; i++) {
    if (key(out[i]) === key(out[i - 1])) throw bad(`${kind} id appears twice in the pool`, "DRAW-17");
  }
  return out;
}

function checkIds(kind, records) {
  for (const r of records) {
    if (typeof r.id !== "string" || r.id.length === 0 || r.id.length > 64) {
      throw bad(`${kind} id is not a 1..64 character string`, "DRAW-16");
    }
  }
}

/** A frozen pool: {kind, records (pool order), ids, root (hex), size, poolRoot()}. */
function frozen(kind, records, texts) {
  const root = pageRoot(texts);
  return { kind, records, ids: records.map((r) => r.id ?? r.tag), root, size: records.length, texts,
    poolRoot: () => ({ root, size: records.length }) };
}

export function freezeTargets(records) {
  const recs = sortedUnique("targets", records.map((r) => ({
    id: r.id, stratum: r.stratum ?? "", checks: r.checks ?? 0, risk: r.risk ?? false,
  })));
  for (const r of recs) {
    if (typeof r.id !== "string" || !USCC.test(r.id)) throw bad("a target has no valid 18-character USCC", "DRAW-16");
    if (!Number.isInteger(r.checks) || r.checks < 0 || r.checks > 10000) throw bad("target checks is an integer 0..10000", "DRAW-18");
    if (typeof r.risk !== "boolean") throw bad("target risk is a boolean", "DRAW-18");
    if (typeof r.stratum !== "string") throw bad("target stratum is a string", "DRAW-18");
  }
  return frozen("targets", recs, recs.map(targetJson));
}

export function freezeInspectors(records) {
  const recs = sortedUnique("inspectors", records.map((r) => ({
    id: r.id, dept: r.dept ?? "", leader: r.leader ?? false,
    specialties: [...(r.specialties ?? [])].sort(compareIds),
  })));
  checkIds("inspectors", recs);
  for (const r of recs) {
    if (typeof r.leader !== "boolean" || new Set(r.specialties).size !== r.specialties.length) {
      throw bad("inspector leader is a boolean and specialties are unique", "DRAW-18");
    }
  }
  return frozen("inspectors", recs, recs.map(inspectorJson));
}

export function freezeExperts(records) {
  const recs = sortedUnique("experts", records.map((r) => ({ id: r.id })));
  checkIds("experts", recs);
  return frozen("experts", recs, recs.map(expertJson));
}

/** The avoidance pool (DRAW-18, §8.4): tags (64 lowercase hex) sorted, unique. */
export function freezeAvoidance(tags) {
  const recs = sortedUnique("avoidance", tags.map((t) => ({ tag: t })), (r) => r.tag);
  for (const r of recs) {
    if (typeof r.tag !== "string" || !/^[0-9a-f]{64}$/.test(r.tag)) throw bad("an avoidance tag is 64 lowercase hex digits", "DRAW-18");
  }
  return frozen("avoidance", recs, recs.map(avoidanceJson));
}
