/** @module What the admin API reads and writes in messages.db: its token hash, the event log, outgoing webhooks and their deliveries, idempotent answers, and read-only views of conversations and messages. */
import { and, asc, desc, eq, gt, isNull, lt, lte, sql } from "drizzle-orm";
import type { DataDir } from "../storage/data-dir.ts";
import * as m from "../storage/schema/messages.ts";
import { storageErrorFrom } from "../storage/sqlite.ts";

/** An event as the log keeps it: `id` is the SSE id and the webhook event id. */
export interface LoggedEvent {
  readonly id: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly createdAt: number;
}

/** A webhook without its secret. */
export interface WebhookRecord {
  readonly id: number;
  readonly url: string;
  readonly events: readonly string[];
  readonly createdAt: number;
}

/** A delivery that is due: the event, where it goes, and the sealed key to sign it with. */
export interface DueDelivery {
  readonly webhook: WebhookRecord & { readonly secret: Uint8Array };
  readonly event: LoggedEvent;
  readonly attempts: number;
}

type MessageRow = typeof m.messages.$inferSelect;

const webhookSlot = (id: number) => ({ table: "webhooks", row: id, column: "secret" });

/**
 * The admin API's storage. Every method is one statement or one transaction on the bot's messages.db connection.
 *
 * @example
 * const store = new AdminStore(dir);
 * store.record("message:c1:ab", "message", { conversation: "c1" }, Date.now());
 */
export class AdminStore {
  readonly #dir: DataDir;
  readonly #db: DataDir["messages"];

  constructor(dir: DataDir) {
    this.#dir = dir;
    this.#db = dir.messages;
  }

