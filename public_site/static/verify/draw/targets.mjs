// draw/v1 target draws: ratio mode (docs/draw-spec.md §6, DRAW-20 … DRAW-25) and stratified
// mode (§7, DRAW-30 … DRAW-36). Port of drawsvc/draw/targets.py and stratify.py.
// Integer arithmetic only; allocation products in BigInt (§13).
import { compareIds, VerifyError } from "../bytes.mjs";
import { DrawStream } from "./stream.mjs";

export const DEFAULT_CAP = 2;
const infeasible = (msg, rule, subject) => new VerifyError("draw-infeasible", msg, { rule, subject });
const invalid = (msg, rule, subject = null) => new VerifyError("invalid-input", msg, { rule, subject });
const sortedObject = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => compareIds(a, b)));

function bp(name, v) {
  if (!Number.isInteger(v) || v < 0 || v > 10000) throw invalid(`${name} is an integer number of basis points 0..10000`, "DRAW-21", name);
  return v;
}

function checkCaps(cap, classCaps) {
  if (!Number.isInteger(cap) || cap < 1) throw invalid("the yearly cap is an integer >= 1", "DRAW-20", "cap");
  for (const v of Object.values(classCaps)) {
    if (!Number.isSafeInteger(v) || v < 1) throw invalid("class caps map classes to integers >= 1", "DRAW-20", "class_caps");
  }
}

/** A rule object from its JSON (vector / log form), defaults as RatioRule/StratifiedRule.from_json. */
export function ruleFromJson(o) {
  const common = {
    min_ratio_bp: o.min_ratio_bp ?? 0, cap: o.cap ?? DEFAULT_CAP,
    uninspected_first: o.uninspected_first ?? false, class_caps: { ...(o.class_caps ?? {}) },
  };
  if (o.mode === "stratified") {
    const r = { mode: "stratified", count: o.count ?? null, ratio_bp: o.ratio_bp ?? null, minimums: { ...(o.minimums ?? {}) }, ...common };
    if ((r.count === null) === (r.ratio_bp === null)) throw invalid("give exactly one of count and ratio_bp", "DRAW-30", "count");
    if (r.count !== null && (!Number.isInteger(r.count) || r.count < 0)) throw invalid("count is a non-negative integer", "DRAW-30", "count");
    if (r.ratio_bp !== null) bp("ratio_bp", r.ratio_bp);
    for (const v of Object.values(r.minimums)) if (!Number.isInteger(v) || v < 0) throw invalid("minimums map strata to non-negative integers", "DRAW-31", "minimums");
    bp("min_ratio_bp", r.min_ratio_bp);
    checkCaps(r.cap, r.class_caps);
    return r;
  }
  const r = { mode: "ratio", ratio_bp: o.ratio_bp, class_ratio_bp: { ...(o.class_ratio_bp ?? {}) }, risk_ratio_bp: o.risk_ratio_bp ?? null, ...common };
  bp("ratio_bp", r.ratio_bp);
  bp("min_ratio_bp", r.min_ratio_bp);
  for (const [k, v] of Object.entries(r.class_ratio_bp)) bp(`class_ratio_bp.${k}`, v);
  if (r.risk_ratio_bp !== null) bp("risk_ratio_bp", r.risk_ratio_bp);
  checkCaps(r.cap, r.class_caps);
  return r;
}

/** The rule's JSON as it appears in results (RatioRule/StratifiedRule.as_json). */
export function ruleJson(r) {
  const out = r.mode === "stratified"
    ? { mode: "stratified", count: r.count, ratio_bp: r.ratio_bp, min_ratio_bp: r.min_ratio_bp, minimums: sortedObject(r.minimums), cap: r.cap, uninspected_first: r.uninspected_first }
    : { mode: "ratio", ratio_bp: r.ratio_bp, min_ratio_bp: r.min_ratio_bp, class_ratio_bp: sortedObject(r.class_ratio_bp), risk_ratio_bp: r.risk_ratio_bp, cap: r.cap, uninspected_first: r.uninspected_first };
  if (Object.keys(r.class_caps).length) out.class_caps = sortedObject(r.class_caps);
  return out;
}

/** DRAW-20 over a pool (pool order kept). */
export function eligibleRecords(records, cap, classCaps) {
  const has = Object.keys(classCaps).length > 0;
  return records.filter((r) => r.risk || r.checks < (has && Object.hasOwn(classCaps, r.stratum) ? classCaps[r.stratum] : cap));
}

/** DRAW-21: ceil(max(r, m) × n / 10000). */
export function targetCount(n, ratio, minRatio = 0) {
  const b = Math.max(bp("ratio_bp", ratio), bp("min_ratio_bp", minRatio));
  return Number((BigInt(b) * BigInt(n) + 9999n) / 10000n);
}

/** DRAW-23/24: count ids from records (pool order), optionally uninspected first. */
export function sampleRecords(stream, records, count, uninspectedFirst) {
  if (count > records.length) throw invalid("count exceeds the group", "DRAW-21", "count");
  if (!uninspectedFirst) return stream.sample(records.length, count).map((i) => records[i].id);
  const t1 = records.filter((r) => r.checks === 0), t2 = records.filter((r) => r.checks !== 0);
  const k1 = Math.min(count, t1.length);
  const out = stream.sample(t1.length, k1).map((i) => t1[i].id);
  return out.concat(stream.sample(t2.length, count - k1).map((i) => t2[i].id));
}

function groupOf(r, rule) {
  if (r.risk && rule.risk_ratio_bp !== null) return "risk";
  if (Object.hasOwn(rule.class_ratio_bp, r.stratum)) return "stratum:" + r.stratum;
  return "default";
}

