/**
 * @module Benchmark group `e2e`: bot round trips over two real loopback Waku nodes. An echo bot and a client bot,
 * each on its own WakuNode, in this one process; every message takes the full path: encrypt, persist, relay,
 * decrypt, commit, handler, receipt.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bot, createBot } from "../src/bot/bot.ts";
import type { Conversation } from "../src/bot/context.ts";
import type { KdfCost } from "../src/storage/keyring.ts";
import type { WakuNode } from "../src/waku/node.ts";
import type { Figure } from "./groups.ts";

/** Cheap Argon2id as in the tests: the KDF runs once when the data directory opens, never in the window. */
const BENCH_KDF: KdfCost = { memoryKiB: 64, passes: 1, lanes: 1 };

/** Knobs of one run. */
export interface E2eOptions {
  /** Client conversations with the echo bot. */
  readonly conversations: number;
  /** Round trips in flight per conversation (closed loop: each reply triggers the next send). */
  readonly depth: number;
  /** Seconds of each measured window. */
  readonly seconds: number;
  /** Unmeasured seconds before each window, to reach steady state. */
  readonly warmupSeconds: number;
  readonly rounds: number;
}

/** What a run measured. */
export interface E2eResult {
  readonly rounds: E2eRound[];
  /** Median latency of single round trips with nothing else in flight. */
  readonly unloadedMs: number;
}

/** One measured window. */
export interface E2eRound {
  readonly roundTripsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly completed: number;
}

/** Sequential round trips for the unloaded latency. */
const UNLOADED = 30;

