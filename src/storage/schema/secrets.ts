/** @module drizzle schema of secrets.db: key ring, identity, prekeys, session state (F7, D3). Secret columns hold sealed values only. */
import { sql } from "drizzle-orm";
import { blob, check, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * How the passphrase becomes the key-encryption key: one row with the Argon2id parameters and salt (not secret).
 *
 * @example
 * db.select().from(kek).get(); // { id: 1, kdfParams: '{"alg":"argon2id",…}', updatedAt }
 */
export const kek = sqliteTable(
  "kek",
  {
    id: integer("id").primaryKey(),
    kdfParams: text("kdf_params").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [check("kek_single_row", sql`${t.id} = 1`)],
);

/**
 * Random data keys, each wrapped by the key-encryption key. Changing the passphrase rewraps these rows only.
 *
 * @example
 * db.select().from(keyring).where(isNull(keyring.retiredAt)).get();
 */
export const keyring = sqliteTable("keyring", {
  id: integer("id").primaryKey(),
  wrappedKey: blob("wrapped_key", { mode: "buffer" }).notNull(),
  createdAt: integer("created_at").notNull(),
  retiredAt: integer("retired_at"),
});

/**
 * The account's Ed25519 identity. `publicKey` is public; `secretKey` is the sealed 32-byte seed.
 *
 * @example
 * db.select({ publicKey: identity.publicKey }).from(identity).get();
 */
export const identity = sqliteTable(
  "identity",
  {
    id: integer("id").primaryKey(),
    publicKey: blob("public_key", { mode: "buffer" }).notNull(),
    secretKey: blob("secret_key", { mode: "buffer" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [check("identity_single_row", sql`${t.id} = 1`)],
);

/**
 * Signed prekeys (X25519) published in invites; `secretKey` sealed, `signature` by the identity key.
 *
 * @example
 * db.select().from(signedPrekeys).where(isNull(signedPrekeys.retiredAt)).all();
 */
export const signedPrekeys = sqliteTable("signed_prekeys", {
  id: integer("id").primaryKey(),
  publicKey: blob("public_key", { mode: "buffer" }).notNull(),
  secretKey: blob("secret_key", { mode: "buffer" }).notNull(),
  signature: blob("signature", { mode: "buffer" }).notNull(),
  createdAt: integer("created_at").notNull(),
  retiredAt: integer("retired_at"),
});

/**
 * One-time prekeys for single-use invites. `consumedAt` is set in the same transaction that stores the session
 * created from it, so a prekey is used exactly once, also across restarts.
 *
 * @example
 * db.select().from(oneTimePrekeys).where(isNull(oneTimePrekeys.consumedAt)).all();
 */
export const oneTimePrekeys = sqliteTable("one_time_prekeys", {
  id: integer("id").primaryKey(),
  publicKey: blob("public_key", { mode: "buffer" }).notNull(),
  secretKey: blob("secret_key", { mode: "buffer" }).notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at"),
  consumedAt: integer("consumed_at"),
});

/**
 * Double Ratchet state per conversation, sealed as one value (issue 3 defines its encoding).
 *
 * @example
 * db.select().from(sessions).where(eq(sessions.conversationId, id)).get();
 */
export const sessions = sqliteTable("sessions", {
  conversationId: text("conversation_id").primaryKey(),
  state: blob("state", { mode: "buffer" }).notNull(),
  stateVersion: integer("state_version").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
