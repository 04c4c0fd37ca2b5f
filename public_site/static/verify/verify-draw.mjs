// Verify one draw of the public log in the visitor's own browser (docs/specs/js-verifier.md).
// DOM-free: the page gives `fetchFile(path) -> Promise<Uint8Array>` over the site's own files
// (paths relative to the site root, e.g. "log/checkpoint") and shows the returned steps.
//
//   import { verifyDraw } from "./verify/verify-draw.mjs";
//   const report = await verifyDraw({ fetchFile, drawIndex: 1234, task: "T2026-0001" });
//   report.ok, report.steps: [{code, label, ok, status: "pass"|"fail", reason, detail}], report.failed
//
// Steps stop at the first one that fails (later steps would build on what it could not
// establish); their codes are stable and documented in docs/specs/js-verifier.md.
import { fromUtf8, toHex, utf8 } from "./bytes.mjs";
import { parseVerifierKey, verifyCheckpoint } from "./note.mjs";
import { ReplayError, verifyDrawEntries } from "./replay.mjs";
import { decodeBundle, entriesPath, leafHash, TileHashReader, tilePath, tileWidth, verifyInclusion } from "./rfc9162.mjs";
import { equal } from "./bytes.mjs";

/** Step codes in report order, with the plain-Chinese label shown to the visitor. */
export const STEPS = [
  ["checkpoint.fetch", "读取日志的最新检查点"],
  ["checkpoint.signature", "核对检查点的数字签名（Ed25519）"],
  ["log.tiles", "核对日志瓦片与检查点的根哈希"],
  ["result.entry", "读取抽取结果条目"],
  ["commit.entry", "读取抽取前的承诺条目与冻结名单"],
  ["log.inclusion", "核对所用条目均已收录于日志（默克尔证明）"],
  ["pools.roots", "核对候选名单的根哈希"],
  ["reveal.commitments", "核对各方揭示的秘密与事先承诺一致"],
  ["beacon.committed", "核对公共随机信标为事先公布的轮次"],
  ["beacon.signature", "核对公共随机信标的签名（drand）"],
  ["avoidance.salt", "核对回避盐值与其承诺一致"],
  ["seed.derive", "由承诺、揭示与名单重新计算随机种子"],
  ["result.recompute", "逐字节重算抽取结果（draw/v1）"],
  ["followups.replay", "重放抽取后的补抽、替换与组长指定"],
  ["page.display", "核对本页显示的抽中对象与日志一致"],
];
const LABELS = new Map(STEPS);
const ORDER = new Map(STEPS.map(([c], i) => [c, i]));

// Plain-Chinese reasons: by the step that failed (the mismatch checks of the replay), else by
// the error's stable code. The technical message stays in `detail.message`.
const STEP_REASONS = {
  "result.entry": "该日志条目不是所需的抽取结果，或无法读取",
  "commit.entry": "抽取结果引用的承诺条目或名单分块与之不对应",
  "log.inclusion": "条目或日志瓦片已被改动：默克尔证明不成立",
  "pools.roots": "日志中的候选名单与承诺时的根哈希不符",
  "reveal.commitments": "揭示的秘密与事先的承诺不符",
  "beacon.committed": "所用的公共随机信标不是事先公布的轮次",
  "beacon.signature": "公共随机信标的签名无效",
  "avoidance.salt": "揭示的回避盐值与其承诺不符",
  "seed.derive": "日志记录的种子不是由承诺、揭示、名单与信标计算出的",
  "result.recompute": "重算的抽取结果与日志记录不一致",
  "followups.replay": "补抽、替换或组长指定的重放结果与日志记录不一致",
  "page.display": "本页显示的内容与日志中的抽取结果不符",
};
const CODE_REASONS = {
  "malformed": "文件格式不正确",
  "bad-signature": "签名无效：检查点不是日志密钥签发的，或已被改动",
  "origin-mismatch": "检查点属于另一个日志",
  "root-mismatch": "根哈希与检查点不符：条目或瓦片已被改动",
  "proof-range": "条目编号超出日志范围",
  "reveal-mismatch": "揭示的秘密与承诺不符",
  "draw-infeasible": "按规则无法完成抽取",
  "invalid-input": "日志中的抽取参数不合规则",
  "rule-violation": "重算结果与日志记录不一致",
  "fetch": "无法读取所需的文件",
};

function reasonOf(err, step) {
  const base = (err?.code === "draw-mismatch" || err?.step) ? STEP_REASONS[step] : CODE_REASONS[err?.code] ?? STEP_REASONS[step];
  const where = err?.subject ? `（${err.subject}）` : err?.code === "fetch" ? `（${err.message}）` : "";
  return (base ?? "核验未通过") + where;
}

