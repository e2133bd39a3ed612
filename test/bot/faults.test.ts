/**
 * Issue 6: faults through the in-memory harness (20 % drop, duplicates, reordering, a partition that heals, a lost
 * trailing message). Every gap is detected and repaired, every message is answered exactly once, and every
 * message ends `delivered` (docs/delivery.md).
 *
 * Each test runs an echo bot and a client on a seeded memory network with short reliability timers, so repairs
 * take a fraction of a second instead of the production 10 s back-off.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Bot, BotEvents } from "../../src/bot/bot.ts";
import type { Conversation, MessageHandle } from "../../src/bot/context.ts";
import type { BotOptions } from "../../src/bot/options.ts";
import { MEMORY_STORE, type MemoryFaults, type MemoryStats } from "../../src/waku/memory.ts";
import { type BotNetwork, botNetwork, record, settleUntil, spyPublishes } from "../support/bots.ts";

/** Fast repair timers; a quota so large it never holds anything back. */
const FAST: BotOptions = {
  // Replies announce the shortest hold (1 s, the wire's unit): a lost reply comes back when the client's next
  // message shows it missing, or after hold + resend.
  reliability: {
    ackDelayMs: 10,
    reAckMs: 50,
    resendAfterMs: 100,
    maxResendDelayMs: 400,
    replyAckHoldMs: 1_000,
  },
  rateLimit: { limit: 100_000 },
};
/** Longer than two of the longest resend intervals: enough for anything that should not happen to happen. */
const QUIET_MS = 1_000;
/** Real-time deadline for the network to repair everything. */
const REPAIR_MS = 20_000;
/** bun's per-test timeout: the repair deadline plus setup and the quiet period. */
const TEST_MS = 60_000;

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

/** One `gap` or `recovered` event, in the order a bot emitted them. */
interface Repair {
  readonly kind: "gap" | "recovered";
  readonly conversation: string;
  readonly seqs: readonly number[];
}

/** What one bot saw: handler runs, the seqs they carried, gap/recovered events, delivered events, errors. */
interface Side {
  /** Handler runs per text. */
  readonly handled: Map<string, number>;
  /** Texts in handler order (= arrival order). */
  readonly order: string[];
  /** `ctx.message.seq` per text (the last run's, if a handler ran twice). */
  readonly seqOf: Map<string, number>;
  /** (conversation, seq) of every handler run, in order. */
  readonly arrivals: { conversation: string; seq: number }[];
  readonly repairs: Repair[];
  /** `delivered` events per message id. */
  readonly delivered: Map<string, number>;
  readonly errors: BotEvents["error"][];
}

/** An echo bot and a client with a conversation between them; see {@link startPair}. */
interface Pair {
  readonly bot: Bot;
  readonly client: Bot;
  readonly conversation: Conversation;
  /** The echo bot's view. */
  readonly server: Side;
  /** The client's view. */
  readonly peer: Side;
  /** The echo bot's reply handles, in handler order. */
  readonly replies: MessageHandle[];
  /** The client's texts and their handles, in sending order. */
  readonly sent: { text: string; handle: MessageHandle }[];
}

const echo = (text: string) => `echo: ${text}`;
const ones = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, 1]));

function watch(bot: Bot): Side {
  const side: Side = {
    handled: new Map(),
    order: [],
    seqOf: new Map(),
    arrivals: [],
    repairs: [],
    delivered: new Map(),
    errors: record(bot, "error"),
  };
  bot.events.on("gap", (e) =>
    side.repairs.push({ kind: "gap", conversation: e.conversation, seqs: [...e.missing] }),
  );
  bot.events.on("recovered", (e) =>
    side.repairs.push({ kind: "recovered", conversation: e.conversation, seqs: [...e.seqs] }),
  );
  bot.events.on("delivered", (e) => void side.delivered.set(e.id, (side.delivered.get(e.id) ?? 0) + 1));
  return side;
}

/** Records one handler run of a text message. */
function count(side: Side, ctx: { text: string; conversation: { id: string }; message: { seq: number } }) {
  side.handled.set(ctx.text, (side.handled.get(ctx.text) ?? 0) + 1);
  side.order.push(ctx.text);
  side.seqOf.set(ctx.text, ctx.message.seq);
  side.arrivals.push({ conversation: ctx.conversation.id, seq: ctx.message.seq });
}

/**
 * A fresh network with `faults` from the start, an echo bot ("bot") and a client ("client") connected to it,
 * both with {@link FAST} timers. Nothing is sent yet: the first message carries the handshake.
 */