  #run<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storageErrorFrom(error, "messages.db");
    }
  }

  /**
   * The stored token hash, if a token was generated.
   *
   * @example
   * store.tokenHash()?.length; // 32
   */
  tokenHash(): Uint8Array | undefined {
    const row = this.#run(() => this.#db.select().from(m.adminToken).get());
    return row ? new Uint8Array(row.hash) : undefined;
  }

  /**
   * Replaces the stored token hash.
   *
   * @example
   * store.setTokenHash(hashToken(token), Date.now());
   */
  setTokenHash(hash: Uint8Array, now: number): void {
    const values = { id: 1, hash: Buffer.from(hash), createdAt: now };
    this.#run(() =>
      this.#db
        .insert(m.adminToken)
        .values(values)
        .onConflictDoUpdate({ target: m.adminToken.id, set: values })
        .run(),
    );
  }

  /**
   * Records an event once per `key`, and in the same transaction a delivery for every webhook that wants its type.
   * Returns the new event, or undefined when the key was already recorded.
   *
   * @example
   * store.record("delivered:c1:ab", "delivered", { conversation: "c1", id: "c1:ab" }, Date.now());
   */
  record(key: string, type: string, data: Record<string, unknown>, now: number): LoggedEvent | undefined {
    return this.#run(() =>
      this.#db.transaction((tx) => {
        const row = tx
          .insert(m.adminEvents)
          .values({ key, type, data: JSON.stringify(data), createdAt: now })
          .onConflictDoNothing()
          .returning({ id: m.adminEvents.id })
          .get();
        if (!row) return undefined;
        const targets = tx
          .select({ id: m.webhooks.id, events: m.webhooks.events })
          .from(m.webhooks)
          .where(isNull(m.webhooks.deletedAt))
          .all()
          .filter((w) => wants(w.events, type));
        if (targets.length > 0) {
          tx.insert(m.webhookDeliveries)
            .values(targets.map((w) => ({ webhookId: w.id, eventId: row.id, nextAttemptAt: now })))
            .run();
        }
        return { id: row.id, type, data, createdAt: now };
      }),
    );
  }

  /**
   * Events after `afterId`, oldest first.
   *
   * @example
   * for (const e of store.eventsAfter(lastEventId, 100)) write(e);
   */
  eventsAfter(afterId: number, limit: number): LoggedEvent[] {
    return this.#run(() =>
      this.#db
        .select()
        .from(m.adminEvents)
        .where(gt(m.adminEvents.id, afterId))
        .orderBy(asc(m.adminEvents.id))
        .limit(limit)
        .all()
        .map(toEvent),
    );
  }

  /**
   * Deletes events older than `before` (ms) that no webhook still owes; returns how many went.
   *
   * @example
   * store.pruneEvents(Date.now() - 7 * 86_400_000);
   */
  pruneEvents(before: number): number {
    return this.#run(() => {
      const owed = this.#db
        .select({ id: m.webhookDeliveries.eventId })
        .from(m.webhookDeliveries)
        .where(isNull(m.webhookDeliveries.doneAt));
      return this.#db
        .delete(m.adminEvents)
        .where(and(lt(m.adminEvents.createdAt, before), sql`${m.adminEvents.id} not in ${owed}`))
        .returning({ id: m.adminEvents.id })
        .all().length;
    });
  }

  /**
   * Adds a webhook; the secret is sealed before it is written.
   *
   * @example
   * store.addWebhook("https://example.com/hook", ["message"], secret, Date.now());
   */
  addWebhook(url: string, events: readonly string[], secret: Uint8Array, now: number): WebhookRecord {
    return this.#run(() =>
      this.#db.transaction((tx) => {
        const { id } = tx
          .insert(m.webhooks)
          .values({ url, events: JSON.stringify(events), secret: Buffer.alloc(0), createdAt: now })
          .returning({ id: m.webhooks.id })
          .get();
        tx.update(m.webhooks)
          .set({ secret: Buffer.from(this.#dir.sealer.seal(secret, webhookSlot(id))) })
          .where(eq(m.webhooks.id, id))
          .run();
        return { id, url, events: [...events], createdAt: now };
      }),
    );
  }

  /**
   * Webhooks not deleted, oldest first.
   *
   * @example
   * store.webhooks().map((w) => w.url);
   */
  webhooks(): WebhookRecord[] {
    return this.#run(() =>
      this.#db
        .select()
        .from(m.webhooks)
        .where(isNull(m.webhooks.deletedAt))
        .orderBy(asc(m.webhooks.id))
        .all()
        .map(toWebhook),
    );
  }

  /**
   * Deletes a webhook: its sealed secret is erased and what it was still owed is dropped. False if there was none.
   *
   * @example
   * store.deleteWebhook(2, Date.now());
   */
  deleteWebhook(id: number, now: number): boolean {
    return this.#run(() =>
      this.#db.transaction((tx) => {
        const changed = tx
          .update(m.webhooks)
          .set({ deletedAt: now, secret: Buffer.alloc(0) })
          .where(and(eq(m.webhooks.id, id), isNull(m.webhooks.deletedAt)))
          .returning({ id: m.webhooks.id })
          .all().length;
        tx.delete(m.webhookDeliveries)
          .where(and(eq(m.webhookDeliveries.webhookId, id), isNull(m.webhookDeliveries.doneAt)))
          .run();
        return changed > 0;
      }),
    );
  }

  /**
   * Deliveries due at `now`, oldest event first.
   *
   * @example
   * for (const d of store.dueDeliveries(Date.now(), 16)) await post(d);
   */
  dueDeliveries(now: number, limit: number): DueDelivery[] {
    return this.#run(() =>
      this.#db
        .select()
        .from(m.webhookDeliveries)
        .innerJoin(m.webhooks, eq(m.webhooks.id, m.webhookDeliveries.webhookId))
        .innerJoin(m.adminEvents, eq(m.adminEvents.id, m.webhookDeliveries.eventId))
        .where(and(isNull(m.webhookDeliveries.doneAt), lte(m.webhookDeliveries.nextAttemptAt, now)))
        .orderBy(asc(m.webhookDeliveries.eventId))
        .limit(limit)
        .all()
        .map((r) => ({
          webhook: {
            ...toWebhook(r.webhooks),
            secret: this.#dir.sealer.open(r.webhooks.secret, webhookSlot(r.webhooks.id)),
          },
          event: toEvent(r.admin_events),
          attempts: r.webhook_deliveries.attempts,
        })),
    );
  }

  /**
   * When the next undelivered delivery is due, if any.
   *
   * @example
   * const at = store.nextDeliveryAt();
   */
  nextDeliveryAt(): number | undefined {
    return this.#run(
      () =>
        this.#db
          .select({ at: sql<number | null>`min(${m.webhookDeliveries.nextAttemptAt})` })
          .from(m.webhookDeliveries)
          .where(isNull(m.webhookDeliveries.doneAt))
          .get()?.at ?? undefined,
    );
  }

  /**
   * Records an attempt: done (delivered or given up), or due again at `retryAt`.
   *
   * @example
   * store.settleDelivery(1, 7, { outcome: "delivered" }, Date.now());
   */
  settleDelivery(
    webhookId: number,
    eventId: number,
    result: { outcome: "delivered" | "failed"; error?: string } | { retryAt: number; error: string },
    now: number,
  ): void {
    const where = and(eq(m.webhookDeliveries.webhookId, webhookId), eq(m.webhookDeliveries.eventId, eventId));
    const attempts = sql`${m.webhookDeliveries.attempts} + 1`;
    const set =
      "outcome" in result
        ? { attempts, doneAt: now, outcome: result.outcome, lastError: result.error ?? null }
        : { attempts, nextAttemptAt: result.retryAt, lastError: result.error };
    this.#run(() => this.#db.update(m.webhookDeliveries).set(set).where(where).run());
  }

  /**
   * Deliveries not yet done.
   *
   * @example
   * store.pendingDeliveries(); // 0
   */
  pendingDeliveries(): number {
    return this.#run(
      () =>
        this.#db
          .select({ n: sql<number>`count(*)` })
          .from(m.webhookDeliveries)
          .where(isNull(m.webhookDeliveries.doneAt))
          .get()?.n ?? 0,
    );
  }

  /**
   * A stored answer for an idempotency key, if any.
   *
   * @example
   * store.answered("k1");
   */
  answered(key: string): { fingerprint: string; status: number; body: string } | undefined {
    return this.#run(() => this.#db.select().from(m.adminRequests).where(eq(m.adminRequests.key, key)).get());
  }

  /**
   * Stores an answer for an idempotency key and forgets answers older than `forgetBefore`.
   *
   * @example
   * store.answer("k1", "POST /v1/…#sha", 202, "{…}", Date.now(), Date.now() - 86_400_000);
   */
  answer(
    key: string,
    fingerprint: string,
    status: number,
    body: string,
    now: number,
    forgetBefore: number,
  ): void {
    this.#run(() =>
      this.#db.transaction((tx) => {
        tx.delete(m.adminRequests).where(lt(m.adminRequests.createdAt, forgetBefore)).run();
        tx.insert(m.adminRequests)
          .values({ key, fingerprint, status, body, createdAt: now })
          .onConflictDoNothing()
          .run();
      }),
    );
  }

  /**
   * Conversations, most recently active first, paged by `offset`.
   *
   * @example
   * store.conversations(50, 0);
   */
  conversations(limit: number, offset: number): (typeof m.conversations.$inferSelect)[] {
    return this.#run(() =>
      this.#db
        .select()
        .from(m.conversations)
        .orderBy(desc(sql`coalesce(${m.conversations.lastMessageAt}, ${m.conversations.createdAt})`))
        .limit(limit)
        .offset(offset)
        .all(),
    );
  }

  /**
   * One conversation row.
   *
   * @example
   * store.conversation("cAbC…")?.state;
   */
  conversation(id: string): typeof m.conversations.$inferSelect | undefined {
    return this.#run(() => this.#db.select().from(m.conversations).where(eq(m.conversations.id, id)).get());
  }

  /**
   * A conversation's messages, newest first; `before` (a message's createdAt) pages back.
   *
   * @example
   * store.messages("cAbC…", 50);
   */
  messages(conversationId: string, limit: number, before?: number): MessageRow[] {
    const where =
      before === undefined
        ? eq(m.messages.conversationId, conversationId)
        : and(eq(m.messages.conversationId, conversationId), lt(m.messages.createdAt, before));
    return this.#run(() =>
      this.#db
        .select()
        .from(m.messages)
        .where(where)
        .orderBy(desc(m.messages.createdAt), desc(m.messages.id))
        .limit(limit)
        .all(),
    );
  }

  /**
   * One message by id, either direction.
   *
   * @example
   * store.message("cAbC…:0123456789abcdef")?.status;
   */
  message(id: string): MessageRow | undefined {
    return this.#run(() => this.#db.select().from(m.messages).where(eq(m.messages.id, id)).get());
  }
}

function wants(eventsJson: string, type: string): boolean {
  const events = JSON.parse(eventsJson) as string[];
  return events.length === 0 || events.includes(type);
}

function toEvent(row: typeof m.adminEvents.$inferSelect): LoggedEvent {
  return {
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: row.createdAt,
  };
}

function toWebhook(row: typeof m.webhooks.$inferSelect): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    createdAt: row.createdAt,
  };
}
