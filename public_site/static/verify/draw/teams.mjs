// draw/v1 inspection teams and replacements (docs/draw-spec.md §8, §9; DRAW-40 … DRAW-54).
// Port of drawsvc/draw/teams.py. Inspectors are pool records {id, dept, leader, specialties}
// in pool order; indices below are pool positions.
import { compareIds, toHex, utf8, VerifyError } from "../bytes.mjs";
import { HmacSha256 } from "../sha256.mjs";
import { DrawStream } from "./stream.mjs";

export const REASON_AVOIDANCE = "avoidance";
const infeasible = (msg, rule, subject, extra = {}) => new VerifyError("draw-infeasible", msg, { rule, subject, ...extra });
const invalid = (msg, rule, subject = null) => new VerifyError("invalid-input", msg, { rule, subject });

/**
 * The avoidance set of a task (§8.4): salt and tags. A pair is avoided when
 * HMAC-SHA256(salt, JCS({"person": p, "target": t})) is a tag (DRAW-49), or when it was declared
 * after the draw (a replacement with reason "avoidance", §9).
 */
export class Avoidance {
  constructor(salt, tags, extra = new Set()) {
    if (!(salt instanceof Uint8Array) || salt.length < 16) throw invalid("the avoidance salt is at least 16 bytes", "DRAW-46", "avoidance.salt");
    for (const t of tags) if (typeof t !== "string" || !/^[0-9a-f]{64}$/.test(t)) throw invalid("an avoidance tag is 64 lowercase hex digits", "DRAW-49", "avoidance.tags");
    this.salt = salt;
    this.tags = new Set(tags);
    // the tags' first 32 bits: most pairs are refused by a number look-up, no hex text built
    this.prefixes = new Set([...this.tags].map((t) => parseInt(t.slice(0, 8), 16)));
    this.extra = extra;
    // RFC 2104 with the key set up once: inner/outer SHA-256 states after K' xor ipad/opad
    this.hmac = new HmacSha256(salt);
    this.heads = new Map();
    this.tails = new Map();
  }

  static empty() {
    return new Avoidance(new Uint8Array(16), []);
  }

  hexTags() {
    return [...this.tags].sort();
  }

  tag(person, target) {
    return toHex(this.tagBytes(person, target));
  }

  tagBytes(person, target) {
    // the inner state with `{"person":<p>` absorbed is kept per person, the encoded tail
    // `,"target":<t>}` per target (JCS of {"person", "target"}: keys in this order)
    let head = this.heads.get(person);
    if (!head) this.heads.set(person, (head = this.hmac.innerWith(utf8(`{"person":${JSON.stringify(person)}`))));
    let tail = this.tails.get(target);
    if (!tail) this.tails.set(target, (tail = utf8(`,"target":${JSON.stringify(target)}}`)));
    return this.hmac.macFrom(head, tail);
  }

  withPair(person, target) {
    const a = Object.create(Avoidance.prototype);
    Object.assign(a, this, { extra: new Set([...this.extra, JSON.stringify([person, target])]) });
    return a;
  }

  avoids(person, target) {
    if (this.extra.size && this.extra.has(JSON.stringify([person, target]))) return true;
    if (this.tags.size === 0) return false;
    const b = this.tagBytes(person, target);
    if (!this.prefixes.has(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0)) return false;
    return this.tags.has(toHex(b));
  }
}

/** HMAC-SHA256 tag (DRAW-49) of one pair, hex. */
export function avoidanceTag(salt, person, target) {
  return new Avoidance(salt, []).tag(person, target);
}

export function teamRuleFromJson(o) {
  const r = {
    size: o.size ?? 2, departments: [...(o.departments ?? [])], specialty: { ...(o.specialty ?? {}) },
    leaders: Object.fromEntries(Object.entries(o.leaders ?? {}).map(([t, d]) => [t, { id: d.id, reason: d.reason, approver: d.approver }])),
  };
  if (!Number.isInteger(r.size) || r.size < 2) throw invalid("a team has at least 2 members", "DRAW-41", "teams.size");
  if (new Set(r.departments).size !== r.departments.length) throw invalid("participating departments are listed once", "DRAW-45", "teams.departments");
  if (r.departments.length > r.size) throw invalid("more participating departments than team members", "DRAW-45", "teams.departments");
  return r;
}

export function teamRuleJson(r) {
  const sortKeys = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => compareIds(a, b)));
  return { size: r.size, departments: [...r.departments].sort(compareIds), specialty: sortKeys(r.specialty), leaders: sortKeys(r.leaders) };
}

// ---- load-levelled slot filling (DRAW-47) -------------------------------------------------

function lowerBound(arr, x) {
  let lo = 0, hi = arr.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (arr[m] < x) lo = m + 1; else hi = m; }
  return lo;
}

/** Candidates of one slot filter by load level; each level's positions in pool order. */
class Klass {
  constructor() { this.levels = new Map(); }
  low() { let m = null; for (const k of this.levels.keys()) if (m === null || k < m) m = k; return m; }
  sortedLevels() { return [...this.levels.keys()].sort((a, b) => a - b); }
}

