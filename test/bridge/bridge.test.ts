/**
 * D5, the webhook-to-chat bridge (docs/webhook-bridge.md) on an in-memory Waku network: a bridge bot with
 * `startWebhookBridge`, clients that subscribe through chat commands, and webhooks posted with `app.request()`.
 * Every forward is awaited with `bridge.drain()` (handed to the bot) and then the network is settled until the
 * client has it; "nothing arrives" is checked after extra settle rounds, as in test/bot.
 */
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { hubSignature } from "../../src/admin/signature.ts";
import type { Bot } from "../../src/bot/bot.ts";
import type { Conversation } from "../../src/bot/context.ts";
import { startWebhookBridge, type WebhookBridge, type WebhookBridgeOptions } from "../../src/bridge/index.ts";
import { type BotNetwork, botNetwork, settleRounds, settleUntil } from "../support/bots.ts";

const SECRET = "a webhook secret of some length";
const encoder = new TextEncoder();
/** Settle rounds after a condition held, giving anything that should not happen (a second copy) its chance. */
const QUIET_ROUNDS = 20;

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

/** A client bot in a conversation with the bridge, with every text it received. */
interface Client {
  readonly bot: Bot;
  readonly conversation: Conversation;
  readonly texts: string[];
  /** Sends a chat command and resolves with the bridge's answer. */
  command(text: string): Promise<string>;
}

async function startBridge(options: Partial<WebhookBridgeOptions> = {}) {
  const bot = await net.bot("bridge");
  const errors: unknown[] = [];
  const bridge = await startWebhookBridge(bot, {
    secret: SECRET,
    database: join(net.dataDir("bridge"), "bridge.db"),
    onError: (e) => errors.push(e),
    ...options,
  });
  const { invite } = await bot.start();
  return { bot, bridge, invite, errors };
}

async function client(name: string, invite: string): Promise<Client> {
  const bot = await net.bot(name);
  const texts: string[] = [];
  bot.on("text", (ctx) => void texts.push(ctx.text));
  await bot.start();
  const conversation = await bot.connect(invite);
  return {
    bot,
    conversation,
    texts,
    async command(text) {
      const before = texts.length;
      await conversation.send(text);
      await settleUntil(net.network, () => texts.length > before, `the answer to ${text}`);
      return texts[before] as string;
    },
  };
}

/** A signed POST to /hooks/<source>; `headers` add to or override the defaults (signature and delivery id). */
function post(
  bridge: WebhookBridge,
  source: string,
  body: string | Uint8Array,
  headers: Record<string, string | undefined> = {},
  query = "",
): Promise<Response> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const all: Record<string, string | undefined> = {
    "content-type": "application/json",
    "x-hub-signature-256": hubSignature(encoder.encode(SECRET), bytes),
    "x-webhook-id": crypto.randomUUID(),
    ...headers,
  };
  const defined = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return Promise.resolve(
    bridge.app.request(`/hooks/${source}${query}`, { method: "POST", body: bytes, headers: defined }),
  );
}

/** Waits until the bridge handed everything to its bot and the client has `count` texts starting with `prefix`. */
async function received(bridge: WebhookBridge, c: Client, prefix: string, count: number): Promise<string[]> {
  await bridge.drain();
  const matching = () => c.texts.filter((t) => t.startsWith(prefix));
  await settleUntil(net.network, () => matching().length >= count, `${count} × ${prefix}`);
  return matching();
}

describe("chat commands", () => {
  test("subscribe, list, unsubscribe and malformed commands are each answered once", async () => {
    net = botNetwork();
    const { invite } = await startBridge();
    const alice = await client("alice", invite);
    expect(await alice.command("/subscriptions")).toBe(
      "No subscriptions. Send /subscribe <source> to add one.",
    );
    expect(await alice.command("/subscribe ci")).toBe(
      "Subscribed to ci: webhooks posted to /hooks/ci will appear here.",
    );
    expect(await alice.command("/subscribe ci")).toBe("Already subscribed to ci.");
    expect(await alice.command("/subscribe deploy-prod_2")).toStartWith("Subscribed to deploy-prod_2");
    expect(await alice.command("/subscriptions")).toBe("Subscriptions: ci, deploy-prod_2");
    expect(await alice.command("/subscribe Not_OK")).toBe(
      '"Not_OK" is not a source: use 1–64 characters of a-z, 0-9, _ and -.',
    );
    expect(await alice.command(`/subscribe ${"a".repeat(65)}`)).toStartWith('"aaaa');
    expect(await alice.command("/subscribe")).toBe("Usage: /subscribe <source>");
    expect(await alice.command("/unsubscribe deploy-prod_2")).toBe("Unsubscribed from deploy-prod_2.");
    expect(await alice.command("/unsubscribe deploy-prod_2")).toBe("Not subscribed to deploy-prod_2.");
    expect(await alice.command("hello")).toStartWith("This bot forwards webhooks to this chat.");
    // Every answer came once, in order: one text per command.
    expect(alice.texts).toHaveLength(11);
  });

  test("`allow` limits the commands to the listed accounts", async () => {
    net = botNetwork();
    const alice = await net.bot("alice");
    const aliceAccount = alice.account;
    await alice.stop();
    const { invite } = await startBridge({ allow: [aliceAccount] });
    const mallory = await client("mallory", invite);
    expect(await mallory.command("/subscribe ci")).toBe(
      "This bridge does not take commands from your account.",
    );
    const allowed = await client("alice", invite);
    expect(await allowed.command("/subscribe ci")).toStartWith("Subscribed to ci");
  });
});

