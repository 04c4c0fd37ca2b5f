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
import { equal, fromUtf8, toHex } from "./bytes.mjs";
import { parseVerifierKey, verifyCheckpoint } from "./note.mjs";
import { ReplayError, verifyDrawEntries } from "./replay.mjs";
import { decodeBundle, entriesPath, leafHash, TileHashReader, tilePath, tileWidth, verifyInclusion } from "./rfc9162.mjs";

/** Step codes in report order, with the plain-Chinese label shown to the visitor. */
export const STEPS = [
  ["checkpoint.fetch", "读取日志的最新检查点"],
  ["checkpoint.signature", "核对检查点的数字签名（Ed25519）"],
  ["log.tiles", "核对日志瓦片与检查点的根哈希"],
  ["result.entry", "读取抽取结果条目"],
  ["commit.entry", "读取抽取前的承诺条目与冻结名单"],
  ["log.inclusion", "核对所用条目均已收录于日志（默克尔证明）"],
  ["pools.roots", "核对候选名单的根哈希"],
  ["seal.sealed", "核对封存抽取的封存方式与承诺时的参数一致"],
  ["seal.disclosure", "核对公开的抽取内容与封存时的承诺一致"],
  ["reveal.commitments", "核对各方揭示的秘密与事先承诺一致"],
  ["beacon.committed", "核对公共随机信标为事先公布的轮次"],
  ["beacon.signature", "核对公共随机信标的签名（drand）"],
  ["avoidance.salt", "核对回避盐值与其承诺一致"],
  ["seed.derive", "由承诺、揭示与名单重新计算随机种子"],
  ["result.recompute", "逐字节重算抽取结果（draw/v1）"],
  ["followups.replay", "重放抽取后的补抽、替换与组长指定"],
  ["subdraw.share", "核对下级抽取的对象来自上级已锁定的抽取结果"],
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
  "seal.sealed": "封存方式（开启日期或事件）与承诺时公布的参数不符",
  "seal.disclosure": "公开的抽取内容或盐值与封存时的承诺不符，或公开了另一次抽取",
  "reveal.commitments": "揭示的秘密与事先的承诺不符",
  "beacon.committed": "所用的公共随机信标不是事先公布的轮次",
  "beacon.signature": "公共随机信标的签名无效",
  "avoidance.salt": "揭示的回避盐值与其承诺不符",
  "seed.derive": "日志记录的种子不是由承诺、揭示、名单与信标计算出的",
  "result.recompute": "重算的抽取结果与日志记录不一致",
  "followups.replay": "补抽、替换或组长指定的重放结果与日志记录不一致",
  "subdraw.share": "下级抽取的对象不是上级已锁定抽取结果中分派给本单位的部分",
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
  "beacon-invalid": "公共随机信标无效：来源未知、不是承诺的轮次、签名不成立或随机值不符",
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
 * against the entry and used for page.display and to find the follow-ups); verifierKey (the log's verifier key,
 * `<origin>+<hex>+<base64>`; default: the text of `${logPrefix}verifier-key`); origin (default: the
 * key name); logPrefix (default "log/"); followups (log indices to replay; default: every
 * entry after the draw, or — more than SCAN_LIMIT of them — the follow-up rows the page lists); pagePath (default `draws/<task>.html`; false: skip page.display);
 * onStep(step) (called as each step finishes).
 */
