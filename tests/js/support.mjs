// Shared helpers of the node tests: paths to the shared vectors and the verifier modules.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const VECTORS = join(ROOT, "tests", "vectors");
export const loadJson = (...p) => JSON.parse(readFileSync(join(VECTORS, ...p), "utf8"));

/** Every *.json file under a vectors directory, recursively, as [relative path, object]. */
export function jsonFiles(dir) {
  const out = [];
  const walk = (d, rel) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, rel ? `${rel}/${name}` : name);
      else if (name.endsWith(".json")) out.push([rel ? `${rel}/${name}` : name, JSON.parse(readFileSync(p, "utf8"))]);
    }
  };
  walk(join(VECTORS, dir), "");
  return out;
}
