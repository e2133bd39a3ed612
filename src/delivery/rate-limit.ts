/** @module The rate-limit manager (S1, RLM-*): N messages per RLN epoch, three priorities, all-or-nothing batches (docs/rate-limit.md). */
import { InputError, NetworkError } from "../errors.ts";
import type { MessagesDb } from "../storage/data-dir.ts";
import type { PublishReceipt } from "../waku/delivery.ts";
import type { WakuMessage } from "../waku/message.ts";
import {
  type DropReason,
  type EpochUsage,
  type Priority,
  type QueuedMessage,
  RateLimitStore,
  type StatusChange,
} from "./rate-limit-store.ts";

export type { DropReason, Priority, StatusChange } from "./rate-limit-store.ts";

const PRIORITIES: readonly Priority[] = ["critical", "normal", "optional"];

/**
 * Per epoch: `limit` messages, the last `reserve` of them for critical ones only, and at most `criticalCap`
 * critical ones while the quota is not low.
 *
 * @example
 * const rules: Rules = { limit: 100, reserve: 10, criticalCap: 50 };
 */
export interface Rules {
  readonly limit: number;
  readonly reserve: number;
  readonly criticalCap: number;
}

type Used = "used" | "criticalUsed";
type Decision =
  | { action: "send" }
  | { action: "wait"; reason: "quota_low" | "quota_exhausted" | "critical_cap" }
  | { action: "drop"; reason: DropReason };

/**
 * RLM-F5/F6: may `size` messages (one group, all or nothing) of `priority` go now? Low: 0 < remaining ≤ reserve.
 *
 * @example
 * decide("optional", 1, { limit: 100, reserve: 10, criticalCap: 50, used: 95, criticalUsed: 0 }); // drop
 */
export function decide(priority: Priority, size: number, q: Rules & Pick<EpochUsage, Used>): Decision {
  const free = Math.max(0, q.limit - q.used);
  if (size > (priority === "critical" ? q.criticalCap : q.limit - q.reserve)) {
    return { action: "drop", reason: "batch_too_large" };
  }
  const state = free === 0 ? "quota_exhausted" : free <= q.reserve ? "quota_low" : undefined;
  if (priority === "critical") {
    if (size > free) return { action: "wait", reason: state ?? "quota_low" };
    if (state || q.criticalUsed + size <= q.criticalCap) return { action: "send" };
    return { action: "wait", reason: "critical_cap" };
  }
  if (free - size >= q.reserve) return { action: "send" };
  const reason = state ?? "quota_low";
  return priority === "normal" ? { action: "wait", reason } : { action: "drop", reason };
}

/** Quota numbers (RLM-F3, RLM-U3); times in Unix ms. @example const { remaining, queued } = rl.quota(); */
export interface QuotaInfo extends Rules {
  readonly used: number;
  readonly remaining: number;
  readonly criticalUsed: number;
  readonly state: "available" | "low" | "exhausted";
  readonly epoch: number;
  readonly epochSeconds: number;
  readonly epochEndsAt: number;
  readonly queued: Readonly<Record<Priority, number>>;
  readonly handed: number;
}

/**
 * Defaults: 100 per 600 s (The Waku Network), reserve ⌊limit/10⌋, critical cap max(reserve, ⌈limit/2⌉),
 * `Date.now`, `setTimeout`. `onStatus` also hears messages restored at start.
 *
 * @example
 * const options: RateLimitOptions = { db: dir.messages, publish: (m) => delivery.publish(m) };
 */
export interface RateLimitOptions extends Partial<Rules> {
  readonly db: MessagesDb;
  readonly publish: (message: WakuMessage) => Promise<PublishReceipt>;
  readonly epochSeconds?: number;
  readonly now?: () => number;
  /** Calls back after `delayMs`; returns a cancel function. */
  readonly timer?: (callback: () => void, delayMs: number) => () => void;
  readonly onStatus?: (change: StatusChange) => void;
}

