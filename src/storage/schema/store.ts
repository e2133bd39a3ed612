/** @module drizzle schema of store.db: the Store v3 archive a full node keeps for peers that were offline (NET2, 13/WAKU2-STORE). */
import { blob, customType, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A 64-bit SQLite integer bound as a bigint, so nanosecond timestamps compare exactly inside SQLite. Reading it
 * back goes through a JavaScript number and may round: the exact value always comes from the stored message.
 */
const nanoseconds = customType<{ data: bigint; driverData: bigint | number }>({
  dataType: () => "integer",
  toDriver: (value) => value,
  fromDriver: (value) => BigInt(value),
});

/**
 * One archived Waku message. Ordered by (`timestamp`, `hash`): the hash breaks ties the same way on every query so
 * cursors never skip or repeat.
 *
 * @example
 * db.select().from(archive).where(eq(archive.contentTopic, "/wb/1/b0/p")).orderBy(archive.timestamp).all();
 */
export const archive = sqliteTable(
  "archive",
  {
    hash: blob("hash", { mode: "buffer" }).primaryKey(),
    pubsubTopic: text("pubsub_topic").notNull(),
    contentTopic: text("content_topic").notNull(),
    /** Sender's timestamp in nanoseconds since the epoch. */
    timestamp: nanoseconds("timestamp").notNull(),
    /** When this node archived the message, in milliseconds: retention by age counts from here. */
    receivedAt: integer("received_at").notNull(),
    /** The WakuMessage exactly as received. */
    message: blob("message", { mode: "buffer" }).notNull(),
  },
  (t) => [
    index("archive_topic_time").on(t.pubsubTopic, t.timestamp, t.hash),
    index("archive_content_time").on(t.contentTopic, t.timestamp, t.hash),
    index("archive_received").on(t.receivedAt),
  ],
);