async function startPair(seed: number, faults: Partial<MemoryFaults> = {}): Promise<Pair> {
  net = botNetwork({ seed, faults });
  const bot = await net.bot("bot", FAST);
  const server = watch(bot);
  const replies: MessageHandle[] = [];
  bot.on("text", async (ctx) => {
    count(server, ctx);
    replies.push(await ctx.reply(echo(ctx.text)));
  });
  const { invite } = await bot.start();
  const client = await net.bot("client", FAST);
  const peer = watch(client);
  client.on("text", (ctx) => count(peer, ctx));
  await client.start();
  const conversation = await client.connect(invite);
  return { bot, client, conversation, server, peer, replies, sent: [] };
}

/** Sends `texts` from the client, one after the other (so their seqs follow this order). */
async function send(p: Pair, texts: readonly string[]): Promise<MessageHandle[]> {
  const handles: MessageHandle[] = [];
  for (const text of texts) {
    const handle = await p.conversation.send(text);
    p.sent.push({ text, handle });
    handles.push(handle);
  }
  return handles;
}

/** Every client text handled and answered, every client message and every reply `delivered`. */
function complete(p: Pair): boolean {
  return (
    p.sent.every(({ text }) => p.server.handled.has(text) && p.peer.handled.has(echo(text))) &&
    p.sent.every(({ handle }) => handle.status === "delivered") &&
    p.replies.length >= p.sent.length &&
    p.replies.every((h) => h.status === "delivered")
  );
}

/** A one-line account of where a pair stands, for timeout messages. */
function progress(p: Pair): string {
  const n = p.sent.length;
  const handled = p.sent.filter(({ text }) => p.server.handled.has(text)).length;
  const answered = p.sent.filter(({ text }) => p.peer.handled.has(echo(text))).length;
  const delivered = p.sent.filter(({ handle }) => handle.status === "delivered").length;
  const repliesDelivered = p.replies.filter((h) => h.status === "delivered").length;
  const bot = seqsOf(p.server.repairs);
  const client = seqsOf(p.peer.repairs);
  return [
    `bot handled ${handled}/${n}`,
    `client got ${answered}/${n} replies`,
    `client messages delivered ${delivered}/${n}`,
    `replies delivered ${repliesDelivered}/${p.replies.length}`,
    `bot gaps [${bot.gap}] recovered [${bot.recovered}]`,
    `client gaps [${client.gap}] recovered [${client.recovered}]`,
    `errors ${JSON.stringify([...p.server.errors, ...p.peer.errors])}`,
    `network ${JSON.stringify(net.network.stats)}`,
  ].join("; ");
}

function seqsOf(repairs: readonly Repair[]): { gap: number[]; recovered: number[] } {
  return {
    gap: repairs.filter((r) => r.kind === "gap").flatMap((r) => r.seqs),
    recovered: repairs.filter((r) => r.kind === "recovered").flatMap((r) => r.seqs),
  };
}

/** Settles until the pair is {@link complete}; a timeout says how far it got. */
async function settleComplete(p: Pair, what: string, timeoutMs = REPAIR_MS): Promise<void> {
  try {
    await settleUntil(net.network, () => complete(p), what, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message} — ${progress(p)}`);
  }
}

/** Keeps the network settling for `ms` of real time (resend and ack timers run on real time). */
async function settleFor(ms: number): Promise<void> {
  const end = performance.now() + ms;
  await settleUntil(net.network, () => performance.now() >= end, `${ms} ms to pass`, ms + 10_000);
}

/**
 * What is wrong with a bot's gap/recovered history: a seq reported missing twice, recovered twice, recovered
 * without having been reported missing, or reported missing and never recovered. Empty when all is well.
 */
function repairProblems(repairs: readonly Repair[]): string[] {
  const state = new Map<string, "missing" | "recovered">();
  const problems: string[] = [];
  for (const r of repairs) {
    for (const seq of r.seqs) {
      const key = `${r.conversation}#${seq}`;
      const now = state.get(key);
      if (r.kind === "gap") {
        if (now) problems.push(`${key} reported missing again (already ${now})`);
        else state.set(key, "missing");
      } else if (now === undefined) problems.push(`${key} recovered without a gap event`);
      else if (now === "recovered") problems.push(`${key} recovered twice`);
      else state.set(key, "recovered");
    }
  }
  for (const [key, now] of state)
    if (now === "missing") problems.push(`${key} reported missing, never recovered`);
  return problems;
}

/**
 * Seqs that were holes when a higher seq was handled (handlers run in arrival order, after the commit) but were
 * never reported in a `gap` event: undetected gaps.
 */
