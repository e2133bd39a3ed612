/** @module drizzle schema of messages.db: public account data, conversations and messages (F6, D3). */
import { sql } from "drizzle-orm";
import {
  blob,
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/**
 * The account this data directory belongs to: one row, public data only (the secret half is in secrets.db).
 *
 * @example
 * db.select().from(account).get(); // { id: 1, accountId: "wb1…", identityPublicKey, createdAt }
 */
export const account = sqliteTable(
  "account",
  {
    id: integer("id").primaryKey(),
    accountId: text("account_id").notNull(),
    identityPublicKey: blob("identity_public_key", { mode: "buffer" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [check("account_single_row", sql`${t.id} = 1`)],
);

/** Lifecycle of a conversation, mirrored from its actor (docs/ARCHITECTURE.md): handshake → ratcheting ⇄ resync. */
export const CONVERSATION_STATES = ["handshake", "ratcheting", "resync", "closed"] as const;

/**
 * One 1:1 conversation (F2). `id` is local and random; it never appears on the wire (PRIV2).
 *
 * @example
 * db.select().from(conversations).where(eq(conversations.state, "ratcheting")).all();
 */
export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    peerAccountId: text("peer_account_id"),
    peerIdentityKey: blob("peer_identity_key", { mode: "buffer" }),
    label: text("label"),
    state: text("state", { enum: CONVERSATION_STATES }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    lastMessageAt: integer("last_message_at"),
    /** Every inbound seq up to this is committed (docs/delivery.md); written in the inbound commit. */
    recvAck: integer("recv_ack").notNull().default(0),
    /** Highest seq given to an outbound message. */
    sentSeq: integer("sent_seq").notNull().default(0),
    /** In `resync`: when its Store re-reads end (ms), so an actor rebuilt after a restart resumes or stays quiet. */
    resyncUntil: integer("resync_until"),
  },
  (t) => [index("conversations_last_message").on(t.lastMessageAt)],
);

/** Direction of a message as seen from this account. */
export const DIRECTIONS = ["in", "out"] as const;

/**
 * Delivery status of a message. Outbound: queued → sent → delivered → read, or dropped / failed.
 * Inbound: received → handled. Transitions are owned by the outbox (src/bot/outbox.ts, docs/delivery.md).
 */
export const MESSAGE_STATUSES = [
  "queued",
  "sent",
  "delivered",
  "read",
  "dropped",
  "failed",
  "received",
  "handled",
] as const;

/**
 * Messages of all conversations. `payloadType` is `namespace/name` and `payloadVersion` its codec version (F5, S2);
 * `body` is the encoded payload exactly as the codec produced it.
 *
 * @example
 * db.insert(messages).values({ id, conversationId, direction: "out", payloadType: "wakubot/text", … }).run();
 */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    direction: text("direction", { enum: DIRECTIONS }).notNull(),
    payloadType: text("payload_type").notNull(),
    payloadVersion: integer("payload_version").notNull(),
    body: blob("body", { mode: "buffer" }).notNull(),
    status: text("status", { enum: MESSAGE_STATUSES }).notNull(),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
    deliveredAt: integer("delivered_at"),
    receivedAt: integer("received_at"),
    readAt: integer("read_at"),
    /** The sender's sequence number (docs/delivery.md); null for messages from before delivery tracking. */
    seq: integer("seq"),
    /** The 8-byte conversation tag in hex: the message id both sides share (`ctx.message.wireId`). */
    tag: text("tag"),
    /** Outbound only, until acknowledged or expired: the envelope bytes resends publish again, and where. */
    envelope: blob("envelope", { mode: "buffer" }),
    contentTopic: text("content_topic"),
    priority: text("priority", { enum: ["critical", "normal", "optional"] }),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    expiresAt: integer("expires_at"),
    /** Outbound only: how long the peer may hold its ack (the frame's `ack_hold`); resends wait that much longer. */
    ackHoldMs: integer("ack_hold_ms").notNull().default(0),
  },
  (t) => [
    index("messages_conversation_time").on(t.conversationId, t.createdAt),
    index("messages_status").on(t.status),
    uniqueIndex("messages_conversation_seq").on(t.conversationId, t.direction, t.seq),
    index("messages_tag").on(t.tag),
    // The outbox's start-up read of what is still unacknowledged, without scanning every message.
    index("messages_outbox")
      .on(t.conversationId, t.seq)
      .where(sql`${t.direction} = 'out' AND ${t.envelope} IS NOT NULL`),
  ],
);

/**
 * Small named values the runtime keeps between runs, such as the Waku time up to which inbound traffic has been
 * processed (the Store catch-up starts there after a restart, U1/NET2).
 *
 * @example
 * db.select().from(syncState).where(eq(syncState.key, "inbound_checkpoint_ms")).get();
 */
export const syncState = sqliteTable("sync_state", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Application state a bot keeps per conversation (`conversation.setState()`), as JSON.
 *
 * @example
 * db.select().from(conversationState).where(eq(conversationState.conversationId, id)).get();
 */
export const conversationState = sqliteTable("conversation_state", {
  conversationId: text("conversation_id")
    .primaryKey()
    .references(() => conversations.id, { onDelete: "cascade" }),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The rate-limit manager's usage of the current epoch (S1, RLM-F3, RLM-R3; docs/rate-limit.md): one row, written in
 * the same transaction that hands messages to delivery. A newer epoch than `epoch` means zero usage.
 *
 * @example
 * db.select().from(rateLimitUsage).get(); // { id: 1, epochSeconds: 600, epoch: 2992184, used: 12, criticalUsed: 3, … }
 */
export const rateLimitUsage = sqliteTable(
  "rate_limit_usage",
  {
    id: integer("id").primaryKey(),
    epochSeconds: integer("epoch_seconds").notNull(),
    epoch: integer("epoch").notNull(),
    used: integer("used").notNull(),
    criticalUsed: integer("critical_used").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [check("rate_limit_usage_single_row", sql`${t.id} = 1`)],
);

/**
 * Outbound Waku messages the rate-limit manager holds (RLM-R2): encoded WakuMessage bytes, priority, batch, and
 * whether they wait (`queued`) or were handed to delivery (`handed`, re-queued after a crash). `seq` is the queue
 * order; rows leave the table when sent, failed or dropped.
 *
 * @example
 * db.select().from(rateLimitQueue).orderBy(rateLimitQueue.seq).all();
 */
export const rateLimitQueue = sqliteTable("rate_limit_queue", {
  seq: integer("seq").primaryKey(),
  id: text("id").notNull().unique(),
  priority: text("priority", { enum: ["critical", "normal", "optional"] }).notNull(),
  batchId: text("batch_id"),
  message: blob("message", { mode: "buffer" }).notNull(),
  status: text("status", { enum: ["queued", "handed"] }).notNull(),
  createdAt: integer("created_at").notNull(),
  handedAt: integer("handed_at"),
});

/**
 * The admin API's bearer token, as its SHA-256 (the token is 256 random bits, so a fast hash is enough): one row,
 * written when a token is generated (docs/admin.md §Authentication).
 *
 * @example
 * db.select().from(adminToken).get(); // { id: 1, hash: <32 bytes>, createdAt }
 */
export const adminToken = sqliteTable(
  "admin_token",
  {
    id: integer("id").primaryKey(),
    hash: blob("hash", { mode: "buffer" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [check("admin_token_single_row", sql`${t.id} = 1`)],
);

/**
 * The bot's event log as the admin API serves it (SSE ids, webhooks). `key` makes recording idempotent: an event
 * re-raised after a restart (a message handled again) is recorded once.
 *
 * @example
 * db.select().from(adminEvents).where(gt(adminEvents.id, lastEventId)).orderBy(adminEvents.id).all();
 */
export const adminEvents = sqliteTable(
  "admin_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    key: text("key").notNull().unique(),
    type: text("type").notNull(),
    data: text("data").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("admin_events_created").on(t.createdAt)],
);

/**
 * Outgoing webhooks: where events are POSTed, which event types, and the HMAC key (sealed with the data key, slot
 * `webhooks/<id>/secret`).
 *
 * @example
 * db.select().from(webhooks).where(isNull(webhooks.deletedAt)).all();
 */
export const webhooks = sqliteTable("webhooks", {
  id: integer("id").primaryKey(),
  url: text("url").notNull(),
  events: text("events").notNull(),
  secret: blob("secret", { mode: "buffer" }).notNull(),
  createdAt: integer("created_at").notNull(),
  deletedAt: integer("deleted_at"),
});

/**
 * One event owed to one webhook, written in the transaction that records the event, so it survives a crash and is
 * retried until the receiver answers 2xx or it expires.
 *
 * @example
 * db.select().from(webhookDeliveries).where(isNull(webhookDeliveries.doneAt)).all();
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    webhookId: integer("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    eventId: integer("event_id")
      .notNull()
      .references(() => adminEvents.id, { onDelete: "cascade" }),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    doneAt: integer("done_at"),
    outcome: text("outcome", { enum: ["delivered", "failed"] }),
    lastError: text("last_error"),
  },
  (t) => [
    primaryKey({ columns: [t.webhookId, t.eventId] }),
    index("webhook_deliveries_due").on(t.doneAt, t.nextAttemptAt),
  ],
);

/**
 * Answers to admin requests that carried an `Idempotency-Key`, so a client that retries gets the first answer
 * instead of a second message.
 *
 * @example
 * db.select().from(adminRequests).where(eq(adminRequests.key, key)).get();
 */
export const adminRequests = sqliteTable("admin_requests", {
  key: text("key").primaryKey(),
  fingerprint: text("fingerprint").notNull(),
  status: integer("status").notNull(),
  body: text("body").notNull(),
  createdAt: integer("created_at").notNull(),
});
