/** @module A data directory: messages.db and secrets.db opened together, locked, migrated and unlocked (F6, F7, D3). */
import type { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "@noble/hashes/utils.js";
import { eq } from "drizzle-orm";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { accountIdFromPublicKey } from "../account/account-id.ts";
import { generateIdentity } from "../account/identity.ts";
import { DEFAULT_KDF, deriveKey, newKdfParams } from "../crypto/kdf.ts";
import type { Sealer } from "../crypto/seal.ts";
import { InputError, StorageError } from "../errors.ts";
import { type KdfCost, type SecretsDb, unlockKeyring, writeNewKeyring } from "./keyring.ts";
import { applyMigrations } from "./migrate.ts";
import * as messagesSchema from "./schema/messages.ts";
import * as secretsSchema from "./schema/secrets.ts";
import { openSqlite, storageErrorFrom } from "./sqlite.ts";

/** A drizzle handle on messages.db. */
export type MessagesDb = BunSQLiteDatabase<typeof messagesSchema>;

/** File names inside a data directory. */
export const MESSAGES_DB = "messages.db";
export const SECRETS_DB = "secrets.db";

/** The seal slot of the identity seed. */
const IDENTITY_SLOT = { table: "identity", row: 1, column: "secret_key" } as const;

/** An open, locked and unlocked data directory. Close it to release the lock. */
export interface DataDir {
  readonly path: string;
  readonly messages: MessagesDb;
  readonly secrets: SecretsDb;
  /** Seals and opens secret columns of secrets.db. */
  readonly sealer: Sealer;
  readonly accountId: string;
  readonly identityPublicKey: Uint8Array;
  /** Unseals the Ed25519 seed; callers should not keep it longer than they need it. */
  identitySecretKey(): Uint8Array;
  close(): void;
}

/** Options for {@link createDataDir}. */
export interface CreateDataDirOptions {
  readonly passphrase: string;
  /** Argon2id cost; defaults to RFC 9106's second recommended option (64 MiB, t=3, p=4). */
  readonly kdf?: KdfCost;
  readonly now?: () => number;
  readonly random?: (n: number) => Uint8Array;
}

/** Options for {@link openDataDir}. */
export interface OpenDataDirOptions {
  readonly passphrase: string;
  readonly now?: () => number;
}

interface Handles {
  messagesSqlite: Database;
  secretsSqlite: Database;
  messages: MessagesDb;
  secrets: SecretsDb;
}

function openHandles(dir: string, create: boolean): Handles {
  const secretsSqlite = openSqlite(join(dir, SECRETS_DB), { create, synchronous: "FULL" });
  let messagesSqlite: Database;
  try {
    // FULL here too: a receipt promises the message is stored (F4), so a power cut must not lose it.
    messagesSqlite = openSqlite(join(dir, MESSAGES_DB), { create, synchronous: "FULL" });
  } catch (error) {
    secretsSqlite.close(true);
    throw error;
  }
  if (create) {
    chmodSync(join(dir, SECRETS_DB), 0o600);
    chmodSync(join(dir, MESSAGES_DB), 0o600);
  }
  return {
    secretsSqlite,
    messagesSqlite,
    secrets: drizzle({ client: secretsSqlite, schema: secretsSchema }),
    messages: drizzle({ client: messagesSqlite, schema: messagesSchema }),
  };
}

function closeHandles(h: Handles): void {
  h.messagesSqlite.close(true);
  h.secretsSqlite.close(true);
}

/** Makes messages.db's public account row agree with secrets.db's identity (repairs an interrupted init). */
function syncAccountRow(h: Handles, publicKey: Uint8Array, createdAt: number): string {
  const accountId = accountIdFromPublicKey(publicKey);
  const row = h.messages.select().from(messagesSchema.account).get();
  if (row && !Buffer.from(row.identityPublicKey).equals(Buffer.from(publicKey))) {
    throw new StorageError("data_dir_mismatch", "messages.db and secrets.db belong to different accounts");
  }
  if (!row) {
    h.messages
      .insert(messagesSchema.account)
      .values({ id: 1, accountId, identityPublicKey: Buffer.from(publicKey), createdAt })
      .run();
  }
  return accountId;
}

function dataDir(dir: string, h: Handles, sealer: Sealer, publicKey: Uint8Array, accountId: string): DataDir {
  return {
    path: dir,
    messages: h.messages,
    secrets: h.secrets,
    sealer,
    accountId,
    identityPublicKey: publicKey,
    identitySecretKey() {
      const row = h.secrets
        .select()
        .from(secretsSchema.identity)
        .where(eq(secretsSchema.identity.id, 1))
        .get();
      if (!row) throw new StorageError("db_corrupt", "secrets.db has lost its identity");
      return sealer.open(row.secretKey, IDENTITY_SLOT);
    },
    close: () => closeHandles(h),
  };
}

/**
 * Creates the account (`wakubot init`): the directory (mode 0700), both databases (mode 0600), a key ring under
 * the passphrase, and a fresh Ed25519 identity. Fails with `account_exists` if the directory already has one.
 *
 * @example
 * const dir = createDataDir("./wakubot-data", { passphrase: process.env.WAKUBOT_PASSPHRASE! });
 * console.log(dir.accountId); dir.close();
 */
export function createDataDir(path: string, options: CreateDataDirOptions): DataDir {
  const now = options.now ?? Date.now;
  const random = options.random ?? randomBytes;
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const h = openHandles(path, true);
  try {
    applyMigrations(h.secretsSqlite, h.secrets, "secrets");
    applyMigrations(h.messagesSqlite, h.messages, "messages");
    if (h.secrets.select().from(secretsSchema.identity).get()) {
      throw new InputError("account_exists", `${path} already holds an account`);
    }
    const params = newKdfParams(options.kdf ?? DEFAULT_KDF, random);
    const kek = deriveKey(options.passphrase, params);
    const id = generateIdentity(random);
    const createdAt = now();
    let sealer: Sealer | undefined;
    h.secrets.transaction((tx) => {
      // An init interrupted before this commit may have left no rows or only these; start them afresh.
      tx.delete(secretsSchema.keyring).run();
      tx.delete(secretsSchema.kek).run();
      sealer = writeNewKeyring(tx, kek, params, createdAt, random);
      tx.insert(secretsSchema.identity)
        .values({
          id: 1,
          publicKey: Buffer.from(id.publicKey),
          secretKey: Buffer.from(sealer.seal(id.secretKey, IDENTITY_SLOT)),
          createdAt,
        })
        .run();
    });
    // A stale account row from an interrupted init belongs to no key; replace it.
    h.messages.delete(messagesSchema.account).run();
    const accountId = syncAccountRow(h, id.publicKey, createdAt);
    return dataDir(path, h, sealer as Sealer, id.publicKey, accountId);
  } catch (error) {
    closeHandles(h);
    throw storageErrorFrom(error, path);
  }
}

function requireAccount(path: string): void {
  const hasSecrets = existsSync(join(path, SECRETS_DB));
  const hasMessages = existsSync(join(path, MESSAGES_DB));
  if (!hasSecrets && !hasMessages) {
    throw new InputError("no_account", `no account in ${path}; create one with \`wakubot init\``);
  }
}

/**
 * Opens an existing data directory: takes the lock, checks the passphrase, then applies pending migrations.
 * A wrong or missing passphrase is reported before anything is written.
 *
 * @example
 * const dir = openDataDir("./wakubot-data", { passphrase });
 * try { use(dir) } finally { dir.close() }
 */
export function openDataDir(path: string, options: OpenDataDirOptions): DataDir {
  requireAccount(path);
  const h = openHandles(path, false);
  try {
    // The kek, keyring and identity tables date from the first migration, so they can be read before migrating.
    const sealer = unlockKeyring(h.secrets, options.passphrase);
    applyMigrations(h.secretsSqlite, h.secrets, "secrets");
    applyMigrations(h.messagesSqlite, h.messages, "messages");
    const idRow = h.secrets.select().from(secretsSchema.identity).get();
    if (!idRow) throw new StorageError("db_corrupt", "secrets.db has a key ring but no identity");
    const publicKey = new Uint8Array(idRow.publicKey);
    const accountId = syncAccountRow(h, publicKey, idRow.createdAt);
    return dataDir(path, h, sealer, publicKey, accountId);
  } catch (error) {
    closeHandles(h);
    throw storageErrorFrom(error, path);
  }
}

/**
 * The account id of a data directory without the passphrase: it is public and lives in messages.db.
 * Still takes the directory's lock for the moment it reads.
 *
 * @example
 * readAccountId("./wakubot-data"); // "wb1…"
 */
export function readAccountId(path: string): string {
  requireAccount(path);
  const h = openHandles(path, false);
  try {
    const row = h.messages.select().from(messagesSchema.account).get();
    if (row) return row.accountId;
    const idRow = h.secrets.select().from(secretsSchema.identity).get();
    if (!idRow) throw new InputError("no_account", `no account in ${path}; create one with \`wakubot init\``);
    return accountIdFromPublicKey(new Uint8Array(idRow.publicKey));
  } catch (error) {
    throw storageErrorFrom(error, path);
  } finally {
    closeHandles(h);
  }
}