describe("POST /hooks/<source>", () => {
  test("a signed webhook is answered 202 after it is stored, and the subscribed client receives its text", async () => {
    net = botNetwork();
    const { bridge, invite, errors } = await startBridge();
    const alice = await client("alice", invite);
    await alice.command("/subscribe ci");

    const res = await post(bridge, "ci", '{"text":"build 41 passed"}', { "x-webhook-id": "delivery-1" });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: boolean; id: number };
    expect(body).toEqual({ accepted: true, id: expect.any(Number) });
    expect(await received(bridge, alice, "[ci]", 1)).toEqual(["[ci] build 41 passed"]);

    const row = bridge.store.webhook("ci", "delivery-1");
    expect(row).toMatchObject({
      id: body.id,
      source: "ci",
      priority: "normal",
      text: "[ci] build 41 passed",
      forwardedAt: expect.any(Number),
    });
    expect(row?.forwards).toEqual([
      { conversationId: expect.any(String), handedAt: expect.any(Number), messageId: expect.any(String) },
    ]);
    expect(errors).toEqual([]);
  });

  test("X-GitHub-Delivery is a delivery id too, and GitHub-style events are summarised", async () => {
    net = botNetwork();
    const { bridge, invite } = await startBridge();
    const alice = await client("alice", invite);
    await alice.command("/subscribe gh");
    const event = {
      action: "opened",
      number: 12,
      pull_request: { number: 12, title: "Fix the build" },
      repository: { full_name: "octo/app" },
    };
    const res = await post(bridge, "gh", JSON.stringify(event), {
      "x-webhook-id": undefined,
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    });
    expect(res.status).toBe(202);
    expect(await received(bridge, alice, "[gh]", 1)).toEqual([
      "[gh] octo/app: pull request #12 opened: Fix the build",
    ]);
  });

  test("a bad or missing signature is 401: nothing stored, nothing sent", async () => {
    net = botNetwork();
    const { bridge, invite } = await startBridge();
    const alice = await client("alice", invite);
    await alice.command("/subscribe ci");
    const body = '{"text":"forged"}';
    const wrongKey = hubSignature(encoder.encode("another secret, also long"), encoder.encode(body));
    const otherBody = hubSignature(encoder.encode(SECRET), encoder.encode('{"text":"other"}'));
    const cases: Record<string, string | undefined>[] = [
      { "x-hub-signature-256": undefined },
      { "x-hub-signature-256": wrongKey },
      { "x-hub-signature-256": otherBody },
      { "x-hub-signature-256": wrongKey.replace("sha256=", "sha1=") },
      { "x-hub-signature-256": "sha256=" },
    ];
    for (const headers of cases) {
      const res = await post(bridge, "ci", body, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "signature_invalid", message: expect.any(String) } });
    }
    // A bad signature wins over every other problem: an unsigned caller learns nothing else.
    const res = await post(bridge, "NOT A SOURCE", body, {
      "x-hub-signature-256": wrongKey,
      "x-webhook-id": undefined,
    });
    expect(res.status).toBe(401);

    expect(bridge.store.webhookCount()).toBe(0);
    await bridge.drain();
    await settleRounds(net.network, QUIET_ROUNDS);
    expect(alice.texts.filter((t) => t.startsWith("[ci]"))).toEqual([]);
  });

  test("a missing or malformed delivery id, source or priority is 400 invalid_argument, and nothing is stored", async () => {
    net = botNetwork();
    const { bridge } = await startBridge();
    const bad: [string, Record<string, string | undefined>, string][] = [
      ["ci", { "x-webhook-id": undefined }, ""],
      ["ci", { "x-webhook-id": "" }, ""],
      ["ci", { "x-webhook-id": "has space" }, ""],
      ["ci", { "x-webhook-id": "x".repeat(201) }, ""],
      ["Upper", {}, ""],
      ["ci", {}, "?priority=urgent"],
    ];
    for (const [source, headers, query] of bad) {
      const res = await post(bridge, source, "{}", headers, query);
      expect({ source, headers, query, status: res.status }).toEqual({ source, headers, query, status: 400 });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_argument");
    }
    expect(bridge.store.webhookCount()).toBe(0);
    // 200 visible characters is the longest id.
    expect((await post(bridge, "ci", "{}", { "x-webhook-id": "x".repeat(200) })).status).toBe(202);
  });

  test("a replayed delivery id is 200 duplicate and is not forwarded again; ids are per source", async () => {
    net = botNetwork();
    const { bridge, invite } = await startBridge();
    const alice = await client("alice", invite);
    await alice.command("/subscribe ci");
    await alice.command("/subscribe deploy");

    const first = await post(bridge, "ci", '{"text":"once"}', { "x-webhook-id": "same" });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: number };
    await received(bridge, alice, "[ci] once", 1);
    for (const body of ['{"text":"once"}', '{"text":"a different body"}']) {
      const again = await post(bridge, "ci", body, { "x-webhook-id": "same" });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ duplicate: true, id });
    }
    // The same id for another source is another delivery.
    expect((await post(bridge, "deploy", '{"text":"deployed"}', { "x-webhook-id": "same" })).status).toBe(
      202,
    );
    await received(bridge, alice, "[deploy]", 1);
    await settleRounds(net.network, QUIET_ROUNDS);
    expect(alice.texts.filter((t) => t.startsWith("[ci]"))).toEqual(["[ci] once"]);
    expect(bridge.store.webhookCount()).toBe(2);
  });

  test("only subscribed conversations get a source's webhooks; unsubscribing stops them", async () => {
    net = botNetwork();
    const { bridge, invite } = await startBridge();
    const alice = await client("alice", invite);
    const bob = await client("bob", invite);
    await alice.command("/subscribe ci");
    await bob.command("/subscribe deploy");

    expect((await post(bridge, "ci", '{"message":"for ci"}')).status).toBe(202);
    expect(await received(bridge, alice, "[ci]", 1)).toEqual(["[ci] for ci"]);
    await alice.command("/unsubscribe ci");
    expect((await post(bridge, "ci", '{"message":"after unsubscribe"}')).status).toBe(202);
    // Nobody subscribes to "nobody": accepted (and remembered for dedupe), sent to no one.
    expect((await post(bridge, "nobody", '{"message":"into the void"}')).status).toBe(202);
    expect((await post(bridge, "deploy", '{"message":"for deploy"}')).status).toBe(202);
    expect(await received(bridge, bob, "[deploy]", 1)).toEqual(["[deploy] for deploy"]);
    await settleRounds(net.network, QUIET_ROUNDS);

    expect(alice.texts.filter((t) => t.startsWith("["))).toEqual(["[ci] for ci"]);
    expect(bob.texts.filter((t) => t.startsWith("["))).toEqual(["[deploy] for deploy"]);
    expect(bridge.store.webhookCount()).toBe(4);
  });

  test("a body over 256 KiB is 413 payload_too_large and not stored; 256 KiB exactly is accepted and cut to 2,000 characters", async () => {
    net = botNetwork();
    const { bridge, invite } = await startBridge();
    const alice = await client("alice", invite);
    await alice.command("/subscribe big");
    const tooBig = await post(bridge, "big", "x".repeat(256 * 1024 + 1), { "content-type": "text/plain" });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({
      error: { code: "payload_too_large", message: expect.any(String) },
    });
    expect(bridge.store.webhookCount()).toBe(0);

    const fits = await post(bridge, "big", "y".repeat(256 * 1024), { "content-type": "text/plain" });
    expect(fits.status).toBe(202);
    const [text] = await received(bridge, alice, "[big]", 1);
    expect(text).toBe(`[big] ${"y".repeat(1999)}…`);
    expect(bridge.store.webhookCount()).toBe(1);
  });

  test("the priority comes from the options, or ?priority=; the bot's outgoing message carries it", async () => {
    net = botNetwork();
    const { bridge, invite } = await startBridge({ priority: "critical" });
    const alice = await client("alice", invite);
    await alice.command("/subscribe ci");
    expect((await post(bridge, "ci", '{"text":"by default"}', { "x-webhook-id": "d1" })).status).toBe(202);
    expect(
      (await post(bridge, "ci", '{"text":"optional"}', { "x-webhook-id": "d2" }, "?priority=optional"))
        .status,
    ).toBe(202);
    expect(
      (await post(bridge, "ci", '{"text":"normal"}', { "x-webhook-id": "d3" }, "?priority=normal")).status,
    ).toBe(202);
    expect(await received(bridge, alice, "[ci]", 3)).toEqual([
      "[ci] by default",
      "[ci] optional",
      "[ci] normal",
    ]);
    const messageIds = ["d1", "d2", "d3"].map((d) => bridge.store.webhook("ci", d)?.forwards[0]?.messageId);
    expect(["d1", "d2", "d3"].map((d) => bridge.store.webhook("ci", d)?.priority)).toEqual([
      "critical",
      "optional",
      "normal",
    ]);

    // The bridge bot's own messages.db (readable once it stopped) has each chat message at that priority.
    await net.stop();
    const db = new Database(join(net.dataDir("bridge"), "messages.db"), { readonly: true });
    try {
      const priorities = messageIds.map(
        (id) =>
          db.query<{ priority: string }, [string]>("SELECT priority FROM messages WHERE id = ?").get(id ?? "")
            ?.priority,
      );
      expect(priorities).toEqual(["critical", "optional", "normal"]);
    } finally {
      db.close();
    }
  });
});

