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

const strataText = new Map();
export function targetJson(r) {
  // ids are checked USCCs (ASCII, nothing to escape); the stratum text is encoded once per value
  let st = strataText.get(r.stratum);
  if (st === undefined) { st = canonicalText(r.stratum); if (strataText.size < 10000) strataText.set(r.stratum, st); }
  return `{"checks":${r.checks},"id":"${r.id}","risk":${r.risk},"stratum":${st}}`;
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

/** The pool root (hex) over records in pool order (DRAW-19); `text(r)` is a record's JCS.
 * Pages are built and hashed one at a time (a million records never exist as texts at once). */
export function pageRoot(records, text = (x) => x) {
  const leaves = [];
  for (let a = 0; a < records.length; a += PAGE_SIZE) {
    let page = "[";
    const end = Math.min(records.length, a + PAGE_SIZE);
    for (let k = a; k < end; k++) page += (k > a ? "," : "") + text(records[k]);
    const b = utf8(page + "]");
    const input = new Uint8Array(b.length + 1);
    input.set(b, 1);
    leaves.push(sha256(input));
  }
  return toHex(mthFromLeafHashes(leaves));
}

function sortedUnique(kind, records, key = (r) => r.id) {
  // logged pools are already in id order: one pass instead of a sort
  let ordered = true;
  for (let i = 1; i < records.length && ordered; i++) ordered = compareIds(key(records[i - 1]), key(records[i])) < 0;
  const out = ordered ? records : [...records].sort((a, b) => compareIds(key(a), key(b)));
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

/** A frozen pool: {kind, records (pool order), ids, root (hex), size, poolRoot(), texts}. */
function frozen(kind, records, text) {
  const root = pageRoot(records, text);
  return { kind, records, ids: records.map((r) => r.id ?? r.tag), root, size: records.length,
    get texts() { return records.map(text); },
    poolRoot: () => ({ root, size: records.length }) };
}

export function freezeTargets(records) {
  // records already of the full shape (the log replay's) are used as they are
  const full = (r) => r && typeof r.stratum === "string" && typeof r.risk === "boolean" && Number.isInteger(r.checks);
  const recs = sortedUnique("targets", records.every(full) ? records : records.map((r) => ({
    id: r.id, stratum: r.stratum ?? "", checks: r.checks ?? 0, risk: r.risk ?? false,
  })));
  for (const r of recs) {
    if (typeof r.id !== "string" || !USCC.test(r.id)) throw bad("a target has no valid 18-character USCC", "DRAW-16");
    if (!Number.isInteger(r.checks) || r.checks < 0 || r.checks > 10000) throw bad("target checks is an integer 0..10000", "DRAW-18");
    if (typeof r.risk !== "boolean") throw bad("target risk is a boolean", "DRAW-18");
    if (typeof r.stratum !== "string") throw bad("target stratum is a string", "DRAW-18");
  }
  return frozen("targets", recs, targetJson);
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
  return frozen("inspectors", recs, inspectorJson);
}

export function freezeExperts(records) {
  const recs = sortedUnique("experts", records.map((r) => ({ id: r.id })));
  checkIds("experts", recs);
  return frozen("experts", recs, expertJson);
}

/** The avoidance pool (DRAW-18, §8.4): tags (64 lowercase hex) sorted, unique. */
export function freezeAvoidance(tags) {
  const recs = sortedUnique("avoidance", tags.map((t) => ({ tag: t })), (r) => r.tag);
  for (const r of recs) {
    if (typeof r.tag !== "string" || !/^[0-9a-f]{64}$/.test(r.tag)) throw bad("an avoidance tag is 64 lowercase hex digits", "DRAW-18");
  }
  return frozen("avoidance", recs, avoidanceJson);
}