function int(name: string, value: number, min: number, max = 2 ** 31): number {
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
  throw new InputError("invalid_argument", `rate limit ${name} must be an integer in [${min}, ${max}]`);
}

/** The rules and the epoch length: everything `createBot({ rateLimit })` configures. */
export interface RateLimitRules extends Rules {
  readonly epochSeconds: number;
}

/**
 * The rules with defaults filled in and every value checked (InputError `invalid_argument`), so that a bad
 * configuration is refused when it is read, not when the manager starts.
 *
 * @example
 * rateLimitRules({ limit: 20 }); // { limit: 20, epochSeconds: 600, reserve: 2, criticalCap: 10 }
 */
export function rateLimitRules(o: Partial<RateLimitRules>): RateLimitRules {
  const limit = int("limit", o.limit ?? 100, 1);
  const epochSeconds = int("epochSeconds", o.epochSeconds ?? 600, 1, 1e6);
  const reserve = int("reserve", o.reserve ?? Math.floor(limit / 10), 0, limit - 1);
  const least = Math.max(1, reserve);
  const criticalCap = int(
    "criticalCap",
    o.criticalCap ?? Math.max(least, Math.ceil(limit / 2)),
    least,
    limit,
  );
  return { limit, epochSeconds, reserve, criticalCap };
}

function defaultTimer(callback: () => void, delayMs: number): () => void {
  const t = setTimeout(callback, delayMs);
  t.unref?.();
  return () => clearTimeout(t);
}

/**
 * Hands messages to `publish`, at most `limit` per epoch, each counted even if publish fails.
 *
 * @example
 * const rl = new RateLimitManager({ db: dir.messages, publish: (m) => delivery.publish(m) });
 * const outcome = await rl.push(message, "normal"); // status sent, failed or dropped
 * await rl.close();
 */
export class RateLimitManager implements Rules {
  readonly limit: number;
  readonly reserve: number;
  readonly criticalCap: number;
  readonly epochSeconds: number;
  readonly #store: RateLimitStore;
  readonly #o: RateLimitOptions;
  readonly #now: () => number;
  #inFlight = 0;
  #closed = false;
  #cancel: (() => void) | undefined;
  #idle: Promise<void> | undefined;
  #drained = () => {};

