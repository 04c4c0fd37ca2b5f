// Tampering: the verifier must refuse a changed input and name what failed — at the draw/v1
// level (vectors with one value changed) and end to end through the orchestrator, over a small
// synthetic log built and signed here (node:crypto Ed25519), with one file changed per case.
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { concat, fromHex, sha256, toBase64, toHex, utf8 } from "../../public_site/static/verify/bytes.mjs";
import { canonicalize } from "../../public_site/static/verify/jcs.mjs";
import * as engine from "../../public_site/static/verify/draw/engine.mjs";
import { entriesPath, leafHash, mthFromLeafHashes, tilePath, tileWidth } from "../../public_site/static/verify/rfc9162.mjs";
import { keyId } from "../../public_site/static/verify/note.mjs";
import { avoidanceTag } from "../../public_site/static/verify/draw/teams.mjs";
import { verifyDraw } from "../../public_site/static/verify/verify-draw.mjs";
import { loadJson } from "./support.mjs";

const clone = (x) => JSON.parse(JSON.stringify(x));

test("a logged team member that was not drawn is a DRAW-73 rule violation naming the path", () => {
  const v = loadJson("draw", "teams-avoidance.json");
  const req = engine.inspectionRequest(v.input);
  const logged = clone(v.expected);
  engine.verifyResult(logged, engine.replayInspection(req, v.input.events));
  const [a, b] = logged.teams.assignments;
  [a.members[1].id, b.members[1].id] = [b.members[1].id, a.members[1].id];
  assert.throws(() => engine.verifyResult(logged, engine.replayInspection(req, v.input.events)),
    { code: "rule-violation", rule: "DRAW-73", subject: "$.teams.assignments[0].members[1].id" });
});

test("one flipped bit of a secret, a pool record or the beacon changes or refuses the draw", () => {
  const v = loadJson("draw", "targets-ratio-default.json");
  const base = engine.drawInspection(engine.inspectionRequest(v.input)).targets.selected;
  const secret = clone(v.input);
  secret.reveal.secrets[0] = (secret.reveal.secrets[0][0] === "0" ? "1" : "0") + secret.reveal.secrets[0].slice(1);
  assert.throws(() => engine.drawInspection(engine.inspectionRequest(secret)), { code: "reveal-mismatch", subject: "secrets[0]" });
  const record = clone(v.input);
  record.targets[0].checks += 1;
  const r = engine.drawInspection(engine.inspectionRequest(record));
  assert.notEqual(r.pools.targets.root, v.expected.pools.targets.root);
  assert.notEqual(r.seed, v.expected.seed);
  const beacon = clone(v.input);
  if (beacon.reveal.beacon) beacon.reveal.beacon.round += 1; else beacon.reveal.beacon = { round: 1, randomness: "00" };
  assert.notDeepEqual(engine.drawInspection(engine.inspectionRequest(beacon)).seed, v.expected.seed);
  assert.ok(base.length > 0);
});

// ---- a synthetic log: one inspection draw with teams and avoidance, then a replacement ------

function encodeIndexPath(entries) {
  const files = new Map();
  const size = entries.length;
  const levels = [entries.map(leafHash)];
  while (levels.at(-1).length >= 256) {
    const prev = levels.at(-1), up = [];
    for (let k = 0; k + 256 <= prev.length; k += 256) up.push(mthFromLeafHashes(prev.slice(k, k + 256)));
    levels.push(up);
  }
  for (let L = 0; L < levels.length; L++) {
    for (let n = 0; n * 256 < levels[L].length; n++) {
      const w = tileWidth(size, L, n);
      if (w) files.set("log/" + tilePath(L, n, w), concat(...levels[L].slice(n * 256, n * 256 + w)));
    }
  }
  for (let n = 0; n * 256 < size; n++) {
    const w = tileWidth(size, 0, n);
    const parts = [];
    for (const e of entries.slice(n * 256, n * 256 + w)) parts.push(new Uint8Array([e.length >> 8, e.length & 255]), e);
    files.set("log/" + entriesPath(n, w), concat(...parts));
  }
  return { files, root: mthFromLeafHashes(levels[0]) };
}

