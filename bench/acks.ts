/** @module How many ack-only envelopes the real outbox sends per user message in a modelled chat between people and a bot (part of benchmark group `p1`; docs/benchmarks.md §p1). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bot, createBot } from "../src/bot/bot.ts";
import type { MessageHandle } from "../src/bot/context.ts";
import { DEFAULT_RELIABILITY, type Reliability } from "../src/bot/outbox.ts";
import { MemoryNetwork, mulberry32 } from "../src/waku/memory.ts";

/**
 * A person chatting with a bot, times in seconds. The bot answers each message after `handler` (uniform); the
 * person sends the next message `think` after the bot's answer arrived (lognormal: median, σ of its logarithm), or,
 * with probability `followUp`, a second message `burst` (uniform) after their previous one without waiting.
 */
export interface ChatModel {
  readonly handler: readonly [number, number];
  readonly thinkMedian: number;
  readonly thinkSigma: number;
  readonly followUp: number;
  readonly burst: readonly [number, number];
  /** The person's app marks each answer read as it arrives (`ctx.markRead()`), as chat apps with an open chat do. */
  readonly readReceipts: boolean;
}

/**
 * The model behind `p1.…realistic`: a bot that answers in 0.1–1.5 s; a person who reads the answer and replies
 * after a median 10 s (σ 0.8: half of the replies within 6–17 s, one in ten under 3.6 s), and who sends a
 * follow-up 1–4 s after their own message three times in ten. About 4.5 user messages a minute per conversation
 * (P1's 4 a minute per user), half of them the bot's answers.
 */
export const CHAT_WITH_A_BOT: ChatModel = {
  handler: [0.1, 1.5],
  thinkMedian: 10,
  thinkSigma: 0.8,
  followUp: 0.3,
  burst: [1, 4],
  readReceipts: false,
};

/** What one run counted: text envelopes (both sides), ack-only envelopes, read receipts, resent envelopes. */
export interface AckCount {
  readonly texts: number;
  readonly ackOnly: number;
  readonly readReceipts: number;
  readonly resends: number;
  readonly undelivered: number;
}

