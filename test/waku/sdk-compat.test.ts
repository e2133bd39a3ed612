/**
 * A stock `createLightNode` client of @waku/sdk 0.0.36, configured only through its public options, uses a wakubot
 * full node for LightPush, Filter and paged Store, with a second wakubot full node on the other side of the relay.
 */
import { afterAll, expect, test } from "bun:test";
import { noise, pureJsCrypto } from "@chainsafe/libp2p-noise";
import { tcp } from "@libp2p/tcp";
import {
  createLightNode,
  type IDecodedMessage,
  type LightNode,
  LightPushError,
  Protocols,
  type QueryRequestParams,
} from "@waku/sdk";
import {
  messageHash,
  type RoutedMessage,
  toWakuTimestamp,
  type WakuMessage,
} from "../../src/waku/message.ts";
import { WakuNode } from "../../src/waku/node.ts";
import { bucketTopic, routeOf, type ShardingConfig } from "../../src/waku/topics.ts";
import { hex, tempDir } from "../support/tmp.ts";

/** Not The Waku Network: a cluster of our own, autosharded over 4 shards like the sdk's `numShardsInCluster`. */
const SHARDING: ShardingConfig = { cluster: 42, shards: 4 };

const running = new Set<{ stop(): Promise<void> }>();
afterAll(async () => {
  await Promise.all([...running].map((n) => n.stop()));
});

/** Waits for a condition nothing announces (the sdk's unsubscribe does not wait for the answer). */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await Bun.sleep(10);
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Resolves with the first `count` messages `node` relays on `contentTopic`. */
function relayed(node: WakuNode, contentTopic: string, count = 1): Promise<RoutedMessage[]> {
  return new Promise((resolve) => {
    const got: RoutedMessage[] = [];
    const off = node.subscribe([contentTopic], (m) => {
      got.push(m);
      if (got.length === count) {
        off();
        resolve(got);
      }
    });
  });
}

/** A callback for the sdk and a promise of the first `count` messages it gets. */
function collector(count = 1): { callback: (m: IDecodedMessage) => void; done: Promise<IDecodedMessage[]> } {
  const got: IDecodedMessage[] = [];
  let resolve: (messages: IDecodedMessage[]) => void = () => {};
  const done = new Promise<IDecodedMessage[]>((r) => {
    resolve = r;
  });
  const callback = (m: IDecodedMessage) => {
    got.push(m);
    if (got.length === count) resolve(got);
  };
  return { callback, done };
}

interface Network {
  /** The full node the light client uses for Store, LightPush and Filter. */
  readonly service: WakuNode;
  /** A second full node, connected to `service` by relay only. */
  readonly peer: WakuNode;
  readonly light: LightNode;
  readonly stop: () => Promise<void>;
}

/**
 * Two full nodes and a light client that knows only the service node's address. Everything is stopped by the
 * test (its store files live in the test's temp dir) and, should the test fail first, by afterAll.
 */
async function startNetwork(): Promise<Network> {
  const dir = tempDir();
  const started: { stop(): Promise<void> }[] = [];
  const keep = <T extends { stop(): Promise<void> }>(n: T): T => {
    running.add(n);
    started.push(n);
    return n;
  };
  const service = keep(await WakuNode.start({ store: { path: `${dir}/service.db` }, sharding: SHARDING }));
  const address = service.multiaddrs[0] as string;
  const peer = keep(
    await WakuNode.start({ store: { path: `${dir}/peer.db` }, sharding: SHARDING, peers: [address] }),
  );
  const light = await createLightNode({
    defaultBootstrap: false,
    bootstrapPeers: [address],
    networkConfig: { clusterId: SHARDING.cluster, numShardsInCluster: SHARDING.shards },
    libp2p: {
      transports: [tcp()],
      connectionEncrypters: [noise({ crypto: pureJsCrypto })],
      hideWebSocketInfo: true,
    },
  });
  // light.stop() leaves filter subscriptions' timers running; unsubscribeAll() clears them (sdk 0.0.36).
  keep({
    stop: () => {
      light.filter.unsubscribeAll();
      return light.stop();
    },
  });
  // Resolves once the service node is identified with all three protocols and its metadata names our cluster.
  await within(
    light.waitForPeers([Protocols.LightPush, Protocols.Filter, Protocols.Store]),
    5000,
    "light client finding the service node",
  );
  const stop = async () => {
    for (const n of started.reverse()) {
      running.delete(n);
      await n.stop();
    }
  };
  return { service, peer, light, stop };
}

const bytes = (length: number, seed: number) => new Uint8Array(length).map((_, i) => (i * 7 + seed) % 251);

test("LightPush: the light client's 6 KB message reaches the other full node over relay, and comes back by Filter", async () => {
  const net = await startNetwork();
  const { service, peer, light } = net;
  const contentTopic = bucketTopic(1);
  const decoder = light.createDecoder({ contentTopic });
  const encoder = light.createEncoder({ contentTopic });
  // The service node's metadata answer names its cluster and shards; without it the sdk would not pick the node.
  const handshake = await light.libp2p.services.metadata?.confirmOrAttemptHandshake(service.libp2p.peerId);
  expect(handshake?.shardInfo).toEqual({ clusterId: SHARDING.cluster, shards: [0, 1, 2, 3] });
  const back = collector();
  expect(await light.filter.subscribe(decoder, back.callback)).toBe(true);
  const atPeer = relayed(peer, contentTopic);
  const payload = bytes(6000, 1);
  const result = await light.lightPush.send(encoder, { payload }, { autoRetry: false });
  expect(result.failures).toEqual([]);
  expect(result.successes.map(String)).toEqual([service.peerId]);
  const [relayedMessage] = await within(atPeer, 5000, "relay delivery to the other full node");
  expect(relayedMessage?.message.payload).toEqual(payload);
  const [pushed] = await within(back.done, 5000, "filter push to the light client");
  expect(pushed?.payload).toEqual(payload);
  // Both sides hash the message the same way (14/WAKU2-MESSAGE), so Store cursors and dedup agree.
  expect(pushed?.hashStr).toBe(hex(relayedMessage?.hash ?? new Uint8Array()));

  // A message every relay would drop (timestamp a minute old) is refused with a status the sdk reports.
  const stale = await light.lightPush.send(
    encoder,
    { payload, timestamp: new Date(Date.now() - 60_000) },
    { autoRetry: false },
  );
  expect(stale.successes).toEqual([]);
  expect(stale.failures.map((f) => f.error)).toEqual([LightPushError.REMOTE_PEER_REJECTED]);
  expect(service.stats.rejected.timestamp_skew).toBe(1);
  expect(await light.filter.unsubscribe(decoder)).toBe(true);
  await net.stop();
});

