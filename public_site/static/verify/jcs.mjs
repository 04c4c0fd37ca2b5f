// RFC 8785 JSON Canonicalization Scheme (draw-spec C-2, docs/specs/entry-envelope.md).
// Object keys sorted by UTF-16 code units (RFC 8785 §3.2.3, JavaScript's default sort);
// strings and numbers serialized as ECMAScript JSON.stringify does (§3.2.2), which is exactly
// RFC 8785's rule: only `"`, `\` and U+0000–U+001F escaped, everything else raw.
import { checkWellFormed, utf8 } from "./bytes.mjs";

export function canonicalText(value) {
  if (typeof value === "string") {
    checkWellFormed(value); // RFC 8785 refuses lone surrogates
    return JSON.stringify(value);
  }
  if (value === null || typeof value === "boolean") return value ? "true" : value === false ? "false" : "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JCS: non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + canonicalText(value[i]);
    return out + "]";
  }
  if (typeof value === "object") {
    const shape = sortedKeys(Object.keys(value));
    let out = "{", first = true;
    for (const [k, quoted] of shape) {
      const v = value[k];
      if (v === undefined) continue;
      out += (first ? "" : ",") + quoted + ":" + canonicalText(v);
      first = false;
    }
    return out + "}";
  }
  throw new TypeError("JCS: unsupported value " + typeof value);
}

// Objects of one shape (the same keys in the same creation order) share their sorted, quoted
// keys: a 50,000-team result has 150,000 small objects of three shapes.
const SHAPES = new Map();
function sortedKeys(keys) {
  const id = JSON.stringify(keys); // unambiguous for any key text
  let shape = SHAPES.get(id);
  if (!shape) {
    keys.forEach(checkWellFormed);
    shape = [...keys].sort().map((k) => [k, JSON.stringify(k)]);
    if (SHAPES.size < 4096) SHAPES.set(id, shape);
  }
  return shape;
}

/** JCS(x) as UTF-8 bytes. */
export function canonicalize(value) {
  return utf8(canonicalText(value));
}
