// matchesCanonical(value, text) (public_site/static/verify/jcs.mjs): the comparison of a
// recomputed result with its logged JCS text without building the recomputed text. It must
// agree with canonicalText on the RFC 8785 vectors, and refuse any other text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalText, matchesCanonical } from "../../public_site/static/verify/jcs.mjs";
import { VECTORS } from "./support.mjs";

const NAMES = ["arrays", "french", "structures", "unicode", "values"];

test("the RFC 8785 vectors: the value matches its canonical output", () => {
  for (const name of NAMES) {
    const value = JSON.parse(readFileSync(join(VECTORS, "entries", "jcs", `${name}.input.json`), "utf8"));
    const output = readFileSync(join(VECTORS, "entries", "jcs", `${name}.output.json`), "utf8");
    assert.equal(canonicalText(value), output, name);
    assert.equal(matchesCanonical(value, output), true, name);
  }
});

test("any other text is refused: a changed, missing or extra character, another key order", () => {
  const value = { teams: [{ target: "A", members: [{ id: "p1", leader: true }, { id: "p2", leader: false }] }], n: 2, s: "é\u0000" };
  const text = canonicalText(value);
  assert.equal(matchesCanonical(value, text), true);
  for (let i = 0; i < text.length; i++) {
    const changed = text.slice(0, i) + (text[i] === "x" ? "y" : "x") + text.slice(i + 1);
    assert.equal(matchesCanonical(value, changed), false, `changed at ${i}`);
    assert.equal(matchesCanonical(value, text.slice(0, i) + text.slice(i + 1)), false, `missing ${i}`);
  }
  assert.equal(matchesCanonical(value, text + " "), false);
  assert.equal(matchesCanonical(value, JSON.stringify(value)), false); // not in key order
  assert.equal(matchesCanonical({ a: undefined, b: 1 }, '{"b":1}'), true); // undefined members skipped, as canonicalText
  assert.throws(() => matchesCanonical({ x: NaN }, '{"x":null}'), TypeError);
  assert.throws(() => matchesCanonical(["\ud800"], '["\\ud800"]'), TypeError);
});
