/** @module The rate-limit manager's state: queue, epoch usage and message statuses, kept in messages.db across restarts (RLM-R2, RLM-R3, RLM-U4; docs/rate-limit.md). */
import { asc } from "drizzle-orm";
import { InputError, StorageError } from "../errors.ts";
import type { MessagesDb } from "../storage/data-dir.ts";
import { rateLimitQueue, rateLimitUsage } from "../storage/schema/messages.ts";
import { storageErrorFrom } from "../storage/sqlite.ts";
import type { PublishReceipt } from "../waku/delivery.ts";
import { decodeWakuMessage, encodeWakuMessage, type WakuMessage } from "../waku/message.ts";
import { Statements } from "./statements.ts";

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
  readonly createdAt: number;
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
 * Writes are grouped, because most messages are queued and handed in the same tick: a new group's rows are written
 * at the end of the tick (a microtask) unless it is handed first, in which case they are written as `handed` in the
 * hand-off's transaction; rows of finished messages are deleted together at the end of the tick. A message pushed
 * in the tick of a crash was not yet accepted (its push had not resolved); a row whose delete was lost is sent
 * again after a restart, as below.
 *
 * @example
 * const store = new RateLimitStore(dir.messages, Date.now, 600, console.log);
 * const { group, done } = store.add([message], "critical", ["m1"], null);
 * store.hand(group); // charged to store.usage()
 * store.finish(group, { status: "sent", receipt }); await done;
 */
export class RateLimitStore {
  readonly queues: Record<Priority, QueuedMessage[][]> = { critical: [], normal: [], optional: [] };
  readonly #now: () => number;
  readonly #epochSeconds: number;
  readonly #listeners = new Set<Listener>();
  readonly #waiters = new Map<string, Listener | undefined>();
  readonly #sql: Statements;
  /** Groups added this tick whose rows are not written yet. */
  readonly #unwritten = new Set<readonly QueuedMessage[]>();
  /** Ids of finished messages whose rows are deleted at the end of the tick. */
  #finished: string[] = [];
  #flushing = false;
  #usage: EpochUsage;
  #seq = 0;

  constructor(db: MessagesDb, now: () => number, epochSeconds: number, listener?: Listener) {
    this.#sql = new Statements(db);
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
      const m = {
        seq: r.seq,
        id: r.id,
        priority: r.priority,
        batchId: r.batchId,
        message,
        createdAt: r.createdAt,
      };
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
      return { seq: this.#seq + i + 1, id, priority, batchId, message, createdAt };
    });
    this.#unwritten.add(group);
    this.#schedule();
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
    const at = this.#now();
    const unwritten = this.#unwritten.delete(group);
    run(() =>
      this.#sql.transaction(() => {
        if (unwritten) this.#insert(group, "handed", at);
        else {
          const update = this.#sql.q(
            "update rate_limit_queue set status = 'handed', handed_at = ? where id = ?",
          );
          for (const m of group) update.run(at, m.id);
        }
        this.#sql
          .q(
            `insert into rate_limit_usage (id, epoch_seconds, epoch, used, critical_used, updated_at)
             values (1, ?, ?, ?, ?, ?)
             on conflict (id) do update set epoch_seconds = excluded.epoch_seconds, epoch = excluded.epoch,
               used = excluded.used, critical_used = excluded.critical_used, updated_at = excluded.updated_at`,
          )
          .run(usage.epochSeconds, usage.epoch, usage.used, usage.criticalUsed, at);
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
    // A group dropped in the tick it was added never had rows; a handed message's row goes with the tick's others.
    if (!this.#unwritten.delete(group)) {
      for (const m of group) this.#finished.push(m.id);
      this.#schedule();
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
    this.flush();
    for (const m of Object.values(this.queues).flatMap((q) => q.splice(0).flat())) {
      this.#waiters.get(m.id)?.({ id: m.id, batchId: m.batchId, priority: m.priority, status: "queued" });
    }
  }

  /**
   * Writes the rows of groups still queued and deletes those of finished messages, in one transaction. Runs at
   * the end of every tick that changed anything, and when the manager closes.
   *
   * @example
   * store.flush();
   */
  flush(): void {
    const groups = [...this.#unwritten];
    const finished = this.#finished;
    this.#unwritten.clear();
    this.#finished = [];
    if (groups.length === 0 && finished.length === 0) return;
    try {
      this.#sql.transaction(() => {
        for (const group of groups) this.#insert(group, "queued", null);
        const remove = this.#sql.q("delete from rate_limit_queue where id = ?");
        for (const id of finished) remove.run(id);
      });
    } catch {
      // Queued rows that could not be written are still in memory and go out in this run; undeleted rows are sent
      // again after a restart (same bytes, same Waku hash, deduplicated by receivers).
    }
  }

  #schedule(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flushing = false;
      this.flush();
    });
  }

  #insert(group: readonly QueuedMessage[], status: "queued" | "handed", handedAt: number | null): void {
    const insert = this.#sql.q(
      `insert into rate_limit_queue (seq, id, priority, batch_id, message, status, created_at, handed_at)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const m of group) {
      insert.run(
        m.seq,
        m.id,
        m.priority,
        m.batchId,
        encodeWakuMessage(m.message),
        status,
        m.createdAt,
        handedAt,
      );
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