const DEFAULTS: E2eOptions = { conversations: 20, depth: 2, seconds: 10, warmupSeconds: 2, rounds: 3 };

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`e2e: timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/**
 * Starts the two bots, forms the mesh, warms up every conversation, then measures `rounds` windows.
 *
 * @example
 * const { rounds } = await runE2e({ conversations: 20, depth: 2, seconds: 10, warmupSeconds: 2, rounds: 3 });
 */
export async function runE2e(options: E2eOptions = DEFAULTS): Promise<E2eResult> {
  const root = mkdtempSync(join(tmpdir(), "wakubot-e2e-"));
  const quiet = () => {};
  const bots: Bot[] = [];
  try {
    const echo = await createBot({
      data: join(root, "echo"),
      passphrase: "bench",
      kdf: BENCH_KDF,
      output: quiet,
      json: false,
      peers: [],
    });
    bots.push(echo);
    echo.on("text", (ctx) => ctx.reply(ctx.text));
    const ready = await echo.start();
    const client = await createBot({
      data: join(root, "client"),
      passphrase: "bench",
      kdf: BENCH_KDF,
      output: quiet,
      json: false,
      peers: ready.multiaddrs,
    });
    bots.push(client);
    await client.start();
    const echoNode = echo.delivery as WakuNode;
    const clientNode = client.delivery as WakuNode;
    await until(() => echoNode.meshPeers() > 0 && clientNode.meshPeers() > 0, 30_000, "the relay mesh");

    const errors: string[] = [];
    for (const bot of bots) bot.events.on("error", (e) => void errors.push(`${e.code}: ${e.message}`));

    // Replies are matched to sends by their text, which is unique per round trip.
    const sentAt = new Map<string, number>();
    const byId = new Map<string, Conversation>();
    let onReply: (conversation: Conversation, text: string, at: number) => void = () => {};
    client.events.on("message", (e) => {
      if (e.type !== "text" || e.text === undefined) return;
      const conversation = byId.get(e.conversation);
      if (conversation) onReply(conversation, e.text, performance.now());
    });

    // Warm-up: the first message of each conversation carries X3DH; the echo's answer completes the handshake.
    const conversations: Conversation[] = [];
    for (let k = 0; k < options.conversations; k++) {
      const conversation = await client.connect(ready.invite);
      byId.set(conversation.id, conversation);
      conversations.push(conversation);
    }
    let warm = 0;
    onReply = (_c, text) => {
      if (text.startsWith("warm:")) warm++;
    };
    for (const [k, conversation] of conversations.entries()) await conversation.send(`warm:${k}`);
    await until(() => warm === conversations.length, 30_000, "the warm-up replies");

    const rounds: E2eRound[] = [];
    let seq = 0;
    for (let round = 0; round < options.rounds; round++) {
      const latencies: number[] = [];
      let measuring = false;
      let issuing = true;
      let completed = 0;
      let outstanding = 0;
      const send = (conversation: Conversation) => {
        const text = `r${round}:${seq++}`;
        sentAt.set(text, performance.now());
        outstanding++;
        conversation.send(text).catch((error: unknown) => {
          outstanding--;
          errors.push(String(error));
        });
      };
      onReply = (conversation, text, at) => {
        const t = sentAt.get(text);
        if (t === undefined) return;
        sentAt.delete(text);
        outstanding--;
        if (measuring) {
          completed++;
          latencies.push(at - t);
        }
        if (issuing) send(conversation);
      };
      for (const conversation of conversations) for (let d = 0; d < options.depth; d++) send(conversation);
      await Bun.sleep(options.warmupSeconds * 1000);
      measuring = true;
      const t0 = performance.now();
      await Bun.sleep(options.seconds * 1000);
      measuring = false;
      const elapsed = (performance.now() - t0) / 1000;
      issuing = false;
      await until(() => outstanding <= 0, 60_000, "the last replies of the round").catch((error) => {
        const nodes = [echoNode, clientNode].map((n) => ({
          mesh: n.meshPeers(),
          connections: n.status().connectedPeers,
          stats: n.stats,
        }));
        errors.push(`${outstanding} round trips never completed (${error}); nodes ${JSON.stringify(nodes)}`);
      });
      sentAt.clear();
      latencies.sort((a, b) => a - b);
      const r = {
        roundTripsPerS: completed / elapsed,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        completed,
      };
      rounds.push(r);
      process.stderr.write(
        `  [e2e] round ${round + 1}: ${r.roundTripsPerS.toFixed(1)} round trips/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms (${completed} in ${elapsed.toFixed(1)} s)\n`,
      );
      await Bun.sleep(500);
    }
    // Unloaded: one round trip at a time on one conversation.
    const single: number[] = [];
    const conversation = conversations[0] as Conversation;
    for (let i = 0; i < UNLOADED; i++) {
      const text = `single:${i}`;
      const t = performance.now();
      const replied = new Promise<number>((resolve) => {
        onReply = (_c, got, at) => {
          if (got === text) resolve(at - t);
        };
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<number>((resolve) => {
        timer = setTimeout(() => resolve(Number.NaN), 10_000);
      });
      await conversation.send(text);
      single.push(await Promise.race([replied, timeout]));
      clearTimeout(timer);
    }
    const unloadedMs = middle(single.filter((v) => !Number.isNaN(v)));
    process.stderr.write(
      `  [e2e] unloaded round trip: median ${unloadedMs.toFixed(1)} ms of ${single.length}\n`,
    );
    if (errors.length > 0) {
      process.stderr.write(`  [e2e] ${errors.length} errors, first: ${errors[0]}\n`);
    }
    return { rounds, unloadedMs };
  } finally {
    await Promise.allSettled(bots.map((b) => b.stop()));
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The `e2e` group: 20 client conversations, 2 round trips in flight each, three 10-second windows; figures are
 * medians over the windows. `e2e.msgs_per_s` counts round trips (text → echo reply received); each one is four
 * encrypted messages on the wire (text, receipt, reply, receipt). Also `e2e.unloaded_ms`: the median of 30 round
 * trips sent one at a time. Loaded latency follows Little's law (in flight ÷ throughput), so it reflects the
 * chosen depth; `WAKUBOT_BENCH_E2E_CONVERSATIONS`, `_DEPTH`, `_SECONDS` change the load.
 *
 * @example
 * for (const f of await measureE2e()) console.log(f);
 */
export async function measureE2e(): Promise<Figure[]> {
  const env = process.env;
  const options: E2eOptions = {
    conversations: Number(env.WAKUBOT_BENCH_E2E_CONVERSATIONS ?? DEFAULTS.conversations),
    depth: Number(env.WAKUBOT_BENCH_E2E_DEPTH ?? DEFAULTS.depth),
    seconds: Number(env.WAKUBOT_BENCH_E2E_SECONDS ?? DEFAULTS.seconds),
    warmupSeconds: DEFAULTS.warmupSeconds,
    rounds: DEFAULTS.rounds,
  };
  const { rounds, unloadedMs } = await runE2e(options);
  return [
    {
      bench: "e2e.msgs_per_s",
      value: Number(middle(rounds.map((r) => r.roundTripsPerS)).toFixed(1)),
      unit: "msg/s",
    },
    { bench: "e2e.p50_ms", value: Number(middle(rounds.map((r) => r.p50Ms)).toFixed(1)), unit: "ms" },
    { bench: "e2e.p99_ms", value: Number(middle(rounds.map((r) => r.p99Ms)).toFixed(1)), unit: "ms" },
    { bench: "e2e.unloaded_ms", value: Number(unloadedMs.toFixed(1)), unit: "ms" },
  ];
}
