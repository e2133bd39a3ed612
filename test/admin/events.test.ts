import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { verifyWebhook } from "../../src/admin/signature.ts";
import type { Bot } from "../../src/bot/bot.ts";
import {
  type BotNetwork,
  botNetwork,
  nextEvent,
  settleRounds,
  settleUntil,
  within,
} from "../support/bots.ts";

let net: BotNetwork;
const servers: { stop: (force?: boolean) => unknown }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) s.stop(true);
  await net?.stop();
});

const TOKEN = "events-token-0123456789";
const FAST = { ackDelayMs: 10, resendAfterMs: 50, maxResendDelayMs: 100 };
const auth = { authorization: `Bearer ${TOKEN}` };

/** An admin bot and a client already talking to it (the client's first message is answered). */
async function pair(name = "bot"): Promise<{ bot: Bot; client: Bot; send: (t: string) => Promise<string> }> {
  net = botNetwork();
  const bot = await net.bot(name, { reliability: FAST, admin: { listen: "127.0.0.1:0", token: TOKEN } });
  const { invite } = await bot.start();
  const client = await net.bot("client", { reliability: FAST });
  await client.start();
  const conversation = await client.connect(invite);
  return {
    bot,
    client,
    send: async (text) => {
      const handle = await conversation.send(text);
      await handle.wait("delivered", 10_000);
      return handle.id;
    },
  };
}

/** Reads SSE frames from a streaming response until `count` events arrived. */
async function readEvents(
  res: Response,
  count: number,
): Promise<{ id: string; event: string; data: unknown }[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { id: string; event: string; data: unknown }[] = [];
  let buffer = "";
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string> = Object.fromEntries(
        frame
          .split("\n")
          .filter((l) => !l.startsWith(":") && l.includes(":"))
          .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trimStart()]),
      );
      if (fields.id && fields.event && fields.data) {
        events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      }
      end = buffer.indexOf("\n\n");
    }
  }
  await reader.cancel();
  return events;
}

