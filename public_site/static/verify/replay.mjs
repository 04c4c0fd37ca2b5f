// A draw recomputed from decoded log entries alone (docs/specs/entries.md §4–§5,
// docs/tasks.md §5). Port of drawsvc/tasks/logread.py (inputs), drawsvc/tasks/replay.py (the
// one mapping from log entries to engine requests) and drawsvc/tasks/verify.py (checks V-1 … V-5).
// Pure: `read(index)` returns a decoded entry (may be async); nothing else is consulted.
import { compareIds, concat, fromHex, sha256, toHex, utf8, VerifyError } from "./bytes.mjs";
import * as engine from "./draw/engine.mjs";
import { canonicalText, matchesCanonical } from "./jcs.mjs";
import { freezeAsync, freezeAvoidance, freezeExperts, freezeInspectors, freezeTargets } from "./draw/pool.mjs";
import { verifyReveal } from "./draw/seed.mjs";
import { Avoidance } from "./draw/teams.mjs";

/** A check of the replay failed: `step` is the verifier step code it belongs to. */
export class ReplayError extends VerifyError {
  constructor(step, what, message, index = null) {
    super("draw-mismatch", `${what}: ${message}` + (index !== null ? `（日志条目 ${index}）` : ""), { subject: what, index });
    this.step = step;
    this.what = what;
    this.index = index;
  }
}

const USCC_LENGTH = 18;
const ALL_CAP = 10001;

function expect(entry, kind, index, task = null, step = "log.entries") {
  if (!entry || entry.kind !== kind) throw new ReplayError(step, "kind", `log entry ${index} is ${JSON.stringify(entry?.kind)}, expected ${kind}`, index);
  const body = entry.body;
  if (!body || typeof body !== "object") throw new ReplayError(step, "body", `log entry ${index} has no object body`, index);
  if (task !== null && body.task !== task) throw new ReplayError(step, "task", `log entry ${index} belongs to task ${JSON.stringify(body.task)}, not ${JSON.stringify(task)}`, index);
  return body;
}

function span(task, s) {
  const first = Number(s?.[0]), count = Number(s?.[1]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || count < 1 || first < 0) throw new ReplayError("pools.roots", "entries", `task ${task}: bad chunk span ${JSON.stringify(s)}`);
  return [first, count];
}

/** Inverse of replay.encode_target_chunk: rows {id, stratum, checks, risk} of one chunk. */
export function decodeTargetChunk(body) {
  const { ids, strata, checks, risk } = body;
  const bad = (m) => { throw new Error(m); };
  if (typeof ids !== "string" || ids.length % USCC_LENGTH || !Array.isArray(strata) || !Array.isArray(checks) || !Array.isArray(risk)) bad("a targets chunk needs ids, strata, checks and risk");
  const n = ids.length / USCC_LENGTH;
  const column = [];
  for (const run of strata) {
    if (!(Array.isArray(run) && run.length === 2 && typeof run[0] === "string" && Number.isInteger(run[1]) && run[1] > 0)) bad("a strata run is [stratum, count > 0]");
    for (let k = 0; k < run[1]; k++) column.push(run[0]);
  }
  if (column.length !== n) bad("strata runs do not cover the ids");
  const counts = new Array(n).fill(0);
  for (const item of checks) {
    if (!(Array.isArray(item) && item.length === 2 && Number.isInteger(item[0]) && item[0] >= 0 && item[0] < n && Number.isInteger(item[1]) && item[1] > 0)) bad("checks are [offset, n > 0] within the chunk");
    counts[item[0]] = item[1];
  }
  const flags = new Array(n).fill(false);
  for (const k of risk) {
    if (!(Number.isInteger(k) && k >= 0 && k < n)) bad("risk offsets lie within the chunk");
    flags[k] = true;
  }
  return Array.from({ length: n }, (_, k) => ({ id: ids.slice(k * 18, k * 18 + 18), stratum: column[k], checks: counts[k], risk: flags[k] }));
}

