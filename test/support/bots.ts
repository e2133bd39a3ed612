/** @module Bots on an in-memory Waku network for behaviour tests: one network, a bot factory keyed by name (same name = same data dir, like a restarted bot), and helpers that wait on settle loops and events with deadlines. */
import { type Bot, type BotEvents, createBot } from "../../src/bot/bot.ts";
import type { BotOptions } from "../../src/bot/options.ts";
import { type MemoryDelivery, MemoryNetwork, type MemoryNetworkOptions } from "../../src/waku/memory.ts";
import type { WakuMessage } from "../../src/waku/message.ts";
import { TEST_KDF, tempDir } from "./tmp.ts";

/** A memory network and the bots made on it; see {@link botNetwork}. */
export interface BotNetwork {
  readonly network: MemoryNetwork;
  /** Data directory of the bot called `name` (whether or not it exists yet). */
  dataDir(name: string): string;
  /** The network member the latest bot called `name` was given (its `delivery`). */
  member(name: string): MemoryDelivery;
  /**
   * A bot named `name` joined to the network (not started). The data directory is `<tmp>/<name>`, so calling this
   * again with the same name after the first bot stopped re-opens its account, like a restarted process.
   */
  bot(name: string, options?: BotOptions): Promise<Bot>;
  /** Stops every bot made here that is still running (idempotent). */
  stop(): Promise<void>;
}

/**
 * A fresh memory network (seed 1 unless given) and a factory for quiet test bots on it: cheap KDF, passphrase
 * "p", output discarded unless `options.output` is given.
 *
 * @example
 * const net = botNetwork();
 * const bot = await net.bot("bot");
 * bot.on("text", (ctx) => ctx.reply(`echo: ${ctx.text}`));
 * const { invite } = await bot.start();
 * // … afterwards:
 * await net.stop();
 */
export function botNetwork(options: MemoryNetworkOptions = {}, root: string = tempDir()): BotNetwork {
  const network = new MemoryNetwork({ seed: 1, ...options });
  const made: Bot[] = [];
  const members = new Map<string, MemoryDelivery>();
  return {
    network,
    dataDir: (name) => `${root}/${name}`,
    member(name) {
      const m = members.get(name);
      if (!m) throw new Error(`no bot called ${name} was made`);
      return m;
    },
    async bot(name, botOptions = {}) {
      const delivery = network.join(name);
      members.set(name, delivery);
      const bot = await createBot({
        data: `${root}/${name}`,
        passphrase: "p",
        kdf: TEST_KDF,
        delivery,
        output: () => {},
        // The Waku Network's 100 per 600 s would throttle tests that are not about the rate limit.
        rateLimit: { limit: 100_000 },
        ...botOptions,
      });
      made.push(bot);
      return bot;
    },
    async stop() {
      await Promise.all(made.map((b) => b.stop()));
    },
  };
}

/**
 * Records every message `member` publishes; the call still goes through.
 *
 * @example
 * const published = spyPublishes(net.member("client"));
 * await conversation.send("hi");
 * expect(published).toHaveLength(1);
 */
export function spyPublishes(member: MemoryDelivery): WakuMessage[] {
  const log: WakuMessage[] = [];
  const publish = member.publish.bind(member);
  member.publish = (message) => {
    log.push(message);
    return publish(message);
  };
  return log;
}

/**
 * Runs `network.settle()` until `condition()` holds; throws (naming `what`) once `timeoutMs` of real time passed.
 * Returns how many settle rounds it took.
 *
 * @example
 * await settleUntil(net.network, () => replies.length === 3, "three replies");
 */
export async function settleUntil(
  network: MemoryNetwork,
  condition: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let rounds = 0;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await network.settle();
    rounds++;
  }
  return rounds;
}

/**
 * Settles the network `rounds` more times: used after a condition held, to give anything that should NOT happen
 * (a duplicate reply, a second handler run) the chance to happen before asserting it did not.
 *
 * @example
 * await settleRounds(net.network, 20);
 * expect(replies).toHaveLength(3);
 */
export async function settleRounds(network: MemoryNetwork, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) await network.settle();
}

/**
 * Resolves with `promise`, or rejects naming `what` after `timeoutMs`; the timer is cleared either way.
 *
 * @example
 * const ready = await within(bot.start(), 2_000, "bot start");
 */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The next `name` event of `bot` that satisfies `match` (default: any), or a rejection after `timeoutMs`.
 * Subscribe before triggering what emits it.
 *
 * @example
 * const delivered = nextEvent(client, "delivered", (e) => e.id === handle.id);
 * await conversation.send("hi");
 * await delivered;
 */
export function nextEvent<K extends keyof BotEvents>(
  bot: Bot,
  name: K,
  match: (event: BotEvents[K]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<BotEvents[K]> {
  let off = () => {};
  const seen = new Promise<BotEvents[K]>((resolve) => {
    off = bot.events.on(name, (event) => {
      if (match(event)) resolve(event);
    });
  });
  return within(seen, timeoutMs, `bot event ${name}`).finally(() => off());
}

/**
 * Every `name` event of `bot` from now on, in order.
 *
 * @example
 * const errors = record(bot, "error");
 * // … run …
 * expect(errors).toEqual([]);
 */
export function record<K extends keyof BotEvents>(bot: Bot, name: K): BotEvents[K][] {
  const events: BotEvents[K][] = [];
  bot.events.on(name, (e) => void events.push(e));
  return events;
}

/**
 * A promise with its resolve function outside, for handlers the test holds open until it chooses.
 *
 * @example
 * const gate = deferred();
 * bot.on("text", async () => { await gate.promise; });
 * gate.resolve();
 */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