class StepFailure extends Error {}

/**
 * Verify the draw whose `draw.result` entry is at `drawIndex`.
 * Options: fetchFile (required); drawIndex (required); task (optional: the page's task id, checked
 * against the entry and used for page.display); verifierKey (the log's verifier key,
 * `<origin>+<hex>+<base64>`; default: the text of `${logPrefix}verifier-key`); origin (default: the
 * key name); logPrefix (default "log/"); followups (log indices to replay; default: every
 * entry after the draw); pagePath (default `draws/<task>.html`; false: skip page.display);
 * onStep(step) (called as each step finishes).
 */
export async function verifyDraw(options) {
  const { fetchFile, drawIndex, task = null, logPrefix = "log/", onStep = null } = options;
  const steps = [];
  const done = new Set();
  const record = (code, ok, reason = "", detail = null) => {
    if (done.has(code)) return;
    done.add(code);
    const s = { code, label: LABELS.get(code) ?? code, ok, status: ok ? "pass" : "fail", reason, detail };
    steps.push(s);
    onStep?.(s);
  };
  const step = async (code, fn, okReason = "") => {
    try {
      const out = await fn();
      record(code, true, typeof okReason === "function" ? okReason(out) : okReason);
      return out;
    } catch (e) {
      if (e instanceof StepFailure) throw e;
      const failed = e instanceof ReplayError || e?.step ? e.step : code;
      record(failed, false, reasonOf(e, failed), { code: e?.code ?? null, message: String(e?.message ?? e), subject: e?.subject ?? null });
      throw new StepFailure(failed);
    }
  };
  const fetchBytes = async (path) => {
    try {
      const data = await fetchFile(path);
      return data instanceof Uint8Array ? data : new Uint8Array(data);
    } catch (e) {
      const err = new Error(`${path}: ${e?.message ?? e}`);
      err.code = "fetch";
      throw err;
    }
  };

  let result = null;
  try {
    if (!Number.isSafeInteger(drawIndex) || drawIndex < 0) {
      record("result.entry", false, `条目编号无效：${drawIndex}`);
      throw new StepFailure("result.entry");
    }
    const note = await step("checkpoint.fetch", () => fetchBytes(logPrefix + "checkpoint"));
    const checkpoint = await step("checkpoint.signature", async () => {
      const keyText = options.verifierKey ?? fromUtf8(await fetchBytes(logPrefix + "verifier-key")).trim();
      const verifier = parseVerifierKey(keyText);
      return verifyCheckpoint(note, verifier, { origin: options.origin ?? verifier.name });
    }, (cp) => `日志 ${cp.origin}，共 ${cp.size} 条，签名有效`);
    if (checkpoint.size > BigInt(Number.MAX_SAFE_INTEGER)) {
      record("log.tiles", false, "日志规模超出浏览器可核验的范围");
      throw new StepFailure("log.tiles");
    }
    const size = Number(checkpoint.size);
    const reader = new TileHashReader(size, (L, N, w) => fetchBytes(logPrefix + tilePath(L, N, w)));
    await step("log.tiles", async () => {
      const root = await reader.root();
      if (!equal(root, checkpoint.root)) {
        const e = new Error(`瓦片得出的根哈希 ${toHex(root)} ≠ 检查点 ${toHex(checkpoint.root)}`);
        e.code = "root-mismatch";
        throw e;
      }
    }, "瓦片得出的根哈希与检查点一致");

    // entries, each checked against its level-0 tile and by an inclusion proof to the signed root
    const bundles = new Map();
    const entries = new Map();
    let included = 0;
    const read = async (i) => {
      if (entries.has(i)) return entries.get(i);
      const fail = (message) => { const e = new ReplayError("log.inclusion", `entry ${i}`, message, i); e.code = "root-mismatch"; return e; };
      if (!(Number.isSafeInteger(i) && i >= 0 && i < size)) { const e = fail(`log entry ${i} is not within the log (size ${size})`); e.code = "proof-range"; throw e; }
      const n = Math.floor(i / 256);
      if (!bundles.has(n)) {
        bundles.set(n, (async () => {
          const w = tileWidth(size, 0, n);
          try { return decodeBundle(await fetchBytes(logPrefix + entriesPath(n, w)), w); } catch (e) { e.step = "log.inclusion"; throw e; }
        })());
      }
      const raw = (await bundles.get(n))[i % 256];
      const leaf = leafHash(raw);
      if (!equal(leaf, await reader.leaf(i))) throw fail("the entry's leaf hash is not the one in its tile");
      try { verifyInclusion(i, size, leaf, await reader.inclusionProof(i), checkpoint.root); } catch (e) { throw fail(e.message); }
      let entry;
      try { entry = JSON.parse(fromUtf8(raw)); } catch { throw new ReplayError("result.entry", `entry ${i}`, "not JSON", i); }
      included++;
      entries.set(i, entry);
      return entry;
    };

    const later = async () => {
      const indices = Array.isArray(options.followups)
        ? [...new Set(options.followups)].filter((i) => i > drawIndex).sort((x, y) => x - y)
        : Array.from({ length: Math.max(0, size - drawIndex - 1) }, (_, k) => drawIndex + 1 + k);
      const out = [];
      for (const i of indices) out.push([i, await read(i)]);
      return out;
    };
    const reasons = {
      "pools.roots": "由日志中的名单重新计算的根哈希与承诺一致",
      "reveal.commitments": "每一方揭示的秘密均与其承诺相符",
      "beacon.committed": "信标与承诺时公布的一致（或未使用信标）",
      "avoidance.salt": "盐值与承诺相符",
      "seed.derive": "重新计算的种子与日志记录一致",
      "result.recompute": "重算结果与日志记录逐字节一致",
    };
    const v = await verifyDrawEntries(read, drawIndex, later, async (code, fn) => {
      if (code === "result.entry") {
        return step(code, async () => {
          const out = await fn();
          if (task !== null && out[0].task !== task) throw new ReplayError("result.entry", "task", `entry ${drawIndex} is a draw of ${out[0].task}, not ${task}`, drawIndex);
          return out;
        }, (out) => `任务 ${out[0].task} 第 ${out[0].round} 轮`);
      }
      if (code === "seed.derive") {
        const beacon = (await read(drawIndex)).body.beacon;
        if (beacon && beacon.signature) await step("beacon.signature", async () => (await import("./beacon.mjs")).verifyBeacon(beacon), "drand 签名有效");
      }
      return step(code, fn, reasons[code] ?? "");
    });
    if (!done.has("log.inclusion")) record("log.inclusion", true, `${included} 个条目的默克尔证明均通过`);
    const fol = steps.find((s) => s.code === "followups.replay");
    if (fol) fol.reason = v.followups.length ? `已重放 ${v.followups.length} 项后续事项，与日志一致` : "抽取后无补抽、替换或指定";
    result = v;

    const pagePath = options.pagePath ?? (task !== null ? `draws/${String(task).split("/").map(encodeURIComponent).join("/")}.html` : false);
    if (pagePath) {
      await step("page.display", async () => {
        let html;
        try { html = fromUtf8(await fetchBytes(pagePath)); } catch { return "本页未能读取，略过显示核对"; }
        checkDisplayed(html, v);
      }, "本页显示的抽中对象与种子均与日志一致");
    }
  } catch (e) {
    if (!(e instanceof StepFailure)) {
      record("internal", false, `核验程序出错：${e?.message ?? e}`);
    }
  }
  steps.sort((a, b) => (ORDER.get(a.code) ?? 99) - (ORDER.get(b.code) ?? 99));
  const failed = steps.find((s) => !s.ok)?.code ?? null;
  return { ok: failed === null && steps.length > 0, failed, steps, draw: result && { task: result.task, round: result.round, seed: result.seed, followups: result.followups, final: result.final } };
}

const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (m, x) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" }[x]));

/** page.display: every `data-field="target"` and the current `data-field="seed"` of the page. */
export function checkDisplayed(html, v) {
  const field = (name) => [...html.matchAll(new RegExp(`data-field="${name}"[^>]*>([^<]*)<`, "g"))].map((m) => unescape(m[1]).trim());
  const drawn = new Set(v.final.inspection?.targets?.selected ?? []);
  const shown = field("target");
  const wrong = shown.filter((t) => !drawn.has(t));
  if (wrong.length) throw Object.assign(new Error(`本页显示的 ${wrong[0]} 不在日志的抽取结果中`), { code: "draw-mismatch" });
  if (shown.length && shown.length !== drawn.size) throw Object.assign(new Error(`本页显示 ${shown.length} 个对象，日志抽中 ${drawn.size} 个`), { code: "draw-mismatch" });
  const seeds = field("seed");
  if (seeds.length && !seeds.includes(v.seed)) throw Object.assign(new Error("本页显示的种子与日志不符"), { code: "draw-mismatch" });
}

export { utf8 };
