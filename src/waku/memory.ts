/** @module An in-process Waku network with seeded fault injection, so the layers above Delivery can be tested deterministically. */
import { bytesToHex } from "@noble/hashes/utils.js";
import { InputError, NetworkError } from "../errors.ts";
import type { Delivery, DeliveryStatus, MessageHandler, PublishReceipt } from "./delivery.ts";
import {
  checkWakuMessage,
  DEFAULT_MESSAGE_LIMITS,
  decodeWakuMessage,
  encodeWakuMessage,
  type MessageLimits,
  messageHash,
  type RoutedMessage,
  type WakuMessage,
} from "./message.ts";
import type { StoreQuery } from "./store.ts";
import { bucketTopic, DEFAULT_SHARDING, parseContentTopic, routeOf, type ShardingConfig } from "./topics.ts";

/**
 * Name of the store node in `partition` groups. The store archives every non-ephemeral message it can reach and
 * reaches everyone unless it is named in a group.
 *
 * @example
 * net.partition([["alice"], ["bob", MEMORY_STORE]]); // alice can neither publish nor query the store
 */
export const MEMORY_STORE = "store";

/**
 * Faults, decided per (message, recipient) by the seeded PRNG; probabilities in [0, 1], delays in real ms.
 *
 * @example
 * const faults: Partial<MemoryFaults> = { drop: 0.05, duplicate: 0.01, reorder: 0.1, delayMs: [0, 30] };
 */
export interface MemoryFaults {
  readonly drop: number;
  /** An extra copy is delivered. Real relays dedup by message id; this harness deliberately does not. */
  readonly duplicate: number;
  /** The delivery is held back until after the recipient's next delivery (or until the queue drains). */
  readonly reorder: number;
  readonly delayMs: number | readonly [number, number];
  /** The store misses the message (it is still relayed). */
  readonly storeLoss: number;
}

/**
 * Counters over the network's life. Per publish: `published`, `archived` (new in the store). Per recipient:
 * `delivered` (duplicates included), `dropped`, `duplicated`, `reordered`, `partitioned`.
 *
 * @example
 * expect(net.stats.dropped + net.stats.delivered).toBe(sent);
 */
export interface MemoryStats {
  published: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  partitioned: number;
  archived: number;
}

/**
 * Options of a `MemoryNetwork`. `now` is only the clock timestamps are checked against (±20 s by default);
 * delays always run on real timers.
 *
 * @example
 * new MemoryNetwork({ seed: 42, now: () => fakeClock.ms, faults: { drop: 0.1 } });
 */
export interface MemoryNetworkOptions {
  readonly seed?: number;
  readonly faults?: Partial<MemoryFaults>;
  readonly now?: () => number;
  readonly sharding?: ShardingConfig;
  readonly limits?: MessageLimits;
}

interface Pending {
  readonly due: number;
  readonly seq: number;
  readonly to: MemoryDelivery;
  readonly routed: RoutedMessage;
  readonly held: boolean;
}

/**
 * A small seeded PRNG (mulberry32), uniform in [0, 1): deterministic fault decisions and benchmark traffic.
 *
 * @example
 * const random = mulberry32(1); random(); // same sequence for the same seed
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NO_FAULTS: MemoryFaults = { drop: 0, duplicate: 0, reorder: 0, delayMs: 0, storeLoss: 0 };

/**
 * A whole Waku network in memory: members on one pubsub topic, an omniscient store node, seeded faults and
 * partitions. Random decisions come from the seed only; deliveries run from a queue ordered by (due time,
 * publish order), never inside `publish`. Partitions are judged at publish time; a stopped member gets nothing.
 *
 * @example
 * const net = new MemoryNetwork({ seed: 1, faults: { drop: 0.1 } });
 * const alice = net.join("alice"), bob = net.join("bob");
 * bob.subscribe(BUCKET_TOPICS, (m) => inbox.push(m));
 * await alice.publish(message);
 * await net.settle();
 */
export class MemoryNetwork {
  readonly pubsubTopic: string;
  readonly stats: MemoryStats = {
    published: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    partitioned: 0,
    archived: 0,
  };
  readonly #rng: () => number;
  readonly #now: () => number;
  readonly #limits: MessageLimits;
  #faults: MemoryFaults;
  #members = new Map<string, MemoryDelivery>();
  #groups: (readonly string[])[] | undefined;
  #archive = new Map<string, RoutedMessage>();
  #queue: Pending[] = [];
  #held = new Map<MemoryDelivery, Pending[]>();
  #seq = 0;
  #joined = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #idle: (() => void)[] = [];

