// drand quicknet beacon check (BLS12-381, "bls-unchained-g1-rfc9380": signatures on G1, the
// group key on G2, message = SHA-256(uint64_be(round)), DST BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_,
// randomness = SHA-256(signature)). Loaded lazily (`await import("./beacon.mjs")`) by the
// orchestrator only for a draw whose beacon record carries a signature: @noble/curves is ≈ 300 KB.
import { bls12_381 } from "./vendor/noble-curves-2.4.0/bls12-381.js";
import { fromHex, sha256, toHex, uint64be, VerifyError } from "./bytes.mjs";

/** drand quicknet (chain 52db9ba7…c84e971): public key from the chain's /info, genesis-pinned. */
export const QUICKNET = Object.freeze({
  chainHash: "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
  publicKey: "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
  dst: "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_",
});

/**
 * Throws unless `signature` (hex, 48-byte compressed G1) is quicknet's signature of `round` and,
 * when given, `value`/`randomness` (hex) is SHA-256(signature). `chainHash`/`publicKey` may name
 * another unchained-G1 network.
 */
export function verifyBeacon({ round, signature, value, randomness, chainHash = QUICKNET.chainHash, publicKey = null }) {
  const bad = (m) => new VerifyError("bad-signature", m, { subject: "beacon" });
  if (!Number.isSafeInteger(round) || round < 1) throw bad("beacon round is a positive integer");
  const pk = publicKey ?? (chainHash === QUICKNET.chainHash ? QUICKNET.publicKey : null);
  if (!pk) throw bad(`unknown beacon chain ${chainHash}`);
  let sig;
  try { sig = fromHex(signature); } catch { throw bad("beacon signature is not hex"); }
  const short = bls12_381.shortSignatures;
  const msg = short.hash(sha256(uint64be(round)), QUICKNET.dst);
  let ok = false;
  try { ok = short.verify(sig, msg, fromHex(pk)); } catch { ok = false; }
  if (!ok) throw bad(`the beacon signature of round ${round} does not verify`);
  const r = value ?? randomness;
  if (r != null && r !== toHex(sha256(sig))) throw bad("the beacon randomness is not SHA-256 of its signature");
}