export async function verifyDraw(options) {
  const { fetchFile, task = null, logPrefix = "log/", onStep = null } = options;
  let { drawIndex } = options;
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
      const keyText = options.verifierKey ?? await publishedKey(fetchBytes, logPrefix);
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

    // A sealed draw may be named by its disclosure (draw.disclose cites the draw.sealed entry):
    // the draw is verified from its sealed entry, the disclosure found after it (SEAL-9).
    // (A failure to read it is left to the result.entry step, which reports it.)
    let named = null;
    try { named = drawIndex < size ? await read(drawIndex) : null; } catch { named = null; }
    if (named?.kind === "draw.disclose" && Number.isSafeInteger(named.body?.sealed) && named.body.sealed < drawIndex) {
      drawIndex = named.body.sealed;
    }

    // the draw page (read once: follow-up indices now, page.display at the end)
    const pagePath = options.pagePath ?? (task !== null ? `draws/${String(task).split("/").map(encodeURIComponent).join("/")}.html` : false);
    let html = null;
    if (pagePath) {
      try { html = fromUtf8(await fetchBytes(pagePath)); } catch { html = null; }
    }
    const later = async () => {
      // every later entry is read (an omitted follow-up cannot hide) unless that is more than
      // SCAN_LIMIT entries: then the follow-ups the page lists (or the caller's list)
      const gap = size - drawIndex - 1;
      const listed = Array.isArray(options.followups) ? options.followups
        : gap > SCAN_LIMIT && html !== null ? followupsOnPage(html) : null;
      const indices = listed !== null
        ? [...new Set(listed)].filter((i) => i > drawIndex && i < size).sort((x, y) => x - y)
        : Array.from({ length: Math.max(0, size - drawIndex - 1) }, (_, k) => drawIndex + 1 + k);
      const out = [];
      for (const i of indices) out.push([i, await read(i)]);
      return out;
    };
    const reasons = {
      "pools.roots": "由日志中的名单重新计算的根哈希与承诺一致",
      "seal.disclosure": "公开内容的 SHA-256（含盐值）与封存承诺一致，以下按公开内容重算",
      "reveal.commitments": "每一方揭示的秘密均与其承诺相符",
      "beacon.committed": "信标与承诺时公布的一致（或未使用信标）",
      "beacon.signature": "drand 签名有效，随机值为签名的 SHA-256",
      "avoidance.salt": "盐值与承诺相符",
      "seed.derive": "重新计算的种子与日志记录一致",
      "result.recompute": "重算结果与日志记录逐字节一致",
      "subdraw.share": "下级抽取的对象正是上级已锁定结果中分派给本单位的部分，上级抽取也已重算一致",
    };
    const v = await verifyDrawEntries(read, drawIndex, later, async (code, fn) => {
      if (code === "result.entry") {
        return step(code, async () => {
          const out = await fn();
          if (task !== null && out[0].task !== task) throw new ReplayError("result.entry", "task", `entry ${drawIndex} is a draw of ${out[0].task}, not ${task}`, drawIndex);
          return out;
        }, (out) => `任务 ${out[0].task} 第 ${out[0].round} 轮`);
      }
      if (code === "seal.sealed") {
        return step(code, fn, (seal) => {
          const opens = seal.opens?.date ? `开启日期 ${seal.opens.date}` : `开启事件：${seal.opens?.event ?? "—"}`;
          return seal.disclosed === null ? `封存中（${opens}）：结果尚未公开，公开后方可逐字节重算` : `已于日志第 ${seal.disclosed} 条公开（${opens}）`;
        });
      }
      if (code === "followups.replay") {
        return step(code, fn, (list) => (list.length ? `已重放 ${list.length} 项后续事项，与日志一致` : "抽取后无补抽、替换或指定"));
      }
      return step(code, fn, reasons[code] ?? "");
    });
    if (!done.has("log.inclusion")) record("log.inclusion", true, `${included} 个条目的默克尔证明均通过`);
    result = v;

    if (pagePath && v.result !== null) {  // a sealed draw not yet disclosed shows no result to compare
      await step("page.display", async () => {
        if (html === null) return "本页未能读取，略过显示核对";
        const listed = targetsListOf(html);  // a big draw: its codes are in a text file
        checkDisplayed(html, v, listed === null ? null : fromUtf8(await fetchBytes(listed)));
        return "本页显示的抽中对象与种子均与日志一致";
      }, (why) => why);
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

/** The log's verifier key as the site publishes it: `log/verifier-key` (one line), else the
 * `<pre id="verifier-key">` of the log's index page. */
async function publishedKey(fetchBytes, logPrefix) {
  try {
    return fromUtf8(await fetchBytes(logPrefix + "verifier-key")).trim();
  } catch {
    const html = fromUtf8(await fetchBytes(logPrefix + "index.html"));
    const m = html.match(/id="verifier-key"[^>]*>([^<]+)</);
    if (!m) throw Object.assign(new Error("the site publishes no verifier key"), { code: "malformed" });
    return unescape(m[1]).trim();
  }
}

const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (m, x) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" }[x]));

/** Entries after a draw read in full to find its follow-ups (256 entry bundles). */
export const SCAN_LIMIT = 65536;

const FOLLOWUP_KINDS = new Set(["draw.expert.topup", "draw.replace", "draw.designate"]);

/** Log indices of the follow-up rows a draw page lists (`data-log-index` with `data-kind`). */
export function followupsOnPage(html) {
  const out = [];
  for (const m of html.matchAll(/<tr\b[^>]*>/g)) {
    const index = m[0].match(/data-log-index="(\d+)"/), kind = m[0].match(/data-kind="([^"]+)"/);
    if (index && kind && FOLLOWUP_KINDS.has(kind[1])) out.push(Number(index[1]));
  }
  return out;
}

/** The site path of a big draw's list of codes (`data-targets-list` of the page), else null. */
export function targetsListOf(html) {
  const m = html.match(/\bdata-targets-list="([^"]+)"/);
  return m ? unescape(m[1]) : null;
}

