/**
 * D5 end to end over real loopback Waku: `wakubot run bots/webhook-bridge.ts` in its own process, a client bot in
 * this process peered to it, webhooks posted with fetch to the port the bridge printed in `bridge_ready`.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { hubSignature } from "../../src/admin/signature.ts";
import { type Bot, createBot } from "../../src/bot/bot.ts";
import { CliProcesses, REPO } from "../support/processes.ts";
import { TEST_KDF } from "../support/tmp.ts";

const BRIDGE = join(REPO, "bots/webhook-bridge.ts");
const SECRET = "e2e webhook bridge secret";
/** Start-up of a bot process: Bun, a default-cost Argon2id derivation, libp2p. */
const START = 20_000;
const encoder = new TextEncoder();

const cli = new CliProcesses("wakubot e2e bridge test");
let client: Bot | undefined;

afterAll(async () => {
  await client?.stop();
  await cli.cleanup();
});

/** Texts the client received, with a way to wait for one that matches. */
function inbox(bot: Bot) {
  const texts: string[] = [];
  const waiters = new Set<() => void>();
  bot.events.on("message", (m) => {
    if (m.text === undefined) return;
    texts.push(m.text);
    for (const w of [...waiters]) w();
  });
  const waitFor = (match: (text: string) => boolean, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = texts.find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching text within ${timeoutMs} ms; got ${JSON.stringify(texts)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { texts, waitFor };
}

function post(url: string, body: string, deliveryId: string, secret = SECRET): Promise<Response> {
  const bytes = encoder.encode(body);
  return fetch(url, {
    method: "POST",
    body: bytes,
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": hubSignature(encoder.encode(secret), bytes),
      "x-github-delivery": deliveryId,
    },
  });
}

test("without WEBHOOK_BRIDGE_SECRET the bridge refuses to start (exit 2, invalid_argument)", async () => {
  const bridge = cli.spawn("no-secret", cli.dir("no-secret"), ["run", BRIDGE]);
  expect(await bridge.exited(START)).toBe(2);
  expect(bridge.all("error")).toEqual([
    { event: "error", code: "invalid_argument", message: expect.stringContaining("WEBHOOK_BRIDGE_SECRET") },
  ]);
  expect(bridge.all("ready")).toEqual([]);
}, 30_000);

test("a chat subscribes with /subscribe ci; a signed webhook reaches it once, a replay and a forgery do not", async () => {
  const bridge = cli.spawn("bridge", cli.dir("bridge"), ["run", BRIDGE, "--listen", "/ip4/127.0.0.1/tcp/0"], {
    env: { WEBHOOK_BRIDGE_SECRET: SECRET, WEBHOOK_BRIDGE_LISTEN: "127.0.0.1:0" },
  });
  const ready = await bridge.waitFor("ready", START);
  const bridgeReady = await bridge.waitFor("bridge_ready", 5_000);
  expect(bridge.events.findIndex((e) => e.event === "bridge_ready")).toBeGreaterThan(
    bridge.events.findIndex((e) => e.event === "ready"),
  );
  expect(bridgeReady).toEqual({
    event: "bridge_ready",
    url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
  });
  const hooks = `${bridgeReady.url as string}/hooks/ci`;

  client = await createBot({
    data: cli.dir("client"),
    passphrase: "client",
    kdf: TEST_KDF,
    peers: [(ready.multiaddrs as string[])[0] as string],
    json: false,
    output: () => {},
  });
  const received = inbox(client);
  await client.start();
  const conversation = await client.connect(ready.invite as string);
  await conversation.send("/subscribe ci");
  expect(await received.waitFor((t) => t.startsWith("Subscribed"), 20_000)).toBe(
    "Subscribed to ci: webhooks posted to /hooks/ci will appear here.",
  );

  const body = JSON.stringify({ action: "completed", repository: { full_name: "octo/app" } });
  const first = await post(hooks, body, "delivery-1");
  expect(first.status).toBe(202);
  expect(await first.json()).toEqual({ accepted: true, id: expect.any(Number) });
  expect(await received.waitFor((t) => t.startsWith("[ci]"), 20_000)).toBe("[ci] octo/app: completed");

  const replay = await post(hooks, body, "delivery-1");
  expect(replay.status).toBe(200);
  expect(await replay.json()).toEqual({ duplicate: true, id: expect.any(Number) });
  const forged = await post(hooks, '{"text":"forged"}', "delivery-2", "not the bridge's secret");
  expect(forged.status).toBe(401);
  expect(await forged.json()).toEqual({ error: { code: "signature_invalid", message: expect.any(String) } });

  // The bridge forwards in acceptance order, so a second copy of delivery-1 (or the forgery) would come first.
  expect((await post(hooks, '{"text":"marker"}', "delivery-3")).status).toBe(202);
  await received.waitFor((t) => t === "[ci] marker", 20_000);
  expect(received.texts.filter((t) => t.startsWith("[ci]"))).toEqual([
    "[ci] octo/app: completed",
    "[ci] marker",
  ]);

  // The client goes first: a bot whose only peer is gone takes about 10 s to stop.
  await client.stop();
  bridge.kill("SIGTERM");
  expect(await bridge.exited(15_000)).toBe(0);
  expect(bridge.all("stopped")).toHaveLength(1);
  expect(bridge.all("error")).toEqual([]);
  expect(bridge.garbage).toEqual([]);
  expect(bridge.stderr).toBe("");
}, 90_000);