function undetectedGaps(side: Side): string[] {
  const reported = new Set(
    side.repairs.filter((r) => r.kind === "gap").flatMap((r) => r.seqs.map((s) => `${r.conversation}#${s}`)),
  );
  const seen = new Map<string, Set<number>>();
  const undetected = new Map<string, string>();
  for (const { conversation, seq } of side.arrivals) {
    const got = seen.get(conversation) ?? new Set<number>();
    seen.set(conversation, got);
    for (let s = 1; s < seq; s++) {
      const key = `${conversation}#${s}`;
      if (!got.has(s) && !reported.has(key) && !undetected.has(key))
        undetected.set(key, `${key} (overtaken by #${seq})`);
    }
    got.add(seq);
  }
  return [...undetected.values()];
}

/** Seqs that arrived after a higher seq (the faults reordered or lost them), in arrival order. */
function overtaken(side: Side): number[] {
  const out: number[] = [];
  let highest = 0;
  for (const { seq } of side.arrivals) {
    if (seq < highest) out.push(seq);
    highest = Math.max(highest, seq);
  }
  return out;
}

/**
 * The exactly-once and repair assertions every scenario ends with, after the pair was complete and the network
 * had {@link QUIET_MS} to do anything extra: each client text handled once and answered once; seqs are the
 * sender's (client texts 1…n in sending order, replies 1…n in the bot's handler order); every message and reply
 * `delivered`, with one `delivered` event each; every hole a higher seq revealed was reported in a `gap` event;
 * every seq reported missing was later reported recovered, once.
 */
function expectRepairedExactlyOnce(p: Pair): void {
  const texts = p.sent.map((s) => s.text);
  expect({ botHandlerRuns: Object.fromEntries(p.server.handled) }).toEqual({ botHandlerRuns: ones(texts) });
  expect({ clientReplies: Object.fromEntries(p.peer.handled) }).toEqual({
    clientReplies: ones(texts.map(echo)),
  });

  expect({ botSawSeq: Object.fromEntries(p.server.seqOf) }).toEqual({
    botSawSeq: Object.fromEntries(texts.map((t, i) => [t, i + 1])),
  });
  expect({ clientSawSeq: Object.fromEntries(p.peer.seqOf) }).toEqual({
    clientSawSeq: Object.fromEntries(p.server.order.map((t, i) => [echo(t), i + 1])),
  });

  expect({ clientStatuses: p.sent.map((s) => s.handle.status) }).toEqual({
    clientStatuses: texts.map(() => "delivered"),
  });
  expect({ clientDeliveredEvents: Object.fromEntries(p.peer.delivered) }).toEqual({
    clientDeliveredEvents: ones(p.sent.map((s) => s.handle.id)),
  });
  expect({ replyStatuses: p.replies.map((h) => h.status) }).toEqual({
    replyStatuses: texts.map(() => "delivered"),
  });
  expect({ botDeliveredEvents: Object.fromEntries(p.server.delivered) }).toEqual({
    botDeliveredEvents: ones(p.replies.map((h) => h.id)),
  });

  expect({ botUndetectedGaps: undetectedGaps(p.server) }).toEqual({ botUndetectedGaps: [] });
  expect({ clientUndetectedGaps: undetectedGaps(p.peer) }).toEqual({ clientUndetectedGaps: [] });
  expect({ botRepairProblems: repairProblems(p.server.repairs) }).toEqual({ botRepairProblems: [] });
  expect({ clientRepairProblems: repairProblems(p.peer.repairs) }).toEqual({ clientRepairProblems: [] });
}

function expectNoErrors(p: Pair): void {
  expect({ botErrors: p.server.errors, clientErrors: p.peer.errors }).toEqual({
    botErrors: [],
    clientErrors: [],
  });
}

