import { afterEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { Bot } from "../../src/bot/bot.ts";
import { openDataDir } from "../../src/storage/data-dir.ts";
import * as m from "../../src/storage/schema/messages.ts";
import { type BotNetwork, botNetwork, record, settleRounds, settleUntil } from "../support/bots.ts";

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

/** An echo bot on the data dir of "bot" (a fresh process each call), remembering what it handled. */
async function echoBot(handled: { conversation: string; text: string }[] = []): Promise<Bot> {
  const bot = await net.bot("bot");
  bot.on("text", (ctx) => {
    handled.push({ conversation: ctx.conversation.id, text: ctx.text });
    return ctx.reply(`echo: ${ctx.text}`);
  });
  return bot;
}

/**
 * Settles until the millisecond clock moved. The store returns messages by timestamp (ms) and breaks ties by hash,
 * so offline messages sent within one ms come back in random order (see the report on catch-up ordering); tests
 * that check order let the clock tick between sends.
 */
async function tick(): Promise<void> {
  const at = Date.now();
  await settleUntil(net.network, () => Date.now() > at, "the clock to tick");
}

/** A started client collecting the texts it receives. */
async function client(name = "client") {
  const bot = await net.bot(name);
  const texts: string[] = [];
  bot.on("text", (ctx) => void texts.push(ctx.text));
  await bot.start();
  return { bot, texts };
}

describe("a restarted bot", () => {
  test("continues an existing conversation on the same data dir", async () => {
    net = botNetwork();
    const handled: { conversation: string; text: string }[] = [];
    let bot = await echoBot(handled);
    const { invite } = await bot.start();
    const account = bot.account;
    const { bot: peer, texts } = await client();
    const conversation = await peer.connect(invite);
    await conversation.send("before");
    await settleUntil(net.network, () => texts.length === 1, "the answer before the restart");
    await bot.stop();

    bot = await echoBot(handled);
    const errors = record(bot, "error");
    await bot.start();
    expect(bot.account).toBe(account);
    const handle = await conversation.send("after");
    await handle.wait("delivered", 5_000);
    await settleUntil(net.network, () => texts.length === 2, "the answer after the restart");
    expect(texts).toEqual(["echo: before", "echo: after"]);
    // The same conversation on the bot's side, not a new one.
    expect(handled.map((h) => h.text)).toEqual(["before", "after"]);
    expect(handled[1]?.conversation).toBe(handled[0]?.conversation);
    expect(errors).toEqual([]);
  });

  test("fetches what was sent while it was stopped from the store and answers each exactly once", async () => {
    net = botNetwork();
    const handled: { conversation: string; text: string }[] = [];
    let bot = await echoBot(handled);
    const { invite } = await bot.start();
    const { bot: peer, texts } = await client();
    const conversation = await peer.connect(invite);
    await conversation.send("hello");
    await settleUntil(net.network, () => texts.length === 1, "the first answer");
    await bot.stop();

    const offline = ["one", "two", "three", "four", "five"];
    const handles = [];
    for (const t of offline) {
      const h = await conversation.send(t);
      await h.wait("sent", 5_000); // the store took it; the bot is not there
      handles.push(h);
      await tick();
    }
    await settleRounds(net.network, 5);
    expect(texts).toEqual(["echo: hello"]);
    expect(handles.map((h) => h.status)).toEqual(offline.map(() => "sent"));

    bot = await echoBot(handled);
    const errors = record(bot, "error");
    await bot.start();
    await settleUntil(
      net.network,
      () => texts.length === 1 + offline.length,
      "answers to the offline messages",
    );
    await Promise.all(handles.map((h) => h.wait("delivered", 5_000)));
    await settleRounds(net.network, 20);
    expect(texts).toEqual(["echo: hello", ...offline.map((t) => `echo: ${t}`)]);
    expect(handled.map((h) => h.text)).toEqual(["hello", ...offline]);
    expect(errors).toEqual([]);

    // A further restart catches up over the same store window again and must not answer anything twice.
    await bot.stop();
    bot = await echoBot(handled);
    await bot.start();
    await conversation.send("last");
    await settleUntil(net.network, () => texts.length === 2 + offline.length, "the answer to 'last'");
    await settleRounds(net.network, 20);
    expect(texts).toEqual(["echo: hello", ...offline.map((t) => `echo: ${t}`), "echo: last"]);
    expect(handled.map((h) => h.text)).toEqual(["hello", ...offline, "last"]);
  });

  test.each([
    ["started once for its invite", true],
    ["never started (invite made offline)", false],
  ])("answers a conversation begun from its invite while it was offline: %s", async (_, startFirst) => {
    net = botNetwork();
    let bot = await echoBot();
    const invite = startFirst ? (await bot.start()).invite : bot.invite();
    await bot.stop();
    // BUG workaround: stop() of a never-started bot leaves its `delivery` running (src/bot/bot.ts stop()), so the
    // member name stays taken. A started bot stops it through the node actor.
    if (!startFirst) await net.member("bot").stop();

    const { bot: peer, texts } = await client();
    const conversation = await peer.connect(invite);
    const first = await conversation.send("anyone home?");
    await first.wait("sent", 5_000);
    await tick();
    await conversation.send("hello?");
    await settleRounds(net.network, 5);
    expect(texts).toEqual([]);

    const handled: { conversation: string; text: string }[] = [];
    bot = await echoBot(handled);
    const errors = record(bot, "error");
    await bot.start();
    await first.wait("delivered", 5_000);
    await settleUntil(net.network, () => texts.length === 2, "answers to both offline messages");
    await settleRounds(net.network, 10);
    expect(texts).toEqual(["echo: anyone home?", "echo: hello?"]);
    expect(new Set(handled.map((h) => h.conversation)).size).toBe(1);
    expect(errors).toEqual([]);

    // And the conversation is live from then on.
    await conversation.send("thanks");
    await settleUntil(net.network, () => texts.length === 3, "the live answer");
    expect(texts[2]).toBe("echo: thanks");
  });
});

describe("a conversation left in resync (docs/delivery.md §Resync)", () => {
  for (const [left, reads] of [
    ["with its schedule run out", 0],
    ["with its schedule still running", 1],
  ] as const) {
    test(`a restarted bot rebuilds it ${left}: ${reads} Store re-read(s) when the conversation is next used`, async () => {
      net = botNetwork();
      const handled: { conversation: string; text: string }[] = [];
      let bot = await echoBot(handled);
      const { invite } = await bot.start();
      const { bot: peer, texts } = await client();
      const conversation = await peer.connect(invite);
      await conversation.send("hello");
      await settleUntil(net.network, () => texts.length === 1, "the answer");
      await bot.stop();
      const id = handled[0]?.conversation ?? "";
      // As the actor left it: in resync, its re-reads over (deadline past) or one still due.
      const dir = openDataDir(net.dataDir("bot"), { passphrase: "p" });
      const until = left === "with its schedule run out" ? Date.now() - 1_000 : Date.now() + 45_000;
      dir.messages
        .update(m.conversations)
        .set({ state: "resync", resyncUntil: until })
        .where(eq(m.conversations.id, id))
        .run();
      dir.close();

      bot = await echoBot(handled);
      await bot.start();
      const member = net.member("bot");
      const query = member.queryStore.bind(member);
      let queries = 0;
      member.queryStore = (q) => {
        queries++;
        return query(q);
      };
      await bot.conversation(id).send("news");
      await settleUntil(net.network, () => texts.length === 2, "the news");
      await Bun.sleep(1_200); // the bot debounces re-reads by a second
      await settleRounds(net.network, 5);
      expect(queries).toBe(reads);
    });
  }
});