async function readChunks(read, kind, task, s, key, pool = null) {
  const [first, count] = span(task, s);
  const out = [];
  let head = null;
  for (let i = 0; i < count; i++) {
    const body = expect(await read(first + i), kind, first + i, task, "pools.roots");
    if (body.chunk !== i || body.chunks !== count || (pool !== null && body.pool !== pool)) {
      throw new ReplayError("pools.roots", "chunks", `log entry ${first + i}: chunk ${body.chunk}/${body.chunks} of ${kind} is out of order (expected ${i}/${count})`, first + i);
    }
    head ??= body;
    if (kind === "draw.pool.members" && pool === "targets") {
      try { out.push(...decodeTargetChunk(body)); } catch (e) { throw new ReplayError("pools.roots", "chunks", `log entry ${first + i}: ${e.message}`, first + i); }
    } else {
      out.push(...body[key]);
    }
  }
  return [out, head];
}

/** logread.inputs_from_entries: {task, round, commitIndex, commit, pools: {name: rows}, avoidance}. */
export async function inputsFromEntries(read, commitIndex) {
  const commit = expect(await read(commitIndex), "draw.commit", commitIndex, null, "commit.entry");
  const task = commit.task;
  const inputs = { task, round: Number(commit.round), commitIndex, commit, pools: {}, fields: {}, avoidance: [] };
  for (const pool of Object.keys(commit.pools).sort()) {
    const ref = commit.pools[pool];
    const [rows, head] = await readChunks(read, "draw.pool.members", task, ref.entries, "rows", pool);
    inputs.pools[pool] = rows;
    inputs.fields[pool] = pool === "targets" ? ["id", "stratum", "checks", "risk"] : [...(head?.fields ?? [])];
  }
  if (commit.avoidance) [inputs.avoidance] = await readChunks(read, "draw.avoidance", task, commit.avoidance.entries, "tags");
  return inputs;
}

/** logread.result_of: [draw.result body, result object] (parts joined, E-6). */
export async function resultOf(read, drawIndex) {
  const body = expect(await read(drawIndex), "draw.result", drawIndex, null, "result.entry");
  if (body.result != null) return [body, body.result];
  const [first, count] = span(body.task, body.parts);
  let text = "";
  for (let i = 0; i < count; i++) {
    const part = expect(await read(first + i), "draw.result.part", first + i, body.task, "result.entry");
    if (part.chunk !== i || part.chunks !== count || part.round !== body.round) throw new ReplayError("result.entry", "parts", `log entry ${first + i}: result part ${part.chunk}/${part.chunks} out of order (expected ${i}/${count})`, first + i);
    text += part.text;
  }
  try { const r = JSON.parse(text); Object.defineProperty(r, JCS_TEXT, { value: text }); return [body, r]; } catch { throw new ReplayError("result.entry", "parts", `log entry ${drawIndex}: the joined result parts are not JSON`, drawIndex); }
}

/**
 * verify.draw_of: a draw.result as resultOf gives it, with seal null; a draw.sealed
 * (docs/specs/sealed-draws.md) before its draw.disclose: [body, null, seal]; after it, the body a
 * draw.result would have had and the disclosed result, once the disclosure opens the sealed
 * commitment: SHA-256(salt ‖ RFC 8785(plaintext)) (SEAL-3) and binds this draw (SEAL-9).
 * `later()`: the [index, entry] pairs after the draw.
 */