  constructor(o: RateLimitOptions) {
    this.#o = o;
    ({
      limit: this.limit,
      epochSeconds: this.epochSeconds,
      reserve: this.reserve,
      criticalCap: this.criticalCap,
    } = rateLimitRules(o));
    this.#now = o.now ?? Date.now;
    this.#store = new RateLimitStore(o.db, this.#now, this.epochSeconds, o.onStatus);
    queueMicrotask(() => this.#pump());
  }

  /** Listens to every status change; returns the unsubscribe function. @example const off = rl.onStatus(log); */
  onStatus(listener: (change: StatusChange) => void): () => void {
    return this.#store.onStatus(listener);
  }

  /**
   * Queues one message; resolves with its last change: sent, failed, dropped (`queued` if closed first).
   *
   * @example
   * const c = await rl.push(receipt, "critical", "conv1:ab12");
   */
  async push(message: WakuMessage, priority: Priority, id?: string): Promise<StatusChange> {
    return (await this.pushBatch([message], priority, id ? [id] : undefined))[0] as StatusChange;
  }

  /**
   * Queues messages handed to delivery all at once or not at all (RLM-U2); one message is no batch.
   *
   * @example
   * const changes = await rl.pushBatch(segments, "normal", ["m1:0", "m1:1"]);
   */
  async pushBatch(messages: readonly WakuMessage[], priority: Priority, ids?: readonly string[]) {
    if (this.#closed) throw new NetworkError("unreachable", "the rate-limit manager is closed");
    if (messages.length === 0) return [];
    const { done } = this.#store.add(messages, priority, ids, messages[1] ? crypto.randomUUID() : null);
    this.#pump();
    return done;
  }

  /**
   * Ids of the messages waiting in the queue (also those restored after a restart), so a caller resuming its own
   * work does not queue them twice.
   *
   * @example
   * if (!rl.waiting().has(id)) await rl.push(message, "critical", id);
   */
  waiting(): Set<string> {
    const ids = new Set<string>();
    for (const p of PRIORITIES)
      for (const group of this.#store.queues[p]) for (const m of group) ids.add(m.id);
    return ids;
  }

  /**
   * The current epoch's numbers; `handed` counts publishes not yet answered.
   *
   * @example
   * rl.quota(); // { limit: 100, remaining: 88, epoch: 2992184, queued: { critical: 0, … }, … }
   */
  quota(): QuotaInfo {
    const { epoch, used, criticalUsed } = this.#store.usage();
    const { limit, reserve, criticalCap, epochSeconds } = this;
    const remaining = Math.max(0, limit - used);
    const count = (p: Priority) => this.#store.queues[p].reduce((n, g) => n + g.length, 0);
    return {
      ...{ limit, reserve, criticalCap, used, remaining, criticalUsed, epoch, epochSeconds },
      state: remaining === 0 ? "exhausted" : remaining <= reserve ? "low" : "available",
      epochEndsAt: (epoch + 1) * epochSeconds * 1000,
      queued: { critical: count("critical"), normal: count("normal"), optional: count("optional") },
      handed: this.#inFlight,
    };
  }

  /**
   * Stops; queued messages stay in messages.db. Resolves when publishes in flight are answered.
   *
   * @example
   * await rl.close(); dir.close();
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#cancel?.();
      this.#store.release();
    }
    this.#idle ??= this.#inFlight === 0 ? Promise.resolve() : new Promise((r) => (this.#drained = r));
    return this.#idle;
  }

  /** Hands out what the rules allow, then waits for the next epoch if anything is left. */
  #pump(): void {
    if (this.#closed) return;
    while (this.#step()) {}
    this.#cancel?.();
    const delay = (this.#store.usage().epoch + 1) * this.epochSeconds * 1000 - this.#now();
    const waiting = PRIORITIES.some((p) => this.#store.queues[p].length > 0);
    this.#cancel = waiting
      ? (this.#o.timer ?? defaultTimer)(() => this.#pump(), Math.max(0, delay))
      : undefined;
  }

  /** Moves the first queue head that can move, critical first; false when none can. */
  #step(): boolean {
    let blocked: "quota_low" | "quota_exhausted" | undefined;
    for (const p of PRIORITIES) {
      const queue = this.#store.queues[p];
      const group = queue[0];
      if (!group) continue;
      // Under a group waiting for quota, normal waits and optional drops.
      const d: Decision = blocked
        ? { action: p === "optional" ? "drop" : "wait", reason: blocked }
        : decide(p, group.length, { ...this, ...this.#store.usage() });
      if (d.action === "wait") {
        if (d.reason !== "critical_cap") blocked = d.reason;
        continue;
      }
      queue.shift();
      if (d.action === "send") this.#hand(group);
      else this.#store.finish(group, { status: "dropped", reason: d.reason });
      return true;
    }
    return false;
  }

  #hand(group: QueuedMessage[]): void {
    let epoch: number;
    try {
      epoch = this.#store.hand(group);
    } catch (error) {
      this.#store.finish(group, { status: "failed", error });
      return;
    }
    this.#inFlight += group.length;
    for (const m of group) {
      const settle = (change: Omit<StatusChange, "id" | "batchId" | "priority">) => {
        this.#inFlight--;
        this.#store.finish([m], change);
        if (this.#inFlight === 0) this.#drained();
        this.#pump();
      };
      new Promise<PublishReceipt>((resolve) => resolve(this.#o.publish(m.message))).then(
        (receipt) => settle({ status: "sent", epoch, receipt }),
        (error: unknown) => settle({ status: "failed", epoch, error }),
      );
    }
  }
}
