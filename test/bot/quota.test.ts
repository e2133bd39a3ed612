/**
 * S1, RLM-U3, RLM-R2, RLM-R3: the bot's outbound quota through `createBot({ rateLimit })`, `WAKUBOT_RATE_LIMIT`
 * and `bot.quota()` (docs/rate-limit.md, docs/delivery.md §Rate limit and repair traffic).
 *
 * Bots run on a seeded memory network with no faults. Every message a bot publishes is counted by a spy on its
 * delivery, so `quota().used` can be compared with what really left. Epochs are real-clock epochs of an hour; a
 * test that must stay inside one epoch first waits out the end of the current one if it is less than
 * {@link EPOCH_MARGIN_MS} away.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { type Bot, createBot } from "../../src/bot/bot.ts";
import type { Conversation, MessageHandle } from "../../src/bot/context.ts";
import { type BotOptions, resolveBotOptions } from "../../src/bot/options.ts";
import type { Reliability } from "../../src/bot/outbox.ts";
import { InputError, NetworkError } from "../../src/errors.ts";
import { MEMORY_STORE } from "../../src/waku/memory.ts";
import {
  type BotNetwork,
  botNetwork,
  record,
  settleRounds,
  settleUntil,
  spyPublishes,
} from "../support/bots.ts";
import { expectCode } from "../support/errors.ts";
import { TEST_KDF, tempDir } from "../support/tmp.ts";

const EPOCH_SECONDS = 3600;
/** A test that must not cross an epoch boundary starts at least this long before one. */
const EPOCH_MARGIN_MS = 30_000;
/** bun's per-test timeout: the longest wait for an epoch boundary plus the test itself. */
const TEST_MS = EPOCH_MARGIN_MS + 30_000;
/** Acks go at once; nothing is resent within a test (so every publish is a first send or an ack). */
const RELIABILITY: Partial<Reliability> = {
  ackDelayMs: 10,
  reAckMs: 50,
  resendAfterMs: 600_000,
  maxResendDelayMs: 600_000,
};
/** Settle rounds after a condition held, giving anything that should not happen (a stray publish) its chance. */
const QUIET_ROUNDS = 20;

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

/** Waits, if needed, until the current `epochSeconds` epoch has at least {@link EPOCH_MARGIN_MS} left. */
async function awayFromEpochEnd(epochSeconds: number): Promise<void> {
  const epochMs = epochSeconds * 1000;
  const left = epochMs - (Date.now() % epochMs);
  if (left < EPOCH_MARGIN_MS) await Bun.sleep(left + 50);
}

/** A bot on the test network with its publishes recorded (the spy is set before it can publish). */
async function spiedBot(name: string, options: BotOptions) {
  const bot = await net.bot(name, { reliability: RELIABILITY, ...options });
  const published = spyPublishes(net.member(name));
  const errors = record(bot, "error");
  return { bot, published, errors };
}

/** Texts a bot's handler got, with their seqs, in handler order. */
function collectTexts(bot: Bot): { text: string; seq: number }[] {
  const texts: { text: string; seq: number }[] = [];
  bot.on("text", (ctx) => void texts.push({ text: ctx.text, seq: ctx.message.seq }));
  return texts;
}

const texts = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `m${from + i}`);

