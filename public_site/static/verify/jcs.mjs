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

/** Whether `text` is exactly canonicalText(value), compared piece by piece as the value is
 * walked (no copy of a 10 MB result is built to compare it with its logged text). */
export function matchesCanonical(value, text) {
  let pos = 0;
  const eat = (piece) => {
    if (!text.startsWith(piece, pos)) return false;
    pos += piece.length;
    return true;
  };
  const punct = (code) => {
    if (text.charCodeAt(pos) !== code) return false;
    pos += 1;
    return true;
  };
  const walk = (v) => {
    if (typeof v === "string") {
      checkWellFormed(v);
      return eat(JSON.stringify(v));
    }
    if (v === null || typeof v === "boolean") return eat(v ? "true" : v === false ? "false" : "null");
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new TypeError("JCS: non-finite number");
      return eat(JSON.stringify(v));
    }
    if (Array.isArray(v)) {
      if (!punct(0x5b)) return false; // [
      for (let i = 0; i < v.length; i++) {
        if ((i && !punct(0x2c)) || !walk(v[i])) return false; // ,
      }
      return punct(0x5d); // ]
    }
    if (typeof v === "object") {
      if (!punct(0x7b)) return false; // {
      let first = true;
      for (const [k, quoted] of sortedKeys(Object.keys(v))) {
        const x = v[k];
        if (x === undefined) continue;
        if ((!first && !punct(0x2c)) || !eat(quoted) || !punct(0x3a) || !walk(x)) return false; // , :
        first = false;
      }
      return punct(0x7d); // }
    }
    throw new TypeError("JCS: unsupported value " + typeof v);
  };
  return walk(value) && pos === text.length;
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
