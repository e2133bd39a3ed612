import { afterAll, beforeAll, expect, test } from "bun:test";
import { NetworkError } from "../../src/errors.ts";
import { LightDelivery } from "../../src/waku/light.ts";
import type { RoutedMessage, WakuMessage } from "../../src/waku/message.ts";
import { toWakuTimestamp } from "../../src/waku/message.ts";
import { WakuNode } from "../../src/waku/node.ts";
import { BUCKET_TOPICS, bucketTopic } from "../../src/waku/topics.ts";
import { expectRejection } from "../support/errors.ts";
import { tempDir } from "../support/tmp.ts";

const fast = { minDelayMs: 50, maxDelayMs: 200, random: () => 0.5 };
let service: WakuNode;
let relay: WakuNode;
let light: LightDelivery;

function message(text: string, bucket = 0, size = 0): WakuMessage {
  const payload = size > 0 ? new Uint8Array(size).fill(text.charCodeAt(0)) : new TextEncoder().encode(text);
  return { payload, contentTopic: bucketTopic(bucket), timestamp: toWakuTimestamp(Date.now()) };
}

function next(
  subscribe: (topics: readonly string[], h: (m: RoutedMessage) => void) => () => void,
  match: (m: RoutedMessage) => boolean,
  ms = 5000,
): Promise<RoutedMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out waiting for a message")), ms);
    const off = subscribe(BUCKET_TOPICS, (m) => {
      if (!match(m)) return;
      clearTimeout(timer);
      off();
      resolve(m);
    });
  });
}

const text = (m: RoutedMessage) => new TextDecoder().decode(m.message.payload);

beforeAll(async () => {
  const dir = tempDir();
  service = await WakuNode.start({ store: { path: `${dir}/service.db` }, backoff: fast });
  relay = await WakuNode.start({ peers: [service.multiaddrs[0] as string], backoff: fast });
  light = await LightDelivery.start({
    peers: [service.multiaddrs[0] as string],
    backoff: fast,
    filterPingMs: 500,
  });
  light.subscribe(BUCKET_TOPICS, () => {});
  await light.ready(10_000);
  while (relay.meshPeers() === 0) await Bun.sleep(50);
});

afterAll(async () => {
  await light.stop();
  await relay.stop();
  await service.stop();
});

test("light push reaches a relay node through the service node", async () => {
  const arrived = next(
    (t, h) => relay.subscribe(t, h),
    (m) => text(m) === "from light",
  );
  const receipt = await light.publish(message("from light", 2));
  expect(receipt.peers).toBe(1);
  expect(text(await arrived)).toBe("from light");
});

test("filter pushes relayed messages to the light client, above 5 KB too", async () => {
  const arrived = next(
    (t, h) => light.subscribe(t, h),
    (m) => m.message.payload.length === 9000,
  );
  await relay.publish(message("x", 5, 9000));
  expect((await arrived).message.payload.every((b) => b === "x".charCodeAt(0))).toBe(true);
});

test("light client reads the service node's store", async () => {
  await relay.publish(message("stored for later", 3));
  const deadline = Date.now() + 5000;
  let found: RoutedMessage[] = [];
  while (found.length === 0 && Date.now() < deadline) {
    found = [];
    for await (const m of light.queryStore({
      pubsubTopic: light.pubsubTopic,
      contentTopics: [bucketTopic(3)],
    })) {
      if (text(m) === "stored for later") found.push(m);
    }
  }
  expect(found.length).toBe(1);
});

test("filter pushes resume after the subscriber reconnects", async () => {
  await light.libp2p.hangUp(service.libp2p.peerId);
  expect(light.libp2p.getConnections(service.libp2p.peerId).length).toBe(0);
  // The keeper redials with backoff; the client resubscribes once the service is identified again.
  const deadline = Date.now() + 10_000;
  while (light.libp2p.getConnections(service.libp2p.peerId).length === 0 && Date.now() < deadline) {
    await Bun.sleep(50);
  }
  await light.ready(10_000);
  const arrived = next(
    (t, h) => light.subscribe(t, h),
    (m) => text(m) === "after reconnect",
  );
  await relay.publish(message("after reconnect", 1));
  expect(text(await arrived)).toBe("after reconnect");
});

test("a light client without a reachable service node fails its publish with unreachable", async () => {
  const lonely = await LightDelivery.start({
    peers: ["/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"],
    publishWaitMs: 300,
    backoff: fast,
  });
  try {
    await expectRejection(lonely.publish(message("nobody")), NetworkError, "unreachable");
  } finally {
    await lonely.stop();
  }
});