export async function drawOf(read, drawIndex, later) {
  const entry = await read(drawIndex);
  if (entry?.kind !== "draw.sealed") return [...(await resultOf(read, drawIndex)), null];
  const body = expect(entry, "draw.sealed", drawIndex, null, "result.entry");
  const sealed = body.sealed ?? {};
  const seal = { spec: sealed.spec, commitment: sealed.commitment, opens: sealed.opens, disclosed: null };
  const found = (await later()).filter(([, e]) => e.kind === "draw.disclose" && e.body?.task === body.task && e.body?.sealed === drawIndex);
  if (found.length === 0) return [body, null, seal];
  const fail = (what, message, index) => new ReplayError("seal.disclosure", what, message, index);
  if (found.length > 1) throw fail("disclose", "the sealed draw is disclosed twice", found[1][0]);
  const [index, { body: d }] = found[0];
  if (d.round !== body.round || d.commitment !== sealed.commitment) throw fail("disclose.commitment", "the disclosure names another round or commitment", index);
  let plaintext = d.plaintext;
  if (d.parts != null) {
    const [first, count] = span(body.task, d.parts);
    let text = "";
    for (let i = 0; i < count; i++) {
      const part = expect(await read(first + i), "draw.disclose.part", first + i, body.task, "seal.disclosure");
      if (part.chunk !== i || part.chunks !== count || part.round !== d.round) throw fail("disclose.parts", `log entry ${first + i}: disclosure part out of order (expected ${i}/${count})`, first + i);
      text += part.text;
    }
    try { plaintext = JSON.parse(text); } catch { throw fail("disclose.parts", "the joined plaintext is not JSON", index); }
  }
  if (typeof d.salt !== "string" || !/^[0-9a-f]{64}$/.test(d.salt)) throw fail("disclose.salt", "the salt is not 64 lower-case hex digits", index);
  if (plaintext === null || typeof plaintext !== "object" || Array.isArray(plaintext)) throw fail("disclose.plaintext", "the plaintext is not an object", index);
  if (toHex(sha256(concat(fromHex(d.salt), utf8(canonicalText(plaintext))))) !== sealed.commitment) {
    throw fail("disclose.plaintext", "SHA-256(salt ‖ RFC8785(plaintext)) is not the sealed commitment", index);
  }
  for (const key of ["task", "round", "commit"]) {
    if (plaintext[key] !== body[key]) throw fail(`disclose.plaintext.${key}`, "the plaintext binds another draw", index);
  }
  seal.disclosed = index;
  const opened = { task: plaintext.task, round: plaintext.round, commit: plaintext.commit, reveals: plaintext.reveals, beacon: plaintext.beacon,
    avoidance_salt: plaintext.avoidance_salt, seed: plaintext.seed, spec: body.spec, counts: body.counts, parts: null, result: plaintext.result };
  return [opened, plaintext.result, seal];
}

/** The frozen pool of logged rows (draw-spec §5), as replay.freeze; pages hashed by WebCrypto. */
function freeze(pool, rows) {
  if (pool === "targets") return freezeAsync(freezeTargets, rows.map((r) => (Array.isArray(r) ? { id: r[0], stratum: r[1], checks: r[2], risk: r[3] } : r)));
  if (pool === "inspectors") return freezeAsync(freezeInspectors, rows.map((r) => ({ id: r[0], dept: r[1], leader: r[2], specialties: [...r[3]] })));
  return freezeAsync(freezeExperts, rows.map((r) => ({ id: r[0] })));
}