class Assigner {
  constructor(pool, avoid, stream, load = null) {
    this.pool = pool;
    this.avoid = avoid;
    this.stream = stream;
    this.load = load ?? new Array(pool.length).fill(0);
    this.classes = new Map();
    this.memberOf = pool.map(() => []);
  }

  klass(leaderOnly, dept, spec) {
    const key = JSON.stringify([leaderOnly, dept, spec]);
    let c = this.classes.get(key);
    if (!c) {
      c = new Klass();
      this.classes.set(key, c);
      this.pool.forEach((r, i) => {
        if ((leaderOnly && !r.leader) || (dept !== null && r.dept !== dept) || (spec !== null && !r.specialties.includes(spec))) return;
        const l = this.load[i];
        if (!c.levels.has(l)) c.levels.set(l, []);
        c.levels.get(l).push(i);
        this.memberOf[i].push(c);
      });
    }
    return c;
  }

  /** The DRAW-47 walk over class c, excluding `excluded` (Set of positions); loads unchanged. */
  pick(c, target, excluded) {
    const levels = c.levels.size === 1 ? c.levels.keys() : c.sortedLevels();
    for (const level of levels) {
      const members = c.levels.get(level);
      const n = members.length;
      let swapped = null; // the partial Fisher–Yates swaps, made only once a candidate is refused
      for (let i = 0; i < n; i++) {
        const j = i + this.stream.uniform(n - i);
        const v = swapped !== null && swapped.has(j) ? swapped.get(j) : j;
        const cand = members[v];
        if (excluded.has(cand) || this.avoid.avoids(this.pool[cand].id, target)) {
          swapped ??= new Map();
          swapped.set(j, swapped.has(i) ? swapped.get(i) : i);
          continue;
        }
        return cand;
      }
    }
    return null;
  }

  move(i, delta) {
    const old = this.load[i], now = old + delta;
    this.load[i] = now;
    for (const c of this.memberOf[i]) {
      const lst = c.levels.get(old);
      lst.splice(lowerBound(lst, i), 1);
      if (!lst.length) c.levels.delete(old);
      let dest = c.levels.get(now);
      if (!dest) c.levels.set(now, (dest = []));
      dest.splice(lowerBound(dest, i), 0, i);
    }
  }

  take(c, target, team) {
    const got = this.pick(c, target, { has: (x) => team.includes(x) });
    if (got === null) return null;
    this.move(got, +1);
    team.push(got);
    return got;
  }
}

/** One team per target in target order (DRAW-41 … DRAW-48): the result's "teams" part. */
export function assignTeams(seed, targets, pool, rule, avoid) {
  if (new Set(targets).size !== targets.length) throw invalid("a target appears twice", "DRAW-41", "targets");
  const drawn = new Set(targets);
  if (Object.keys(rule.leaders).some((t) => !drawn.has(t))) throw invalid("a designated leader names a target that was not drawn", "DRAW-44", "teams.leaders");
  if (rule.departments.length) {
    const allowed = new Set(rule.departments);
    if (pool.some((r) => !allowed.has(r.dept))) throw invalid("in a joint task every pool inspector belongs to a participating department", "DRAW-45", "inspectors.dept");
  }
  const stream = DrawStream.derived(seed, ["teams"]);
  const a = new Assigner(pool, avoid, stream);
  const index = new Map(pool.map((r, i) => [r.id, i]));
  const departments = [...rule.departments].sort(compareIds);
  const assignments = [];
  const leaderClass = new Map(), plainClass = new Map();
  const cached = (m, leader, spec) => { let c = m.get(spec); if (!c) m.set(spec, (c = a.klass(leader, null, spec))); return c; };
  for (const t of targets) {
    const spec = Object.hasOwn(rule.specialty, t) ? rule.specialty[t] : null;
    const team = [];
    const designated = Object.hasOwn(rule.leaders, t) ? rule.leaders[t] : null;
    if (designated) {
      const i = index.get(designated.id);
      if (i === undefined) throw infeasible(`the designated leader of target ${t} is not in the inspector pool`, "DRAW-44", t);
      if (spec !== null && !pool[i].specialties.includes(spec)) throw infeasible(`the designated leader of target ${t} lacks the required specialty`, "DRAW-42", t);
      if (avoid.avoids(designated.id, t)) throw infeasible(`the designated leader of target ${t} declared an interest in it`, "DRAW-46", t);
      a.move(i, +1);
      team.push(i);
    } else if (a.take(cached(leaderClass, true, spec), t, team) === null) {
      throw infeasible(`no eligible leader for target ${t}`, "DRAW-43", t);
    }
    const members = [{ id: pool[team[0]].id, leader: true, designated: designated !== null }];
    for (const dept of departments) {
      if (team.some((m) => pool[m].dept === dept)) continue;
      if (a.take(a.klass(false, dept, spec), t, team) === null) throw infeasible(`no eligible inspector of department ${dept} for target ${t}`, "DRAW-45", t, { department: dept });
      members.push({ id: pool[team[team.length - 1]].id, leader: false, designated: false });
    }
    while (team.length < rule.size) {
      if (a.take(cached(plainClass, false, spec), t, team) === null) throw infeasible(`fewer than ${rule.size} eligible inspectors for target ${t}`, "DRAW-41", t);
      members.push({ id: pool[team[team.length - 1]].id, leader: false, designated: false });
    }
    assignments.push({ target: t, members });
  }
  return { size: rule.size, assignments, position: stream.position };
}

