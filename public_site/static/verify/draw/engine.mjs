// draw/v1 orchestration (docs/draw-spec.md §11, DRAW-70 … DRAW-73). Port of drawsvc/draw/engine.py.
// Requests use the vector form of tests/vectors/draw/README.md (records inline).
import { fromHex, toHex, VerifyError } from "../bytes.mjs";
import { canonicalize, canonicalText } from "../jcs.mjs";
import { drawExperts as drawExpertPart, topUp } from "./experts.mjs";
import { freezeAvoidance, freezeExperts, freezeInspectors, freezeTargets } from "./pool.mjs";
import { deriveSeed } from "./seed.mjs";
import { SPEC } from "./stream.mjs";
import { drawRatio, drawStratified, ruleFromJson, ruleJson } from "./targets.mjs";
import { assignTeams, Avoidance, REASON_AVOIDANCE, replaceMember, teamRuleFromJson, teamRuleJson } from "./teams.mjs";

function header(kind, reveal, seed, pools) {
  return { spec: SPEC, kind, task: reveal.task, round: reveal.round, purpose: reveal.purpose, seed: toHex(seed), pools };
}

function seedOf(reveal, pools) {
  return deriveSeed({ task: reveal.task, round: reveal.round, purpose: reveal.purpose, pools,
    commitments: reveal.commitments, secrets: reveal.secrets, beacon: reveal.beacon ?? null });
}

/**
 * An inspection request from its JSON form: {reveal: {task, round, purpose, commitments,
 * secrets (hex), beacon}, targets: [records], target_rule, inspectors: [records]|null,
 * teams: rule|null, avoidance: {salt, tags}|null}. Pools may also be given frozen
 * (`targetsPool`, `inspectorsPool`) by the log replay.
 */
export function inspectionRequest(o) {
  const teams = o.teams != null ? teamRuleFromJson(o.teams) : null;
  return {
    reveal: o.reveal,
    targets: o.targetsPool ?? freezeTargets(o.targets),
    rule: ruleFromJson(o.target_rule),
    inspectors: o.inspectorsPool ?? (o.inspectors != null ? freezeInspectors(o.inspectors) : null),
    teams,
    avoidance: o.avoidance != null ? new Avoidance(fromHex(o.avoidance.salt), o.avoidance.tags) : Avoidance.empty(),
  };
}

export function inspectionPools(req) {
  const out = { targets: req.targets.poolRoot() };
  if (req.teams) {
    if (!req.inspectors) throw new VerifyError("invalid-input", "a team draw needs an inspector pool", { rule: "DRAW-70", subject: "inspectors" });
    out.inspectors = req.inspectors.poolRoot();
    out.avoidance = freezeAvoidance(req.avoidance.hexTags()).poolRoot();
  }
  return out;
}

/** DRAW-70: seed -> targets -> teams. */
export function drawInspection(req) {
  const pools = inspectionPools(req);
  const seed = seedOf(req.reveal, pools);
  const records = req.targets.records;
  const part = req.rule.mode === "stratified" ? drawStratified(seed, records, req.rule) : drawRatio(seed, records, req.rule);
  const out = header("inspection", req.reveal, seed, pools);
  out.rules = { targets: ruleJson(req.rule), teams: req.teams ? teamRuleJson(req.teams) : null };
  out.targets = part;
  out.teams = req.teams ? assignTeams(seed, part.selected, req.inspectors.records, req.teams, req.avoidance) : null;
  out.events = [];
  return out;
}

/** DRAW-72: one replacement {target, person, reason, approver} applied to `result`. */
export function replaceInspector(req, result, event) {
  if (!req.teams || !req.inspectors || !result.teams) throw new VerifyError("invalid-input", "this draw has no teams", { rule: "DRAW-72", subject: "teams" });
  for (const k of ["target", "person", "reason", "approver"]) {
    if (typeof event[k] !== "string" || !event[k]) throw new VerifyError("invalid-input", `a replacement has a non-empty ${k}`, { rule: "DRAW-50", subject: `event.${k}` });
  }
  let avoid = req.avoidance;
  const removed = new Map();
  const add = (t, p) => { if (!removed.has(t)) removed.set(t, []); removed.get(t).push(p); };
  for (const ev of result.events) {
    if (ev.kind !== "replace") continue;
    if (ev.reason === REASON_AVOIDANCE) avoid = avoid.withPair(ev.person, ev.target);
    add(ev.target, ev.person);
  }
  add(event.target, event.person);
  const [teams, record] = replaceMember(fromHex(result.seed), result.teams, req.inspectors.records, req.teams, avoid, event, removed);
  return { ...result, teams, events: [...result.events, record] };
}

export function replayInspection(req, events) {
  let result = drawInspection(req);
  for (const ev of events) result = replaceInspector(req, result, ev);
  return result;
}

/** An expert request: {reveal, experts: [records], pool, group, headcount, previous, designated}. */
export function expertRequest(o) {
  for (const k of ["pool", "group"]) if (typeof o[k] !== "string" || !o[k]) throw new VerifyError("invalid-input", `the expert request names its ${k}`, { rule: "DRAW-71", subject: k });
  return {
    reveal: o.reveal, experts: o.expertsPool ?? freezeExperts(o.experts), pool: o.pool, group: o.group, headcount: o.headcount,
    previous: (o.previous ?? []).map((p) => [...p]),
    designated: (o.designated ?? []).map((d) => ({ id: d.id, reason: d.reason, approver: d.approver })),
    subject: `${o.pool}/${o.group}`,
  };
}

export function drawExperts(req) {
  const pools = { experts: req.experts.poolRoot() };
  const seed = seedOf(req.reveal, pools);
  const out = header("experts", req.reveal, seed, pools);
  out.pool = req.pool;
  out.group = req.group;
  out.experts = drawExpertPart(seed, req.experts.ids, { subject: req.subject, headcount: req.headcount, previous: req.previous, designated: req.designated });
  out.events = [];
  return out;
}

/** DRAW-63: {expert, reason} applied to `result`. */
export function topUpExperts(req, result, event) {
  const [part, record] = topUp(fromHex(result.seed), result.experts, req.experts.ids, event, { subject: req.subject });
  return { ...result, experts: part, events: [...result.events, record] };
}

export function replayExperts(req, events) {
  let result = drawExperts(req);
  for (const ev of events) result = topUpExperts(req, result, ev);
  return result;
}

export const resultBytes = (result) => canonicalize(result);

/** The first JSON path where a and b differ (as engine._first_difference), or null. */
export function firstDifference(a, b, path = "$") {
  const same = (x, y) => canonicalText({ v: x }) === canonicalText({ v: y });
  if (same(a, b)) return null;
  const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(k in a) || !(k in b)) return `${path}.${k}`;
      if (!same(a[k], b[k])) return firstDifference(a[k], b[k], `${path}.${k}`);
    }
    return path;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (!same(a[i], b[i])) return firstDifference(a[i], b[i], `${path}[${i}]`);
    return `${path}[${n}]`;
  }
  return path;
}

/** DRAW-73: throws rule-violation naming the first differing path unless JCS bytes are equal. */
export function verifyResult(expected, recomputed) {
  const path = firstDifference(expected, recomputed);
  if (path !== null) throw new VerifyError("rule-violation", `the logged draw result differs from the recomputation at ${path}`, { rule: "DRAW-73", subject: path });
}