/** replay.check_reveals: secrets matched to commitments by party (DRAW-6). */
export function checkReveals(commitments, reveals) {
  const byParty = new Map();
  reveals.forEach((r, i) => {
    if (byParty.has(r.party)) throw new VerifyError("invalid-input", `reveals[${i}].party: revealed twice`, { rule: "DRAW-6", subject: `reveals[${i}].party` });
    if (typeof r.secret !== "string" || !/^(?:[0-9a-fA-F]{2})*$/.test(r.secret)) throw new VerifyError("invalid-input", `reveals[${i}].secret: a secret is hex`, { rule: "DRAW-5", subject: `reveals[${i}].secret` });
    byParty.set(r.party, r.secret.toLowerCase());
  });
  const out = [];
  for (const c of commitments) {
    if (!byParty.has(c.party)) throw new VerifyError("reveal-mismatch", `the ${c.party} secret is not revealed`, { rule: "DRAW-6", subject: c.party });
    out.push({ party: c.party, secret: byParty.get(c.party) });
    byParty.delete(c.party);
  }
  if (byParty.size) {
    const extra = [...byParty.keys()].map(String).sort()[0];
    throw new VerifyError("reveal-mismatch", `a secret is revealed for ${extra}, who made no commitment`, { rule: "DRAW-6", subject: extra });
  }
  commitments.forEach((c, k) => {
    try { verifyReveal([c.commitment], [fromHex(out[k].secret)]); } catch (e) {
      throw new VerifyError("reveal-mismatch", `the ${c.party} secret does not match its commitment`, { rule: e.rule, subject: c.party });
    }
  });
  return out;
}

/** params.engine_class_caps (entries.md §3 P-5). */
function engineClassCaps(t) {
  if (!t || t.mode !== "sample" || !t.class_caps_per_year || !Object.keys(t.class_caps_per_year).length) return {};
  const caps = t.class_caps_per_year;
  if (t.class_ratios_bp && Object.keys(t.class_ratios_bp).length) return { ...caps };
  if (JSON.stringify(t.strata ?? []) === '["credit"]') return Object.fromEntries(Object.entries(caps).map(([k, v]) => [`credit=${k}`, v]));
  throw new VerifyError("invalid-input", "per-class caps need per-class ratios or strata [\"credit\"]", { rule: "params.class-caps-need-class", subject: "params.targets.class_caps_per_year" });
}

/** replay.target_rule: logged target parameters -> the engine's rule object (JSON form). */
export function targetRule(t) {
  if (t.mode === "all") return { mode: "ratio", ratio_bp: 10000, cap: ALL_CAP };
  const common = { min_ratio_bp: t.min_ratio_bp || 0, cap: t.cap_per_year, uninspected_first: t.prefer_uninspected, class_caps: engineClassCaps(t) };
  if ((t.strata && t.strata.length) || t.count != null) return { mode: "stratified", count: t.count ?? null, ratio_bp: t.ratio_bp ?? null, ...common };
  return { mode: "ratio", ratio_bp: t.ratio_bp || 0, class_ratio_bp: { ...(t.class_ratios_bp ?? {}) }, ...common };
}

function reveal(inputs, purpose, secrets, beacon) {
  return {
    task: inputs.task, round: inputs.round, purpose,
    commitments: inputs.commit.commitments.map((c) => c.commitment),
    secrets: secrets.map((s) => s.secret),
    beacon: beacon ? { round: beacon.round, randomness: beacon.value } : null,
  };
}

/** The engine requests of one commitment round (replay.inspection_request / expert_request). */
export function requests(inputs, secrets, beacon, salt, frozen) {
  const p = inputs.commit.params;
  let inspection = null, experts = null;
  if (p.targets != null) {
    const targets = frozen.targets;
    const teams = p.teams ?? null;
    inspection = engine.inspectionRequest({
      reveal: reveal(inputs, "inspection", secrets, beacon),
      targetsPool: targets,
      target_rule: targetRule(p.targets),
      inspectorsPool: teams ? frozen.inspectors : null,
      teams: teams ? { size: teams.size, departments: teams.departments, specialty: teams.specialty ? Object.fromEntries(targets.ids.map((id) => [id, teams.specialty])) : {} } : null,
      avoidance: null,
    });
    if (teams && salt) inspection.avoidance = new Avoidance(fromHex(salt), inputs.avoidance);
  }
  if (p.experts != null) {
    const e = p.experts;
    experts = engine.expertRequest({
      reveal: reveal(inputs, "experts", secrets, beacon), expertsPool: frozen.experts, pool: e.pool, group: e.group,
      headcount: e.headcount, previous: (inputs.commit.rotation ?? []).map((r) => r.panel), designated: inputs.commit.designated ?? [],
    });
  }
  return { inspection, experts };
}

