/** @module drizzle schema of bridge.db: chat subscriptions to webhook sources, accepted webhooks, and their forwards to conversations (D5). */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Priorities a forwarded webhook can be sent with (RLM-U1, docs/rate-limit.md). */
export const BRIDGE_PRIORITIES = ["critical", "normal", "optional"] as const;

/**
 * One conversation's subscription to one webhook source (`/subscribe <source>` in the chat).
 *
 * @example
 * db.select().from(subscriptions).where(eq(subscriptions.source, "ci")).all();
 */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    conversationId: text("conversation_id").notNull(),
    source: text("source").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.source] }),
    index("subscriptions_source").on(t.source, t.conversationId),
  ],
);

/**
 * One accepted webhook delivery, committed before the HTTP answer. `(source, delivery_id)` is unique: a replayed
 * delivery id is recognised and not forwarded again. `forwarded_at` is set once every forward is handed to the bot.
 * `id` is AUTOINCREMENT so ids are never reused after old rows are pruned.
 *
 * @example
 * db.select().from(webhooks).where(isNull(webhooks.forwardedAt)).all(); // still owed to the chat
 */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    source: text("source").notNull(),
    deliveryId: text("delivery_id").notNull(),
    priority: text("priority", { enum: BRIDGE_PRIORITIES }).notNull(),
    /** The chat text, `[<source>] <summary>`, rendered when the webhook was accepted. */
    text: text("text").notNull(),
    /** Size of the raw body in bytes (the body itself is not kept). */
    bodyBytes: integer("body_bytes").notNull(),
    receivedAt: integer("received_at").notNull(),
    forwardedAt: integer("forwarded_at"),
  },
  (t) => [
    uniqueIndex("webhooks_delivery").on(t.source, t.deliveryId),
    index("webhooks_forwarded").on(t.forwardedAt),
  ],
);

/**
 * One webhook owed to one conversation: the subscribers of its source when it was accepted. `handed_at` and
 * `message_id` are set once `conversation.send` committed the chat message (it then belongs to the bot's outbox).
 *
 * @example
 * db.select().from(forwards).where(isNull(forwards.handedAt)).orderBy(forwards.webhookId).all();
 */
export const forwards = sqliteTable(
  "forwards",
  {
    webhookId: integer("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    conversationId: text("conversation_id").notNull(),
    handedAt: integer("handed_at"),
    /** The bot's message id (`<conversation>:<tag>`), for following its status in messages.db. */
    messageId: text("message_id"),
  },
  (t) => [
    primaryKey({ columns: [t.webhookId, t.conversationId] }),
    index("forwards_pending").on(t.handedAt, t.webhookId),
  ],
);