// a genuine drand quicknet round (tests/vectors/beacon/genuine.json, sources cited there)
const QUICKNET_ROUND = JSON.parse(readFileSync(new URL("../vectors/beacon/genuine.json", import.meta.url), "utf-8")).rounds[1];

function buildLog({ beacon = null } = {}) {
  const origin = "test.drawsvc.local/log";
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(-32));
  const kid = keyId(origin, pub);
  const verifierKey = `${origin}+${kid.toString(16).padStart(8, "0")}+${toBase64(concat(new Uint8Array([1]), pub))}`;
  const task = "T2026-0099";
  const secrets = ["a1".repeat(32), "b2".repeat(40)];
  const salt = "c3".repeat(32);
  const targets = Array.from({ length: 40 }, (_, i) => ({ id: `91330100${String(i).padStart(9, "0")}X`, stratum: "", checks: i % 5 === 0 ? 1 : 0, risk: false }));
  const inspectors = Array.from({ length: 8 }, (_, i) => [`ZF${String(i).padStart(4, "0")}`, "SCJG", i % 2 === 0, []]);
  const pairs = [["ZF0000", targets[3].id], ["ZF0002", targets[7].id]];
  const tags = [...new Set(pairs.map(([p, t]) => avoidanceTag(fromHex(salt), p, t)))].sort();
  const env = (kind, body) => ({ schema: "drawsvc/entry/v1", kind, at: "2026-03-02T09:00:00+08:00", actor: { role: "bureau", department: "SCJG", name: "k1" }, body });
  const entries = [];
  const push = (e) => { entries.push(e); return entries.length - 1; };
  const ids = targets.map((t) => t.id).sort();
  const rows = ids.map((id) => targets.find((t) => t.id === id));
  const tChunk = push(env("draw.pool.members", { task, pool: "targets", chunk: 0, chunks: 1, fields: ["id", "stratum", "checks", "risk"], ids: rows.map((r) => r.id).join(""), strata: [["", rows.length]], checks: rows.flatMap((r, k) => (r.checks ? [[k, r.checks]] : [])), risk: [] }));
  const iChunk = push(env("draw.pool.members", { task, pool: "inspectors", chunk: 0, chunks: 1, fields: ["id", "dept", "leader", "specialties"], rows: inspectors }));
  const aChunk = push(env("draw.avoidance", { task, chunk: 0, chunks: 1, tags }));
  const params = { spec: "draw/v1", targets: { mode: "sample", ratio_bp: 1000, count: null, min_ratio_bp: 300, class_ratios_bp: null, strata: [], cap_per_year: 2, prefer_uninspected: true }, teams: { size: 2, departments: [], specialty: null }, experts: null };
  const req = engine.inspectionRequest({
    reveal: { task, round: 1, purpose: "inspection", commitments: secrets.map((s) => toHex(sha256(fromHex(s)))), secrets, beacon: beacon ? { round: beacon.round, randomness: beacon.randomness } : null },
    targets: rows, target_rule: { mode: "ratio", ratio_bp: 1000, min_ratio_bp: 300, cap: 2, uninspected_first: true },
    inspectors: inspectors.map(([id, dept, leader, specialties]) => ({ id, dept, leader, specialties })),
    teams: { size: 2, departments: [], specialty: {} }, avoidance: { salt, tags },
  });
  const result = engine.drawInspection(req);
  const pools = result.pools;
  const commit = push(env("draw.commit", {
    task, round: 1, spec: "draw/v1", params,
    pools: { targets: { ...pools.targets, entries: [tChunk, 1] }, inspectors: { ...pools.inspectors, entries: [iChunk, 1] } },
    avoidance: { ...pools.avoidance, entries: [aChunk, 1], salt_commitment: toHex(sha256(fromHex(salt))) },
    commitments: [{ party: "operator", department: "SCJG", commitment: toHex(sha256(fromHex(secrets[0]))) }, { party: "discipline", department: null, commitment: toHex(sha256(fromHex(secrets[1]))) }],
    beacon: beacon ? { source: "drand-quicknet", round: beacon.round } : null, manual: {}, redraw: null, parent_draw: null, rotation: [], designated: [],
  }));
  const draw = push(env("draw.result", {
    task, round: 1, commit, spec: "draw/v1", reveals: [{ party: "operator", secret: secrets[0] }, { party: "discipline", secret: secrets[1] }],
    beacon: beacon ? { source: "drand-quicknet", round: beacon.round, signature: beacon.signature, value: beacon.randomness } : null,
    avoidance_salt: salt, seed: result.seed, result: { inspection: result, experts: null }, parts: null,
    counts: { targets: result.targets.selected.length, teams: result.teams.assignments.length, experts: 0 },
  }));
  const member = result.teams.assignments[0].members[1];
  const replaced = engine.replaceInspector(req, result, { target: result.teams.assignments[0].target, person: member.id, reason: "病假", approver: "科长" });
  push(env("draw.replace", { task, round: 1, reason: "病假", avoidance: false, event: replaced.events[0] }));
  const raw = entries.map((e) => canonicalize(e));
  const { files, root } = encodeIndexPath(raw);
  const text = `${origin}\n${raw.length}\n${toBase64(root)}\n`;
  const sig = new Uint8Array(sign(null, Buffer.from(text), privateKey));
  const kidBytes = new Uint8Array([kid >>> 24, (kid >>> 16) & 255, (kid >>> 8) & 255, kid & 255]);
  files.set("log/checkpoint", utf8(`${text}\n\u2014 ${origin} ${toBase64(concat(kidBytes, sig))}\n`));
  files.set("log/verifier-key", utf8(verifierKey + "\n"));
  const page = `<td><code data-field="target">${result.targets.selected.join('</code></td><td><code data-field="target">')}</code></td><code class="hex" data-field="seed">${result.seed}</code>`;
  files.set(`draws/${task}.html`, utf8(page));
  return { files, draw, task, entries, raw, result, privateKey, origin, kid };
}


