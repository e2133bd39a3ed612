/** @module Passphrase → key-encryption key with Argon2id (RFC 9106), native under Bun, @noble as the portable path. */
import nodeCrypto from "node:crypto";
import { argon2id } from "@noble/hashes/argon2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { InputError } from "../errors.ts";

/**
 * Argon2id parameters, stored next to the wrapped data key so a database created with other parameters still opens.
 * `memoryKiB` is RFC 9106's m (KiB), `passes` its t, `lanes` its p; `salt` is 16 random bytes.
 */
export interface Argon2idParams {
  readonly alg: "argon2id";
  readonly memoryKiB: number;
  readonly passes: number;
  readonly lanes: number;
  readonly salt: Uint8Array;
}

/**
 * RFC 9106 §4, "second recommended option": t=3, p=4, m=64 MiB. About 0.25–0.35 s natively on a 2-core machine.
 *
 * @example
 * const params = newKdfParams(DEFAULT_KDF);
 */
export const DEFAULT_KDF = { memoryKiB: 64 * 1024, passes: 3, lanes: 4 } as const;

/** Bounds that keep a tampered params row from asking for gigabytes or hours. */
const LIMITS = { memoryKiB: [8, 4 * 1024 * 1024], passes: [1, 64], lanes: [1, 16] } as const;

/**
 * Fresh parameters with a random salt.
 *
 * @example
 * const params = newKdfParams({ memoryKiB: 1024, passes: 1, lanes: 1 }); // small, for tests
 */
export function newKdfParams(
  cost: Pick<Argon2idParams, "memoryKiB" | "passes" | "lanes"> = DEFAULT_KDF,
  random: (n: number) => Uint8Array = randomBytes,
): Argon2idParams {
  const params = { alg: "argon2id" as const, ...cost, salt: random(16) };
  checkKdfParams(params);
  return params;
}

/**
 * Rejects parameters outside sane bounds (RFC 9106 §3.1 requires m ≥ 8·p).
 *
 * @example
 * checkKdfParams(parsedParams); // throws InputError("invalid_argument") on nonsense
 */
export function checkKdfParams(p: Argon2idParams): void {
  const ok =
    p.alg === "argon2id" &&
    inRange(p.memoryKiB, LIMITS.memoryKiB) &&
    inRange(p.passes, LIMITS.passes) &&
    inRange(p.lanes, LIMITS.lanes) &&
    p.memoryKiB >= 8 * p.lanes &&
    p.salt.length >= 16;
  if (!ok) throw new InputError("invalid_argument", "Argon2id parameters out of range");
}

function inRange(n: number, [lo, hi]: readonly [number, number]): boolean {
  return Number.isInteger(n) && n >= lo && n <= hi;
}

type Argon2Native = (
  alg: "argon2id",
  opts: {
    message: Uint8Array;
    nonce: Uint8Array;
    parallelism: number;
    tagLength: number;
    memory: number;
    passes: number;
  },
) => Uint8Array;

const nativeArgon2 = (nodeCrypto as unknown as { argon2Sync?: Argon2Native }).argon2Sync;

/** Which Argon2id implementation to use; both give identical output (checked in test/crypto/kdf.test.ts). */
export type KdfProvider = "native" | "noble";

/** The fastest provider this runtime has. */
export const defaultKdfProvider: KdfProvider = nativeArgon2 ? "native" : "noble";

/**
 * Derives a 32-byte key from a passphrase (Argon2id, version 0x13, no secret or associated data).
 *
 * @example
 * const kek = deriveKey("correct horse", newKdfParams());
 */
export function deriveKey(
  passphrase: string,
  params: Argon2idParams,
  provider: KdfProvider = defaultKdfProvider,
): Uint8Array {
  checkKdfParams(params);
  const message = new TextEncoder().encode(passphrase.normalize("NFC"));
  if (provider === "native" && nativeArgon2) {
    const out = nativeArgon2("argon2id", {
      message,
      nonce: params.salt,
      parallelism: params.lanes,
      tagLength: 32,
      memory: params.memoryKiB,
      passes: params.passes,
    });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  return argon2id(message, params.salt, {
    t: params.passes,
    m: params.memoryKiB,
    p: params.lanes,
    dkLen: 32,
  });
}

/**
 * Serialises parameters for storage (JSON with a base64 salt); the string is also bound into the key wrap's AEAD
 * associated data, so editing it in the database breaks unwrapping instead of silently weakening the KDF.
 *
 * @example
 * const text = encodeKdfParams(params); const same = decodeKdfParams(text);
 */
export function encodeKdfParams(p: Argon2idParams): string {
  return JSON.stringify({
    alg: p.alg,
    m: p.memoryKiB,
    t: p.passes,
    p: p.lanes,
    salt: Buffer.from(p.salt).toString("base64"),
  });
}

/**
 * Parses what {@link encodeKdfParams} wrote; throws InputError on anything else.
 *
 * @example
 * const params = decodeKdfParams(row.kdfParams);
 */
export function decodeKdfParams(text: string): Argon2idParams {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new InputError("invalid_argument", "Argon2id parameters are not JSON", { cause });
  }
  const r = raw as { alg?: unknown; m?: unknown; t?: unknown; p?: unknown; salt?: unknown };
  if (typeof r.salt !== "string") throw new InputError("invalid_argument", "Argon2id salt missing");
  const params = {
    alg: r.alg as "argon2id",
    memoryKiB: r.m as number,
    passes: r.t as number,
    lanes: r.p as number,
    salt: new Uint8Array(Buffer.from(r.salt, "base64")),
  };
  checkKdfParams(params);
  return params;
}