/** replay.designate_leader (DRAW-44a): not random, no stream read. */
export function designateLeader(result, inspectors, { target, person, reason, approver }) {
  const ins = result.inspection;
  if (!ins || !ins.teams) throw new VerifyError("invalid-input", "this draw has no teams", { rule: "DRAW-44a", subject: "teams" });
  const assignments = ins.teams.assignments.map((a) => ({ ...a, members: a.members.map((m) => ({ ...m })) }));
  const team = assignments.find((a) => a.target === target);
  if (!team) throw new VerifyError("invalid-input", `target ${target}: no team in this draw`, { rule: "DRAW-44a", subject: "target" });
  if (!team.members.some((m) => m.id === person)) throw new VerifyError("invalid-input", `person ${person}: not a member of the team of ${target}`, { rule: "DRAW-44a", subject: "person" });
  const previous = team.members.find((m) => m.leader)?.id ?? null;
  for (const m of team.members) {
    if (m.id === person) Object.assign(m, { leader: true, designated: true });
    else if (m.leader) Object.assign(m, { leader: false, designated: false });
  }
  const record = { kind: "designate", role: "leader", target, person, reason, approver, previous, leader_eligible: inspectors.some((r) => r[0] === person && Boolean(r[2])) };
  return { ...result, inspection: { ...ins, teams: { ...ins.teams, assignments }, events: [...ins.events, record] } };
}

// the joined text of a result logged in parts: it is the JCS text itself (E-6), so an honest
// result is compared as one string instead of being canonicalized a second time
const JCS_TEXT = Symbol("jcs text");

function compare(step, what, logged, recomputed, index) {
  if (logged === null || typeof logged !== "object" || Array.isArray(logged)) throw new ReplayError(step, what, "the logged value is not an object", index);
  if (logged[JCS_TEXT] !== undefined && matchesCanonical(recomputed, logged[JCS_TEXT])) return;
  const path = engine.firstDifference(logged, recomputed);
  if (path !== null) throw new ReplayError(step, `${what}${path.slice(1)}`, "the logged value differs from the recomputation", index);
}

/**
 * Checks V-1 … V-5 of drawsvc/tasks/verify.py, each reported through `step(code, fn)` (the
 * orchestrator's step runner: it records 通过/未通过 and rethrows). `later()`: async, the
 * [index, entry] pairs after the draw to scan for follow-ups (read only when V-5 runs). Returns {task, round, seed, result, final,
 * followups}.
 */
