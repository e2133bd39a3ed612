import { afterEach, describe, expect, test } from "bun:test";
import type { Bot } from "../../src/bot/bot.ts";
import type { Unsupported } from "../../src/bot/context.ts";
import { definePayload, jsonPayload, reaction, reply } from "../../src/payloads/index.ts";
import { type BotNetwork, botNetwork, record, settleRounds, settleUntil } from "../support/bots.ts";

/** `shop/order` v1 as old peers write it. */
interface OrderV1 {
  sku: string;
  qty: number;
}
/** `shop/order` v2: `qty` renamed to `quantity`, optional `note`. */
interface OrderV2 {
  sku: string;
  quantity: number;
  note?: string;
}

const orderV1 = jsonPayload<OrderV1, "shop", "order">({ namespace: "shop", name: "order" });
const orderV2 = jsonPayload<OrderV2, "shop", "order">({
  namespace: "shop",
  name: "order",
  version: 2,
  upgrade: (old) => {
    const o = old as OrderV1;
    return { sku: o.sku, quantity: o.qty };
  },
  validate: (v) => {
    const o = v as OrderV2;
    if (typeof o?.sku !== "string" || !Number.isInteger(o.quantity)) throw new Error("not an order");
    return o;
  },
});

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

/** A started bot that answers every text with `echo: <text>`, and the texts its peers got back. */
async function echoBot(name: string, setup: (bot: Bot) => void = () => {}) {
  const bot = await net.bot(name);
  bot.on("text", (ctx) => ctx.reply(`echo: ${ctx.text}`));
  setup(bot);
  const { invite } = await bot.start();
  return { bot, invite };
}

/** A started client collecting the texts it receives. */
async function client(name: string) {
  const bot = await net.bot(name);
  const texts: string[] = [];
  bot.on("text", (ctx) => void texts.push(ctx.text));
  await bot.start();
  return { bot, texts };
}

describe("custom payload types through two bots", () => {
  test("a jsonPayload v1 value arrives typed at bot.on(type) and is receipted", async () => {
    net = botNetwork();
    const got: { payload: OrderV1; type: string; version: number }[] = [];
    const { bot, invite } = await echoBot("shop", (b) =>
      b.on(orderV1, (ctx) => {
        // Compile-time: ctx.payload is inferred as OrderV1, not unknown or any.
        const n: number = ctx.payload.qty;
        const sku: string = ctx.payload.sku;
        // @ts-expect-error quantity is a v2 field; OrderV1 has none
        void ctx.payload.quantity;
        got.push({ payload: ctx.payload, type: ctx.type, version: ctx.version });
        return ctx.reply(`ordered ${n} × ${sku}`);
      }),
    );
    const errors = record(bot, "error");
    const { bot: customer, texts } = await client("customer");
    const conversation = await customer.connect(invite);
    const handle = await conversation.send(orderV1, { sku: "A-1", qty: 2 });
    await handle.wait("delivered", 5_000);
    await settleUntil(net.network, () => texts.length === 1, "the order confirmation");
    expect(got).toEqual([{ payload: { sku: "A-1", qty: 2 }, type: "shop/order", version: 1 }]);
    expect(texts).toEqual(["ordered 2 × A-1"]);
    expect(errors).toEqual([]);
  });

  test("a v2 bot reads a v1 body through upgrade, and a v2 body as sent", async () => {
    net = botNetwork();
    const got: { payload: OrderV2; version: number }[] = [];
    const { bot, invite } = await echoBot("shop", (b) =>
      b.on(orderV2, (ctx) => {
        const q: number = ctx.payload.quantity;
        got.push({ payload: ctx.payload, version: ctx.version });
        return ctx.reply(`quantity ${q}`);
      }),
    );
    const errors = record(bot, "error");
    const old = await client("old");
    const current = await client("new");
    await (await old.bot.connect(invite)).send(orderV1, { sku: "A-1", qty: 3 });
    await settleUntil(net.network, () => old.texts.length === 1, "the answer to the v1 order");
    await (await current.bot.connect(invite)).send(orderV2, { sku: "B-2", quantity: 5, note: "gift" });
    await settleUntil(net.network, () => current.texts.length === 1, "the answer to the v2 order");
    expect(got).toEqual([
      { payload: { sku: "A-1", quantity: 3 }, version: 1 },
      { payload: { sku: "B-2", quantity: 5, note: "gift" }, version: 2 },
    ]);
    expect(old.texts).toEqual(["quantity 3"]);
    expect(current.texts).toEqual(["quantity 5"]);
    expect(errors).toEqual([]);
  });

  test("newer version, unknown type and malformed body reach 'unsupported'; the bot keeps answering", async () => {
    net = botNetwork();
    const unsupported: Unsupported[] = [];
    const typed: OrderV1[] = [];
    const { bot, invite } = await echoBot("shop", (b) => {
      b.on(orderV1, (ctx) => void typed.push(ctx.payload));
      b.on("unsupported", (ctx) => {
        // Compile-time: the unsupported payload is typed.
        const reason: "unknown_type" | "newer_version" | "malformed" = ctx.payload.reason;
        unsupported.push({ typeName: ctx.payload.typeName, version: ctx.payload.version, reason });
        return ctx.reply(`cannot read ${ctx.payload.typeName} v${ctx.payload.version}: ${reason}`);
      });
    });
    const errors = record(bot, "error");
    const newer = await client("newer");
    const stranger = await client("stranger");
    const broken = await client("broken");

    // v2 sender → v1-only bot.
    const c1 = await newer.bot.connect(invite);
    const h1 = await c1.send(orderV2, { sku: "A-1", quantity: 1 });
    // A type the bot never registered.
    const refund = jsonPayload<{ order: string }, "shop", "refund">({ namespace: "shop", name: "refund" });
    const c2 = await stranger.bot.connect(invite);
    const h2 = await c2.send(refund, { order: "A-1" });
    // Same name and version as the bot's v1, but a body that is not JSON.
    const garbled = definePayload<number, "shop", "order">({
      namespace: "shop",
      name: "order",
      encode: (n) => Uint8Array.of(0xff, n),
      decode: (b) => b[1] ?? 0,
    });
    const c3 = await broken.bot.connect(invite);
    const h3 = await c3.send(garbled, 7);

    // Unsupported frames still arrived intact: each is receipted.
    await Promise.all([h1, h2, h3].map((h) => h.wait("delivered", 5_000)));
    await settleUntil(
      net.network,
      () => newer.texts.length + stranger.texts.length + broken.texts.length === 3,
      "three 'cannot read' answers",
    );
    expect(newer.texts).toEqual(["cannot read shop/order v2: newer_version"]);
    expect(stranger.texts).toEqual(["cannot read shop/refund v1: unknown_type"]);
    expect(broken.texts).toEqual(["cannot read shop/order v1: malformed"]);
    expect(unsupported).toHaveLength(3);
    expect(typed).toEqual([]);

    // None of it hurt the bot: every sender still gets answers, typed handlers still run.
    await c1.send("still there?");
    await c3.send("and now?");
    await c2.send(orderV1, { sku: "C-3", qty: 4 });
    await settleUntil(
      net.network,
      () => newer.texts.length === 2 && broken.texts.length === 2 && typed.length === 1,
      "answers after the unsupported frames",
    );
    expect(newer.texts[1]).toBe("echo: still there?");
    expect(broken.texts[1]).toBe("echo: and now?");
    expect(typed).toEqual([{ sku: "C-3", qty: 4 }]);
    expect(unsupported).toHaveLength(3);
    expect(errors).toEqual([]);
  });
});

