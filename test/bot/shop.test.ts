import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { order } from "../../bots/shop-order.ts";
import { type Bot, createBot } from "../../src/bot/bot.ts";
import { spawnNode } from "../../src/testing/network.ts";
import type { WakuNode } from "../../src/waku/node.ts";
import { TEST_KDF, tempDir } from "../support/tmp.ts";

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function readJson(stream: ReadableStream<Uint8Array>, event: string): Promise<Record<string, unknown>> {
  const reader = stream.getReader();
  let buffered = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${event}`);
      buffered += new TextDecoder().decode(value);
      for (const line of buffered.split("\n").slice(0, -1)) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.event === event) return parsed;
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
    }
  } finally {
    reader.releaseLock();
  }
}

test("the shop bot takes typed orders, keeps a cart per conversation across a restart, and answers texts", async () => {
  const root = tempDir();
  const node = await spawnNode({ data: join(root, "node") });
  cleanup.push(() => node.kill());
  const runShop = () => {
    const proc = Bun.spawn(
      [
        process.execPath,
        join(import.meta.dir, "../../bin/wakubot"),
        "--data",
        join(root, "shop"),
        "--json",
        "run",
        join(import.meta.dir, "../../bots/shop.ts"),
        "--peer",
        node.multiaddrs[0] as string,
      ],
      { env: { ...process.env, WAKUBOT_PASSPHRASE: "shop" }, stdout: "pipe", stderr: "pipe" },
    );
    cleanup.push(() => proc.kill("SIGKILL"));
    return proc;
  };
  let shop = runShop();
  const ready = await readJson(shop.stdout, "ready");

  const client: Bot = await createBot({
    data: join(root, "client"),
    passphrase: "client",
    kdf: TEST_KDF,
    peers: [node.multiaddrs[0] as string],
    output: () => {},
  });
  cleanup.push(() => client.stop());
  await client.start();
  const relay = client.delivery as WakuNode;
  while (relay.meshPeers() === 0) await Bun.sleep(50);
  const replies: string[] = [];
  let notify = () => {};
  client.on("text", (ctx) => {
    replies.push(ctx.text);
    notify();
  });
  const nextReply = (ms = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = replies.length;
      const timer = setTimeout(() => reject(new Error("no reply")), ms);
      notify = () => {
        if (replies.length > seen) {
          clearTimeout(timer);
          resolve(replies[seen] as string);
        }
      };
    });

  const conversation = await client.connect(ready.invite as string);
  let reply = nextReply();
  await conversation.send(order, { item: "apple", quantity: 2 });
  expect(await reply).toBe("added 2 × apple; your cart: 2 × apple");

  reply = nextReply();
  await conversation.send(order, { item: "pear", quantity: 1 });
  expect(await reply).toBe("added 1 × pear; your cart: 2 × apple, 1 × pear");

  // Crash the bot; the cart is in its messages.db.
  shop.kill("SIGKILL");
  await shop.exited;
  shop = runShop();
  await readJson(shop.stdout, "ready");
  reply = nextReply(15_000);
  await conversation.send("cart");
  expect(await reply).toBe("your cart: 2 × apple, 1 × pear");
}, 60_000);