describe("bot.quota() (RLM-U3, S1)", () => {
  test("before start it throws NetworkError unreachable", async () => {
    net = botNetwork();
    const bot = await net.bot("bot", { rateLimit: { limit: 10, epochSeconds: EPOCH_SECONDS } });
    expectCode(() => bot.quota(), NetworkError, "unreachable");
  });

  test(
    "after start it reports the rateLimit option, and used counts every Waku message the bot published, receipts as critical",
    async () => {
      await awayFromEpochEnd(EPOCH_SECONDS);
      net = botNetwork({ seed: 21 });
      const rateLimit = { limit: 1000, epochSeconds: EPOCH_SECONDS };
      // The client holds its acks of the answers for as long as they announce: short here, so that it sends one.
      const server = await spiedBot("bot", { rateLimit, reliability: { replyAckHoldMs: 1_000 } });
      server.bot.on("text", (ctx) => ctx.reply(`echo: ${ctx.text}`));
      const { invite } = await server.bot.start();
      const client = await spiedBot("client", { rateLimit });
      const answers = collectTexts(client.bot);
      await client.bot.start();

      const fresh = client.bot.quota();
      expect(fresh).toMatchObject({
        limit: 1000,
        epochSeconds: EPOCH_SECONDS,
        reserve: 100,
        criticalCap: 500,
        used: 0,
        criticalUsed: 0,
        remaining: 1000,
        state: "available",
        queued: { critical: 0, normal: 0, optional: 0 },
        handed: 0,
      });
      expect(fresh.epoch).toBe(Math.floor(Date.now() / (EPOCH_SECONDS * 1000)));
      expect(fresh.epochEndsAt).toBe((fresh.epoch + 1) * EPOCH_SECONDS * 1000);
      expect(server.bot.quota()).toMatchObject({ limit: 1000, epochSeconds: EPOCH_SECONDS, used: 0 });

      const conversation = await client.bot.connect(invite);
      const sent: MessageHandle[] = [];
      for (const [i, text] of texts(3).entries()) {
        sent.push(await conversation.send(text));
        await settleUntil(net.network, () => answers.length === i + 1, `the answer to ${text}`);
      }
      // Done when both sides' messages are acknowledged: the client's last ack is an ack-only receipt.
      await settleUntil(
        net.network,
        () => sent.every((h) => h.status === "delivered") && client.published.length > 3,
        "every text delivered and the last answer acknowledged",
      );
      await settleRounds(net.network, QUIET_ROUNDS);
      expect(answers.map((a) => a.text)).toEqual(texts(3).map((t) => `echo: ${t}`));

      // Every publish is counted: the three tracked messages each side sent (normal) and its ack-only receipts
      // (critical); nothing was resent.
      const c = client.bot.quota();
      const s = server.bot.quota();
      expect({ used: c.used, criticalUsed: c.criticalUsed }).toEqual({
        used: client.published.length,
        criticalUsed: client.published.length - 3,
      });
      expect({ used: s.used, criticalUsed: s.criticalUsed }).toEqual({
        used: server.published.length,
        criticalUsed: server.published.length - 3,
      });
      // The client's answers are acknowledged only by ack-only receipts after the last one.
      expect(c.criticalUsed).toBeGreaterThanOrEqual(1);
      expect(c.remaining).toBe(1000 - c.used);
      expect(c.epoch).toBe(fresh.epoch);
      expect(c.queued).toEqual({ critical: 0, normal: 0, optional: 0 });
      expect(c.handed).toBe(0);
      expect([...client.errors, ...server.errors]).toEqual([]);
    },
    TEST_MS,
  );

  test(
    "a resend is repair traffic and is charged as critical (docs/delivery.md §Rate limit and repair traffic)",
    async () => {
      await awayFromEpochEnd(EPOCH_SECONDS);
      net = botNetwork({ seed: 23 });
      const server = await spiedBot("bot", {});
      const received = collectTexts(server.bot);
      const { invite } = await server.bot.start();
      const client = await spiedBot("client", {
        rateLimit: { limit: 1000, epochSeconds: EPOCH_SECONDS },
        reliability: { ...RELIABILITY, resendAfterMs: 200, maxResendDelayMs: 200 },
      });
      await client.bot.start();
      const conversation = await client.bot.connect(invite);
      // The first copy reaches only the store; the network heals before the resend timer fires.
      net.network.partition([["client", MEMORY_STORE], ["bot"]]);
      const handle = await conversation.send("hello");
      net.network.heal();
      expect(client.published).toHaveLength(1);
      expect(received).toEqual([]);
      await settleUntil(net.network, () => handle.status === "delivered", "the resent text delivered");
      await settleRounds(net.network, QUIET_ROUNDS);

      // Published twice (first send + one resend) with the same envelope; the resend is critical.
      expect(client.published).toHaveLength(2);
      expect(
        Buffer.compare(
          client.published[0]?.payload as Uint8Array,
          client.published[1]?.payload as Uint8Array,
        ),
      ).toBe(0);
      expect(received).toEqual([{ text: "hello", seq: 1 }]);
      const q = client.bot.quota();
      expect({ used: q.used, criticalUsed: q.criticalUsed }).toEqual({ used: 2, criticalUsed: 1 });
    },
    TEST_MS,
  );
});