describe("durability", () => {
  test("a webhook is committed before the 202: a bridge stopped before forwarding sends it after its restart, once", async () => {
    net = botNetwork();
    // forward: false holds the forwarding back, like a process killed right after answering.
    const first = await startBridge({ forward: false });
    const alice = await client("alice", first.invite);
    await alice.command("/subscribe ci");

    const res = await post(first.bridge, "ci", '{"title":"deploy 7 finished"}', { "x-webhook-id": "kept" });
    expect(res.status).toBe(202);
    const stored = first.bridge.store.webhook("ci", "kept");
    expect(stored).toMatchObject({ text: "[ci] deploy 7 finished", forwardedAt: null });
    expect(stored?.forwards).toEqual([
      { conversationId: expect.any(String), handedAt: null, messageId: null },
    ]);
    await first.bridge.drain();
    await settleRounds(net.network, QUIET_ROUNDS);
    expect(alice.texts.filter((t) => t.startsWith("[ci]"))).toEqual([]);
    await first.bot.stop(); // closes the bridge too

    // Same data directory, same bridge.db: the owed forward goes out once the bot is ready.
    const second = await startBridge();
    expect(await received(second.bridge, alice, "[ci]", 1)).toEqual(["[ci] deploy 7 finished"]);
    expect(second.bridge.store.webhook("ci", "kept")?.forwardedAt).toEqual(expect.any(Number));
    // Subscriptions and delivery ids survived the restart too.
    expect(await alice.command("/subscriptions")).toBe("Subscriptions: ci");
    const replay = await post(second.bridge, "ci", '{"title":"deploy 7 finished"}', {
      "x-webhook-id": "kept",
    });
    expect(replay.status).toBe(200);
    await settleRounds(net.network, QUIET_ROUNDS);
    expect(alice.texts.filter((t) => t.startsWith("[ci]"))).toEqual(["[ci] deploy 7 finished"]);
    expect(second.errors).toEqual([]);
  });

  test("webhooks accepted before the bot is ready are forwarded when it is", async () => {
    net = botNetwork();
    const setup = await startBridge();
    const alice = await client("alice", setup.invite);
    await alice.command("/subscribe ci");
    await setup.bot.stop();

    const bot = await net.bot("bridge");
    const bridge = await startWebhookBridge(bot, {
      secret: SECRET,
      database: join(net.dataDir("bridge"), "bridge.db"),
    });
    expect((await post(bridge, "ci", '{"text":"early"}', { "x-webhook-id": "early" })).status).toBe(202);
    await bridge.drain();
    expect(bridge.store.webhook("ci", "early")?.forwards).toEqual([
      { conversationId: expect.any(String), handedAt: null, messageId: null },
    ]);
    await bot.start();
    expect(await received(bridge, alice, "[ci]", 1)).toEqual(["[ci] early"]);
  });

  test("the bridge must be added before bot.start(), and refuses a short secret", async () => {
    net = botNetwork();
    const bot = await net.bot("bridge");
    const database = join(net.dataDir("bridge"), "bridge.db");
    await expect(startWebhookBridge(bot, { secret: "too short", database })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await bot.start();
    await expect(startWebhookBridge(bot, { secret: SECRET, database })).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });
});
