// RFC 8785 JSON Canonicalization Scheme (draw-spec C-2, docs/specs/entry-envelope.md).
// Object keys sorted by UTF-16 code units (RFC 8785 §3.2.3, JavaScript's default sort);
// strings and numbers serialized as ECMAScript JSON.stringify does (§3.2.2), which is exactly
// RFC 8785's rule: only `"`, `\` and U+0000–U+001F escaped, everything else raw.
import { checkWellFormed, utf8 } from "./bytes.mjs";

export function canonicalText(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JCS: non-finite number");
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    checkWellFormed(value); // RFC 8785 refuses lone surrogates
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonicalText).join(",") + "]";
  if (typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalText(value[k])).join(",") + "}";
  }
  throw new TypeError("JCS: unsupported value " + typeof value);
}

/** JCS(x) as UTF-8 bytes. */
export function canonicalize(value) {
  return utf8(canonicalText(value));
}
