import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { verifyWebhook } from "../../src/admin/signature.ts";
import { AdminStore } from "../../src/admin/store.ts";
import { retryDelay, WEBHOOK_GIVE_UP_MS, WebhookSender } from "../../src/admin/webhooks.ts";
import { createDataDir, type DataDir } from "../../src/storage/data-dir.ts";
import * as m from "../../src/storage/schema/messages.ts";
import { TEST_KDF, tempDir } from "../support/tmp.ts";

let dir: DataDir | undefined;
afterEach(() => {
  dir?.close();
  dir = undefined;
});

const secret = new Uint8Array(32).fill(7);
const delivery = () => dir?.messages.select().from(m.webhookDeliveries).get();

/** A store with one webhook wanting `message`, a clock the test moves, and a scripted receiver. */
function setup(answers: (number | "throw")[]) {
  dir = createDataDir(join(tempDir(), "data"), { passphrase: "p", kdf: TEST_KDF });
  const store = new AdminStore(dir);
  let now = Date.UTC(2026, 10, 22);
  const hook = store.addWebhook("http://127.0.0.1:9/hook", ["message"], secret, now);
  const calls: { url: string; init: RequestInit }[] = [];
  const outcomes: string[] = [];
  const sender = new WebhookSender(store, {
    now: () => now,
    onAttempt: (o) => outcomes.push(o),
    fetch: async (url, init) => {
      calls.push({ url, init });
      const answer = answers.shift() ?? 200;
      if (answer === "throw") throw new TypeError("connect ECONNREFUSED with secret://user:pw@host");
      return new Response("", { status: answer });
    },
  });
  return { store, sender, hook, calls, outcomes, advance: (ms: number) => (now += ms), now: () => now };
}

describe("outgoing webhook deliveries", () => {
  test("each event a webhook wants is owed once, signed over the exact body", async () => {
    const { store, sender, calls, outcomes, now } = setup([204]);
    expect(store.record("message:c1:aa", "message", { text: "hi" }, now())?.id).toBe(1);
    expect(store.record("message:c1:aa", "message", { text: "hi" }, now())).toBeUndefined();
    store.record("delivered:c1:bb", "delivered", { id: "c1:bb" }, now());
    sender.kick();
    await sender.idle();
    expect(calls).toHaveLength(1);
    const headers = calls[0]?.init.headers as Record<string, string>;
    const body = calls[0]?.init.body as string;
    expect(JSON.parse(body)).toMatchObject({ id: 1, type: "message", data: { text: "hi" } });
    expect(headers["wakubot-event-id"]).toBe("1");
    expect(verifyWebhook(secret, body, headers["wakubot-signature"] ?? "", Math.floor(now() / 1000))).toBe(
      true,
    );
    expect(outcomes).toEqual(["delivered"]);
    expect(store.pendingDeliveries()).toBe(0);
    await sender.close();
  });

  test("failures are retried with doubling back-off, then given up after a day; errors keep no URL", async () => {
    const { store, sender, calls, outcomes, advance, now } = setup([500, "throw", 302]);
    store.record("message:c1:aa", "message", {}, now());
    sender.kick();
    await sender.idle();
    expect(outcomes).toEqual(["retry"]);
    // Not due yet: nothing is sent.
    advance(retryDelay(0) - 1);
    sender.kick();
    await sender.idle();
    expect(calls).toHaveLength(1);
    advance(1);
    sender.kick();
    await sender.idle();
    expect(outcomes).toEqual(["retry", "retry"]);
    advance(retryDelay(1));
    sender.kick();
    await sender.idle();
    // A redirect is not success.
    expect(outcomes).toEqual(["retry", "retry", "retry"]);
    expect(delivery()).toMatchObject({ lastError: "HTTP 302", attempts: 3 });
    advance(WEBHOOK_GIVE_UP_MS);
    sender.kick();
    await sender.idle();
    expect(outcomes.at(-1)).toBe("delivered");
    expect(retryDelay(0)).toBe(1000);
    expect(retryDelay(40)).toBe(3600_000);
    await sender.close();
  });

  test("an event past the give-up age is marked failed instead of retried", async () => {
    const { store, sender, outcomes, advance, now } = setup([503]);
    store.record("message:c1:aa", "message", {}, now());
    advance(WEBHOOK_GIVE_UP_MS);
    sender.kick();
    await sender.idle();
    expect(outcomes).toEqual(["failed"]);
    expect(store.pendingDeliveries()).toBe(0);
    expect(delivery()).toMatchObject({ outcome: "failed", lastError: "HTTP 503" });
    await sender.close();
  });

  test("unreachable errors are stored as a kind only; deleting a webhook drops what it was owed", async () => {
    const { store, sender, hook, now } = setup(["throw"]);
    store.record("message:c1:aa", "message", {}, now());
    sender.kick();
    await sender.idle();
    expect(delivery()?.lastError).toBe("unreachable");
    expect(store.deleteWebhook(hook.id, now())).toBe(true);
    expect(store.deleteWebhook(hook.id, now())).toBe(false);
    expect(store.pendingDeliveries()).toBe(0);
    expect(store.webhooks()).toEqual([]);
    await sender.close();
  });

  test("the webhook secret is sealed at rest", () => {
    const { store } = setup([]);
    const raw = dir?.messages.select({ secret: m.webhooks.secret }).from(m.webhooks).get();
    expect(raw?.secret.length).toBeGreaterThan(secret.length);
    expect(raw?.secret.includes(Buffer.from(secret))).toBe(false);
    expect(store.dueDeliveries(Date.now() + 1e12, 10)).toEqual([]);
  });
});
