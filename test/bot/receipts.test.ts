import { afterEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { InputError, NetworkError } from "../../src/errors.ts";
import { receipt } from "../../src/payloads/index.ts";
import { openDataDir } from "../../src/storage/data-dir.ts";
import * as m from "../../src/storage/schema/messages.ts";
import { type BotNetwork, botNetwork, nextEvent, record, settleUntil } from "../support/bots.ts";
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