function checkedAssignments(teams, index, rule) {
  const ok = teams && Number.isSafeInteger(teams.position) && teams.position >= 0 && Array.isArray(teams.assignments)
    && teams.assignments.every((a) => typeof a.target === "string" && Array.isArray(a.members) && a.members.length === rule.size
      && a.members.every((m) => index.has(m.id) && typeof m.leader === "boolean" && typeof m.designated === "boolean"));
  if (!ok) throw invalid("the teams part is not a draw/v1 teams result for this pool", "DRAW-50", "teams");
  return teams.assignments.map((a) => ({ target: a.target, members: a.members.map((m) => ({ ...m })) }));
}

/**
 * Replace one member (DRAW-50 … DRAW-54): swap first for an avoidance declaration (DRAW-52),
 * else refill (DRAW-51). `removed`: Map target -> ids removed so far (including this one).
 * Returns [new teams part, event record].
 */
export function replaceMember(seed, teams, pool, rule, avoid, event, removed) {
  const index = new Map(pool.map((r, i) => [r.id, i]));
  const assignments = checkedAssignments(teams, index, rule);
  const t = event.target, p = event.person;
  const team = assignments.find((x) => x.target === t);
  if (!team) throw invalid("the replacement names a target without a team", "DRAW-50", "event.target");
  const slot = team.members.findIndex((m) => m.id === p);
  if (slot < 0 || !index.has(p)) throw invalid("the replacement names a person who is not in the team", "DRAW-50", "event.person");
  const stream = DrawStream.derived(seed, ["teams"], teams.position);
  const me = team.members[slot];
  const specOf = (x) => (Object.hasOwn(rule.specialty, x) ? rule.specialty[x] : null);
  const specT = specOf(t);
  const pr = pool[index.get(p)];
  const removedOf = (x) => removed.get(x) ?? [];
  const record = { kind: "replace", target: t, person: p, reason: event.reason, approver: event.approver, position_before: stream.position };
  if (event.reason === REASON_AVOIDANCE) {
    avoid = avoid.withPair(p, t);
    const partners = [];
    if (!me.designated) {
      const teamT = new Set(team.members.map((m) => m.id));
      for (const other of assignments) {
        const u = other.target;
        if (u === t) continue;
        const specU = specOf(u);
        const teamU = new Set(other.members.map((m) => m.id));
        if (teamU.has(p) || removedOf(u).includes(p) || avoid.avoids(p, u) || (specU !== null && !pr.specialties.includes(specU))) continue;
        other.members.forEach((q, k) => {
          const qr = pool[index.get(q.id)];
          if (q.designated || q.leader !== me.leader || teamT.has(q.id) || removedOf(t).includes(q.id)
            || (rule.departments.length && qr.dept !== pr.dept) || (specT !== null && !qr.specialties.includes(specT))
            || avoid.avoids(q.id, t)) return;
          partners.push([other, k]);
        });
      }
    }
    if (partners.length) {
      const [other, k] = partners[stream.uniform(partners.length)];
      const q = other.members[k];
      team.members[slot] = { ...me, id: q.id };
      other.members[k] = { ...q, id: p };
      Object.assign(record, { mode: "swap", replacement: q.id, swap_target: other.target, position: stream.position });
      return [{ ...teams, assignments, position: stream.position }, record];
    }
  }
  const load = new Array(pool.length).fill(0);
  for (const x of assignments) for (const m of x.members) load[index.get(m.id)] += 1;
  load[index.get(p)] -= 1;
  team.members.splice(slot, 1);
  const a = new Assigner(pool, avoid, stream, load);
  const remaining = team.members.map((m) => index.get(m.id));
  const losesDept = rule.departments.length > 0 && !remaining.some((i) => pool[i].dept === pr.dept);
  const c = a.klass(Boolean(me.leader), losesDept ? pr.dept : null, specT);
  const excluded = new Set([...remaining, ...removedOf(t).filter((x) => index.has(x)).map((x) => index.get(x)), index.get(p)]);
  const got = a.pick(c, t, excluded);
  if (got === null) throw infeasible(`no eligible replacement for target ${t}`, "DRAW-51", t);
  team.members.splice(slot, 0, { id: pool[got].id, leader: me.leader, designated: false });
  Object.assign(record, { mode: "refill", replacement: pool[got].id, swap_target: null, position: stream.position });
  return [{ ...teams, assignments, position: stream.position }, record];
}

