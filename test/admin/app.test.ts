import { afterEach, describe, expect, test } from "bun:test";
import type { Bot } from "../../src/bot/bot.ts";
import { type BotNetwork, botNetwork, nextEvent, settleRounds, settleUntil } from "../support/bots.ts";

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

const TOKEN = "test-token-0123456789abcdef";
const FAST = { ackDelayMs: 10, resendAfterMs: 50, maxResendDelayMs: 100 };

async function adminBot(options: { token?: string } = {}): Promise<Bot> {
  net = botNetwork();
  const bot = await net.bot("bot", {
    reliability: FAST,
    admin: { listen: "127.0.0.1:0", token: options.token ?? TOKEN },
  });
  bot.on("text", (ctx) => ctx.reply(`echo: ${ctx.text}`));
  await bot.start();
  return bot;
}

function call(bot: Bot, path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
  if (typeof init.body === "string" && !headers.has("content-type"))
    headers.set("content-type", "application/json");
  const app = bot.admin?.app;
  if (!app) throw new Error("no admin app");
  return app.request(path, { ...init, headers });
}

async function body(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe("admin API: auth, validation, errors", () => {
  test("every /v1 route, /metrics included, needs the bearer token; /healthz and /openapi.json do not", async () => {
    const bot = await adminBot();
    for (const path of ["/v1/quota", "/v1/invites", "/v1/conversations", "/v1/events", "/metrics"]) {
      const none = await call(bot, path, { token: null });
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      expect(await body(none)).toEqual({
        error: { code: "unauthorized", message: "missing or wrong bearer token" },
      });
      expect((await call(bot, path, { token: `${TOKEN}x` })).status).toBe(401);
      expect((await call(bot, path)).status).toBe(200);
    }
    expect((await call(bot, "/healthz", { token: null })).status).toBe(200);
    expect((await call(bot, "/openapi.json", { token: null })).status).toBe(200);
  });

  test("invalid input is 400 invalid_argument naming the field; unknown ids 404; unknown routes 404", async () => {
    const bot = await adminBot();
    const cases: [string, RequestInit][] = [
      ["/v1/invites", { method: "POST", body: JSON.stringify({ expiresInSeconds: -5 }) }],
      ["/v1/invites", { method: "POST", body: JSON.stringify({ singleUse: "yes" }) }],
      ["/v1/invites", { method: "POST", body: JSON.stringify({ surprise: 1 }) }],
      ["/v1/invites", { method: "POST", body: "{not json" }],
      ["/v1/conversations", { method: "POST", body: JSON.stringify({ invite: "wb:garbage" }) }],
      ["/v1/conversations?limit=0", {}],
      ["/v1/events?types=message,nonsense", {}],
      ["/v1/webhooks", { method: "POST", body: JSON.stringify({ url: "ftp://example.com/x" }) }],
      ["/v1/invites/abc", { method: "DELETE" }],
    ];
    for (const [path, init] of cases) {
      const res = await call(bot, path, init);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      const { error } = (await body(res)) as { error: { code: string; message: string } };
      expect(error.code).toMatch(/^(invalid_argument|invite_[a-z_]+)$/);
      expect(error.message.length).toBeGreaterThan(0);
    }
    const negative = await body(
      await call(bot, "/v1/invites", { method: "POST", body: JSON.stringify({ expiresInSeconds: -5 }) }),
    );
    expect(JSON.stringify(negative)).toContain("expiresInSeconds");
    expect((await call(bot, "/v1/invites/999")).status).toBe(404);
    expect((await call(bot, "/v1/conversations/cAAAAAAAAAAAAAAAA")).status).toBe(404);
    expect((await call(bot, "/v1/messages/cAAAAAAAAAAAAAAAA:0011223344556677")).status).toBe(404);
    const nowhere = await call(bot, "/v2/anything");
    expect(nowhere.status).toBe(404);
    expect(((await body(nowhere)) as { error: { code: string } }).error.code).toBe("not_found");
  });

  test("oversized bodies are 413 payload_too_large before any work", async () => {
    const bot = await adminBot();
    const { invite } = bot.info ?? { invite: "" };
    const huge = JSON.stringify({ invite, pad: "x".repeat(2 * 1024 * 1024) });
    const res = await call(bot, "/v1/conversations", { method: "POST", body: huge });
    expect(res.status).toBe(413);
    expect(((await body(res)) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  test("too many requests are 429 rate_limited with Retry-After", async () => {
    net = botNetwork();
    const bot = await net.bot("bot", { admin: { listen: "0", token: TOKEN } });
    await bot.start();
    const statuses: number[] = [];
    for (let i = 0; i < 260; i++) statuses.push((await call(bot, "/healthz", { token: null })).status);
    // Burst 200 at 50/s: the requests above run in well under a second.
    expect(statuses.filter((s) => s === 200).length).toBeLessThan(260);
    const limited = await call(bot, "/healthz", { token: null });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Strangers used up their buckets, not the token holder's.
    const wrong: number[] = [];
    for (let i = 0; i < 80; i++)
      wrong.push((await call(bot, "/v1/quota", { token: "wrong-token-000000" })).status);
    expect(wrong).toContain(401);
    expect(wrong.at(-1)).toBe(429);
    expect((await call(bot, "/v1/quota")).status).toBe(200);
  });
});

describe("admin API: invites, quota, conversations, messages", () => {
  test("create, list and revoke invites; a revoked invite admits no new conversation", async () => {
    const bot = await adminBot();
    const created = await call(bot, "/v1/invites", {
      method: "POST",
      body: JSON.stringify({ label: "ops", expiresInSeconds: 3600 }),
    });
    expect(created.status).toBe(201);
    const invite = (await body(created)) as { id: number; invite: string; label: string; status: string };
    expect(invite).toMatchObject({ label: "ops", status: "active", singleUse: false, uses: 0 });
    expect(invite.invite).toStartWith("wb:");
    const single = (await body(
      await call(bot, "/v1/invites", { method: "POST", body: JSON.stringify({ singleUse: true }) }),
    )) as { id: number };
    const list = (await body(await call(bot, "/v1/invites"))) as { invites: { id: number }[] };
    expect(list.invites.map((i) => i.id)).toEqual([single.id, invite.id]);
    expect(JSON.stringify(list)).not.toContain("wb:");

    const client = await net.bot("client", { reliability: FAST });
    await client.start();
    const ok = await client.connect(invite.invite);
    await (await ok.send("hello")).wait("delivered", 10_000);
    expect(((await body(await call(bot, `/v1/invites/${invite.id}`))) as { uses: number }).uses).toBe(1);

    const revoked = await call(bot, `/v1/invites/${invite.id}`, { method: "DELETE" });
    expect(((await body(revoked)) as { status: string }).status).toBe("revoked");
    const errors: string[] = [];
    bot.events.on("error", (e) => errors.push(e.code));
    const late = await net.bot("late", { reliability: FAST });
    await late.start();
    await (await late.connect(invite.invite)).send("let me in");
    await settleUntil(net.network, () => errors.includes("prekey_unavailable"), "the refusal");
    expect(((await body(await call(bot, `/v1/invites/${invite.id}`))) as { uses: number }).uses).toBe(1);
  });

  test("quota reports limit, remaining, epoch and queue lengths per priority", async () => {
    net = botNetwork();
    const bot = await net.bot("bot", {
      admin: { listen: "0", token: TOKEN },
      rateLimit: { limit: 7, epochSeconds: 600 },
    });
    await bot.start();
    const q = (await body(await call(bot, "/v1/quota"))) as Record<string, unknown>;
    expect(q).toMatchObject({ limit: 7, epochSeconds: 600, used: 0, remaining: 7 });
    expect(q.queued).toEqual({ critical: 0, normal: 0, optional: 0 });
    expect(q.epoch).toBe(Math.floor(Date.now() / 600_000));
  });

  test("connect through the API, send with a priority, read messages with their status", async () => {
    const other = await (async () => {
      net = botNetwork();
      const echo = await net.bot("echo", { reliability: FAST });
      echo.on("text", (ctx) => ctx.reply(`echo: ${ctx.text}`));
      return echo.start();
    })();
    const bot = await net.bot("bot", { reliability: FAST, admin: { listen: "0", token: TOKEN } });
    await bot.start();
    const made = await call(bot, "/v1/conversations", {
      method: "POST",
      body: JSON.stringify({ invite: other.invite }),
    });
    expect(made.status).toBe(201);
    const conversation = (await body(made)) as { id: string; peer: string };
    expect(conversation.peer).toBe(other.account);

    const reply = nextEvent(bot, "message");
    const delivered = nextEvent(bot, "delivered");
    const sent = await call(bot, `/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      body: JSON.stringify({ text: "ping", priority: "critical" }),
    });
    expect(sent.status).toBe(202);
    const { id } = (await body(sent)) as { id: string };
    expect(id).toStartWith(`${conversation.id}:`);
    expect((await reply).text).toBe("echo: ping");
    expect((await delivered).id).toBe(id);
    const one = (await body(await call(bot, `/v1/messages/${id}`))) as Record<string, unknown>;
    expect(one).toMatchObject({
      id,
      direction: "out",
      type: "text",
      text: "ping",
      priority: "critical",
      status: "delivered",
    });
    expect(one.deliveredAt).toBeGreaterThanOrEqual(one.sentAt as number);
    const page = (await body(await call(bot, `/v1/conversations/${conversation.id}/messages`))) as {
      messages: { text: string; direction: string }[];
    };
    expect(page.messages.map((m) => [m.direction, m.text])).toEqual([
      ["in", "echo: ping"],
      ["out", "ping"],
    ]);
    const list = (await body(await call(bot, "/v1/conversations"))) as { conversations: { id: string }[] };
    expect(list.conversations.map((c) => c.id)).toEqual([conversation.id]);
  });
});

describe("admin API: document and options", () => {
  test("/openapi.json documents every route the app serves, and only those", async () => {
    const bot = await adminBot();
    const app = bot.admin?.app;
    const doc = (await (await call(bot, "/openapi.json", { token: null })).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((op) => `${op.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
      )
      .sort();
    const served = [
      ...new Set(
        (app?.routes ?? [])
          .filter((r) => r.method !== "ALL" && r.path !== "/openapi.json")
          .map((r) => `${r.method} ${r.path}`),
      ),
    ].sort();
    expect(documented).toEqual(served);
    expect(served.length).toBeGreaterThanOrEqual(19);
  });

  test("admin options: HOST:PORT or PORT, and a token with enough characters", async () => {
    const { parseAdminListen, resolveBotOptions } = await import("../../src/bot/options.ts");
    expect(parseAdminListen("8080")).toEqual({ hostname: "127.0.0.1", port: 8080 });
    expect(parseAdminListen("0.0.0.0:1")).toEqual({ hostname: "0.0.0.0", port: 1 });
    expect(parseAdminListen("[::1]:0")).toEqual({ hostname: "::1", port: 0 });
    for (const bad of ["", "host", ":80", "1.2.3.4:65536", "a b:1"]) {
      expect(() => parseAdminListen(bad)).toThrow(/HOST:PORT/);
    }
    const env = { WAKUBOT_PASSPHRASE: "p", WAKUBOT_ADMIN: "9000", WAKUBOT_ADMIN_TOKEN: "short" };
    expect(() => resolveBotOptions({}, env)).toThrow(/16–512/);
    expect(resolveBotOptions({}, { ...env, WAKUBOT_ADMIN_TOKEN: "x".repeat(16) }).admin).toEqual({
      hostname: "127.0.0.1",
      port: 9000,
      token: "x".repeat(16),
    });
    expect(resolveBotOptions({}, { WAKUBOT_PASSPHRASE: "p" }).admin).toBeUndefined();
  });
});

describe("admin API: bodies and retries", () => {
  test("a body not sent as JSON is 400; an invite needs no body at all", async () => {
    const bot = await adminBot();
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const res = await call(bot, "/v1/invites", {
        method: "POST",
        body: JSON.stringify({ label: "x" }),
        headers: { "content-type": type },
      });
      expect({ type, status: res.status }).toEqual({ type, status: 400 });
      expect(((await body(res)) as { error: { code: string } }).error.code).toBe("invalid_argument");
    }
    expect(bot.invites()).toEqual([]);
    const bare = await call(bot, "/v1/invites", { method: "POST" });
    expect(bare.status).toBe(201);
    const emptyJson = await call(bot, "/v1/invites", {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    expect(emptyJson.status).toBe(201);
  });

  test("replyTo must name a message of the same conversation", async () => {
    const bot = await adminBot();
    const client = await net.bot("client", { reliability: FAST });
    await client.start();
    const conversation = await client.connect(bot.info?.invite ?? "");
    const echoed = nextEvent(client, "message");
    await conversation.send("hi");
    await echoed;
    const { conversations } = (await body(await call(bot, "/v1/conversations"))) as {
      conversations: { id: string }[];
    };
    const id = conversations[0]?.id;
    const res = await call(bot, `/v1/conversations/${id}/messages`, {
      method: "POST",
      body: JSON.stringify({ text: "re", replyTo: "cAAAAAAAAAAAAAAAA:0123456789abcdef" }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await body(res))).toContain("replyTo");
  });

  test("concurrent retries with one Idempotency-Key send once and answer alike", async () => {
    const bot = await adminBot();
    const client = await net.bot("client", { reliability: FAST });
    await client.start();
    const conversation = await client.connect(bot.info?.invite ?? "");
    const texts: string[] = [];
    client.events.on("message", (m) => {
      if (m.text) texts.push(m.text);
    });
    const echoed = nextEvent(client, "message");
    await conversation.send("hi");
    await echoed;
    const { conversations } = (await body(await call(bot, "/v1/conversations"))) as {
      conversations: { id: string }[];
    };
    const send = () =>
      call(bot, `/v1/conversations/${conversations[0]?.id}/messages`, {
        method: "POST",
        body: JSON.stringify({ text: "once" }),
        headers: { "idempotency-key": "same" },
      });
    const answers = await Promise.all([send(), send(), send(), send()]);
    const ids = await Promise.all(answers.map(async (a) => ((await body(a)) as { id: string }).id));
    expect(new Set(ids).size).toBe(1);
    await settleUntil(net.network, () => texts.includes("once"), "the message");
    await settleRounds(net.network, 5);
    expect(texts.filter((t) => t === "once")).toHaveLength(1);
  });
});
