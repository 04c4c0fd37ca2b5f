// Site search over the prebuilt shards (docs/site.md §3). Plain ES module, plain fetch, no
// dependencies; works from any static host. The shard functions mirror public_site/search.py.
const USCC = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

export function fnv1a32(text) {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h >>> 0;
}
const hex3 = (n) => n.toString(16).padStart(3, "0");

export function bigrams(name) {
  const text = name.replace(/\s+/g, "").toUpperCase();
  const chars = Array.from(text);
  const out = new Set();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  return out;
}

async function getJSON(base, path) {
  const res = await fetch(new URL(path, base));
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** Returns {firms: [[uscc, name]], note}; `base` is the site's root URL. */
export async function search(base, query, limit = 50) {
  const meta = await getJSON(base, "search/meta.json");
  const q = query.replace(/\s+/g, "").toUpperCase();
  if (USCC.test(q)) {
    const shard = (await getJSON(base, `search/code/${hex3(fnv1a32(q) % meta.code_buckets)}.json`)) || {};
    return { firms: q in shard ? [[q, shard[q]]] : [], note: "" };
  }
  const grams = [...bigrams(q)];
  if (grams.length === 0) return { firms: [], note: "请输入至少两个字，或 18 位统一社会信用代码。" };
  const lists = [];
  for (const g of grams) {
    const shard = (await getJSON(base, `search/name/${hex3(fnv1a32(g) % meta.name_buckets)}.json`)) || {};
    const posting = shard[g];
    if (posting === undefined) return { firms: [], note: "" };
    if (Array.isArray(posting)) lists.push(posting);
  }
  if (lists.length === 0) return { firms: [], note: "名称过于常见，请输入更具体的字词。" };
  lists.sort((a, b) => a.length - b.length);
  let candidates = lists[0];
  for (const other of lists.slice(1)) {
    const set = new Set(other);
    candidates = candidates.filter((o) => set.has(o));
  }
  const chunks = new Map();
  const firms = [];
  for (const ordinal of candidates) {
    const k = Math.floor(ordinal / meta.firm_chunk);
    if (!chunks.has(k)) chunks.set(k, await getJSON(base, `search/firms/${k}.json`));
    const firm = chunks.get(k)[ordinal - k * meta.firm_chunk];
    if (firm && firm[1].replace(/\s+/g, "").toUpperCase().includes(q)) firms.push(firm);
    if (firms.length >= limit) break;
  }
  return { firms, note: "" };
}

function setup() {
  const form = document.getElementById("search-form");
  if (!form) return;
  const input = document.getElementById("q");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const base = new URL("./", document.baseURI);
  const run = async (query) => {
    list.replaceChildren();
    if (!query.trim()) return;
    status.textContent = "查询中……";
    try {
      const { firms, note } = await search(base, query);
      status.textContent = note || (firms.length ? `找到 ${firms.length} 家企业` : "未找到相关企业");
      for (const [uscc, name] of firms) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = `firms/${uscc}.html`;
        a.textContent = name || uscc;
        li.append(a, ` ${uscc}`);
        list.append(li);
      }
    } catch (err) {
      status.textContent = `查询失败：${err.message}`;
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    history.replaceState(null, "", `?q=${encodeURIComponent(input.value)}`);
    run(input.value);
  });
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    run(initial);
  }
}

if (typeof document !== "undefined") setup();