describe("a small quota (S1, RLM-R2, RLM-R3)", () => {
  /** 10 per hour: reserve 1, so at most 9 normal messages an epoch. */
  const SMALL = { limit: 10, epochSeconds: EPOCH_SECONDS };

  /** A receiver that only records texts (it never replies) and a client with `rateLimit`, connected. */
  async function startPair(rateLimit: NonNullable<BotOptions["rateLimit"]>) {
    net = botNetwork({ seed: 22 });
    const server = await spiedBot("bot", {});
    const received = collectTexts(server.bot);
    const { invite } = await server.bot.start();
    const client = await spiedBot("client", { rateLimit });
    const failed = record(client.bot, "failed");
    await client.bot.start();
    const conversation = await client.bot.connect(invite);
    return { server, received, client, failed, conversation, invite };
  }

  async function sendAll(conversation: Conversation, list: readonly string[]): Promise<MessageHandle[]> {
    const handles: MessageHandle[] = [];
    for (const text of list) handles.push(await conversation.send(text));
    return handles;
  }

  test(
    "normal messages beyond the quota stay queued, unpublished, and the queue and usage survive a restart",
    async () => {
      await awayFromEpochEnd(EPOCH_SECONDS);
      const p = await startPair(SMALL);
      const handles = await sendAll(p.conversation, texts(15));
      await settleUntil(
        net.network,
        () => handles.slice(0, 9).every((h) => h.status === "delivered"),
        "the first nine delivered",
      );
      await settleRounds(net.network, QUIET_ROUNDS);

      const before = p.client.bot.quota();
      expect(before).toMatchObject({
        limit: 10,
        reserve: 1,
        used: 9,
        criticalUsed: 0,
        remaining: 1,
        state: "low",
        queued: { critical: 0, normal: 6, optional: 0 },
        handed: 0,
      });
      expect(p.client.published).toHaveLength(9);
      expect(p.received.map((r) => r.text)).toEqual(texts(9));
      expect(handles.map((h) => h.status)).toEqual([
        ...Array(9).fill("delivered"),
        ...Array(6).fill("queued"),
      ]);

      // Restart the client: same name, same data dir, same rate limit.
      await p.client.bot.stop();
      const restarted = await spiedBot("client", { rateLimit: SMALL });
      await restarted.bot.start();
      await settleRounds(net.network, QUIET_ROUNDS);

      const after = restarted.bot.quota();
      expect(after.epoch).toBe(before.epoch);
      expect({ used: after.used, criticalUsed: after.criticalUsed, queued: after.queued }).toEqual({
        used: 9,
        criticalUsed: 0,
        queued: { critical: 0, normal: 6, optional: 0 },
      });
      // Still held back: the restarted bot published nothing and the receiver got nothing more.
      expect(restarted.published).toEqual([]);
      expect(p.received).toHaveLength(9);
      expect([...p.client.errors, ...restarted.errors, ...p.server.errors]).toEqual([]);
    },
    TEST_MS,
  );

  test(
    "the persisted queue is the real messages: restarted with a larger limit, the six go out in order, once each",
    async () => {
      await awayFromEpochEnd(EPOCH_SECONDS);
      const p = await startPair(SMALL);
      const handles = await sendAll(p.conversation, texts(15));
      await settleUntil(
        net.network,
        () => handles.slice(0, 9).every((h) => h.status === "delivered"),
        "the first nine delivered",
      );
      await p.client.bot.stop();

      // The same epoch grid (same epochSeconds), so the 9 already used still count against the new limit.
      const restarted = await spiedBot("client", { rateLimit: { limit: 100, epochSeconds: EPOCH_SECONDS } });
      await restarted.bot.start();
      await settleUntil(net.network, () => p.received.length === 15, "the six queued messages");
      await settleUntil(
        net.network,
        () => restarted.bot.quota().handed === 0,
        "the six publishes to be answered",
      );
      await settleRounds(net.network, QUIET_ROUNDS);

      expect(p.received).toEqual(texts(15).map((text, i) => ({ text, seq: i + 1 })));
      expect(restarted.published).toHaveLength(6);
      expect(restarted.bot.quota()).toMatchObject({
        used: 15,
        criticalUsed: 0,
        queued: { critical: 0, normal: 0, optional: 0 },
      });
      expect([...p.client.errors, ...restarted.errors, ...p.server.errors]).toEqual([]);
    },
    TEST_MS,
  );

  test(
    "an optional message while the quota is low is dropped (RLM-F6): its handle fails (is not left queued) and one failed event says why",
    async () => {
      await awayFromEpochEnd(EPOCH_SECONDS);
      const p = await startPair(SMALL);
      const normal = await sendAll(p.conversation, texts(9));
      await settleUntil(net.network, () => p.received.length === 9, "the nine normal messages");
      expect(p.client.bot.quota().state).toBe("low");

      const optional = await p.conversation.send("optional", { priority: "optional" });
      await settleUntil(net.network, () => p.failed.length > 0, "a failed event");
      await settleRounds(net.network, QUIET_ROUNDS);

      expect(p.failed).toHaveLength(1);
      expect(p.failed[0]).toMatchObject({ id: optional.id, message: "dropped: quota_low" });
      expect(optional.status).toBe("failed");
      expect(p.client.bot.quota()).toMatchObject({
        used: 9,
        queued: { critical: 0, normal: 0, optional: 0 },
      });
      expect(p.received).toHaveLength(9);
      expect(normal.every((h) => h.status === "delivered")).toBe(true);
    },
    TEST_MS,
  );
});

