/** @module The rate-limit manager's state: queue, epoch usage and message statuses, kept in messages.db across restarts (RLM-R2, RLM-R3, RLM-U4; docs/rate-limit.md). */
import { asc, inArray } from "drizzle-orm";
import { InputError, StorageError } from "../errors.ts";
import type { MessagesDb } from "../storage/data-dir.ts";
import { rateLimitQueue, rateLimitUsage } from "../storage/schema/messages.ts";
import { storageErrorFrom } from "../storage/sqlite.ts";
import type { PublishReceipt } from "../waku/delivery.ts";
import { decodeWakuMessage, encodeWakuMessage, type WakuMessage } from "../waku/message.ts";

/** RLM-F4 priority: critical (receipts, repair), normal, optional. @example const p: Priority = "critical"; */
export type Priority = "critical" | "normal" | "optional";
/** Why a message was dropped (a status, never an exception). @example const r: DropReason = "quota_low"; */
export type DropReason = "quota_low" | "quota_exhausted" | "batch_too_large";

/**
 * A message's new status (RLM-U4, RLM-R1): queued → handed → sent | failed, or dropped. `epoch` is the epoch
 * charged; `error` is what the delivery layer threw (or a StorageError).
 *
 * @example
 * rl.onStatus((c) => { if (c.status === "failed") console.error(c.id, c.error) });
 */
export interface StatusChange {
  readonly id: string;
  readonly batchId: string | null;
  readonly priority: Priority;
  readonly status: "queued" | "handed" | "sent" | "failed" | "dropped";
  readonly reason?: DropReason;
  readonly epoch?: number;
  readonly receipt?: PublishReceipt;
  readonly error?: unknown;
}

/** A message held; `seq` is its place in line. @example store.queues.normal[0]; // [{ seq: 7, id: "m1", … }] */
export interface QueuedMessage {
  readonly seq: number;
  readonly id: string;
  readonly priority: Priority;
  readonly batchId: string | null;
  readonly message: WakuMessage;
}

/**
 * Messages handed in one epoch: all (`used`) and critical ones (`criticalUsed`).
 *
 * @example
 * const usage: EpochUsage = { epochSeconds: 600, epoch: 2992184, used: 12, criticalUsed: 3 };
 */
export interface EpochUsage {
  readonly epochSeconds: number;
  readonly epoch: number;
  readonly used: number;
  readonly criticalUsed: number;
}

type Listener = (change: StatusChange) => void;
type Change = Omit<StatusChange, "id" | "batchId" | "priority">;

function run<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw storageErrorFrom(error, "messages.db");
  }
}

/**
 * Tables `rate_limit_queue` and `rate_limit_usage` mirrored in memory: a FIFO of groups (batch or single message)
 * per priority and the current epoch's usage. Status changes are written, then announced. Rows a crash left
 * `handed` are queued again in their old place.
 *
 * @example
 * const store = new RateLimitStore(dir.messages, Date.now, 600, console.log);
 * const { group, done } = store.add([message], "critical", ["m1"], null);
 * store.hand(group); // charged to store.usage()
 * store.finish(group, { status: "sent", receipt }); await done;
 */
export class RateLimitStore {
  readonly queues: Record<Priority, QueuedMessage[][]> = { critical: [], normal: [], optional: [] };
  readonly #db: MessagesDb;
  readonly #now: () => number;
  readonly #epochSeconds: number;
  readonly #listeners = new Set<Listener>();
  readonly #waiters = new Map<string, Listener | undefined>();
  #usage: EpochUsage;
  #seq = 0;

  constructor(db: MessagesDb, now: () => number, epochSeconds: number, listener?: Listener) {
    this.#db = db;
    this.#now = now;
    this.#epochSeconds = epochSeconds;
    if (listener) this.#listeners.add(listener);
    const { saved, rows } = run(() =>
      db.transaction((tx) => {
        const rows = tx.select().from(rateLimitQueue).orderBy(asc(rateLimitQueue.seq)).all();
        tx.update(rateLimitQueue).set({ status: "queued", handedAt: null }).run();
        return { saved: tx.select().from(rateLimitUsage).get(), rows };
      }),
    );
    // Another epoch length is another epoch grid: its usage does not apply.
    const { epoch = 0, used = 0, criticalUsed = 0 } = saved?.epochSeconds === epochSeconds ? saved : {};
    this.#usage = { epochSeconds, epoch, used, criticalUsed };
    for (const r of rows) {
      let message: WakuMessage;
      try {
        message = decodeWakuMessage(new Uint8Array(r.message));
      } catch (cause) {
        throw new StorageError("db_corrupt", `rate_limit_queue row ${r.id} is not a Waku message`, { cause });
      }
      const m = { seq: r.seq, id: r.id, priority: r.priority, batchId: r.batchId, message };
      this.#seq = r.seq;
      this.#waiters.set(r.id, undefined);
      // A batch's rows have consecutive seq numbers.
      const last = this.queues[r.priority].at(-1);
      if (r.batchId !== null && last?.[0]?.batchId === r.batchId) last.push(m);
      else this.queues[r.priority].push([m]);
      this.#announce(m, { status: "queued" });
    }
  }

