/** @module Account ids: short, typo-proof names for identity keys (bech32m, BIP-350) — see docs/accounts.md. */
import { sha256 } from "@noble/hashes/sha2.js";
import { bech32m } from "@scure/base";
import { InputError } from "../errors.ts";

/** Human-readable prefix of every account id. */
export const ACCOUNT_ID_PREFIX = "wb";
/** Bytes of the key digest an id carries: 128 bits, so finding a second key for someone's id costs 2^128 work. */
export const ACCOUNT_ID_DIGEST_BYTES = 16;
const LABEL = new TextEncoder().encode("wakubot/account-id/v1");

/**
 * The 16-byte digest an account id encodes: `SHA-256("wakubot/account-id/v1" ‖ ed25519PublicKey)[0..16]`.
 *
 * @example
 * accountDigest(publicKey).length; // 16
 */
export function accountDigest(identityPublicKey: Uint8Array): Uint8Array {
  if (identityPublicKey.length !== 32) throw new TypeError("identity public key must be 32 bytes");
  const input = new Uint8Array(LABEL.length + 32);
  input.set(LABEL);
  input.set(identityPublicKey, LABEL.length);
  return sha256(input).subarray(0, ACCOUNT_ID_DIGEST_BYTES);
}

/**
 * The account id of an Ed25519 identity public key: bech32m with prefix `wb`, 35 characters, e.g.
 * `wb1…`. Its checksum detects any error in up to 4 characters.
 *
 * @example
 * accountIdFromPublicKey(publicKey); // "wb1qxy2kgdygjrsqtzq2n0yrf2493p83kkfj"
 */
export function accountIdFromPublicKey(identityPublicKey: Uint8Array): string {
  return bech32m.encode(ACCOUNT_ID_PREFIX, bech32m.toWords(accountDigest(identityPublicKey)));
}

/**
 * Validates an account id typed or pasted by a person and returns its digest. Accepts all-lower or all-upper case.
 * Throws InputError `invalid_account_id` saying what is wrong (prefix, checksum, length).
 *
 * @example
 * parseAccountId("wb1…"); // Uint8Array(16)
 */
export function parseAccountId(text: string): Uint8Array {
  const trimmed = text.trim();
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32m.decode(trimmed as `${string}1${string}`, 90);
  } catch (cause) {
    throw new InputError(
      "invalid_account_id",
      `not a valid account id (bad character or checksum): ${trimmed}`,
      {
        cause,
      },
    );
  }
  if (decoded.prefix !== ACCOUNT_ID_PREFIX) {
    throw new InputError("invalid_account_id", `account ids start with "${ACCOUNT_ID_PREFIX}1"`);
  }
  let digest: Uint8Array;
  try {
    digest = bech32m.fromWords(decoded.words);
  } catch (cause) {
    throw new InputError("invalid_account_id", "account id has a malformed payload", { cause });
  }
  if (digest.length !== ACCOUNT_ID_DIGEST_BYTES) {
    throw new InputError("invalid_account_id", `account id carries ${digest.length} bytes, expected 16`);
  }
  return digest;
}

/**
 * Whether `identityPublicKey` is the key behind `accountId`. Use it to check a key received from a peer against an
 * id learned out of band. Throws on a malformed id, returns false on a well-formed id of another key.
 *
 * @example
 * if (!accountIdMatches("wb1…", peerKey)) throw new Error("not who they claim");
 */
export function accountIdMatches(accountId: string, identityPublicKey: Uint8Array): boolean {
  const expected = parseAccountId(accountId);
  const actual = accountDigest(identityPublicKey);
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= (expected[i] ?? 0) ^ (actual[i] ?? 0);
  return diff === 0;
}