function groupRatio(g, rule) {
  if (g === "risk") return rule.risk_ratio_bp;
  if (g.startsWith("stratum:")) return rule.class_ratio_bp[g.slice("stratum:".length)];
  return rule.ratio_bp;
}

/** Ratio mode (§6): the result's "targets" part (DRAW-25). */
export function drawRatio(seed, records, rule) {
  const eligible = eligibleRecords(records, rule.cap, rule.class_caps);
  const groups = new Map();
  for (const r of eligible) {
    const g = groupOf(r, rule);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(r);
  }
  const outGroups = [];
  let selected = [];
  for (const key of [...groups.keys()].sort(compareIds)) {
    const members = groups.get(key);
    const ratio = groupRatio(key, rule);
    const count = targetCount(members.length, ratio, rule.min_ratio_bp);
    const stream = DrawStream.derived(seed, ["targets", key]);
    const ids = sampleRecords(stream, members, count, rule.uninspected_first);
    selected = selected.concat(ids);
    outGroups.push({ group: key, eligible: members.length, ratio_bp: Math.max(ratio, rule.min_ratio_bp), count, selected: ids, position: stream.position });
  }
  return { mode: "ratio", pool: records.length, eligible: eligible.length, groups: outGroups, selected };
}

/** DRAW-30 … DRAW-34: {counts (Map, strata in id order), tieWinners, position}. */
export function allocate(sizes, total, minimums, stream) {
  const strata = Object.keys(sizes).sort(compareIds);
  if (!Number.isInteger(total) || total < 0) throw invalid("the total is a non-negative integer", "DRAW-30", "total");
  for (const s of Object.keys(minimums).sort(compareIds)) {
    const m = minimums[s];
    if (!Number.isInteger(m) || m < 0) throw invalid("a stratum minimum is a non-negative integer", "DRAW-31", `minimums.${s}`);
    const n = Object.hasOwn(sizes, s) ? sizes[s] : 0;
    if (m > n) throw infeasible(`stratum ${s} has ${n} eligible targets, fewer than its minimum ${m}`, "DRAW-31", s);
  }
  const pool = strata.reduce((a, s) => a + sizes[s], 0);
  if (total > pool) throw infeasible(`the total ${total} exceeds the ${pool} eligible targets`, "DRAW-30", "total");
  const min = (s) => BigInt(Object.hasOwn(minimums, s) ? minimums[s] : 0);
  const need = strata.reduce((a, s) => a + min(s), 0n);
  if (need > BigInt(total)) throw infeasible(`the minimums add up to ${need}, more than the total ${total}`, "DRAW-32", "total");
  const fixed = new Map();
  let free, rest, nFree;
  for (;;) {
    free = strata.filter((s) => !fixed.has(s));
    rest = BigInt(total) - [...fixed.values()].reduce((a, v) => a + v, 0n);
    nFree = free.reduce((a, s) => a + BigInt(sizes[s]), 0n);
    const joined = free.filter((s) => rest * BigInt(sizes[s]) < min(s) * nFree);
    if (!joined.length) break;
    for (const s of joined) fixed.set(s, min(s));
  }
  const counts = new Map(fixed);
  const rem = new Map();
  for (const s of free) {
    const p = rest * BigInt(sizes[s]);
    counts.set(s, p / nFree);
    rem.set(s, p % nFree);
  }
  const left = Number(rest - free.reduce((a, s) => a + counts.get(s), 0n));
  let winners = [];
  if (left > 0) {
    const ranked = free.map((s) => rem.get(s)).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    const t = ranked[left - 1];
    const above = free.filter((s) => rem.get(s) > t);
    const tied = free.filter((s) => rem.get(s) === t);
    const places = left - above.length;
    let chosen = tied;
    if (places !== tied.length) {
      chosen = stream.sample(tied.length, places).map((i) => tied[i]);
      winners = chosen;
    }
    for (const s of above.concat(chosen)) counts.set(s, counts.get(s) + 1n);
  }
  const out = new Map(strata.map((s) => [s, Number(counts.get(s))]));
  return { counts: out, tieWinners: winners, position: stream.position };
}

/** Stratified mode (§7): the result's "targets" part (DRAW-36). */
export function drawStratified(seed, records, rule) {
  const eligible = eligibleRecords(records, rule.cap, rule.class_caps);
  const by = new Map();
  for (const r of eligible) {
    if (!by.has(r.stratum)) by.set(r.stratum, []);
    by.get(r.stratum).push(r);
  }
  const total = rule.count !== null ? rule.count : targetCount(eligible.length, rule.ratio_bp, rule.min_ratio_bp);
  const allocStream = DrawStream.derived(seed, ["allocation"]);
  const alloc = allocate(Object.fromEntries([...by].map(([s, v]) => [s, v.length])), total, rule.minimums, allocStream);
  const strata = [];
  let selected = [];
  for (const [s, k] of alloc.counts) {
    const stream = DrawStream.derived(seed, ["stratum", s]);
    const ids = sampleRecords(stream, by.get(s), k, rule.uninspected_first);
    selected = selected.concat(ids);
    strata.push({ stratum: s, size: by.get(s).length, minimum: Object.hasOwn(rule.minimums, s) ? rule.minimums[s] : 0, allocated: k, selected: ids, position: stream.position });
  }
  return { mode: "stratified", pool: records.length, eligible: eligible.length, total, tie_winners: alloc.tieWinners, allocation_position: alloc.position, strata, selected };
}