export async function verifyDrawEntries(read, drawIndex, later, step) {
  const [body, logged, seal] = await step("result.entry", async () => drawOf(read, drawIndex, later));
  const task = body.task, round = body.round;
  const inputs = await step("commit.entry", async () => {
    const inp = await inputsFromEntries(read, Number(body.commit));
    if (inp.commit.task !== task || inp.commit.round !== round) throw new ReplayError("commit.entry", "commit", `draw of ${task} round ${round} cites a commitment of ${inp.commit.task} round ${inp.commit.round}`, drawIndex);
    return inp;
  });
  const commit = inputs.commit;
  const frozen = await step("pools.roots", async () => {
    const out = {};
    for (const [pool, ref] of Object.entries(commit.pools)) {
      const rows = inputs.pools[pool];
      if (rows.length !== ref.size) throw new ReplayError("pools.roots", `pools.${pool}.size`, `${rows.length} rows logged, ${ref.size} committed`, inputs.commitIndex);
      out[pool] = await freeze(pool, rows);
      if (out[pool].root !== ref.root) throw new ReplayError("pools.roots", `pools.${pool}.root`, "the logged members do not rebuild the committed root", inputs.commitIndex);
    }
    const av = commit.avoidance;
    if (av && (inputs.avoidance.length !== av.size || (await freezeAsync(freezeAvoidance, inputs.avoidance)).root !== av.root)) {
      throw new ReplayError("pools.roots", "avoidance.root", "the logged avoidance tags do not rebuild the committed root", inputs.commitIndex);
    }
    return out;
  });
  if (seal !== null) {
    await step("seal.sealed", async () => {
      const wanted = commit.params?.seal ?? null;
      if (seal.spec !== "drawsvc/seal/v1" || wanted === null || canonicalText(seal.opens ?? null) !== canonicalText(wanted.opens ?? null)) {
        throw new ReplayError("seal.sealed", "sealed.opens", "the seal is not the one the committed parameters ask for", drawIndex);
      }
      return seal;
    });
    if (logged === null) {  // not disclosed yet: what the log allows has been checked (SEAL-9)
      return { task, round, seed: null, result: null, final: null, followups: [], commitIndex: inputs.commitIndex, body, seal };
    }
    await step("seal.disclosure", async () => seal);
  }
  const secrets = await step("reveal.commitments", async () => {
    try { return checkReveals(commit.commitments, body.reveals ?? []); } catch (e) {
      throw new ReplayError("reveal.commitments", "reveals", e.message, drawIndex);
    }
  });
  const beacon = body.beacon ?? null;
  await step("beacon.committed", async () => {
    const announced = commit.beacon ?? null;
    if ((announced === null) !== (beacon === null) || (beacon && (beacon.source !== announced.source || beacon.round !== announced.round || Object.keys(announced).length !== 2))) {
      throw new ReplayError("beacon.committed", "beacon", "the beacon used is not the committed one", drawIndex);
    }
  });
  if (beacon !== null) {  // BEACON-1…4 (docs/specs/beacon.md); @noble/curves loaded only here
    await step("beacon.signature", async () => (await import("./beacon.mjs")).verifyLoggedBeacon(beacon, commit.beacon));
  }
  const salt = body.avoidance_salt ?? null;
  if (commit.avoidance) {
    await step("avoidance.salt", async () => {
      if (typeof salt !== "string" || !/^(?:[0-9a-f]{2})+$/.test(salt) || toHex(sha256(fromHex(salt))) !== commit.avoidance.salt_commitment) {
        throw new ReplayError("avoidance.salt", "avoidance.salt", "the revealed avoidance salt does not match its commitment", drawIndex);
      }
    });
  }
  const reqs = requests(inputs, secrets, beacon, salt, frozen);
  const recomputed = await step("seed.derive", async () => {
    const out = {
      inspection: reqs.inspection ? engine.drawInspection(reqs.inspection) : null,
      experts: reqs.experts ? engine.drawExperts(reqs.experts) : null,
    };
    const seed = (out.inspection ?? out.experts)?.seed;
    if (body.seed !== seed) throw new ReplayError("seed.derive", "seed", "the logged seed is not the one derived from the reveals, pool roots and beacon", drawIndex);
    return out;
  });
  await step("result.recompute", async () => {
    compare("result.recompute", "result", logged, recomputed, drawIndex);
    if (seal !== null) {  // SEAL-9: the counts published while sealed are the disclosed result's
      const teams = recomputed.inspection?.teams?.assignments ?? [];
      const counts = { targets: (recomputed.inspection?.targets?.selected ?? []).length, teams: teams.length, experts: (recomputed.experts?.experts?.panel ?? []).length };
      if (canonicalText(body.counts ?? null) !== canonicalText(counts)) throw new ReplayError("result.recompute", "counts", "the sealed counts are not those of the disclosed result", drawIndex);
    }
  });
  let state = recomputed;
  const followups = [];
  await step("followups.replay", async () => {
    for (const [index, entry] of await later()) {
      const b = entry.body ?? {};
      if (b.task !== task || b.round !== round) continue;
      if (entry.kind === "draw.expert.topup") {
        const ev = b.event;
        if (!reqs.experts || !state.experts) throw new ReplayError("followups.replay", "topup", "this draw has no experts", index);
        state = { ...state, experts: engine.topUpExperts(reqs.experts, state.experts, { expert: ev.expert, reason: ev.reason }) };
        compare("followups.replay", "topup", ev, state.experts.events.at(-1), index);
      } else if (entry.kind === "draw.replace") {
        const ev = b.event;
        if (!reqs.inspection || !state.inspection) throw new ReplayError("followups.replay", "replace", "this draw has no teams", index);
        state = { ...state, inspection: engine.replaceInspector(reqs.inspection, state.inspection, { target: ev.target, person: ev.person, reason: ev.reason, approver: ev.approver }) };
        compare("followups.replay", "replace", ev, state.inspection.events.at(-1), index);
      } else if (entry.kind === "draw.designate" && b.role === "leader") {
        try {
          state = designateLeader(state, inputs.pools.inspectors ?? [], { target: b.target, person: b.person, reason: b.reason ?? "", approver: b.approver ?? "" });
        } catch (e) { throw new ReplayError("followups.replay", "designate", e.message, index); }
        if (b.leader_eligible !== state.inspection.events.at(-1).leader_eligible) throw new ReplayError("followups.replay", "designate.leader_eligible", "the logged flag is not the inspector pool's", index);
      } else continue;
      followups.push(index);
    }
    return followups;
  });
  if (commit.parent_draw != null) {
    await step("subdraw.share", async () => checkShare(read, inputs, Number(commit.parent_draw)));
  }
  return { task, round, seed: body.seed, result: logged, final: state, followups, commitIndex: inputs.commitIndex, body, seal };
}