  constructor(options: MemoryNetworkOptions = {}) {
    this.#rng = mulberry32(options.seed ?? 1);
    this.#now = options.now ?? Date.now;
    this.#limits = options.limits ?? DEFAULT_MESSAGE_LIMITS;
    this.#faults = { ...NO_FAULTS, ...options.faults };
    this.pubsubTopic = routeOf(bucketTopic(0), options.sharding ?? DEFAULT_SHARDING);
  }

  /**
   * A new member (`m1`, `m2`… unless named). A stopped member's name may be reused, like a restarted bot.
   *
   * @example
   * const bot = net.join("bot");
   */
  join(name = `m${++this.#joined}`): MemoryDelivery {
    if (name === MEMORY_STORE || this.#members.get(name)?.stopped === false)
      throw new InputError("invalid_argument", `member name taken: ${name}`);
    const member = new MemoryDelivery(this, name);
    this.#members.delete(name);
    this.#members.set(name, member);
    return member;
  }

  /**
   * Changes faults from now on; deliveries already queued keep their fate.
   *
   * @example
   * net.setFaults({ drop: 0, delayMs: [5, 50] });
   */
  setFaults(faults: Partial<MemoryFaults>): void {
    this.#faults = { ...this.#faults, ...faults };
  }

  /**
   * Splits the network: members reach only their own group; unnamed members form one more group together.
   * The store reaches everyone unless `MEMORY_STORE` is named in a group.
   *
   * @example
   * net.partition([["alice"], ["bob", MEMORY_STORE]]);
   */
  partition(groups: readonly (readonly string[])[]): void {
    this.#groups = groups.map((g) => [...g]);
  }

  /**
   * Ends any partition.
   *
   * @example
   * net.heal();
   */
  heal(): void {
    this.#groups = undefined;
  }

  /**
   * Resolves once no delivery is queued or held. After the queue drains it waits one timer tick and looks again,
   * so replies that handlers publish after brief async work are waited for too; longer work needs another settle.
   *
   * @example
   * await net.settle();
   */
  async settle(): Promise<void> {
    do {
      if (this.#pending() > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
      await new Promise((resolve) => setTimeout(resolve, 0));
    } while (this.#pending() > 0);
  }

  #pending(): number {
    let n = this.#queue.length;
    for (const list of this.#held.values()) n += list.length;
    return n;
  }

  #group(name: string): number {
    return this.#groups?.findIndex((g) => g.includes(name)) ?? -1;
  }

  /** @internal Whether `a` can reach `b` (a member or the store) right now. */
  reaches(a: string, b: string): boolean {
    if (!this.#groups) return true;
    if (b === MEMORY_STORE && this.#group(b) === -1) return true;
    return this.#group(a) === this.#group(b);
  }

  /** @internal Live members `from` can reach, plus 1 when it reaches the store. */
  peersOf(from: MemoryDelivery): number {
    let n = this.reaches(from.name, MEMORY_STORE) ? 1 : 0;
    for (const m of this.#members.values())
      if (m !== from && !m.stopped && this.reaches(from.name, m.name)) n++;
    return n;
  }

  /** @internal */
  publishFrom(from: MemoryDelivery, message: WakuMessage): PublishReceipt {
    if (from.stopped) throw new NetworkError("unreachable", `${from.name} is stopped`);
    const why = parseContentTopic(message.contentTopic)
      ? checkWakuMessage(message, encodeWakuMessage(message).length, this.#now(), this.#limits)
      : "wrong_topic";
    if (why) throw new NetworkError("unreachable", `the network would refuse this message: ${why}`);
    const peers = this.peersOf(from);
    if (peers === 0) throw new NetworkError("unreachable", `${from.name} reaches no peer`);
    const hash = messageHash(this.pubsubTopic, message);
    const routed: RoutedMessage = { pubsubTopic: this.pubsubTopic, message, hash };
    const f = this.#faults;
    if (this.reaches(from.name, MEMORY_STORE) && !message.ephemeral && !(this.#rng() < f.storeLoss)) {
      const key = bytesToHex(hash);
      if (!this.#archive.has(key)) this.stats.archived++;
      this.#archive.set(key, routed);
    }
    for (const to of this.#members.values()) {
      if (to === from || to.stopped || !to.wants(message.contentTopic)) continue;
      if (!this.reaches(from.name, to.name)) this.stats.partitioned++;
      else if (this.#rng() < f.drop) this.stats.dropped++;
      else {
        const copies = this.#rng() < f.duplicate ? 2 : 1;
        if (copies === 2) this.stats.duplicated++;
        for (let i = 0; i < copies; i++) this.#enqueue(to, routed);
      }
    }
    this.stats.published++;
    return { hash, peers };
  }

  #enqueue(to: MemoryDelivery, routed: RoutedMessage): void {
    const d = this.#faults.delayMs;
    const delay = typeof d === "number" ? d : d[0] + Math.floor(this.#rng() * (d[1] - d[0] + 1));
    const held = this.#rng() < this.#faults.reorder;
    if (held) this.stats.reordered++;
    const p: Pending = { due: performance.now() + delay, seq: this.#seq++, to, routed, held };
    let i = this.#queue.length;
    while (i > 0 && (this.#queue[i - 1] as Pending).due > p.due) i--;
    this.#queue.splice(i, 0, p);
    this.#arm();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const head = this.#queue[0];
    if (head) this.#timer = setTimeout(() => this.#run(), Math.max(0, head.due - performance.now()));
  }

  #run(): void {
    this.#timer = undefined;
    const t = performance.now();
    for (let p = this.#queue[0]; p && p.due <= t; p = this.#queue[0]) {
      this.#queue.shift();
      if (p.held) {
        this.#held.set(p.to, [...(this.#held.get(p.to) ?? []), p]);
        continue;
      }
      this.#hand(p);
      for (const h of this.#held.get(p.to) ?? []) this.#hand(h);
      this.#held.delete(p.to);
    }
    if (this.#queue.length === 0) {
      for (const list of this.#held.values()) for (const h of list) this.#hand(h);
      this.#held.clear();
    }
    this.#arm();
    if (this.#pending() === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #hand(p: Pending): void {
    if (p.to.stopped) return;
    this.stats.delivered++;
    const message = decodeWakuMessage(encodeWakuMessage(p.routed.message));
    p.to.receive({ pubsubTopic: p.routed.pubsubTopic, message, hash: p.routed.hash.slice() });
  }

  /** @internal Archived messages matching `q`, in store order. */
  query(q: StoreQuery): RoutedMessage[] {
    const hashes = q.hashes?.length ? new Set(q.hashes.map(bytesToHex)) : undefined;
    const found = [...this.#archive.entries()]
      .filter(([key, { pubsubTopic, message: m }]) =>
        hashes
          ? hashes.has(key)
          : pubsubTopic === q.pubsubTopic &&
            (!q.contentTopics?.length || q.contentTopics.includes(m.contentTopic)) &&
            (q.timeStart === undefined || m.timestamp >= q.timeStart) &&
            (q.timeEnd === undefined || m.timestamp <= q.timeEnd),
      )
      .sort(([ka, a], [kb, b]) => Number(a.message.timestamp - b.message.timestamp) || ka.localeCompare(kb))
      .map(([, m]) => m);
    return q.forward === false ? found.reverse() : found;
  }
}

/**
 * One member of a `MemoryNetwork`, behaving as a `Delivery` (mode "memory"). Handlers get every delivery,
 * duplicates included, always asynchronously.
 *
 * @example
 * const bob = net.join("bob");
 * const off = bob.subscribe([bucketTopic(2)], (m) => got.push(m));
 */
export class MemoryDelivery implements Delivery {
  readonly pubsubTopic: string;
  #stopped = false;
  #handlers = new Map<string, Set<MessageHandler>>();

  constructor(
    readonly network: MemoryNetwork,
    readonly name: string,
  ) {
    this.pubsubTopic = network.pubsubTopic;
  }

  /**
   * Hashes on the network's pubsub topic, then throws `NetworkError("unreachable")` when stopped, refused by the
   * relay checks (size, timestamp skew, meta, content topic), or reaching neither a live member nor the store.
   * Otherwise the store archives it (if reachable) and reachable subscribers get it later; `peers` counts
   * reachable live members plus the store.
   */
  async publish(message: WakuMessage): Promise<PublishReceipt> {
    return this.network.publishFrom(this, message);
  }

  subscribe(contentTopics: readonly string[], handler: MessageHandler): () => void {
    for (const t of contentTopics) this.#handlers.set(t, (this.#handlers.get(t) ?? new Set()).add(handler));
    return () => {
      for (const t of contentTopics) this.#handlers.get(t)?.delete(handler);
    };
  }

  /** @internal */
  wants(contentTopic: string): boolean {
    return (this.#handlers.get(contentTopic)?.size ?? 0) > 0;
  }

  /** @internal */
  receive(routed: RoutedMessage): void {
    for (const handler of [...(this.#handlers.get(routed.message.contentTopic) ?? [])]) {
      try {
        handler(routed);
      } catch {
        // As in WakuNode: one subscriber's bug must not stop delivery to the others.
      }
    }
  }

  /** Throws `NetworkError("unreachable")` when stopped or partitioned from the store. */
  async *queryStore(query: StoreQuery): AsyncGenerator<RoutedMessage> {
    if (this.stopped || !this.network.reaches(this.name, MEMORY_STORE))
      throw new NetworkError("unreachable", "no store node answered");
    yield* this.network.query(query);
  }

  status(): DeliveryStatus {
    const peers = this.stopped ? 0 : this.network.peersOf(this);
    return { mode: "memory", connectedPeers: peers, publishPeers: peers };
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
  }
}