const fetcher = (files) => async (path) => {
  if (!files.has(path)) throw new Error(`404 ${path}`);
  return files.get(path).slice();
};

test("an honest synthetic log verifies, every step passes, the replacement is replayed", async () => {
  const log = buildLog();
  const r = await verifyDraw({ fetchFile: fetcher(log.files), drawIndex: log.draw, task: log.task });
  assert.equal(r.ok, true, JSON.stringify(r.steps));
  assert.deepEqual(r.steps.map((s) => s.code), ["checkpoint.fetch", "checkpoint.signature", "log.tiles", "result.entry", "commit.entry", "log.inclusion", "pools.roots", "reveal.commitments", "beacon.committed", "avoidance.salt", "seed.derive", "result.recompute", "followups.replay", "page.display"]);
  assert.deepEqual(r.draw.followups, [log.draw + 1]);
  for (const s of r.steps) assert.ok(s.label && s.status === "pass");
});

test("an honest log whose draw used a genuine drand round verifies, its signature checked", async () => {
  const log = buildLog({ beacon: QUICKNET_ROUND });
  const r = await verifyDraw({ fetchFile: fetcher(log.files), drawIndex: log.draw, task: log.task });
  assert.equal(r.ok, true, JSON.stringify(r.steps));
  const codes = r.steps.map((s) => s.code);
  assert.ok(codes.indexOf("beacon.committed") < codes.indexOf("beacon.signature") && codes.indexOf("beacon.signature") < codes.indexOf("seed.derive"));
});

const beaconCases = {
  "a flipped signature byte (randomness recomputed)": (b) => {
    const sig = fromHex(b.signature); sig[24] ^= 1; b.signature = toHex(sig); b.value = toHex(sha256(sig));
  },
  "a randomness not from the signature": (b) => { b.value = "00".repeat(32); },
  "no signature": (b) => { delete b.signature; },
  "an unknown source (commitment too)": (b, c) => { b.source = "drand-default"; c.source = "drand-default"; },
};
for (const [name, tamper] of Object.entries(beaconCases)) {
  test(`tampered beacon, re-signed log: ${name} -> beacon.signature fails`, async () => {
    const log = buildLog({ beacon: QUICKNET_ROUND });
    const files = new Map([...log.files].map(([k, v]) => [k, v.slice()]));
    const e = clone(log.entries[log.draw]);
    const c = clone(log.entries[e.body.commit]);
    tamper(e.body.beacon, c.body.beacon);
    log.raw[log.draw] = canonicalize(e); log.raw[e.body.commit] = canonicalize(c); resign(log, files);
    const r = await verifyDraw({ fetchFile: fetcher(files), drawIndex: log.draw, task: log.task });
    assert.equal(r.ok, false);
    assert.equal(r.failed, "beacon.signature", JSON.stringify(r.steps.map((s) => [s.code, s.ok, s.reason])));
    assert.ok(r.steps.find((s) => !s.ok).reason.includes("信标"));
  });
}

