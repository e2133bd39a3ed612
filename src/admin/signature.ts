/** @module HMAC-SHA256 (RFC 2104) signatures on webhook bodies, both ways: `Wakubot-Signature` on what we send, `X-Hub-Signature-256` style on what the bridge receives. */
import { timingSafeEqual } from "node:crypto";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

const encoder = new TextEncoder();

/**
 * The `Wakubot-Signature` header for a body sent at `seconds`: `t=<seconds>,v1=<hex HMAC-SHA256(secret,
 * "<seconds>." ‖ body)>`. The timestamp is signed so a receiver can refuse replays older than its tolerance.
 *
 * @example
 * signWebhook(secret, '{"id":1}', 1763800000); // "t=1763800000,v1=5f…"
 */
export function signWebhook(secret: Uint8Array, body: string, seconds: number): string {
  const mac = hmac(sha256, secret, encoder.encode(`${seconds}.${body}`));
  return `t=${seconds},v1=${bytesToHex(mac)}`;
}

/**
 * Checks a `Wakubot-Signature` header against the body, allowing `toleranceSeconds` of clock difference.
 *
 * @example
 * verifyWebhook(secret, body, header, Math.floor(Date.now() / 1000)); // true
 */
export function verifyWebhook(
  secret: Uint8Array,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const seconds = Number(match[1]);
  if (Math.abs(nowSeconds - seconds) > toleranceSeconds) return false;
  return equalHex(signWebhook(secret, body, seconds).slice(-64), match[2] as string);
}

/**
 * The `sha256=<hex>` signature GitHub and many webhook senders put in `X-Hub-Signature-256`: HMAC-SHA256 of the raw
 * body.
 *
 * @example
 * hubSignature(secret, rawBody); // "sha256=…"
 */
export function hubSignature(secret: Uint8Array, body: Uint8Array): string {
  return `sha256=${bytesToHex(hmac(sha256, secret, body))}`;
}

/**
 * Checks an `X-Hub-Signature-256` header in constant time.
 *
 * @example
 * verifyHubSignature(secret, rawBody, request.headers.get("x-hub-signature-256"));
 */
export function verifyHubSignature(
  secret: Uint8Array,
  body: Uint8Array,
  header: string | null | undefined,
): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  return equalHex(hubSignature(secret, body), header);
}

function equalHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