describe("WAKUBOT_RATE_LIMIT=N/T (S1)", () => {
  const base = { data: "/nonexistent/wakubot-data", passphrase: "p" } as const;

  test("resolveBotOptions reads N/T from the environment", () => {
    // reserve and criticalCap come derived (docs/rate-limit.md): ⌊limit/10⌋ and max(1, reserve, ⌈limit/2⌉).
    expect(resolveBotOptions(base, { WAKUBOT_RATE_LIMIT: "5/60" }).rateLimit).toEqual({
      limit: 5,
      epochSeconds: 60,
      reserve: 0,
      criticalCap: 3,
    });
    expect(resolveBotOptions(base, { WAKUBOT_RATE_LIMIT: " 100/600 " }).rateLimit).toEqual({
      limit: 100,
      epochSeconds: 600,
      reserve: 10,
      criticalCap: 50,
    });
  });

  test("without it the default is The Waku Network's 100 per 600 s", () => {
    expect(resolveBotOptions(base, {}).rateLimit).toEqual({
      limit: 100,
      epochSeconds: 600,
      reserve: 10,
      criticalCap: 50,
    });
  });

  test("explicit rateLimit options win field by field over the environment", () => {
    const env = { WAKUBOT_RATE_LIMIT: "5/60" };
    expect(resolveBotOptions({ ...base, rateLimit: { limit: 7 } }, env).rateLimit).toEqual({
      limit: 7,
      epochSeconds: 60,
      reserve: 0,
      criticalCap: 4,
    });
    expect(
      resolveBotOptions({ ...base, rateLimit: { epochSeconds: 30, reserve: 1 } }, env).rateLimit,
    ).toEqual({
      limit: 5,
      epochSeconds: 30,
      reserve: 1,
      criticalCap: 3,
    });
  });

  test("rate-limit options and maxMessageBytes out of range are refused when read, before anything starts", () => {
    for (const rateLimit of [{ epochSeconds: 2_000_000 }, { limit: 0 }, { limit: 10, reserve: 10 }]) {
      expectCode(() => resolveBotOptions({ ...base, rateLimit }, {}), InputError, "invalid_argument");
    }
    expectCode(
      () => resolveBotOptions(base, { WAKUBOT_RATE_LIMIT: "5/2000000" }),
      InputError,
      "invalid_argument",
    );
    for (const maxMessageBytes of [1024, 16_000, 20_000.5]) {
      expectCode(() => resolveBotOptions({ ...base, maxMessageBytes }, {}), InputError, "invalid_argument");
    }
    expect(resolveBotOptions({ ...base, maxMessageBytes: 32 * 1024 }, {}).maxMessageBytes).toBe(32 * 1024);
  });

  test("reliability options out of range are refused when read, naming the option", () => {
    for (const reliability of [
      { replyAckHoldMs: 600_001 },
      { replyAckHoldMs: 1.5 },
      { replyAckHoldMs: -1 },
      { resendAfterMs: 0 },
      { ackDelayMs: Number.NaN },
      { maxInFlight: 0 },
    ]) {
      const name = Object.keys(reliability)[0] as string;
      expect(() => resolveBotOptions({ ...base, reliability }, {})).toThrow(`reliability.${name}`);
      expectCode(() => resolveBotOptions({ ...base, reliability }, {}), InputError, "invalid_argument");
    }
    expect(resolveBotOptions({ ...base, reliability: { replyAckHoldMs: 0 } }, {}).reliability).toMatchObject({
      replyAckHoldMs: 0,
      ackDelayMs: 2_500,
    });
  });

  for (const value of [
    "abc",
    "0/60",
    "5/0",
    "5",
    "5/",
    "/60",
    "-5/60",
    "5/60/1",
    "5.5/60",
    "5 / 60",
    "0x5/60",
  ]) {
    test(`"${value}" is refused with InputError invalid_argument naming the value`, () => {
      let error: unknown;
      try {
        resolveBotOptions(base, { WAKUBOT_RATE_LIMIT: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe("invalid_argument");
      expect((error as InputError).message).toContain(`"${value}"`);
    });
  }

  test(
    "createBot takes it from process.env: quota() reports it; a malformed value is refused before the data dir is made",
    async () => {
      net = botNetwork();
      const root = tempDir();
      // createBot itself (not the test network's factory, which sets its own large rateLimit), without the option.
      const make = (name: string) =>
        createBot({
          data: `${root}/${name}`,
          passphrase: "p",
          kdf: TEST_KDF,
          delivery: net.network.join(name),
          output: () => {},
        });
      const saved = process.env.WAKUBOT_RATE_LIMIT;
      let bot: Bot | undefined;
      try {
        process.env.WAKUBOT_RATE_LIMIT = "5/60";
        bot = await make("bot");
        await bot.start();
        expect(bot.quota()).toMatchObject({
          limit: 5,
          epochSeconds: 60,
          reserve: 0,
          criticalCap: 3,
          used: 0,
        });

        process.env.WAKUBOT_RATE_LIMIT = "5/0";
        let error: unknown;
        try {
          await make("other");
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).code).toBe("invalid_argument");
        expect(existsSync(`${root}/other`)).toBe(false);
      } finally {
        if (saved === undefined) delete process.env.WAKUBOT_RATE_LIMIT;
        else process.env.WAKUBOT_RATE_LIMIT = saved;
        await bot?.stop();
      }
    },
    TEST_MS,
  );
});