function resign(log, files) {
  // a dishonest operator re-signs a changed log with its own key: tiles and checkpoint consistent
  const { files: fresh, root } = encodeIndexPath(log.raw);
  for (const [k, v] of fresh) files.set(k, v);
  const text = `${log.origin}\n${log.raw.length}\n${toBase64(root)}\n`;
  const sig = new Uint8Array(sign(null, Buffer.from(text), log.privateKey));
  const kid = log.kid;
  files.set("log/checkpoint", utf8(`${text}\n\u2014 ${log.origin} ${toBase64(concat(new Uint8Array([kid >>> 24, (kid >>> 16) & 255, (kid >>> 8) & 255, kid & 255]), sig))}\n`));
}

const cases = {
  "checkpoint signature": ["checkpoint.signature", (log, files) => {
    const cp = files.get("log/checkpoint"); cp[cp.length - 10] ^= 1;
  }],
  "another log's key": ["checkpoint.signature", (log, files) => {
    files.set("log/verifier-key", utf8("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
  }],
  "a tile hash": ["log.tiles", (log, files) => {
    const t = files.get("log/tile/0/000.p/" + log.raw.length); t[log.raw.length * 32 - 1] ^= 1;
  }],
  "a seed byte in an entry bundle": ["log.inclusion", (log, files) => {
    const path = "log/tile/entries/000.p/" + log.raw.length;
    const b = files.get(path);
    const text = Buffer.from(b).toString("latin1");
    const at = text.indexOf(log.result.seed);
    b[at] = b[at] === 0x30 ? 0x31 : 0x30;
  }],
  "a drawn target shown on the page": ["page.display", (log, files) => {
    const p = `draws/${log.task}.html`;
    files.set(p, utf8(Buffer.from(files.get(p)).toString("utf8").replace('data-field="target">9', 'data-field="target">8')));
  }],
  "a re-signed log with another seed": ["seed.derive", (log, files) => {
    const e = clone(log.entries[log.draw]); e.body.seed = "00" + e.body.seed.slice(2); log.raw[log.draw] = canonicalize(e); resign(log, files);
  }],
  "a re-signed log with another team member": ["result.recompute", (log, files) => {
    const e = clone(log.entries[log.draw]); const a = e.body.result.inspection.teams.assignments;
    [a[0].members[1].id, a[1].members[1].id] = [a[1].members[1].id, a[0].members[1].id];
    log.raw[log.draw] = canonicalize(e); resign(log, files);
  }],
  "a re-signed log with a changed pool record": ["pools.roots", (log, files) => {
    const e = clone(log.entries[0]); e.body.checks = [...e.body.checks, [1, 3]].sort((x, y) => x[0] - y[0]);
    log.raw[0] = canonicalize(e); resign(log, files);
  }],
  "a re-signed log with a wrong reveal": ["reveal.commitments", (log, files) => {
    const e = clone(log.entries[log.draw]); e.body.reveals[1].secret = "b3" + e.body.reveals[1].secret.slice(2);
    log.raw[log.draw] = canonicalize(e); resign(log, files);
  }],
  "a re-signed log with a forged replacement": ["followups.replay", (log, files) => {
    const i = log.draw + 1; const e = clone(log.entries[i]);
    e.body.event.replacement = e.body.event.replacement === "ZF0007" ? "ZF0006" : "ZF0007";
    log.raw[i] = canonicalize(e); resign(log, files);
  }],
};

for (const [name, [code, tamper]] of Object.entries(cases)) {
  test(`tampered: ${name} -> ${code} fails`, async () => {
    const log = buildLog();
    const files = new Map([...log.files].map(([k, v]) => [k, v.slice()]));
    tamper(log, files);
    const r = await verifyDraw({ fetchFile: fetcher(files), drawIndex: log.draw, task: log.task });
    assert.equal(r.ok, false);
    assert.equal(r.failed, code, JSON.stringify(r.steps.map((s) => [s.code, s.ok, s.reason])));
    const bad = r.steps.find((s) => !s.ok);
    assert.ok(bad.reason.length > 0 && bad.label.length > 0);
    assert.equal(r.steps.filter((s) => !s.ok).length, 1);
  });
}

test("the follow-up rows of a draw page are found by kind", async () => {
  const { followupsOnPage } = await import("../../public_site/static/verify/verify-draw.mjs");
  const html = '<tr class="event" id="log-7" data-log-index="7" data-kind="draw.replace"><td>x</td></tr>'
    + '<tr class="event" data-log-index="9" data-kind="task.lock"></tr><tr data-kind="draw.expert.topup" data-log-index="12">';
  assert.deepEqual(followupsOnPage(html), [7, 12]);
});

// A big draw's page shows its first targets and lists every code in a text file
// (`data-targets-list`, docs/site.md §1): page.display compares that file with the result.
function bigDrawPage(log, files, { list, total } = {}) {
  const selected = log.result.targets.selected;
  const path = `draws/${log.task}.targets.txt`;
  files.set(path, utf8(list ?? selected.map((u) => `${u}\n`).join("")));
  const page = `<p id="targets-pages" data-targets-total="${total ?? selected.length}" data-targets-list="${path}"></p>`
    + `<td><code data-field="target">${selected[0]}</code></td><code class="hex" data-field="seed">${log.result.seed}</code>`;
  files.set(`draws/${log.task}.html`, utf8(page));
  return selected;
}

const bigCases = {
  "a code changed in the list": (s) => ({ list: s.map((u, i) => `${i === 1 ? "9".repeat(18) : u}\n`).join("") }),
  "two codes swapped in the list": (s) => ({ list: [s[1], s[0], ...s.slice(2)].map((u) => `${u}\n`).join("") }),
  "a code missing from the list": (s) => ({ list: s.slice(1).map((u) => `${u}\n`).join("") }),
  "the list without its final newline": (s) => ({ list: s.join("\n") }),
  "another total on the page": (s) => ({ total: s.length + 1 }),
};

test("a big draw's page with its list of codes verifies", async () => {
  const log = buildLog();
  const files = new Map([...log.files].map(([k, v]) => [k, v.slice()]));
  assert.ok(bigDrawPage(log, files).length >= 2);
  const r = await verifyDraw({ fetchFile: fetcher(files), drawIndex: log.draw, task: log.task });
  assert.equal(r.ok, true, JSON.stringify(r.steps.map((s) => [s.code, s.ok, s.reason])));
});

for (const [name, change] of Object.entries(bigCases)) {
  test(`tampered big draw page: ${name} -> page.display fails`, async () => {
    const log = buildLog();
    const files = new Map([...log.files].map(([k, v]) => [k, v.slice()]));
    bigDrawPage(log, files, change(log.result.targets.selected));
    const r = await verifyDraw({ fetchFile: fetcher(files), drawIndex: log.draw, task: log.task });
    assert.equal(r.failed, "page.display", JSON.stringify(r.steps.map((s) => [s.code, s.ok, s.reason])));
    assert.equal(r.steps.filter((s) => !s.ok).length, 1);
  });
}

test("a big draw page whose list of codes cannot be read fails page.display", async () => {
  const log = buildLog();
  const files = new Map([...log.files].map(([k, v]) => [k, v.slice()]));
  bigDrawPage(log, files);
  files.delete(`draws/${log.task}.targets.txt`);
  const r = await verifyDraw({ fetchFile: fetcher(files), drawIndex: log.draw, task: log.task });
  assert.equal(r.failed, "page.display");
});