/** Knobs of one run. */
export interface AckRunOptions {
  readonly model: ChatModel;
  readonly reliability: Partial<Reliability>;
  /** Simulated seconds per real second: every model time and every reliability timing is divided by it. */
  readonly timeScale: number;
  readonly clients: number;
  readonly conversationsPerClient: number;
  /** Messages each person sends per conversation. */
  readonly messages: number;
  readonly seed: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The reliability timings divided by `scale`, defaults filled in. */
function scaled(r: Partial<Reliability>, scale: number): Reliability {
  const full = { ...DEFAULT_RELIABILITY, ...r };
  return {
    ackDelayMs: full.ackDelayMs / scale,
    reAckMs: full.reAckMs / scale,
    resendAfterMs: full.resendAfterMs / scale,
    maxResendDelayMs: full.maxResendDelayMs / scale,
    expireAfterMs: full.expireAfterMs,
    maxInFlight: full.maxInFlight,
    // An integer of ms (options are checked); the wire rounds it up to whole seconds anyway.
    replyAckHoldMs: Math.round(full.replyAckHoldMs / scale),
  };
}

/**
 * Runs the chat model with real bots (real crypto, SQLite and outbox) on a loss-free memory network, with time
 * compressed by `timeScale`, and counts every published envelope: texts, ack-only frames, resends (an envelope
 * published again). Nothing is lost, so every ack-only envelope is one the ack policy chose to send. Read receipts
 * (optional messages) are never dropped here: the quota is unlimited.
 *
 * @example
 * const count = await countAcks({ model: CHAT_WITH_A_BOT, reliability: {}, timeScale: 10, clients: 4,
 *   conversationsPerClient: 10, messages: 8, seed: 1 });
 */
export async function countAcks(o: AckRunOptions): Promise<AckCount> {
  const random = mulberry32(o.seed);
  const uniform = ([a, b]: readonly [number, number]) => a + (b - a) * random();
  const lognormal = (median: number, sigma: number) => {
    // Box–Muller.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return median * Math.exp(sigma * z);
  };
  const ms = (seconds: number) => (seconds * 1000) / o.timeScale;
  const root = mkdtempSync(join(tmpdir(), "wakubot-acks-"));
  const network = new MemoryNetwork({ seed: o.seed });
  const bots: Bot[] = [];
  const published = new Map<string, number>();
  let publishes = 0;
  const make = async (name: string) => {
    const delivery = network.join(name);
    const publish = delivery.publish.bind(delivery);
    delivery.publish = (message) => {
      publishes++;
      const key = Buffer.from(message.payload).toString("base64");
      published.set(key, (published.get(key) ?? 0) + 1);
      return publish(message);
    };
    const bot = await createBot({
      data: join(root, name),
      passphrase: "p",
      kdf: { memoryKiB: 64, passes: 1, lanes: 1 },
      delivery,
      output: () => {},
      rateLimit: { limit: 1_000_000 },
      reliability: scaled(o.reliability, o.timeScale),
    });
    bots.push(bot);
    return bot;
  };
  try {
    const handles: MessageHandle[] = [];
    const bot = await make("bot");
    bot.on("text", async (ctx) => {
      await sleep(ms(uniform(o.model.handler)));
      handles.push(await ctx.reply(`re: ${ctx.text}`));
    });
    const { invite } = await bot.start();
    const answered = new Map<string, () => void>();
    let readReceipts = 0;
    const conversations = [];
    for (let c = 0; c < o.clients; c++) {
      const client = await make(`client${c}`);
      client.on("text", (ctx) => {
        if (o.model.readReceipts) {
          ctx.markRead();
          readReceipts++;
        }
        answered.get(ctx.conversation.id)?.();
      });
      await client.start();
      for (let i = 0; i < o.conversationsPerClient; i++) conversations.push(await client.connect(invite));
    }
    let texts = 0;
    await Promise.all(
      conversations.map(async (conversation) => {
        // A person: send, then either follow up at once or wait for the answer and think.
        let answers = 0;
        let waiting: (() => void) | undefined;
        answered.set(conversation.id, () => {
          answers++;
          waiting?.();
        });
        let expected = 0;
        for (let m = 0; m < o.messages; m++) {
          handles.push(await conversation.send(`message ${m}`));
          texts++;
          expected++;
          if (m === o.messages - 1) break;
          if (random() < o.model.followUp) {
            await sleep(ms(uniform(o.model.burst)));
            continue;
          }
          while (answers < expected) await new Promise<void>((resolve) => (waiting = resolve));
          await sleep(ms(lognormal(o.model.thinkMedian, o.model.thinkSigma)));
        }
        while (answers < expected) await new Promise<void>((resolve) => (waiting = resolve));
      }),
    );
    // Every owed ack goes out within ackDelayMs, or the hold a reply announced; then wait for the last statuses.
    const hold = { ...DEFAULT_RELIABILITY, ...o.reliability }.replyAckHoldMs / 1000;
    const deadline = performance.now() + ms(60 + hold);
    const done = (h: MessageHandle) => h.status === "delivered" || h.status === "read";
    while (handles.some((h) => !done(h)) && performance.now() < deadline) {
      await sleep(ms(0.5));
    }
    await sleep(ms(1));
    const envelopes = published.size;
    const allTexts = texts * 2; // each answered once
    return {
      texts: allTexts,
      ackOnly: envelopes - allTexts - readReceipts,
      readReceipts,
      resends: publishes - envelopes,
      undelivered: handles.filter((h) => !done(h)).length,
    };
  } finally {
    await Promise.allSettled(bots.map((b) => b.stop()));
    rmSync(root, { recursive: true, force: true });
  }
}
