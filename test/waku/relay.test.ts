import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PeerId } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { proto_filter_v2 } from "@waku/proto";
import { FILTER_PUSH_CODEC, FILTER_SUBSCRIBE_CODEC } from "../../src/waku/filter.ts";
import { newPeerKey } from "../../src/waku/libp2p.ts";
import {
  decodeWakuMessage,
  encodeWakuMessage,
  messageHash,
  type RoutedMessage,
  toWakuTimestamp,
  type WakuMessage,
} from "../../src/waku/message.ts";
import { WakuNode, type WakuNodeOptions } from "../../src/waku/node.ts";
import { DEFAULT_RPC_LIMITS, readMessage, request } from "../../src/waku/rpc.ts";
import { bucketTopic } from "../../src/waku/topics.ts";

// Nodes live across tests of one describe block; their store files live in a directory removed in afterAll
// (test/support/tmp.ts would delete it after each test, under a running node).
const dir = mkdtempSync(join(tmpdir(), "wakubot-relay-"));
const running = new Set<WakuNode>();

afterAll(async () => {
  await Promise.all([...running].map((n) => n.stop()));
  running.clear();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: WakuNodeOptions = {}): Promise<WakuNode> {
  const node = await WakuNode.start({ publishWaitMs: 5000, ...options });
  running.add(node);
  return node;
}

async function stop(node: WakuNode): Promise<void> {
  running.delete(node);
  await node.stop();
}

const addr = (node: WakuNode): string => node.multiaddrs[0] as string;

/** Polls `cond` until true; fails with `what` after `ms`. Used only for conditions with no event to await. */
async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Resolves with the first message on `topic` at `node` that `match` accepts; rejects after `ms`. */
function arrival(
  node: WakuNode,
  topic: string,
  match: (m: RoutedMessage) => boolean = () => true,
  ms = 8000,
): Promise<RoutedMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no message on ${topic} at ${node.peerId} within ${ms} ms`));
    }, ms);
    const off = node.subscribe([topic], (m) => {
      if (!match(m)) return;
      clearTimeout(timer);
      off();
      resolve(m);
    });
  });
}

/** Everything arriving on `topic` at `node` from now on. */
function collect(node: WakuNode, topic: string): RoutedMessage[] {
  const got: RoutedMessage[] = [];
  node.subscribe([topic], (m) => got.push(m));
  return got;
}

let counter = 0;
function message(contentTopic: string, payload?: Uint8Array, extra: Partial<WakuMessage> = {}): WakuMessage {
  counter++;
  const body = payload ?? new TextEncoder().encode(`message ${counter} ${crypto.randomUUID()}`);
  return { payload: body, contentTopic, timestamp: toWakuTimestamp(Date.now()), ...extra };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("five nodes in a line", () => {
  // n0 — n1 — n2 — n3(store) — n4: each node dials only its predecessor.
  let line: WakuNode[] = [];

  test("form a line topology and a relay mesh along it", async () => {
    const n0 = await start();
    line = [n0];
    for (let i = 1; i < 5; i++) {
      const prev = line[i - 1] as WakuNode;
      const options: WakuNodeOptions = { peers: [addr(prev)] };
      line.push(await start(i === 3 ? { ...options, store: { path: join(dir, "line-3.db") } } : options));
    }
    for (const [i, node] of line.entries()) {
      const degree = i === 0 || i === 4 ? 1 : 2;
      await until(() => node.meshPeers() === degree, `mesh of node ${i} to reach ${degree}`);
      expect(node.status().publishPeers).toBe(degree);
    }
    // Nothing connected the ends behind our back: a message from n0 to n4 must take four hops.
    const n0Peers = new Set(
      (line[0] as WakuNode).libp2p.getConnections().map((c) => c.remotePeer.toString()),
    );
    expect([...n0Peers]).toEqual([(line[1] as WakuNode).peerId]);
    expect(n0Peers.has((line[4] as WakuNode).peerId)).toBe(false);
    expect((line[4] as WakuNode).status().connectedPeers).toBe(1);
  });

  test("a message published at one end arrives at the other end, and back", async () => {
    const [n0, , , , n4] = line as [WakuNode, WakuNode, WakuNode, WakuNode, WakuNode];
    const topic = bucketTopic(1);
    const there = message(topic);
    const atFar = arrival(n4, topic, (m) => same(m.message.payload, there.payload));
    const receipt = await n0.publish(there);
    expect(receipt.peers).toBe(1);
    const got = await atFar;
    expect(got.message).toEqual(there);
    expect(got.pubsubTopic).toBe(n0.pubsubTopic);
    expect(Buffer.from(got.hash).toString("hex")).toBe(Buffer.from(receipt.hash).toString("hex"));

    const back = message(topic);
    const atNear = arrival(n0, topic, (m) => same(m.message.payload, back.payload));
    await n4.publish(back);
    expect((await atNear).message).toEqual(back);
    // Every node on the way accepted both messages.
    for (const node of line.slice(1, 4)) expect(node.stats.accepted).toBeGreaterThanOrEqual(2);
  });

  test("a 20 KB payload crosses four hops and comes back from a remote Store", async () => {
    const [n0, , , n3, n4] = line as [WakuNode, WakuNode, WakuNode, WakuNode, WakuNode];
    const topic = bucketTopic(2);
    const payload = crypto.getRandomValues(new Uint8Array(20 * 1024));
    const big = message(topic, payload);
    const atFar = arrival(n4, topic, (m) => same(m.message.payload, payload));
    const { hash } = await n0.publish(big);
    const got = await atFar;
    expect(got.message.payload).toHaveLength(20 * 1024);
    expect(same(got.message.payload, payload)).toBe(true);

    // n3 archived it on the way; n4 has no archive, so its query goes to n3 over Store v3.
    expect(n4.archive).toBeUndefined();
    await until(
      () => (n3.archive?.query({ hashes: [hash], forward: true, limit: 1 }).messages.length ?? 0) === 1,
      "n3 to archive the message",
    );
    const stored: RoutedMessage[] = [];
    for await (const m of n4.queryStore({ pubsubTopic: n4.pubsubTopic, contentTopics: [topic] }))
      stored.push(m);
    expect(stored).toHaveLength(1);
    expect(same((stored[0] as RoutedMessage).message.payload, payload)).toBe(true);
    expect(same((stored[0] as RoutedMessage).hash, hash)).toBe(true);
    expect(same(messageHash(n4.pubsubTopic, (stored[0] as RoutedMessage).message), hash)).toBe(true);

    // The same through a hash query.
    const byHash: RoutedMessage[] = [];
    for await (const m of n4.queryStore({ pubsubTopic: n4.pubsubTopic, hashes: [hash] })) byHash.push(m);
    expect(byHash.map((m) => Buffer.from(m.hash).toString("hex"))).toEqual([
      Buffer.from(hash).toString("hex"),
    ]);
  });

  test("an ephemeral message is relayed to the end but not archived by the store node on the way", async () => {
    const [n0, , , n3, n4] = line as [WakuNode, WakuNode, WakuNode, WakuNode, WakuNode];
    const topic = bucketTopic(6);
    const m = message(topic, undefined, { ephemeral: true });
    const atStore = arrival(n3, topic, (x) => same(x.message.payload, m.payload));
    const atFar = arrival(n4, topic, (x) => same(x.message.payload, m.payload));
    const archivedBefore = n3.stats.archived;
    const { hash } = await n0.publish(m);
    expect((await atFar).message.ephemeral).toBe(true);
    await atStore; // n3 decides about archiving before it hands the message to local subscribers
    expect(n3.stats.archived).toBe(archivedBefore);
    expect(n3.archive?.query({ hashes: [hash], forward: true, limit: 1 }).messages).toEqual([]);
  });

  test("oversized, far-future, malformed and meta-too-long messages injected into gossipsub are rejected at the first hop", async () => {
    const [n0, n1, ...rest] = line as [WakuNode, WakuNode, WakuNode, WakuNode, WakuNode];
    const topic = bucketTopic(3);
    const seen = line.slice(1).map((node) => collect(node, topic));
    const before = { ...n1.stats.rejected };
    const gossip = (n0.libp2p.services as { relay: { publish(t: string, d: Uint8Array): Promise<unknown> } })
      .relay;

    const oversized = encodeWakuMessage(message(topic, new Uint8Array(160 * 1024).fill(1)));
    expect(oversized.length).toBeGreaterThan(150 * 1024);
    const future = encodeWakuMessage(
      message(topic, undefined, { timestamp: toWakuTimestamp(Date.now() + 60_000) }),
    );
    const malformed = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03]);
    expect(() => decodeWakuMessage(malformed)).toThrow();
    const longMeta = encodeWakuMessage(message(topic, undefined, { meta: new Uint8Array(65) }));
    for (const bytes of [oversized, future, malformed, longMeta]) await gossip.publish(n0.pubsubTopic, bytes);

    await until(
      () =>
        n1.stats.rejected.too_large === before.too_large + 1 &&
        n1.stats.rejected.timestamp_skew === before.timestamp_skew + 1 &&
        n1.stats.rejected.malformed === before.malformed + 1 &&
        n1.stats.rejected.meta_too_long === before.meta_too_long + 1,
      "n1 to reject all four",
    );

    // The sender keeps running: a valid message sent after the bad ones goes all the way. Messages from n0 reach
    // n1 in order over one stream, so once this arrives everywhere the bad ones had their chance to arrive too.
    const good = message(topic);
    const arrivals = line
      .slice(1)
      .map((node) => arrival(node, topic, (m) => same(m.message.payload, good.payload)));
    await n0.publish(good);
    await Promise.all(arrivals);
    for (const got of seen) {
      expect(got.map((m) => Buffer.from(m.message.payload).toString("hex"))).toEqual([
        Buffer.from(good.payload).toString("hex"),
      ]);
    }
    // Nothing bad went past n1.
    for (const node of rest) {
      expect(Object.values(node.stats.rejected).every((n) => n === 0)).toBe(true);
    }
    expect(n1.stats.rejected.wrong_topic).toBe(before.wrong_topic);
    expect(n1.stats.rejected.unsupported_topic).toBe(before.unsupported_topic);
  });

  test("a Filter subscriber on the network gets pushes of relayed messages and stops after unsubscribing", async () => {
    const [n0, , n2] = line as [WakuNode, WakuNode, WakuNode, WakuNode, WakuNode];
    const light = await start({ topics: [] });
    const topic = bucketTopic(4);
    const pushes: proto_filter_v2.MessagePush[] = [];
    let pushed: (() => void) | undefined;
    await light.libp2p.handle(FILTER_PUSH_CODEC, async ({ stream }) => {
      const body = await readMessage(stream, DEFAULT_RPC_LIMITS);
      if (body) pushes.push(proto_filter_v2.MessagePush.decode(body));
      pushed?.();
    });
    const ask = async (type: proto_filter_v2.FilterSubscribeRequest.FilterSubscribeType) => {
      const body = proto_filter_v2.FilterSubscribeRequest.encode({
        requestId: `r-${type}`,
        filterSubscribeType: type,
        pubsubTopic: n2.pubsubTopic,
        contentTopics: [topic],
      });
      const bytes = await request(light.libp2p, multiaddr(addr(n2)), FILTER_SUBSCRIBE_CODEC, body);
      return proto_filter_v2.FilterSubscribeResponse.decode(bytes);
    };
    const Type = proto_filter_v2.FilterSubscribeRequest.FilterSubscribeType;
    const sub = await ask(Type.SUBSCRIBE);
    expect(sub.statusCode).toBe(200);
    expect(sub.requestId).toBe(`r-${Type.SUBSCRIBE}`);
    expect(n2.filter.subscribers).toBe(1);

    const m = message(topic);
    const got = new Promise<void>((resolve) => {
      pushed = resolve;
    });
    await n0.publish(m);
    await Promise.race([got, Bun.sleep(8000).then(() => Promise.reject(new Error("no filter push")))]);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.pubsubTopic).toBe(n2.pubsubTopic);
    expect(same(pushes[0]?.wakuMessage?.payload as Uint8Array, m.payload)).toBe(true);

    expect((await ask(Type.UNSUBSCRIBE)).statusCode).toBe(200);
    expect(n2.filter.subscribers).toBe(0);
    expect((await ask(Type.SUBSCRIBER_PING)).statusCode).toBe(404);
    // A later message is not pushed: it reaches n2 (checked by a local subscriber) but no push follows.
    const later = message(topic);
    const atN2 = arrival(n2, topic, (x) => same(x.message.payload, later.payload));
    const pushedBefore = n2.filter.counts.pushed;
    await n0.publish(later);
    await atN2;
    expect(n2.filter.counts.pushed).toBe(pushedBefore);
    expect(pushes).toHaveLength(1);
    await stop(light);
  });
});

describe("a node dies in a full mesh of four", () => {
  test("the other three keep exchanging messages", async () => {
    const mesh: WakuNode[] = [];
    for (let i = 0; i < 4; i++) mesh.push(await start({ peers: mesh.map(addr) }));
    for (const [i, node] of mesh.entries()) await until(() => node.meshPeers() === 3, `mesh of node ${i}`);
    const [a, b, victim, d] = mesh as [WakuNode, WakuNode, WakuNode, WakuNode];
    const topic = bucketTopic(5);

    const warm = message(topic);
    const warmed = [b, victim, d].map((n) => arrival(n, topic, (m) => same(m.message.payload, warm.payload)));
    await a.publish(warm);
    await Promise.all(warmed);

    await stop(victim);
    await until(
      () => [a, b, d].every((n) => n.status().connectedPeers === 2),
      "survivors to notice the death",
    );

    for (const [from, to] of [
      [a, [b, d]],
      [d, [a, b]],
      [b, [a, d]],
    ] as const) {
      const m = message(topic);
      const arrivals = to.map((n) => arrival(n, topic, (x) => same(x.message.payload, m.payload)));
      const receipt = await from.publish(m);
      expect(receipt.peers).toBe(2);
      await Promise.all(arrivals);
    }
    for (const n of [a, b, d]) expect(n.meshPeers()).toBe(2);
  });
});

describe("FilterService requests (no network)", () => {
  const Type = proto_filter_v2.FilterSubscribeRequest.FilterSubscribeType;
  let clock = 1_000_000;

  async function peer(): Promise<PeerId> {
    return peerIdFromPrivateKey(await newPeerKey());
  }

  test("subscribe, ping and unsubscribe answer with the right status codes", async () => {
    const node = await start({ now: () => clock, filterSubscriberTtlMs: 60_000 });
    const f = node.filter;
    const alice = await peer();
    const req = (
      type: proto_filter_v2.FilterSubscribeRequest.FilterSubscribeType,
      contentTopics: string[] = [bucketTopic(0)],
      pubsubTopic: string | null = node.pubsubTopic,
    ): proto_filter_v2.FilterSubscribeRequest => ({
      requestId: "id-7",
      filterSubscribeType: type,
      contentTopics,
      ...(pubsubTopic === null ? {} : { pubsubTopic }),
    });

    expect(f.handle(alice, req(Type.SUBSCRIBER_PING))).toEqual({
      requestId: "id-7",
      statusCode: 404,
      statusDesc: expect.any(String),
    });
    expect(f.handle(alice, req(Type.UNSUBSCRIBE)).statusCode).toBe(404);
    expect(f.handle(alice, req(Type.UNSUBSCRIBE_ALL)).statusCode).toBe(404);

    // Bad subscriptions.
    expect(f.handle(alice, req(Type.SUBSCRIBE, [bucketTopic(0)], null)).statusCode).toBe(400);
    expect(f.handle(alice, req(Type.SUBSCRIBE, [bucketTopic(0)], "/waku/2/rs/9/0")).statusCode).toBe(400);
    expect(f.handle(alice, req(Type.SUBSCRIBE, [])).statusCode).toBe(400);
    const tooMany = Array.from({ length: 101 }, (_, i) => `/wb/1/t${i}/p`);
    expect(f.handle(alice, req(Type.SUBSCRIBE, tooMany)).statusCode).toBe(400);
    expect(f.handle(alice, req(Type.SUBSCRIBE, tooMany.slice(0, 100))).statusCode).toBe(200);
    expect(f.handle(alice, req(Type.UNSUBSCRIBE_ALL)).statusCode).toBe(200);
    expect(f.subscribers).toBe(0);
    expect(
      f.handle(alice, { ...req(Type.SUBSCRIBE), filterSubscribeType: "BOGUS" as never }).statusCode,
    ).toBe(400);

    // A good one, then ping, then unsubscribing topic by topic.
    const ok = f.handle(alice, req(Type.SUBSCRIBE, [bucketTopic(0), bucketTopic(1)]));
    expect(ok).toEqual({ requestId: "id-7", statusCode: 200, statusDesc: "OK" });
    expect(f.subscribers).toBe(1);
    expect(f.handle(alice, req(Type.SUBSCRIBER_PING)).statusCode).toBe(200);
    expect(f.handle(alice, req(Type.UNSUBSCRIBE, [bucketTopic(0)], "/waku/2/rs/9/0")).statusCode).toBe(400);
    expect(f.handle(alice, req(Type.UNSUBSCRIBE, [bucketTopic(0)])).statusCode).toBe(200);
    expect(f.subscribers).toBe(1);
    expect(f.handle(alice, req(Type.UNSUBSCRIBE, [bucketTopic(1)])).statusCode).toBe(200);
    expect(f.subscribers).toBe(0);
    expect(f.handle(alice, req(Type.SUBSCRIBER_PING)).statusCode).toBe(404);

    // Two subscribers are independent.
    const bob = await peer();
    expect(f.handle(alice, req(Type.SUBSCRIBE)).statusCode).toBe(200);
    expect(f.handle(bob, req(Type.SUBSCRIBE)).statusCode).toBe(200);
    expect(f.subscribers).toBe(2);
    expect(f.handle(bob, req(Type.UNSUBSCRIBE_ALL)).statusCode).toBe(200);
    expect(f.handle(alice, req(Type.SUBSCRIBER_PING)).statusCode).toBe(200);
    expect(f.handle(bob, req(Type.SUBSCRIBER_PING)).statusCode).toBe(404);
    await stop(node);
  });

  test("silent subscribers expire after the TTL by the injected clock; a ping keeps one alive", async () => {
    clock = 1_000_000;
    const node = await start({ now: () => clock, filterSubscriberTtlMs: 60_000 });
    const f = node.filter;
    const [alice, bob] = [await peer(), await peer()];
    const sub = (p: PeerId) =>
      f.handle(p, {
        requestId: "",
        filterSubscribeType: Type.SUBSCRIBE,
        pubsubTopic: node.pubsubTopic,
        contentTopics: [bucketTopic(0)],
      }).statusCode;
    const ping = (p: PeerId) =>
      f.handle(p, { requestId: "", filterSubscribeType: Type.SUBSCRIBER_PING, contentTopics: [] }).statusCode;

    expect(sub(alice)).toBe(200);
    expect(sub(bob)).toBe(200);
    clock += 50_000;
    expect(ping(alice)).toBe(200); // alice last seen at +50 s, bob at 0

    clock = 1_000_000 + 60_000; // bob exactly at the TTL: kept
    expect(f.expire()).toBe(0);
    expect(f.subscribers).toBe(2);

    clock += 1;
    expect(f.expire()).toBe(1);
    expect(f.subscribers).toBe(1);
    expect(ping(bob)).toBe(404);

    clock = 1_000_000 + 50_000 + 60_000 + 1;
    expect(f.expire()).toBe(1);
    expect(f.subscribers).toBe(0);
    expect(ping(alice)).toBe(404);
    await stop(node);
  });
});
