import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { InputError, NetworkError } from "../../src/errors.ts";
import {
  type BotNetwork,
  botNetwork,
  deferred,
  nextEvent,
  record,
  settleRounds,
  settleUntil,
  within,
} from "../support/bots.ts";
import { expectRejection } from "../support/errors.ts";

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

/** A started client that collects the texts it receives. */
async function client(name = "client") {
  const bot = await net.bot(name);
  const texts: string[] = [];
  bot.on("text", (ctx) => void texts.push(ctx.text));
  await bot.start();
  return { bot, texts };
}

/** Status of every inbound message in a stopped bot's messages.db, oldest first. */
function inboundStatuses(dataDir: string): { type: string; status: string }[] {
  const db = new Database(`${dataDir}/messages.db`, { readonly: true });
  try {
    return db
      .query<{ type: string; status: string }, []>(
        "SELECT payload_type AS type, status FROM messages WHERE direction = 'in' ORDER BY created_at, id",
      )
      .all();
  } finally {
    db.close();
  }
}

describe("a handler that throws", () => {
  test("reaches bot.catch; the bot answers the next message; the message is handled, not replayed", async () => {
    net = botNetwork();
    const data = net.dataDir("bot");
    const caught: { message: string; conversation: string | undefined; text: string | undefined }[] = [];
    let runs = 0;
    const setup = async () => {
      const bot = await net.bot("bot");
      bot.on("text", (ctx) => {
        runs++;
        if (ctx.text === "boom") throw new Error("handler exploded");
        return ctx.reply(`ok: ${ctx.text}`);
      });
      bot.catch((error, ctx) => {
        caught.push({
          message: (error as Error).message,
          conversation: ctx?.conversation.id,
          text: ctx?.text,
        });
      });
      return bot;
    };
    let bot = await setup();
    const errors = record(bot, "error");
    const { invite } = await bot.start();
    const { bot: peer, texts } = await client();
    const conversation = await peer.connect(invite);
    await conversation.send("boom");
    await conversation.send("after");
    await settleUntil(net.network, () => texts.length === 1, "the answer to the second message");
    expect(texts).toEqual(["ok: after"]);
    expect(caught).toHaveLength(1);
    expect(caught[0]?.message).toBe("handler exploded");
    expect(caught[0]?.text).toBe("boom");
    expect(caught[0]?.conversation).toMatch(/^c/);
    expect(errors).toEqual([]); // bot.catch replaced the default reporter
    expect(runs).toBe(2);

    // Marked handled: a restart does not run the handler on it again.
    await bot.stop();
    const statuses = inboundStatuses(data).filter((r) => r.type === "1");
    expect(statuses).toEqual([
      { type: "1", status: "handled" },
      { type: "1", status: "handled" },
    ]);
    bot = await setup();
    await bot.start();
    await settleRounds(net.network, 10);
    expect(runs).toBe(2);
    expect(caught).toHaveLength(1);
  });

  test("without bot.catch the default reporter emits an error event (and a --json line); the bot survives", async () => {
    net = botNetwork();
    const lines: string[] = [];
    const bot = await net.bot("bot", { json: true, output: (l) => void lines.push(l) });
    bot.on("text", (ctx) => {
      if (ctx.text === "bad") throw new InputError("invalid_argument", "no such product");
      if (ctx.text === "worse") throw new TypeError("cannot read x of undefined");
      return ctx.reply(`ok: ${ctx.text}`);
    });
    const errors = record(bot, "error");
    const received = record(bot, "message");
    const { invite } = await bot.start();
    const { bot: peer, texts } = await client();
    const conversation = await peer.connect(invite);
    for (const t of ["bad", "worse", "fine"]) await conversation.send(t);
    await settleUntil(net.network, () => texts.length === 1, "the answer to 'fine'");
    expect(texts).toEqual(["ok: fine"]);
    const here = received[0]?.conversation; // the bot's id of this conversation
    expect(here).toBeDefined();
    expect(errors).toEqual([
      { code: "invalid_argument", message: "no such product", conversation: here ?? "" },
      { code: "internal", message: "cannot read x of undefined", conversation: here ?? "" },
    ]);
    const errorLines = lines.map((l) => JSON.parse(l)).filter((e) => e.event === "error");
    expect(errorLines).toEqual(errors.map((e) => ({ event: "error", ...e })));
  });
});

describe("middleware", () => {
  test("runs in registration order around the handlers; type handlers before 'message'; no next() stops", async () => {
    net = botNetwork();
    const bot = await net.bot("bot");
    const log: string[] = [];
    bot.use(async (ctx, next) => {
      if (ctx.type !== "text") return next();
      log.push(`a> ${ctx.text}`);
      await next();
      log.push(`<a ${ctx.text}`);
    });
    bot.use(async (ctx, next) => {
      if (ctx.type !== "text") return next();
      log.push(`b> ${ctx.text}`);
      if (ctx.text === "blocked") return; // not calling next(): handlers do not run
      await next();
      log.push(`<b ${ctx.text}`);
    });
    bot.on("text", async (ctx) => {
      log.push(`text1 ${ctx.text}`);
      await Promise.resolve();
      log.push(`text2 ${ctx.text}`);
    });
    bot.on("text", (ctx) => void log.push(`text3 ${ctx.text}`));
    bot.on("message", (ctx) => {
      if (ctx.type === "text") log.push(`message ${ctx.text}`);
    });
    const { invite } = await bot.start();
    const { bot: peer } = await client();
    const conversation = await peer.connect(invite);
    await conversation.send("blocked");
    await conversation.send("hi");
    await settleUntil(net.network, () => log.includes("<a hi"), "the second message through the chain");
    expect(log).toEqual([
      "a> blocked",
      "b> blocked",
      "<a blocked",
      "a> hi",
      "b> hi",
      "text1 hi",
      "text2 hi",
      "text3 hi",
      "message hi",
      "<b hi",
      "<a hi",
    ]);
  });
});