describe("built-in payloads through two bots", () => {
  test("reply and reaction arrive typed and point at the message they answer", async () => {
    net = botNetwork();
    const bot = await net.bot("bot");
    bot.on("text", async (ctx) => {
      await ctx.reply(reaction, { to: ctx.message.wireId, emoji: "👍" });
      await ctx.reply(reply, { to: ctx.message.wireId, text: `re: ${ctx.text}` });
    });
    const { invite } = await bot.start();
    const customer = await net.bot("customer");
    const replies: { to: string; text: string; ctxText: string | undefined }[] = [];
    const reactions: { to: string; emoji: string }[] = [];
    customer.on(reply, (ctx) => {
      const to: string = ctx.payload.to;
      replies.push({ to, text: ctx.payload.text, ctxText: ctx.text });
    });
    customer.on(reaction, (ctx) => void reactions.push({ to: ctx.payload.to, emoji: ctx.payload.emoji }));
    await customer.start();
    const conversation = await customer.connect(invite);
    const handle = await conversation.send("hi");
    await settleUntil(
      net.network,
      () => replies.length === 1 && reactions.length === 1,
      "reply and reaction",
    );
    expect(handle.wireId).toMatch(/^[0-9a-f]{16}$/);
    expect(replies).toEqual([{ to: handle.wireId, text: "re: hi", ctxText: "re: hi" }]);
    expect(reactions).toEqual([{ to: handle.wireId, emoji: "👍" }]);
  });
});

describe("--json event lines", () => {
  test("an inbound text is a message line and a receipt for our reply a delivered line", async () => {
    net = botNetwork();
    const lines: string[] = [];
    // The customer holds its ack of the reply as long as the reply announces (docs/delivery.md §Ack hold): short here.
    const bot = await net.bot("bot", {
      json: true,
      output: (line) => void lines.push(line),
      reliability: { replyAckHoldMs: 1_000 },
    });
    const replies: { conversation: string; message: string; handle: string }[] = [];
    bot.on("text", async (ctx) => {
      const h = await ctx.reply(`echo: ${ctx.text}`);
      replies.push({ conversation: ctx.conversation.id, message: ctx.message.id, handle: h.id });
    });
    const { invite } = await bot.start();
    const customer = await net.bot("customer");
    const texts: string[] = [];
    customer.on("text", (ctx) => void texts.push(ctx.text));
    await customer.start();
    const conversation = await customer.connect(invite);
    await conversation.send("hello");
    const events = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    await settleUntil(net.network, () => events().some((e) => e.event === "delivered"), "a delivered line");
    await settleRounds(net.network, 5);

    const [answered] = replies;
    if (!answered) throw new Error("the bot did not answer");
    const parsed = events();
    expect(parsed[0]?.event).toBe("ready");
    expect(parsed.slice(1)).toEqual([
      {
        event: "message",
        conversation: answered.conversation,
        id: answered.message,
        type: "text",
        text: "hello",
      },
      { event: "delivered", conversation: answered.conversation, id: answered.handle },
    ]);
    // Exactly these keys, in this order (what `jq` users and the docs see).
    expect(Object.keys(parsed[1] ?? {})).toEqual(["event", "conversation", "id", "type", "text"]);
    expect(texts).toEqual(["echo: hello"]);
  });
});
