/** @module drizzle schema of secrets.db: key ring, identity, prekeys, session state (F7, D3). Secret columns hold sealed values only. */
import { sql } from "drizzle-orm";
import { blob, check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
 * Invite prekeys: one per tracked invite (the table keeps its first name, which the sealed secret keys are bound
 * to). A single-use one is consumed in the same transaction that stores the session created from it, so it is
 * used exactly once, also across restarts; a reusable one counts its `uses`. Revoking or expiry (ms) stops the
 * inviter accepting new conversations through it.
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
  reusable: integer("reusable", { mode: "boolean" }).notNull().default(false),
  label: text("label"),
  revokedAt: integer("revoked_at"),
  uses: integer("uses").notNull().default(0),
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
  /** Tags expected ahead per chain when wider than the default (a conversation under repair, docs/delivery.md). */
  tagWindow: integer("tag_window"),
});

/**
 * Maps conversation tags to conversations without storing the tags: `tagHash` = HMAC(index key, tag)[0..16],
 * where the index key is derived from the data key, so a stolen secrets.db does not let anyone recognise
 * messages on the wire (docs/protocol.md §Tags).
 *
 * @example
 * db.select().from(tagIndex).where(eq(tagIndex.tagHash, hash)).get();
 */
export const tagIndex = sqliteTable(
  "tag_index",
  {
    tagHash: blob("tag_hash", { mode: "buffer" }).primaryKey(),
    conversationId: text("conversation_id").notNull(),
  },
  (t) => [index("tag_index_conversation").on(t.conversationId)],
);

/**
 * Hashes of X3DH ephemeral keys already accepted, so a replayed first message cannot open a second session.
 *
 * @example
 * db.insert(seenEphemerals).values({ hash, createdAt }).run();
 */
export const seenEphemerals = sqliteTable("seen_ephemerals", {
  hash: blob("hash", { mode: "buffer" }).primaryKey(),
  conversationId: text("conversation_id").notNull(),
  createdAt: integer("created_at").notNull(),
});

/**
 * Decrypted messages committed together with the ratchet state that produced them, until messages.db has them
 * (docs/ARCHITECTURE.md: SQLite WAL is not atomic across two files). `frame` is sealed.
 *
 * @example
 * db.select().from(inbox).all(); // replayed into messages.db at start-up
 */
export const inbox = sqliteTable("inbox", {
  messageId: text("message_id").primaryKey(),
  conversationId: text("conversation_id").notNull(),
  peerIdentityKey: blob("peer_identity_key", { mode: "buffer" }).notNull(),
  newConversation: integer("new_conversation", { mode: "boolean" }).notNull(),
  frame: blob("frame", { mode: "buffer" }).notNull(),
  receivedAt: integer("received_at").notNull(),
});

/**
 * The libp2p identity of this data directory's Waku node (its peer id). Sealed; unrelated to the account identity,
 * so the network never sees a key that links to the account (PRIV3).
 *
 * @example
 * db.select().from(nodeKey).get();
 */
export const nodeKey = sqliteTable(
  "node_key",
  {
    id: integer("id").primaryKey(),
    privateKey: blob("private_key", { mode: "buffer" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [check("node_key_single_row", sql`${t.id} = 1`)],
);
