// draw/v1 expert draws (docs/draw-spec.md §10, DRAW-61 … DRAW-65). Port of drawsvc/draw/experts.py.
import { compareIds, VerifyError } from "../bytes.mjs";
import { DrawStream } from "./stream.mjs";

const invalid = (msg, rule, subject = null) => new VerifyError("invalid-input", msg, { rule, subject });

/** DRAW-61: ids on both of the two previous panels (id order); none with fewer than two. */
export function sitOuts(previous) {
  if (previous.length > 2) throw invalid("give at most the two previous selections", "DRAW-61", "previous");
  if (previous.length < 2) return [];
  const second = new Set(previous[1]);
  return [...new Set(previous[0])].filter((x) => second.has(x)).sort(compareIds);
}

function next(stream, candidates, drawn, subject) {
  const taken = new Set(drawn);
  const remaining = candidates.filter((c) => !taken.has(c));
  if (!remaining.length) throw new VerifyError("draw-infeasible", `no expert left to draw in ${subject}`, { rule: "DRAW-63", subject });
  return remaining[stream.uniform(remaining.length)];
}

function candidatesOf(pool, satOut, designated) {
  const skip = new Set([...satOut, ...designated.map((d) => d.id)]);
  return pool.filter((x) => !skip.has(x));
}

/** DRAW-61 … DRAW-64: the "experts" part. pool: ids in pool order. */
export function drawExperts(seed, pool, { subject, headcount, previous = [], designated = [] }) {
  if (!Number.isInteger(headcount) || headcount < 1) throw invalid("the headcount is an integer >= 1", "DRAW-62", "headcount");
  if (new Set(designated.map((d) => d.id)).size !== designated.length) throw invalid("an expert is designated twice", "DRAW-64", "designated");
  if (designated.length > headcount) throw invalid("more designated experts than seats", "DRAW-64", "designated");
  const out = sitOuts(previous);
  const candidates = candidatesOf(pool, out, designated);
  const need = headcount - designated.length;
  if (need > candidates.length) {
    throw new VerifyError("draw-infeasible", `${candidates.length} eligible experts in ${subject} for ${need} seats`, { rule: "DRAW-62", subject });
  }
  const stream = DrawStream.derived(seed, ["experts"]);
  const sequence = [];
  for (let k = 0; k < need; k++) sequence.push(next(stream, candidates, sequence, subject));
  const des = designated.map((d) => ({ id: d.id, reason: d.reason, approver: d.approver }));
  return { headcount, designated: des, sat_out: out, sequence, declined: [], panel: [...des.map((d) => d.id), ...sequence], position: stream.position };
}

/** DRAW-63: the resumed stream fills a declined seat. Returns [new part, event record]. */
export function topUp(seed, part, pool, event, { subject }) {
  if (typeof event.expert !== "string" || !["declined", "no-answer"].includes(event.reason)) {
    throw invalid("a decline names an expert and 'declined' or 'no-answer'", "DRAW-63", "event");
  }
  const panel = [...part.panel];
  if (!panel.includes(event.expert)) throw invalid("the expert who declined is not on the panel", "DRAW-63", "event.expert");
  const candidates = candidatesOf(pool, part.sat_out, part.designated);
  const stream = DrawStream.derived(seed, ["experts"], part.position);
  const before = stream.position;
  const nxt = next(stream, candidates, part.sequence, subject);
  panel[panel.indexOf(event.expert)] = nxt;
  const updated = { ...part, sequence: [...part.sequence, nxt], declined: [...part.declined, event.expert], panel, position: stream.position };
  const record = { kind: "decline", expert: event.expert, reason: event.reason, replacement: nxt, position_before: before, position: stream.position };
  return [updated, record];
}
