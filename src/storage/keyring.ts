/** @module The key ring of secrets.db: random data keys wrapped by an Argon2id key-encryption key (F7). */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { eq, isNull } from "drizzle-orm";
import type { BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import {
  type Argon2idParams,
  DEFAULT_KDF,
  decodeKdfParams,
  deriveKey,
  encodeKdfParams,
  newKdfParams,
} from "../crypto/kdf.ts";
import { Sealer } from "../crypto/seal.ts";
import { PassphraseError, StorageError, WakubotError } from "../errors.ts";
import * as schema from "./schema/secrets.ts";

/** A drizzle handle on secrets.db. */
export type SecretsDb = BunSQLiteDatabase<typeof schema>;
/** Argon2id cost settings (the salt is always fresh). */
export type KdfCost = Pick<Argon2idParams, "memoryKiB" | "passes" | "lanes">;

const NONCE = 24;
const encoder = new TextEncoder();

/**
 * Associated data of a wrapped data key: `"wakubot/keyring/v1" 0x00 keyId 0x00 kdfParamsJson`. Binding the
 * parameters means a row edited to weaker parameters no longer unwraps.
 *
 * @example
 * keyWrapAssociatedData(1, encodeKdfParams(params));
 */
export function keyWrapAssociatedData(keyId: number, kdfParams: string): Uint8Array {
  return encoder.encode(`wakubot/keyring/v1\0${keyId}\0${kdfParams}`);
}

/**
 * Wraps a 32-byte data key: `nonce (24) ‖ XChaCha20-Poly1305(kek, nonce, ad, dataKey)`.
 *
 * @example
 * const wrapped = wrapDataKey(kek, dataKey, 1, paramsJson);
 */
export function wrapDataKey(
  kek: Uint8Array,
  dataKey: Uint8Array,
  keyId: number,
  kdfParams: string,
  random: (n: number) => Uint8Array = randomBytes,
): Uint8Array {
  const nonce = random(NONCE);
  const ct = xchacha20poly1305(kek, nonce, keyWrapAssociatedData(keyId, kdfParams)).encrypt(dataKey);
  const out = new Uint8Array(NONCE + ct.length);
  out.set(nonce);
  out.set(ct, NONCE);
  return out;
}

/**
 * Reverses {@link wrapDataKey}. A wrong passphrase and a tampered row look the same: `passphrase_wrong`.
 *
 * @example
 * const dataKey = unwrapDataKey(kek, row.wrappedKey, row.id, paramsJson);
 */
export function unwrapDataKey(
  kek: Uint8Array,
  wrapped: Uint8Array,
  keyId: number,
  kdfParams: string,
): Uint8Array {
  try {
    return xchacha20poly1305(
      kek,
      wrapped.subarray(0, NONCE),
      keyWrapAssociatedData(keyId, kdfParams),
    ).decrypt(wrapped.subarray(NONCE));
  } catch (cause) {
    throw new PassphraseError("passphrase_wrong", "wrong passphrase for secrets.db", { cause });
  }
}

function readKdf(db: SecretsDb): { text: string; params: Argon2idParams } {
  const row = db.select().from(schema.kek).get();
  if (!row) throw new StorageError("db_corrupt", "secrets.db has no key-encryption parameters");
  try {
    return { text: row.kdfParams, params: decodeKdfParams(row.kdfParams) };
  } catch (cause) {
    throw new StorageError("db_corrupt", "secrets.db has unreadable key-encryption parameters", { cause });
  }
}

/**
 * Writes a new key ring (KDF parameters and one random data key) inside the caller's transaction and returns the
 * sealer for it. The caller must already have derived `kek` from `params` (do that before opening the transaction:
 * drizzle's bun-sqlite transactions are synchronous).
 *
 * @example
 * const params = newKdfParams(); const kek = deriveKey(pass, params);
 * db.transaction((tx) => { const sealer = writeNewKeyring(tx, kek, params, now); … });
 */
export function writeNewKeyring(
  db: Pick<SecretsDb, "insert">,
  kek: Uint8Array,
  params: Argon2idParams,
  now: number,
  random: (n: number) => Uint8Array = randomBytes,
): Sealer {
  const text = encodeKdfParams(params);
  const dataKey = random(32);
  db.insert(schema.kek).values({ id: 1, kdfParams: text, updatedAt: now }).run();
  const wrappedKey = wrapDataKey(kek, dataKey, 1, text, random);
  db.insert(schema.keyring)
    .values({ id: 1, wrappedKey: Buffer.from(wrappedKey), createdAt: now })
    .run();
  return new Sealer(1, dataKey, random);
}

/**
 * Unlocks the active data key with the passphrase. Reads only; a wrong passphrase changes nothing on disk.
 *
 * @example
 * const sealer = unlockKeyring(secretsDb, process.env.WAKUBOT_PASSPHRASE!);
 */
export function unlockKeyring(db: SecretsDb, passphrase: string): Sealer {
  const { text, params } = readKdf(db);
  const row = db.select().from(schema.keyring).where(isNull(schema.keyring.retiredAt)).get();
  if (!row) throw new StorageError("db_corrupt", "secrets.db has no active data key");
  const kek = deriveKey(passphrase, params);
  return new Sealer(row.id, unwrapDataKey(kek, row.wrappedKey, row.id, text));
}

/**
 * Changes the passphrase by rewrapping the data keys under a new key-encryption key with a fresh salt. Sealed
 * values are untouched, so this takes one Argon2id derivation per passphrase whatever the database size.
 * Verifies the old passphrase first; on any error nothing is written.
 *
 * @example
 * changePassphrase(secretsDb, oldPass, newPass);
 */
export function changePassphrase(
  db: SecretsDb,
  oldPassphrase: string,
  newPassphrase: string,
  options: { cost?: KdfCost; now?: number; random?: (n: number) => Uint8Array } = {},
): void {
  const old = readKdf(db);
  const oldKek = deriveKey(oldPassphrase, old.params);
  const rows = db.select().from(schema.keyring).all();
  const keys = rows.map((r) => ({ id: r.id, key: unwrapDataKey(oldKek, r.wrappedKey, r.id, old.text) }));
  const params = newKdfParams(options.cost ?? DEFAULT_KDF, options.random);
  const text = encodeKdfParams(params);
  const kek = deriveKey(newPassphrase, params);
  const wrapped = keys.map((k) => ({
    id: k.id,
    wrapped: wrapDataKey(kek, k.key, k.id, text, options.random),
  }));
  const now = options.now ?? Date.now();
  try {
    db.transaction((tx) => {
      tx.update(schema.kek).set({ kdfParams: text, updatedAt: now }).where(eq(schema.kek.id, 1)).run();
      for (const w of wrapped) {
        tx.update(schema.keyring)
          .set({ wrappedKey: Buffer.from(w.wrapped) })
          .where(eq(schema.keyring.id, w.id))
          .run();
      }
    });
  } catch (error) {
    if (error instanceof WakubotError) throw error;
    throw new StorageError("db_io", "could not store the new passphrase wrapping", { cause: error });
  }
}