test("Filter: the light client gets messages another full node publishes by relay, large and small", async () => {
  const net = await startNetwork();
  const { service, peer, light } = net;
  const topics = [bucketTopic(2), bucketTopic(3)];
  const got = collector(3);
  const decoders = topics.map((contentTopic) => light.createDecoder({ contentTopic }));
  expect(await light.filter.subscribe(decoders, got.callback)).toBe(true);
  expect(service.filter.subscribers).toBe(1);
  const now = Date.now();
  const sent = [
    { payload: bytes(12_000, 2), contentTopic: topics[0] as string, timestamp: toWakuTimestamp(now) },
    { payload: bytes(40, 3), contentTopic: topics[1] as string, timestamp: toWakuTimestamp(now + 1) },
    { payload: bytes(7000, 4), contentTopic: topics[1] as string, timestamp: toWakuTimestamp(now + 2) },
  ];
  for (const m of sent) await peer.publish(m);
  const received = await within(got.done, 5000, "filter pushes to the light client");
  const key = (contentTopic: string, payload: Uint8Array) => `${contentTopic}:${hex(payload)}`;
  expect(new Set(received.map((m) => key(m.contentTopic, m.payload)))).toEqual(
    new Set(sent.map((m) => key(m.contentTopic, m.payload))),
  );
  expect(received.every((m) => m.pubsubTopic === service.pubsubTopic)).toBe(true);
  expect(service.filter.counts.failed).toBe(0);
  // The sdk sends UNSUBSCRIBE without reading the answer; the service node drops the subscriber all the same.
  expect(await light.filter.unsubscribe(decoders)).toBe(true);
  await until(() => service.filter.subscribers === 0, 2000, "unsubscribe");
  await net.stop();
});

test("Store: the light client pages through 45 messages forward and backward, by time range and by hash", async () => {
  const net = await startNetwork();
  const { service, peer, light } = net;
  const contentTopic = bucketTopic(5);
  const pubsubTopic = routeOf(contentTopic, SHARDING);
  const start = Date.now() - 2000;
  // One millisecond apart, each half a millisecond past the full one: the sdk's Date bounds never tie with them.
  const sent = Array.from({ length: 45 }, (_, i) => ({
    payload: bytes(64 + i, i),
    contentTopic,
    timestamp: toWakuTimestamp(start + i) + 500_000n,
  }));
  const hashes = sent.map((m) => hex(messageHash(pubsubTopic, m)));
  const archived = relayed(service, contentTopic, sent.length);
  for (const m of sent) await peer.publish(m);
  const stored = await within(archived, 5000, "relay delivery to the service node");
  expect(new Set(stored.map((m) => hex(m.hash)))).toEqual(new Set(hashes));
  const decoder = light.createDecoder({ contentTopic });

  const pages = async (options: Partial<QueryRequestParams>) => {
    const out: string[][] = [];
    for await (const page of light.store.queryGenerator([decoder], options)) {
      const messages = await Promise.all(page);
      out.push(messages.map((m) => m?.hashStr ?? "undecodable"));
    }
    return out;
  };
  const forward = await pages({ paginationForward: true, paginationLimit: 20 });
  expect(forward.map((p) => p.length)).toEqual([20, 20, 5]);
  expect(forward.flat()).toEqual(hashes);
  // Walking back in time: newest page first, each page in forward order (WAKU2-STORE v3; the sdk relies on it).
  const backward = await pages({ paginationForward: false, paginationLimit: 20 });
  expect(backward).toEqual([hashes.slice(25, 45), hashes.slice(5, 25), hashes.slice(0, 5)]);
  // A time range, paged 4 at a time.
  const ranged = await pages({
    timeStart: new Date(start + 10),
    timeEnd: new Date(start + 20),
    paginationLimit: 4,
  });
  expect(ranged).toEqual([hashes.slice(10, 14), hashes.slice(14, 18), hashes.slice(18, 20)]);
  // A lookup by hash: answered in time order, whatever the order asked.
  const lookup = await pages({
    messageHashes: [29, 2].map((n) => messageHash(pubsubTopic, sent[n] as WakuMessage)),
  });
  expect(lookup).toEqual([[hashes[2] as string, hashes[29] as string]]);

  const ordered: IDecodedMessage[] = [];
  await light.store.queryWithOrderedCallback([decoder], (m) => void ordered.push(m), { paginationLimit: 20 });
  expect(ordered.map((m) => m.hashStr)).toEqual(hashes);
  expect(ordered.map((m) => m.payload)).toEqual(sent.map((m) => m.payload));
  expect(ordered.map((m) => m.timestamp?.getTime())).toEqual(sent.map((_, i) => start + i));
  await net.stop();
});
