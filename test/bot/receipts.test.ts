import { afterEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { InputError, NetworkError } from "../../src/errors.ts";
import { receipt } from "../../src/payloads/index.ts";
import { decodeEnvelope, encodeEnvelope } from "../../src/protocol/wire.ts";
import { openDataDir } from "../../src/storage/data-dir.ts";
import * as m from "../../src/storage/schema/messages.ts";
import type { WakuMessage } from "../../src/waku/message.ts";
import {
  type BotNetwork,
  botNetwork,
  nextEvent,
  record,
  settleRounds,
  settleUntil,
  spyPublishes,
} from "../support/bots.ts";
import { expectRejection } from "../support/errors.ts";

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

/** Timings short enough for tests; the quota never interferes (botNetwork's default). */
const FAST = { ackDelayMs: 10, resendAfterMs: 50, maxResendDelayMs: 100 };

describe("read receipts and final statuses (F4, docs/delivery.md)", () => {
  test("ctx.markRead() makes the sender's message read: event, handle status and messages.db row", async () => {
    net = botNetwork();
    const bot = await net.bot("bot", { reliability: FAST });
    bot.on("text", (ctx) => ctx.markRead());
    const { invite } = await bot.start();
    const client = await net.bot("client", { reliability: FAST });
    await client.start();
    const conversation = await client.connect(invite);
    const read = nextEvent(client, "read");
    const handle = await conversation.send("please read");
    const event = await read;
    expect(event).toEqual({ conversation: conversation.id, id: handle.id });
    expect(handle.status).toBe("read");
    await client.stop();
    const dir = openDataDir(net.dataDir("client"), { passphrase: "p" });
    const row = dir.messages.select().from(m.messages).where(eq(m.messages.id, handle.id)).get();
    expect(row?.status).toBe("read");
    expect(row?.readAt).toBeGreaterThan(0);
    expect(row?.envelope).toBeNull();
    dir.close();
  });

  test("a message never acknowledged fails as expired: failed event, handle rejects, envelope dropped", async () => {
    net = botNetwork();
    const bot = await net.bot("bot", { reliability: FAST });
    const { invite } = await bot.start();
    const client = await net.bot("client", { reliability: { ...FAST, expireAfterMs: 300 } });
    await client.start();
    const conversation = await client.connect(invite);
    net.network.partition([["client"], ["bot", "store"]]);
    const failed = record(client, "failed");
    const handle = await conversation.send("into the void");
    await settleUntil(net.network, () => failed.length > 0, "the message to expire");
    expect(failed).toEqual([
      {
        conversation: conversation.id,
        id: handle.id,
        code: "expired",
        message: expect.stringContaining("expired"),
      },
    ]);
    expect(handle.status).toBe("failed");
    await expectRejection(handle.wait("delivered", 1000), NetworkError, "timeout");
    await client.stop();
    const dir = openDataDir(net.dataDir("client"), { passphrase: "p" });
    const row = dir.messages.select().from(m.messages).where(eq(m.messages.id, handle.id)).get();
    expect(row?.status).toBe("failed");
    expect(row?.error).toBe("expired");
    expect(row?.envelope).toBeNull();
    dir.close();
  });

  test("a receipt sent by hand is refused: receipts belong to the delivery layer", async () => {
    net = botNetwork();
    const bot = await net.bot("bot");
    const { invite } = await bot.start();
    const client = await net.bot("client");
    await client.start();
    const conversation = await client.connect(invite);
    const error = await conversation
      .send(receipt, { messages: ["0123456789abcdef"], read: true })
      .catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe("invalid_argument");
    expect(client.quota().used).toBe(0);
  });
});

describe("ack hold of replies (docs/delivery.md §Ack hold, P1)", () => {
  test("a handler's reply announces the hold and its ack rides on the peer's next message; a message to another conversation does not", async () => {
    net = botNetwork();
    const bot = await net.bot("bot", { reliability: { ...FAST, replyAckHoldMs: 60_000 } });
    let watcher = "";
    const replies: string[] = [];
    let forward = "";
    bot.on("text", async (ctx) => {
      if (ctx.text === "watch") {
        watcher = ctx.conversation.id;
        return;
      }
      replies.push((await ctx.reply(`answer to ${ctx.text}`)).id);
      if (watcher && !forward)
        forward = (await bot.conversation(watcher).send(`someone said ${ctx.text}`)).id;
    });
    const delivered = record(bot, "delivered");
    const { invite } = await bot.start();
    const observer = await net.bot("observer", { reliability: FAST });
    await observer.start();
    const watch = await observer.connect(invite);
    await watch.send("watch");
    await settleUntil(net.network, () => watcher !== "", "the watcher registered");
    const client = await net.bot("client", { reliability: FAST });
    const answers: string[] = [];
    client.on("text", (ctx) => void answers.push(ctx.text));
    await client.start();
    const conversation = await client.connect(invite);
    await conversation.send("one");
    await settleUntil(
      net.network,
      () => answers.length === 1 && forward !== "",
      "the answer and the forward",
    );
    // The observer acks the forward after its own 10 ms delay; the client holds its ack of the answer.
    await settleUntil(net.network, () => delivered.some((e) => e.id === forward), "the forward delivered");
    await Bun.sleep(200); // 20 × the client's ack delay
    expect(delivered.map((e) => e.id)).not.toContain(replies[0]);
    await conversation.send("two");
    await settleUntil(net.network, () => delivered.some((e) => e.id === replies[0]), "the answer delivered");

    await bot.stop();
    const dir = openDataDir(net.dataDir("bot"), { passphrase: "p" });
    const hold = (id: string | undefined) =>
      dir.messages
        .select()
        .from(m.messages)
        .where(eq(m.messages.id, id ?? ""))
        .get()?.ackHoldMs;
    expect([hold(replies[0]), hold(forward)]).toEqual([60_000, 0]);
    dir.close();
  });
});

describe("held acks at stop (docs/delivery.md §Receiver)", () => {
  for (const cutOff of [false, true]) {
    test(`a stopping client ${cutOff ? "without a peer leaves its held ack to the bot's resend" : "sends its held ack"}`, async () => {
      net = botNetwork();
      const bot = await net.bot("bot", { reliability: { ...FAST, replyAckHoldMs: 60_000 } });
      bot.on("text", (ctx) => ctx.reply(`answer to ${ctx.text}`));
      const { invite } = await bot.start();
      const client = await net.bot("client", { reliability: FAST });
      const answers: string[] = [];
      client.on("text", (ctx) => void answers.push(ctx.text));
      await client.start();
      const conversation = await client.connect(invite);
      await conversation.send("question");
      await settleUntil(net.network, () => answers.length === 1, "the answer");
      const published = spyPublishes(net.member("client"));
      if (cutOff) net.network.partition([["client"], ["bot", "store"]]);
      await client.stop();
      // The held ack of the answer is the only thing the client owed.
      expect(published).toHaveLength(cutOff ? 0 : 1);
    });
  }
});

describe("inbound rate limit per peer (docs/rate-limit.md §Inbound)", () => {
  test("a peer over the limit is left unread until the next epoch, reported once; nothing is lost or doubled", async () => {
    const EPOCH_MS = 2_000;
    // Start early in an epoch, so that the burst and its refusal fall in one.
    const left = EPOCH_MS - (Date.now() % EPOCH_MS);
    if (left < 1_500) await Bun.sleep(left + 20);
    net = botNetwork();
    const bot = await net.bot("bot", {
      reliability: FAST,
      inboundRateLimit: { limit: 3, epochSeconds: EPOCH_MS / 1000 },
    });
    const handled: { text: string; conversation: string; epoch: number }[] = [];
    bot.on("text", (ctx) => {
      handled.push({
        text: ctx.text,
        conversation: ctx.conversation.id,
        epoch: Math.floor(Date.now() / EPOCH_MS),
      });
    });
    const throttled = record(bot, "throttled");
    const { invite } = await bot.start();
    const client = await net.bot("client", { reliability: FAST });
    await client.start();
    const conversation = await client.connect(invite);
    // The first message opens the conversation (it has no tag the bot knows: not counted); then five more.
    await conversation.send("m0");
    await settleUntil(net.network, () => handled.length === 1, "the first message");
    for (let i = 1; i <= 5; i++) await conversation.send(`m${i}`);
    await settleUntil(net.network, () => throttled.length === 1, "the peer throttled");
    const [event] = throttled;
    expect(event).toEqual({
      conversation: handled[0]?.conversation ?? "",
      epoch: event?.epoch ?? -1,
      limit: 3,
      epochSeconds: 2,
    });
    expect(handled.map((h) => h.text)).toEqual(["m0", "m1", "m2", "m3"]);
    // Resent by the client's outbox, refused again while the epoch lasts, read in the next one, each once.
    await settleUntil(net.network, () => handled.length === 6, "the rest after the epoch", 10_000);
    const later = handled.slice(4);
    expect(later.map((h) => h.text).sort()).toEqual(["m4", "m5"]);
    expect(later.every((h) => h.epoch > (event?.epoch ?? Number.POSITIVE_INFINITY))).toBe(true);
    await settleRounds(net.network, 10);
    expect(throttled).toHaveLength(1);
  }, 20_000);
});

describe("a tampered copy (docs/delivery.md §Resync)", () => {
  test("a message under a conversation's tag that does not decrypt makes the bot re-read the Store, where the genuine copy is; the conversation goes on", async () => {
    net = botNetwork();
    const bot = await net.bot("bot", { reliability: FAST });
    const handled: string[] = [];
    bot.on("text", (ctx) => void handled.push(ctx.text));
    const errors = record(bot, "error");
    const { invite } = await bot.start();
    // The client does not resend within the test: only the Store can bring its message back.
    const client = await net.bot("client", {
      reliability: { ...FAST, resendAfterMs: 3_600_000, maxResendDelayMs: 3_600_000 },
    });
    await client.start();
    const published = spyPublishes(net.member("client"));
    const conversation = await client.connect(invite);
    await conversation.send("hello");
    await settleUntil(net.network, () => handled.length === 1, "the first message");
    // The relay path to the bot is cut while the Store still takes the client's publishes.
    net.network.partition([["client", "store"], ["bot"]]);
    await conversation.send("second");
    await settleUntil(net.network, () => published.length === 2, "the second publish");
    net.network.heal();
    await Bun.sleep(1_200); // longer than the bot's debounce of Store re-reads
    await settleRounds(net.network, 5);
    expect(handled).toEqual(["hello"]);

    const genuine = published[1] as WakuMessage;
    const envelope = decodeEnvelope(genuine.payload);
    const ciphertext = new Uint8Array(envelope.ciphertext);
    ciphertext[0] = (ciphertext[0] as number) ^ 1;
    const payload = encodeEnvelope({ ...envelope, ciphertext });
    net.member("bot").receive({
      pubsubTopic: "/waku/2/rs/1/0",
      message: { ...genuine, payload },
      hash: new Uint8Array(32).fill(7),
    });
    await settleUntil(net.network, () => handled.length === 2, "the genuine copy, from the Store", 10_000);
    expect(handled).toEqual(["hello", "second"]);
    expect(errors.map((e) => e.code)).toEqual(["decrypt_failed"]);
    expect(errors[0]?.conversation).toBeDefined();
    // Still open: the next message is answered as usual.
    await conversation.send("third");
    await settleUntil(net.network, () => handled.length === 3, "the third message");
  });
});
