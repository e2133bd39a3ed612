/** @module bridge.db, the webhook bridge's own SQLite database: subscriptions, accepted webhooks (committed before the HTTP answer) and the forwards still owed to conversations. */
import type { Database } from "bun:sqlite";
import { chmodSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { and, asc, count, eq, isNotNull, isNull, lt, notExists, sql } from "drizzle-orm";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import type { Priority } from "../bot/outbox-store.ts";
import { StorageError } from "../errors.ts";
import { appliedMigration } from "../storage/migrate.ts";
import { openSqlite, storageErrorFrom } from "../storage/sqlite.ts";
import * as schema from "./schema.ts";

/** File name of the bridge's database inside a bot's data directory. */
export const BRIDGE_DB = "bridge.db";

/** Most sources one conversation may subscribe to. */
export const MAX_SUBSCRIPTIONS = 100;

/** A webhook to store: already verified, its text already rendered. */
export interface IncomingWebhook {
  readonly source: string;
  readonly deliveryId: string;
  readonly priority: Priority;
  readonly text: string;
  readonly bodyBytes: number;
}

/** What `accept` did: a new row (`duplicate: false`), or the row an earlier delivery with the same id made. */
export interface Accepted {
  readonly id: number;
  readonly duplicate: boolean;
  /** Conversations the webhook is owed to (0 for a duplicate). */
  readonly forwards: number;
}

/** One webhook owed to one conversation. */
export interface PendingForward {
  readonly webhookId: number;
  readonly conversationId: string;
  readonly text: string;
  readonly priority: Priority;
}

/** A stored webhook with its forwards, as tests and operators see it. */
export interface StoredWebhook {
  readonly id: number;
  readonly source: string;
  readonly deliveryId: string;
  readonly priority: Priority;
  readonly text: string;
  readonly bodyBytes: number;
  readonly receivedAt: number;
  readonly forwardedAt: number | null;
  readonly forwards: readonly {
    readonly conversationId: string;
    readonly handedAt: number | null;
    readonly messageId: string | null;
  }[];
}

const MIGRATIONS = fileURLToPath(new URL("../../drizzle/bridge", import.meta.url));

/**
 * The bridge's storage. Every method is one statement or one synchronous transaction, committed (WAL,
 * `synchronous = FULL`) when it returns. The file is locked exclusively while open, like the data directory's
 * other databases.
 *
 * @example
 * const store = BridgeStore.open("./wakubot-data/bridge.db");
 * store.subscribe("cAbC…", "ci", Date.now());
 * store.accept({ source: "ci", deliveryId: "d1", priority: "normal", text: "[ci] build passed", bodyBytes: 42 }, Date.now());
 * store.close();
 */
export class BridgeStore {
  readonly #sqlite: Database;
  readonly #db: BunSQLiteDatabase<typeof schema>;
  #closed = false;

  private constructor(sqlite: Database) {
    this.#sqlite = sqlite;
    this.#db = drizzle({ client: sqlite, schema });
  }

  /**
   * Opens (creating the file and its directory if needed) and migrates bridge.db at `path`. A database written
   * by a newer wakubot is refused with `db_schema_newer`; a second process on the same file gets
   * `data_dir_locked`.
   *
   * @example
   * const store = BridgeStore.open(join(dataDir, BRIDGE_DB));
   */
  static open(path: string): BridgeStore {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const sqlite = openSqlite(path, { create: true, synchronous: "FULL" });
    try {
      chmodSync(path, 0o600);
      const store = new BridgeStore(sqlite);
      store.#migrate();
      return store;
    } catch (error) {
      sqlite.close(true);
      throw storageErrorFrom(error, BRIDGE_DB);
    }
  }

  #migrate(): void {
    const applied = appliedMigration(this.#sqlite);
    const journal = JSON.parse(readFileSync(`${MIGRATIONS}/meta/_journal.json`, "utf8")) as {
      entries: { when: number }[];
    };
    const newest = Math.max(...journal.entries.map((e) => e.when));
    if (applied !== undefined && applied > newest) {
      throw new StorageError(
        "db_schema_newer",
        `${BRIDGE_DB} was written by a newer wakubot; upgrade wakubot to open it`,
      );
    }
    migrate(this.#db, { migrationsFolder: MIGRATIONS });
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #run<T>(work: () => T): T {
    if (this.#closed) throw new StorageError("db_io", `${BRIDGE_DB} is closed`);
    try {
      return work();
    } catch (error) {
      throw storageErrorFrom(error, BRIDGE_DB);
    }
  }

  /**
   * Subscribes a conversation to a source: `added`, `exists` (already subscribed), or `limit` (the conversation
   * has {@link MAX_SUBSCRIPTIONS} already).
   *
   * @example
   * store.subscribe("cAbC…", "ci", Date.now()); // "added"
   */
  subscribe(conversationId: string, source: string, now: number): "added" | "exists" | "limit" {
    const s = schema.subscriptions;
    return this.#run(() =>
      this.#db.transaction((tx) => {
        const exists = tx
          .select({ n: count() })
          .from(s)
          .where(and(eq(s.conversationId, conversationId), eq(s.source, source)))
          .get();
        if (exists?.n) return "exists";
        const total = tx.select({ n: count() }).from(s).where(eq(s.conversationId, conversationId)).get();
        if ((total?.n ?? 0) >= MAX_SUBSCRIPTIONS) return "limit";
        tx.insert(s).values({ conversationId, source, createdAt: now }).run();
        return "added";
      }),
    );
  }

  /**
   * Ends a subscription; forwards of that source not yet handed to this conversation are dropped with it.
   * Returns false when there was no such subscription.
   *
   * @example
   * store.unsubscribe("cAbC…", "ci", Date.now()); // true
   */
  unsubscribe(conversationId: string, source: string, now: number): boolean {
    const s = schema.subscriptions;
    const w = schema.webhooks;
    const f = schema.forwards;
    return this.#run(() =>
      this.#db.transaction((tx) => {
        const gone = tx
          .delete(s)
          .where(and(eq(s.conversationId, conversationId), eq(s.source, source)))
          .returning({ source: s.source })
          .all();
        const owed = tx
          .select({ webhookId: f.webhookId })
          .from(f)
          .innerJoin(w, eq(w.id, f.webhookId))
          .where(and(eq(f.conversationId, conversationId), isNull(f.handedAt), eq(w.source, source)))
          .all();
        for (const { webhookId } of owed) {
          tx.delete(f)
            .where(and(eq(f.webhookId, webhookId), eq(f.conversationId, conversationId)))
            .run();
          markForwardedIfDone(tx, webhookId, now);
        }
        return gone.length > 0;
      }),
    );
  }

  /**
   * Removes every subscription of a conversation, and drops what was still owed to it (the conversation no longer
   * exists in the bot). Returns how many subscriptions went.
   *
   * @example
   * store.forgetConversation("cAbC…", Date.now());
   */
  forgetConversation(conversationId: string, now: number): number {
    const s = schema.subscriptions;
    const f = schema.forwards;
    return this.#run(() =>
      this.#db.transaction((tx) => {
        const gone = tx
          .delete(s)
          .where(eq(s.conversationId, conversationId))
          .returning({ source: s.source })
          .all();
        const owed = tx
          .delete(f)
          .where(and(eq(f.conversationId, conversationId), isNull(f.handedAt)))
          .returning({ webhookId: f.webhookId })
          .all();
        for (const { webhookId } of owed) markForwardedIfDone(tx, webhookId, now);
        return gone.length;
      }),
    );
  }

  /**
   * A conversation's sources, sorted.
   *
   * @example
   * store.subscriptionsOf("cAbC…"); // ["ci", "deploy"]
   */
  subscriptionsOf(conversationId: string): string[] {
    const s = schema.subscriptions;
    return this.#run(() =>
      this.#db
        .select({ source: s.source })
        .from(s)
        .where(eq(s.conversationId, conversationId))
        .orderBy(asc(s.source))
        .all()
        .map((r) => r.source),
    );
  }

  /**
   * Commits a verified webhook, and in the same transaction one forward for each conversation subscribed to its
   * source now. A `(source, deliveryId)` seen before is a duplicate: nothing is written and the earlier row's id
   * is returned. A webhook nobody subscribes to is stored already forwarded (it keeps its delivery id for dedupe).
   *
   * @example
   * const { id, duplicate } = store.accept({ source: "ci", deliveryId, priority: "normal", text, bodyBytes }, Date.now());
   */
  accept(webhook: IncomingWebhook, now: number): Accepted {
    const w = schema.webhooks;
    const s = schema.subscriptions;
    return this.#run(() =>
      this.#db.transaction((tx) => {
        const earlier = tx
          .select({ id: w.id })
          .from(w)
          .where(and(eq(w.source, webhook.source), eq(w.deliveryId, webhook.deliveryId)))
          .get();
        if (earlier) return { id: earlier.id, duplicate: true, forwards: 0 };
        const row = tx
          .insert(w)
          .values({ ...webhook, receivedAt: now })
          .returning({ id: w.id })
          .get();
        if (!row) throw new Error("a webhook row was not inserted");
        const subscribers = tx
          .select({ conversationId: s.conversationId })
          .from(s)
          .where(eq(s.source, webhook.source))
          .orderBy(asc(s.conversationId))
          .all();
        if (subscribers.length === 0) {
          tx.update(w).set({ forwardedAt: now }).where(eq(w.id, row.id)).run();
        } else {
          tx.insert(schema.forwards)
            .values(subscribers.map((r) => ({ webhookId: row.id, conversationId: r.conversationId })))
            .run();
        }
        return { id: row.id, duplicate: false, forwards: subscribers.length };
      }),
    );
  }

  /**
   * Forwards not yet handed to the bot, oldest webhook first (so each conversation gets its webhooks in the order
   * they were accepted).
   *
   * @example
   * for (const f of store.pendingForwards(64)) await send(f);
   */
  pendingForwards(limit: number): PendingForward[] {
    const w = schema.webhooks;
    const f = schema.forwards;
    return this.#run(() =>
      this.#db
        .select({
          webhookId: f.webhookId,
          conversationId: f.conversationId,
          text: w.text,
          priority: w.priority,
        })
        .from(f)
        .innerJoin(w, eq(w.id, f.webhookId))
        .where(isNull(f.handedAt))
        .orderBy(asc(f.webhookId), asc(f.conversationId))
        .limit(limit)
        .all(),
    );
  }

  /**
   * Marks one forward handed over (the bot committed the chat message `messageId`), and the webhook forwarded when
   * it was its last — one transaction.
   *
   * @example
   * store.handed(7, "cAbC…", handle.id, Date.now());
   */
  handed(webhookId: number, conversationId: string, messageId: string, now: number): void {
    const f = schema.forwards;
    this.#run(() =>
      this.#db.transaction((tx) => {
        tx.update(f)
          .set({ handedAt: now, messageId })
          .where(and(eq(f.webhookId, webhookId), eq(f.conversationId, conversationId), isNull(f.handedAt)))
          .run();
        markForwardedIfDone(tx, webhookId, now);
      }),
    );
  }

  /**
   * A stored webhook by source and delivery id, with its forwards; undefined if there is none.
   *
   * @example
   * store.webhook("ci", "d1")?.forwardedAt;
   */
  webhook(source: string, deliveryId: string): StoredWebhook | undefined {
    const w = schema.webhooks;
    const f = schema.forwards;
    return this.#run(() => {
      const row = this.#db
        .select()
        .from(w)
        .where(and(eq(w.source, source), eq(w.deliveryId, deliveryId)))
        .get();
      if (!row) return undefined;
      const forwards = this.#db
        .select({ conversationId: f.conversationId, handedAt: f.handedAt, messageId: f.messageId })
        .from(f)
        .where(eq(f.webhookId, row.id))
        .orderBy(asc(f.conversationId))
        .all();
      return { ...row, forwards };
    });
  }

  /**
   * Number of stored webhooks (forwarded or not).
   *
   * @example
   * store.webhookCount(); // 3
   */
  webhookCount(): number {
    return this.#run(() => this.#db.select({ n: count() }).from(schema.webhooks).get()?.n ?? 0);
  }

  /**
   * Deletes webhooks forwarded before `before` (their delivery ids are then forgotten: a replay after that is
   * accepted again). Returns how many went.
   *
   * @example
   * store.prune(Date.now() - 7 * 86_400_000);
   */
  prune(before: number): number {
    const w = schema.webhooks;
    return this.#run(
      () =>
        this.#db
          .delete(w)
          .where(and(isNotNull(w.forwardedAt), lt(w.forwardedAt, before)))
          .returning({ id: w.id })
          .all().length,
    );
  }

  /**
   * Closes the database (idempotent).
   *
   * @example
   * store.close();
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sqlite.close(true);
  }
}

type Tx = Parameters<Parameters<BunSQLiteDatabase<typeof schema>["transaction"]>[0]>[0];

function markForwardedIfDone(tx: Tx, webhookId: number, now: number): void {
  const w = schema.webhooks;
  const f = schema.forwards;
  tx.update(w)
    .set({ forwardedAt: now })
    .where(
      and(
        eq(w.id, webhookId),
        isNull(w.forwardedAt),
        notExists(
          tx
            .select({ one: sql`1` })
            .from(f)
            .where(and(eq(f.webhookId, webhookId), isNull(f.handedAt))),
        ),
      ),
    )
    .run();
}
