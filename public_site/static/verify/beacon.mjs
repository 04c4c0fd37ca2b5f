// drand beacon check, docs/specs/beacon.md BEACON-1 … BEACON-4 (the same rules and refusals as
// drawsvc/audit/beacon.py, which uses the drand-verify library). quicknet: BLS12-381
// "bls-unchained-g1-rfc9380": signatures on G1, the group key on G2, message =
// SHA-256(uint64_be(round)), DST BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_, randomness =
// SHA-256(signature). Loaded lazily (`await import("./beacon.mjs")`) by the orchestrator only for
// a draw that used a beacon: @noble/curves is ≈ 300 KB.
import { bls12_381 } from "./vendor/noble-curves-2.4.0/bls12-381.js";
import { fromHex, sha256, toHex, uint64be, VerifyError } from "./bytes.mjs";

/** drand quicknet (chain 52db9ba7…c84e971): public key from the chain's /info, genesis-pinned. */
export const QUICKNET = Object.freeze({
  chainHash: "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
  publicKey: "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
  dst: "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_",
});

/** BEACON-1: the beacon sources a commitment may name, by the name logged in `beacon.source`. */
export const CHAINS = Object.freeze({ "drand-quicknet": QUICKNET });

const G1_INFINITY = "c0" + "00".repeat(47);
const bad = (rule, m) => new VerifyError("beacon-invalid", `${m} [${rule}]`, { rule, subject: "beacon" });

/**
 * BEACON-3 and BEACON-4: throws unless `signature` (96 lowercase hex digits, a compressed G1
 * point) is the chain's signature of `round` and `value` (alias `randomness`) is the lowercase
 * hex SHA-256 of the signature. `chainHash`/`publicKey` may name another unchained-G1 network.
 */
export function verifyBeacon({ round, signature, value, randomness, chainHash = QUICKNET.chainHash, publicKey = null }) {
  if (!Number.isSafeInteger(round) || round < 1) throw bad("BEACON-3", `beacon round ${JSON.stringify(round)} is not a positive integer`);
  const pk = publicKey ?? (chainHash === QUICKNET.chainHash ? QUICKNET.publicKey : null);
  if (!pk) throw bad("BEACON-1", `unknown beacon chain ${chainHash}`);
  if (signature === undefined || signature === null) throw bad("BEACON-3", `beacon round ${round}: no signature recorded`);
  if (typeof signature !== "string" || !/^[0-9a-f]{96}$/.test(signature) || signature === G1_INFINITY) {
    throw bad("BEACON-3", `beacon round ${round}: the signature is not a 48-byte compressed G1 point in lowercase hex`);
  }
  const sig = fromHex(signature);
  const short = bls12_381.shortSignatures;
  let ok = false;
  try { ok = short.verify(sig, short.hash(sha256(uint64be(round)), QUICKNET.dst), fromHex(pk)); } catch { ok = false; }
  if (!ok) throw bad("BEACON-3", `beacon round ${round}: the signature does not verify`);
  const r = value ?? randomness;
  if (typeof r !== "string" || r !== toHex(sha256(sig))) throw bad("BEACON-4", `beacon round ${round}: the value is not the lowercase hex SHA-256 of the signature`);
}

/** A draw's logged beacon ({source, round, signature, value}) against its commitment's ({source, round}). */
export function verifyLoggedBeacon(beacon, committed) {
  const chain = typeof beacon?.source === "string" && Object.hasOwn(CHAINS, beacon.source) ? CHAINS[beacon.source] : null;
  if (!chain) throw bad("BEACON-1", `beacon source ${JSON.stringify(beacon?.source)} is not one the verifier knows`);
  if (beacon.source !== committed?.source || beacon.round !== committed?.round) {
    throw bad("BEACON-2", `the beacon used (${beacon.source} round ${JSON.stringify(beacon.round)}) is not the committed one`);
  }
  verifyBeacon({ round: beacon.round, signature: beacon.signature, value: beacon.value ?? null, chainHash: chain.chainHash, publicKey: chain.publicKey });
}
