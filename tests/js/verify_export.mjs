// Recompute every draw of an exported public log (C2SP tlog-tiles directory) with the
// in-browser verifier, reading files through node:fs instead of fetch.
// Usage: node tests/js/verify_export.mjs SITE_DIR VERIFIER_KEY [LOG_PREFIX]
// Prints one JSON line: {"draws": [{"index", "task", "ok", "failed", "steps": [codes]}], "ok"}.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBundle, entriesPath, tileWidth } from "../../public_site/static/verify/rfc9162.mjs";
import { parseCheckpoint } from "../../public_site/static/verify/note.mjs";
import { verifyDraw } from "../../public_site/static/verify/verify-draw.mjs";

const [dir, key, prefix = "log/"] = process.argv.slice(2);
const fetchFile = async (path) => new Uint8Array(readFileSync(join(dir, path)));

// find the draw.result entries (untrusted scan; each draw is then verified from scratch)
const note = readFileSync(join(dir, prefix, "checkpoint"), "utf8");
const size = Number(parseCheckpoint(note.slice(0, note.lastIndexOf("\n\n") + 1)).size);
const draws = [];
for (let n = 0; n * 256 < size; n++) {
  const w = tileWidth(size, 0, n);
  decodeBundle(readFileSync(join(dir, prefix, entriesPath(n, w))), w).forEach((raw, k) => {
    const e = JSON.parse(Buffer.from(raw).toString("utf8"));
    if (e.kind === "draw.result" || e.kind === "draw.sealed") draws.push([n * 256 + k, e.body.task]);
  });
}
const out = [];
for (const [index, task] of draws) {
  const t0 = performance.now();
  const r = await verifyDraw({ fetchFile, drawIndex: index, task, verifierKey: key, logPrefix: prefix, pagePath: process.env.PAGE_CHECK ? undefined : false });
  out.push({ index, task, ok: r.ok, failed: r.failed, steps: r.steps.map((s) => s.code), reasons: r.steps.filter((s) => !s.ok).map((s) => s.reason), ms: Math.round(performance.now() - t0) });
}
console.log(JSON.stringify({ draws: out, ok: out.length > 0 && out.every((d) => d.ok) }));