describe("'message' handlers", () => {
  // BUG (src/bot/bot.ts #dispatch/#handlersFor): receipts are dispatched to "message" handlers (and middleware), so a
  // bot that answers every message answers every receipt of its own answers: an endless ping-pong with any wakubot
  // peer. Capped at 20 here so the loop ends. Drop `.failing` once receipts stop reaching "message" handlers.
  test("a 'message' handler that replies answers the peer's message once, not its receipts", async () => {
    net = botNetwork();
    const bot = await net.bot("bot");
    const seen: string[] = [];
    bot.on("message", (ctx) => {
      seen.push(ctx.type);
      if (seen.length <= 20) return ctx.reply(`got a ${ctx.type}`);
    });
    const { invite } = await bot.start();
    const { bot: peer, texts } = await client();
    await (await peer.connect(invite)).send("hi");
    await settleUntil(net.network, () => texts.length >= 1, "the answer");
    await settleRounds(net.network, 30);
    expect(seen).toEqual(["text"]);
    expect(texts).toEqual(["got a text"]);
  });
});

describe("ordering and concurrency", () => {
  test("handlers of one conversation run strictly in order, even behind a slow one", async () => {
    net = botNetwork();
    const bot = await net.bot("bot");
    const log: string[] = [];
    const gate = deferred();
    bot.on("text", async (ctx) => {
      log.push(`start ${ctx.text}`);
      if (ctx.text === "slow") await gate.promise;
      log.push(`end ${ctx.text}`);
      await ctx.reply(`done ${ctx.text}`);
    });
    const { invite } = await bot.start();
    const { bot: peer, texts } = await client();
    const conversation = await peer.connect(invite);
    const thirdArrived = nextEvent(bot, "message", (m) => m.text === "third");
    for (const t of ["slow", "second", "third"]) await conversation.send(t);
    await thirdArrived;
    await settleRounds(net.network, 10);
    // All three were received; the first is still running, so the others wait.
    expect(log).toEqual(["start slow"]);
    gate.resolve();
    await settleUntil(net.network, () => texts.length === 3, "three answers");
    expect(log).toEqual(["start slow", "end slow", "start second", "end second", "start third", "end third"]);
    expect(texts).toEqual(["done slow", "done second", "done third"]);
  });

  test("handlers of different conversations overlap", async () => {
    net = botNetwork();
    const bot = await net.bot("bot");
    const running = new Set<string>();
    let maxOverlap = 0;
    const bothStarted = deferred();
    bot.on("text", async (ctx) => {
      running.add(ctx.conversation.id);
      maxOverlap = Math.max(maxOverlap, running.size);
      if (running.size === 2) bothStarted.resolve();
      // Each handler holds its conversation until the other conversation's handler has started too: if handlers
      // of different conversations were serialised, this would time out.
      await within(bothStarted.promise, 3_000, "the other conversation's handler to start");
      running.delete(ctx.conversation.id);
      await ctx.reply(`done ${ctx.text}`);
    });
    const errors = record(bot, "error");
    const { invite } = await bot.start();
    const alice = await client("alice");
    const bob = await client("bob");
    await (await alice.bot.connect(invite)).send("a");
    await (await bob.bot.connect(invite)).send("b");
    await settleUntil(net.network, () => alice.texts.length + bob.texts.length === 2, "both answers");
    expect(errors).toEqual([]);
    expect(maxOverlap).toBe(2);
    expect(alice.texts).toEqual(["done a"]);
    expect(bob.texts).toEqual(["done b"]);
  });
});

describe("MessageHandle.wait", () => {
  test("'delivered' resolves once the peer's receipt came back", async () => {
    net = botNetwork();
    const bot = await net.bot("bot");
    const { invite } = await bot.start();
    const received = record(bot, "message");
    const { bot: peer } = await client();
    const delivered = record(peer, "delivered");
    const conversation = await peer.connect(invite);
    const handle = await conversation.send("hello");
    await handle.wait("sent", 5_000);
    expect(["sent", "delivered"]).toContain(handle.status);
    await handle.wait("delivered", 5_000);
    expect(handle.status).toBe("delivered");
    // By then the bot had the message and our side had processed its receipt.
    expect(received.map((m) => m.text)).toEqual(["hello"]);
    expect(delivered).toEqual([{ conversation: conversation.id, id: handle.id }]);
    // Already delivered: resolves at once.
    await within(handle.wait("delivered", 1), 1_000, "a second wait");
  });

  test("'delivered' times out with NetworkError timeout while the peer is partitioned away", async () => {
    net = botNetwork();
    const bot = await net.bot("bot");
    bot.on("text", (ctx) => ctx.reply(`ok: ${ctx.text}`));
    const { invite } = await bot.start();
    const { bot: peer, texts } = await client();
    const conversation = await peer.connect(invite);
    await (await conversation.send("first")).wait("delivered", 5_000);
    await settleUntil(net.network, () => texts.length === 1, "the first answer");

    net.network.partition([["client"], ["bot"]]);
    const handle = await conversation.send("into the void");
    await handle.wait("sent", 5_000); // the store still takes it
    const started = performance.now();
    await expectRejection(handle.wait("delivered", 300), NetworkError, "timeout");
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(handle.status).toBe("sent");

    // After the partition heals, the conversation goes on.
    net.network.heal();
    await (await conversation.send("back")).wait("delivered", 5_000);
    await settleUntil(net.network, () => texts.includes("ok: back"), "the answer after healing");
  });
});