/** page.display: every `data-field="target"` and the current `data-field="seed"` of the page;
 * for a big draw (`list`: the text of its `data-targets-list` file), that file must be every
 * drawn code in draw order, one per line, and `data-targets-total` their number. */
export function checkDisplayed(html, v, list = null) {
  const field = (name) => [...html.matchAll(new RegExp(`data-field="${name}"[^>]*>([^<]*)<`, "g"))].map((m) => unescape(m[1]).trim());
  const mismatch = (message, subject) => Object.assign(new Error(message), { code: "draw-mismatch", subject });
  const selected = v.final.inspection?.targets?.selected ?? [];
  const drawn = new Set(selected);
  const shown = field("target");
  const wrong = shown.filter((t) => !drawn.has(t));
  if (wrong.length) throw mismatch(`本页显示的 ${wrong[0]} 不在日志的抽取结果中`, `${wrong[0]} 不在抽取结果中`);
  if (list !== null) {
    const lines = list.split("\n");
    if (lines.pop() !== "") throw mismatch("抽中对象清单不以换行结束", "清单格式");
    const k = lines.findIndex((u, i) => u !== selected[i]);
    if (k >= 0 || lines.length !== selected.length) {
      const at = k >= 0 ? k : Math.min(lines.length, selected.length);
      throw mismatch(`抽中对象清单第 ${at + 1} 行为 ${lines[at] ?? "（无）"}，日志为 ${selected[at] ?? "（无）"}`, `清单第 ${at + 1} 行`);
    }
    const total = html.match(/\bdata-targets-total="(\d+)"/);
    if (!total || Number(total[1]) !== selected.length) throw mismatch(`本页所称的抽中户数与日志抽中 ${selected.length} 个不符`, "抽中户数");
  } else if (shown.length && shown.length !== drawn.size) {
    throw mismatch(`本页显示 ${shown.length} 个对象，日志抽中 ${drawn.size} 个`, `显示 ${shown.length} 个，抽中 ${drawn.size} 个`);
  }
  const seeds = field("seed");
  if (seeds.length && !seeds.includes(v.seed)) throw Object.assign(new Error("本页显示的种子与日志不符"), { code: "draw-mismatch", subject: "种子" });
}



/**
 * fetchFile over files the visitor picked (`<input type="file" webkitdirectory>`: a FileList
 * whose `webkitRelativePath` starts with the picked folder's name), for verifying an offline
 * copy of the site from a page served over http(s). Paths are relative to the picked folder.
 */
export function fetcherFromFiles(files) {
  const byPath = new Map();
  for (const f of files) {
    const rel = (f.webkitRelativePath || f.name).split("/").slice(1).join("/");
    byPath.set(rel, f);
  }
  return async (path) => {
    const f = byPath.get(path);
    if (!f) throw new Error(`${path}: not in the chosen folder`);
    return new Uint8Array(await f.arrayBuffer());
  };
}

/** fetchFile over http(s) relative to `base` (a URL of the site root). */
export function fetcherFromUrl(base) {
  return async (path) => {
    const res = await fetch(new URL(path, base), { cache: "no-store" });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}