describe("admin event log, SSE and webhooks", () => {
  test("the stream replays the log, goes live, and resumes after Last-Event-ID", async () => {
    const { bot, send } = await pair();
    const first = await send("one");
    const url = `${bot.admin?.url}/v1/events/stream?types=message`;
    const live = await fetch(url, { headers: auth });
    expect(live.headers.get("content-type")).toContain("text/event-stream");
    const second = send("two");
    const got = await within(readEvents(live, 2), 10_000, "two message events");
    expect(got.map((e) => [e.event, (e.data as { data: { text: string } }).data.text])).toEqual([
      ["message", "one"],
      ["message", "two"],
    ]);
    await second;
    expect(first).toStartWith("c");
    // Resume after the first: only the second comes back.
    const resumed = await fetch(url, { headers: { ...auth, "last-event-id": got[0]?.id ?? "" } });
    const again = await within(readEvents(resumed, 1), 10_000, "the resumed event");
    expect(again.map((e) => e.id)).toEqual([got[1]?.id ?? "missing"]);
    // The JSON view of the same log.
    const page = (await (
      await fetch(`${bot.admin?.url}/v1/events?after=0&types=message`, { headers: auth })
    ).json()) as { events: { id: number; type: string }[] };
    expect(page.events.map((e) => String(e.id))).toEqual(got.map((e) => e.id));
  });

  test("a webhook gets each wanted event once, signed, with its event id", async () => {
    const received: { headers: Headers; body: string }[] = [];
    const receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (req) => {
        received.push({ headers: req.headers, body: await req.text() });
        return new Response(null, { status: 204 });
      },
    });
    servers.push(receiver);
    const { bot, send } = await pair();
    const made = await fetch(`${bot.admin?.url}/v1/webhooks`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${receiver.port}/hook`, events: ["message"] }),
    });
    expect(made.status).toBe(201);
    const { secret, id } = (await made.json()) as { secret: string; id: number };
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const listed = await (await fetch(`${bot.admin?.url}/v1/webhooks`, { headers: auth })).text();
    expect(listed).not.toContain(secret);

    await send("hook me");
    await settleUntil(net.network, () => received.length > 0, "the webhook POST");
    const [hit] = received;
    const body = JSON.parse(hit?.body ?? "{}") as { id: number; type: string; data: { text: string } };
    expect(body.type).toBe("message");
    expect(body.data.text).toBe("hook me");
    expect(hit?.headers.get("wakubot-event-id")).toBe(String(body.id));
    expect(hit?.headers.get("wakubot-webhook-id")).toBe(String(id));
    const signature = hit?.headers.get("wakubot-signature") ?? "";
    const key = new Uint8Array(Buffer.from(secret, "hex"));
    expect(verifyWebhook(key, hit?.body ?? "", signature, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyWebhook(key, `${hit?.body} `, signature, Math.floor(Date.now() / 1000))).toBe(false);
    // Delivered events were not wanted; nothing else arrives.
    await send("again");
    await settleUntil(net.network, () => received.length >= 2, "the second POST");
    expect(received.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
      "message",
      "message",
    ]);
  });

  test("events owed to an unreachable webhook survive a restart and are delivered afterwards", async () => {
    const { bot, send } = await pair();
    // A port nobody listens on (yet).
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = probe.port as number;
    probe.stop(true);
    await fetch(`${bot.admin?.url}/v1/webhooks`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, events: ["message"] }),
    });
    await send("while the receiver is down");
    await bot.stop();

    const received: string[] = [];
    servers.push(
      Bun.serve({
        port,
        hostname: "127.0.0.1",
        fetch: async (req) => {
          received.push(await req.text());
          return new Response("ok");
        },
      }),
    );
    const again = await net.bot("bot", { reliability: FAST, admin: { listen: "127.0.0.1:0", token: TOKEN } });
    await again.start();
    await settleUntil(net.network, () => received.length > 0, "the owed delivery");
    expect((JSON.parse(received[0] ?? "{}") as { data: { text: string } }).data.text).toBe(
      "while the receiver is down",
    );
  });

  test("Idempotency-Key: a retried send answers the same message and sends once; another body is 409", async () => {
    const { bot, client, send } = await pair();
    await send("hello");
    const conversationId = (
      (await (await fetch(`${bot.admin?.url}/v1/conversations`, { headers: auth })).json()) as {
        conversations: { id: string }[];
      }
    ).conversations[0]?.id;
    const post = (text: string) =>
      fetch(`${bot.admin?.url}/v1/conversations/${conversationId}/messages`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "idempotency-key": "retry-1" },
        body: JSON.stringify({ text }),
      });
    const got: string[] = [];
    client.events.on("message", (m) => {
      if (m.text) got.push(m.text);
    });
    // Waited for from before the send: with fast timers the ack can arrive while the later requests run.
    const delivered = nextEvent(bot, "delivered");
    const a = await post("exactly once");
    const b = await post("exactly once");
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    const idA = ((await a.json()) as { id: string }).id;
    expect(((await b.json()) as { id: string }).id).toBe(idA);
    const conflict = await post("something else");
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe("idempotency_conflict");
    await delivered;
    await settleRounds(net.network, 5);
    expect(got).toEqual(["exactly once"]);
  });

  test("metrics count events and show quota and queues in Prometheus text", async () => {
    const { bot, send } = await pair();
    await send("count me");
    await fetch(`${bot.admin?.url}/v1/quota`, { headers: auth });
    const res = await fetch(`${bot.admin?.url}/metrics`, { headers: auth });
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toContain('wakubot_events_total{type="message"} 1');
    expect(text).toMatch(/^wakubot_quota_limit 100000$/m);
    expect(text).toMatch(/^wakubot_queue_length\{priority="normal"\} \d+$/m);
    expect(text).toMatch(
      /^wakubot_admin_requests_total\{method="GET",route="\/v1\/quota",status="200"\} 1$/m,
    );
    for (const line of text.trim().split("\n"))
      expect(line).toMatch(/^(# (HELP|TYPE) .+|[a-z_]+(\{.*\})? \d+)$/);
  });

  test("a generated token is shown once, kept only as its hash, and works after a restart", async () => {
    net = botNetwork();
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      said.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let token = "";
    try {
      const bot = await net.bot("bot", { admin: { listen: "0" } });
      await bot.start();
      token = /wbt_[A-Za-z0-9_-]{43}/.exec(said.join(""))?.[0] ?? "";
      expect(token).not.toBe("");
      await bot.stop();
      said.length = 0;
      const again = await net.bot("bot", { admin: { listen: "0" } });
      await again.start();
      expect(said.join("")).not.toContain("wbt_");
      const ok = await fetch(`${again.admin?.url}/v1/quota`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
      await again.stop();
    } finally {
      process.stderr.write = write;
    }
    for (const file of ["messages.db", "messages.db-wal", "secrets.db"]) {
      let bytes = "";
      try {
        bytes = readFileSync(join(net.dataDir("bot"), file)).toString("latin1");
      } catch {
        continue;
      }
      expect(bytes).not.toContain(token);
    }
  });
});