/**
 * V-6: a sub-draw's parent draw recomputes (V-1 … V-4), was locked before the sub-draw's
 * commitment, and the sub-draw's targets pool is exactly its unit's share of it (the dispatched
 * targets, or all the parent's drawn targets when nothing was dispatched to the unit).
 */
async function checkShare(read, inputs, parentDraw) {
  const fail = (what, message, index = inputs.commitIndex) => new ReplayError("subdraw.share", what, message, index);
  const parent = await verifyDrawEntries(read, parentDraw, async () => [], async (code, fn) => {
    try { return await fn(); } catch (e) {
      if (e?.step === "log.inclusion") throw e;
      throw fail(`parent.${code}`, e?.message ?? String(e), parentDraw);
    }
  });
  let create = null;
  for (let i = inputs.commitIndex - 1; i >= 0 && create === null; i--) {
    const e = await read(i);
    if (e.kind === "task.create" && e.body?.task === inputs.task) create = e.body;
  }
  if (!create) throw fail("parent", `no task.create entry for ${inputs.task}`);
  if (create.parent !== parent.task) throw fail("parent", `sub-draw ${inputs.task} cites a draw of ${parent.task}`);
  const dispatched = new Map();
  let locked = false;
  for (let i = parentDraw + 1; i < inputs.commitIndex; i++) {
    const e = await read(i);
    const b = e.body ?? {};
    if (b.task !== parent.task || b.round !== parent.round) continue;
    if (e.kind === "task.lock" && b.draw === parentDraw) locked = true;
    if (e.kind === "task.dispatch") {
      for (const [u, ts] of Object.entries(b.units ?? {})) dispatched.set(u, [...(dispatched.get(u) ?? []), ...ts]);
    }
  }
  if (!locked) throw fail("parent_draw", `sub-draw ${inputs.task} was committed before ${parent.task}'s draw was locked`);
  const share = (dispatched.get(create.unit) ?? parent.result.inspection?.targets?.selected ?? []).slice().sort(compareIds);
  const ids = (inputs.pools.targets ?? []).map((r) => r.id);
  if (JSON.stringify(ids) !== JSON.stringify(share)) throw fail("pools.targets", `sub-draw ${inputs.task} targets are not ${create.unit}'s share of ${parent.task}`);
}

