/** @module The admin API's bearer token: generated with 256 random bits, shown once, kept only as its SHA-256, compared in constant time. */
import { timingSafeEqual } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64urlnopad } from "@scure/base";

/** Tokens start with this, so they are recognisable in a secret scanner. */
export const TOKEN_PREFIX = "wbt_";

/**
 * A new random token.
 *
 * @example
 * const token = generateToken(); // "wbt_…" (47 characters)
 */
export function generateToken(random: (n: number) => Uint8Array = randomBytes): string {
  return TOKEN_PREFIX + base64urlnopad.encode(random(32));
}

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/**
 * What is stored of a token. A token carries 256 random bits, so SHA-256 needs no salt or stretching (a
 * passphrase would); an operator-chosen `WAKUBOT_ADMIN_TOKEN` shorter than 16 characters is refused for that reason.
 *
 * @example
 * hashToken("wbt_…").length; // 32
 */
export function hashToken(token: string): Uint8Array {
  return sha256(new TextEncoder().encode(token));
}

/**
 * Whether an `Authorization` header carries the token with this hash; constant time in the token.
 *
 * @example
 * authorized(c.req.header("authorization"), hash);
 */
export function authorized(header: string | undefined, hash: Uint8Array): boolean {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? "");
  if (!match) return false;
  return timingSafeEqual(hashToken(match[1] as string), hash);
}
