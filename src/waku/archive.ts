/** @module The Store archive: every relayed message a full node keeps for offline peers, with retention and cursor pagination (NET2, 13/WAKU2-STORE). */
import type { Database } from "bun:sqlite";
import { chmodSync } from "node:fs";
import { and, asc, desc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { InputError } from "../errors.ts";
import { applyMigrations } from "../storage/migrate.ts";
import * as schema from "../storage/schema/store.ts";
import { openSqlite, storageErrorFrom } from "../storage/sqlite.ts";
import { decodeWakuMessage, encodeWakuMessage, type RoutedMessage } from "./message.ts";

/** How long and how much the archive keeps; whichever limit is hit first prunes the oldest messages. */
export interface RetentionPolicy {
  /** Messages older than this (by arrival) are deleted. nwaku's default is 2 days; ours matches skipped-key TTL. */
  readonly maxAgeMs: number;
  /** Total stored message bytes above which the oldest messages go. */
  readonly maxBytes: number;
}

/** 14 days and 512 MiB. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  maxAgeMs: 14 * 24 * 3600_000,
  maxBytes: 512 * 1024 * 1024,
};

/** Store v3 page sizes (13/WAKU2-STORE: default 20, nwaku caps at 100). */
export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

/** One Store query, already validated; times are nanoseconds, inclusive at both ends. */
export interface ArchiveQuery {
  readonly pubsubTopic?: string;
  readonly contentTopics?: readonly string[];
  readonly timeStart?: bigint;
  readonly timeEnd?: bigint;
  readonly hashes?: readonly Uint8Array[];
  /** Hash of the message the previous page ended at (excluded). */
  readonly cursor?: Uint8Array;
  /** Oldest first when true; newest first (pages walking back in time) when false. Pages are always oldest first. */
  readonly forward: boolean;
  readonly limit: number;
}

/** A page of results: messages in ascending time order, and the cursor for the next page if there is one. */
export interface ArchivePage {
  readonly messages: RoutedMessage[];
  readonly cursor?: Uint8Array;
}

/**
 * The archive in store.db. Only the node's process opens it (exclusive lock like the other databases).
 *
 * @example
 * const archive = MessageArchive.open("/data/store.db");
 * archive.add(routed);
 * const page = archive.query({ pubsubTopic, contentTopics: ["/wb/1/b0/p"], forward: true, limit: 20 });
 */
export class MessageArchive {
  readonly #sqlite: Database;
  readonly #db: BunSQLiteDatabase<typeof schema>;
  readonly #retention: RetentionPolicy;
  readonly #now: () => number;
  #bytes: number;
  #sinceAgePrune = 0;

  private constructor(sqlite: Database, retention: RetentionPolicy, now: () => number) {
    this.#sqlite = sqlite;
    this.#db = drizzle({ client: sqlite, schema });
    this.#retention = retention;
    this.#now = now;
    applyMigrations(sqlite, this.#db, "store");
    const row = this.#db
      .select({ total: sql<number>`coalesce(sum(length(${schema.archive.message})), 0)` })
      .from(schema.archive)
      .get();
    this.#bytes = row?.total ?? 0;
    this.prune();
  }

  /**
   * Opens (creating if needed) the archive at `path`.
   *
   * @example
   * const archive = MessageArchive.open(join(dataDir, "store.db"), { maxAgeMs: 86_400_000, maxBytes: 1e8 });
   */
  static open(path: string, retention: RetentionPolicy = DEFAULT_RETENTION, now: () => number = Date.now) {
    const sqlite = openSqlite(path, { create: true, synchronous: "NORMAL" });
    try {
      // Like the other databases: private to the user, though it holds only what every relay saw.
      chmodSync(path, 0o600);
      return new MessageArchive(sqlite, retention, now);
    } catch (error) {
      sqlite.close(true);
      throw storageErrorFrom(error, "store.db");
    }
  }

  /** Number of archived messages. */
  get size(): number {
    try {
      return this.#db.select({ n: sql<number>`count(*)` }).from(schema.archive).get()?.n ?? 0;
    } catch (error) {
      throw storageErrorFrom(error, "store.db");
    }
  }

  /** Milliseconds between age-based prunes a node should schedule: a tenth of the age limit, at most a minute. */
  get pruneIntervalMs(): number {
    return Math.max(1000, Math.min(60_000, this.#retention.maxAgeMs / 10));
  }

  /** Total bytes of archived messages. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Archives a message unless it is ephemeral or already present; returns true when it was new.
   *
   * @example
   * if (archive.add(routed)) metrics.archived++;
   */
  add(routed: RoutedMessage): boolean {
    if (routed.message.ephemeral) return false;
    const bytes = encodeWakuMessage(routed.message);
    try {
      const inserted = this.#db
        .insert(schema.archive)
        .values({
          hash: Buffer.from(routed.hash),
          pubsubTopic: routed.pubsubTopic,
          contentTopic: routed.message.contentTopic,
          timestamp: routed.message.timestamp,
          receivedAt: this.#now(),
          message: Buffer.from(bytes),
        })
        .onConflictDoNothing()
        .returning({ hash: schema.archive.hash })
        .all();
      if (inserted.length === 0) return false;
      this.#bytes += bytes.length;
      if (this.#bytes > this.#retention.maxBytes || ++this.#sinceAgePrune >= 1000) this.prune();
    } catch (error) {
      throw storageErrorFrom(error, "store.db");
    }
    return true;
  }

  /**
   * Deletes what the retention policy no longer covers: messages past the age limit, then the oldest until the
   * archive is back under 90% of the byte limit (the margin keeps pruning from running on every insert).
   *
   * @example
   * setInterval(() => archive.prune(), archive.pruneIntervalMs);
   */
  prune(): void {
    try {
      this.#prune();
    } catch (error) {
      throw storageErrorFrom(error, "store.db");
    }
  }

  #prune(): void {
    this.#sinceAgePrune = 0;
    const a = schema.archive;
    const cutoff = this.#now() - this.#retention.maxAgeMs;
    this.#db.delete(a).where(lt(a.receivedAt, cutoff)).run();
    let total = this.#recount();
    if (total <= this.#retention.maxBytes) return;
    const target = this.#retention.maxBytes * 0.9;
    while (total > target) {
      const oldest = this.#db
        .select({ hash: a.hash, size: sql<number>`length(${a.message})` })
        .from(a)
        .orderBy(asc(a.timestamp), asc(a.hash))
        .limit(256)
        .all();
      if (oldest.length === 0) break;
      const victims: Buffer[] = [];
      for (const row of oldest) {
        if (total <= target) break;
        victims.push(row.hash);
        total -= row.size;
      }
      this.#db.delete(a).where(inArray(a.hash, victims)).run();
    }
    this.#recount();
  }

  #recount(): number {
    const row = this.#db
      .select({ total: sql<number>`coalesce(sum(length(${schema.archive.message})), 0)` })
      .from(schema.archive)
      .get();
    this.#bytes = row?.total ?? 0;
    return this.#bytes;
  }

  /**
   * One page of a Store query. An unknown cursor is an `InputError` (Store answers 400).
   *
   * @example
   * let page = archive.query({ pubsubTopic, forward: true, limit: 20 });
   * while (page.cursor) page = archive.query({ pubsubTopic, forward: true, limit: 20, cursor: page.cursor });
   */
  query(q: ArchiveQuery): ArchivePage {
    const a = schema.archive;
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.trunc(q.limit) || DEFAULT_PAGE));
    const where: SQL[] = [];
    if (q.hashes && q.hashes.length > 0) {
      where.push(
        inArray(
          a.hash,
          q.hashes.map((h) => Buffer.from(h)),
        ),
      );
    } else {
      if (q.pubsubTopic !== undefined) where.push(eq(a.pubsubTopic, q.pubsubTopic));
      if (q.contentTopics && q.contentTopics.length > 0)
        where.push(inArray(a.contentTopic, [...q.contentTopics]));
      if (q.timeStart !== undefined) where.push(sql`${a.timestamp} >= ${q.timeStart}`);
      if (q.timeEnd !== undefined) where.push(sql`${a.timestamp} <= ${q.timeEnd}`);
    }
    if (q.cursor) {
      const cursor = Buffer.from(q.cursor);
      const known = this.#db.select({ hash: a.hash }).from(a).where(eq(a.hash, cursor)).get();
      if (!known) throw new InputError("invalid_argument", "unknown pagination cursor");
      const at = sql`(SELECT ${a.timestamp} FROM ${a} WHERE ${a.hash} = ${cursor})`;
      where.push(
        q.forward
          ? sql`(${a.timestamp}, ${a.hash}) > (${at}, ${cursor})`
          : sql`(${a.timestamp}, ${a.hash}) < (${at}, ${cursor})`,
      );
    }
    const order = q.forward ? [asc(a.timestamp), asc(a.hash)] : [desc(a.timestamp), desc(a.hash)];
    let rows: { hash: Buffer; pubsubTopic: string; message: Buffer }[];
    try {
      rows = this.#db
        .select({ hash: a.hash, pubsubTopic: a.pubsubTopic, message: a.message })
        .from(a)
        .where(and(...where))
        .orderBy(...order)
        .limit(limit + 1)
        .all();
    } catch (error) {
      throw storageErrorFrom(error, "store.db");
    }
    const more = rows.length > limit;
    if (more) rows.pop();
    if (!q.forward) rows.reverse();
    const messages = rows.map((row) => ({
      hash: new Uint8Array(row.hash),
      pubsubTopic: row.pubsubTopic,
      message: decodeWakuMessage(new Uint8Array(row.message)),
    }));
    if (!more || messages.length === 0) return { messages };
    const edge = q.forward ? messages[messages.length - 1] : messages[0];
    return edge ? { messages, cursor: edge.hash } : { messages };
  }

  /** Closes store.db and releases its lock. */
  close(): void {
    this.#sqlite.close(true);
  }
}