  /**
   * Usage of the current epoch (⌊now / epochSeconds⌋); a newer epoch starts at zero, an older clock keeps the last.
   *
   * @example
   * const { epoch, used } = store.usage();
   */
  usage(): EpochUsage {
    const epoch = Math.floor(this.#now() / (this.#epochSeconds * 1000));
    if (epoch > this.#usage.epoch)
      this.#usage = { epochSeconds: this.#epochSeconds, epoch, used: 0, criticalUsed: 0 };
    return this.#usage;
  }

  /**
   * Listens to every status change; returns the unsubscribe function. Listener errors are ignored.
   *
   * @example
   * const off = store.onStatus((c) => console.log(c.id, c.status));
   */
  onStatus(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Writes messages as one queued group (one statement: all or none) at the end of its line. `done` resolves
   * with each message's last change. Unknown priorities and ids reused, repeated or not one per message are
   * refused (InputError `invalid_argument`).
   *
   * @example
   * const { done } = store.add(segments, "normal", ["m1:0", "m1:1"], "m1");
   */
  add(
    messages: readonly WakuMessage[],
    priority: Priority,
    ids: readonly string[] | undefined,
    batchId: string | null,
  ) {
    const line = this.queues[priority] as QueuedMessage[][] | undefined;
    const n = messages.length;
    if (
      !line ||
      (ids && (ids.length !== n || new Set(ids).size < n || ids.some((id) => this.#waiters.has(id))))
    ) {
      throw new InputError("invalid_argument", "rate limit: unknown priority, or ids not new and one each");
    }
    const createdAt = this.#now();
    const group: QueuedMessage[] = messages.map((message, i) => {
      const id = ids?.[i] ?? crypto.randomUUID();
      return { seq: this.#seq + i + 1, id, priority, batchId, message };
    });
    const rows = group.map((m) => {
      return {
        ...m,
        message: Buffer.from(encodeWakuMessage(m.message)),
        status: "queued" as const,
        createdAt,
      };
    });
    run(() => this.#db.insert(rateLimitQueue).values(rows).run());
    this.#seq += group.length;
    line.push(group);
    const done = group.map((m) => new Promise<StatusChange>((resolve) => this.#waiters.set(m.id, resolve)));
    for (const m of group) this.#announce(m, { status: "queued" });
    return { group, done: Promise.all(done) };
  }

  /**
   * Marks a group `handed` and charges it to the epoch in one transaction, then announces it; returns the epoch.
   *
   * @example
   * const epoch = store.hand(group);
   */
  hand(group: readonly QueuedMessage[]): number {
    const u = this.usage();
    const critical = group[0]?.priority === "critical" ? group.length : 0;
    const usage = { ...u, used: u.used + group.length, criticalUsed: u.criticalUsed + critical };
    const row = { ...usage, updatedAt: this.#now() };
    const ids = group.map((m) => m.id);
    run(() =>
      this.#db.transaction((tx) => {
        tx.update(rateLimitQueue)
          .set({ status: "handed", handedAt: row.updatedAt })
          .where(inArray(rateLimitQueue.id, ids))
          .run();
        tx.insert(rateLimitUsage)
          .values({ id: 1, ...row })
          .onConflictDoUpdate({ target: rateLimitUsage.id, set: row })
          .run();
      }),
    );
    this.#usage = usage;
    for (const m of group) this.#announce(m, { status: "handed", epoch: usage.epoch });
    return usage.epoch;
  }

  /**
   * Final status (sent, failed, dropped): deletes the rows, announces, settles `done`. A row that cannot be
   * deleted is sent again after a restart: the same bytes, the same Waku hash, deduplicated by receivers.
   *
   * @example
   * store.finish(group, { status: "dropped", reason: "quota_low" });
   */
  finish(group: readonly QueuedMessage[], change: Change): void {
    const ids = group.map((m) => m.id);
    try {
      this.#db.delete(rateLimitQueue).where(inArray(rateLimitQueue.id, ids)).run();
    } catch {
      // kept for the next start, as above
    }
    for (const m of group) {
      const waiter = this.#waiters.get(m.id);
      this.#waiters.delete(m.id);
      const c = this.#announce(m, change); // announced even without a waiter (restored messages)
      waiter?.(c);
    }
  }

  /**
   * Settles the `done` of every queued message with `queued` (they stay in messages.db) and empties the lines.
   *
   * @example
   * store.release();
   */
  release(): void {
    for (const m of Object.values(this.queues).flatMap((q) => q.splice(0).flat())) {
      this.#waiters.get(m.id)?.({ id: m.id, batchId: m.batchId, priority: m.priority, status: "queued" });
    }
  }

  #announce(m: QueuedMessage, change: Change): StatusChange {
    const c = { id: m.id, batchId: m.batchId, priority: m.priority, ...change };
    for (const listener of this.#listeners) {
      try {
        listener(c);
      } catch {
        // A listener must not break the queue.
      }
    }
    return c;
  }
}