const texts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe("faults on the memory network (issue 6)", () => {
  test(
    "20 % drop both ways: every gap is detected and recovered, every message answered once and delivered",
    async () => {
      const p = await startPair(6, { drop: 0.2 });
      await send(p, texts("m", 40));
      await settleComplete(p, "40 messages answered and delivered under 20 % drop");
      await settleFor(QUIET_MS);

      // The faults did something: messages were lost, and the bot noticed holes (a later seq arrived first).
      expect(net.network.stats.dropped).toBeGreaterThan(0);
      expect({ botReportedMissing: seqsOf(p.server.repairs).gap.length > 0 }).toEqual({
        botReportedMissing: true,
      });
      expectRepairedExactlyOnce(p);
      expectNoErrors(p);
    },
    TEST_MS,
  );

  test(
    "duplicates (50 %): each handler runs once per message, one reply each",
    async () => {
      const p = await startPair(2, { duplicate: 0.5 });
      await send(p, texts("d", 30));
      await settleComplete(p, "30 messages answered and delivered under 50 % duplication");
      await settleFor(QUIET_MS);

      expect(net.network.stats.duplicated).toBeGreaterThan(0);
      expectRepairedExactlyOnce(p);
      expectNoErrors(p);
    },
    TEST_MS,
  );

  test(
    "reordering (50 % held back, 0–20 ms jitter): out-of-order seqs are reported as gaps and recovered",
    async () => {
      const p = await startPair(3, { reorder: 0.5, delayMs: [0, 20] });
      await send(p, texts("r", 40));
      await settleComplete(p, "40 messages answered and delivered under reordering");
      await settleFor(QUIET_MS);

      // The faults did something: client messages reached the bot out of order.
      expect(net.network.stats.reordered).toBeGreaterThan(0);
      expect({ botGotOutOfOrder: overtaken(p.server).length > 0 }).toEqual({ botGotOutOfOrder: true });
      expectRepairedExactlyOnce(p);
      expectNoErrors(p);
    },
    TEST_MS,
  );

  test.each([
    [
      "the client's side has a relay: its publishes go out and are lost",
      [
        ["client", "relay"],
        ["bot", MEMORY_STORE],
      ],
      true,
    ],
    [
      "the client is cut off from everyone: its publishes are refused",
      [["client"], ["bot", MEMORY_STORE]],
      false,
    ],
  ] as const)(
    "a partition that heals (%s): what was sent during it is answered once and delivered",
    async (_, groups, publishes) => {
      const p = await startPair(4);
      net.network.join("relay"); // a member that relays nothing to anyone: it only makes publishes succeed
      await send(p, ["before"]);
      await settleComplete(p, "the answer before the partition");

      net.network.partition(groups);
      const during = await send(p, texts("p", 8));
      if (publishes) for (const h of during) await h.wait("sent", 5_000);
      await settleFor(600); // several resend rounds go nowhere
      expect({ botHandledDuringPartition: p.server.order }).toEqual({
        botHandledDuringPartition: ["before"],
      });
      // Published into the void, or still waiting for a peer; neither delivered nor given up.
      expect({ statusesDuringPartition: during.map((h) => h.status) }).toEqual({
        statusesDuringPartition: during.map(() => (publishes ? "sent" : "queued")),
      });

      net.network.heal();
      await send(p, ["after"]); // a higher seq right away: the bot sees the hole the partition left
      await settleComplete(p, "everything sent during the partition answered and delivered after it healed");
      await settleFor(QUIET_MS);

      expectRepairedExactlyOnce(p);
      // Store queries or publishes that failed during the partition may be reported; nothing else.
      const unexpected = [...p.server.errors, ...p.peer.errors].filter((e) => e.code !== "unreachable");
      expect({ unexpectedErrors: unexpected }).toEqual({ unexpectedErrors: [] });
    },
    TEST_MS,
  );

  test(
    "trailing loss: the last message of a burst is lost; the sender's resend repairs it and it is answered once",
    async () => {
      const p = await startPair(5);
      // Every envelope the client publishes, to recognise a resend (the identical bytes again).
      const published = spyPublishes(net.member("client"));
      await send(p, texts("b", 4));
      await settleComplete(p, "the burst answered and delivered");
      await settleFor(300); // nothing in flight: no ack or resend timer is pending

      // Lose exactly the next publish, in relay and in the store: no later seq, no store copy reveals it.
      const before: MemoryStats = { ...net.network.stats };
      const publishedBefore = published.length;
      net.network.setFaults({ drop: 1, storeLoss: 1 });
      const [last] = await send(p, ["b5 (last)"]);
      await last?.wait("sent", 5_000);
      net.network.setFaults({ drop: 0, storeLoss: 0 });
      expect({
        clientPublishes: published.length - publishedBefore,
        published: net.network.stats.published - before.published,
        dropped: net.network.stats.dropped - before.dropped,
        archived: net.network.stats.archived - before.archived,
      }).toEqual({ clientPublishes: 1, published: 1, dropped: 1, archived: 0 });
      expect(last?.status).toBe("sent");
      const lost = Buffer.from(published[publishedBefore]?.payload ?? []);

      await settleComplete(p, "the lost trailing message resent, answered and delivered");
      await settleFor(QUIET_MS);

      // The repair was the sender publishing the identical envelope again (docs/delivery.md §Sender).
      const copies = published.filter((m) => lost.equals(m.payload)).length;
      expect({ resent: copies > 1 }).toEqual({ resent: true });
      expectRepairedExactlyOnce(p);
      expectNoErrors(p);
    },
    TEST_MS,
  );
});
