/**
 * A stock `createLightNode` client of @waku/sdk 0.0.36, configured only through its public options, uses a wakubot
 * full node for LightPush, Filter and paged Store; a second wakubot full node is on the other side of the relay.
 */
import { afterAll, expect, test } from "bun:test";
import { noise, pureJsCrypto } from "@chainsafe/libp2p-noise";
import { tcp } from "@libp2p/tcp";
import { createLightNode, type IDecodedMessage, type LightNode, Protocols } from "@waku/sdk";
import type { RoutedMessage } from "../../src/waku/message.ts";
import { toWakuTimestamp } from "../../src/waku/message.ts";
import { WakuNode } from "../../src/waku/node.ts";
import { bucketTopic, routeOf, type ShardingConfig } from "../../src/waku/topics.ts";
import { tempDir } from "../support/tmp.ts";

const SHARDING: ShardingConfig = { cluster: 42, shards: 4 };

const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

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

interface Network {
  /** The service node the light client uses (Store, LightPush, Filter). */
  readonly service: WakuNode;
  /** A second full node, relay peer of `service`. */
  readonly peer: WakuNode;
  readonly light: LightNode;
}

async function startNetwork(): Promise<Network> {
  const dir = tempDir();
  const service = await WakuNode.start({ store: { path: `${dir}/service.db` }, sharding: SHARDING });
  running.push(service);
  const peer = await WakuNode.start({
    store: { path: `${dir}/peer.db` },
    sharding: SHARDING,
    peers: [service.multiaddrs[0] as string],
  });
  running.push(peer);
  const light = await createLightNode({
    defaultBootstrap: false,
    bootstrapPeers: [service.multiaddrs[0] as string],
    networkConfig: { clusterId: SHARDING.cluster, numShardsInCluster: SHARDING.shards },
    libp2p: {
      transports: [tcp()],
      connectionEncrypters: [noise({ crypto: pureJsCrypto })],
      hideWebSocketInfo: true,
    },
  });
  running.push(light);
  const t0 = Date.now();
  await within(
    light.waitForPeers([Protocols.LightPush, Protocols.Filter, Protocols.Store]),
    5000,
    "light node finding the service node",
  );
  console.log("light ready", Date.now() - t0);
  const t1 = Date.now();
  while (service.meshPeers(routeOf(bucketTopic(0), SHARDING)) === 0) await Bun.sleep(20);
  console.log("mesh", Date.now() - t1);
  return { service, peer, light };
}

test("LightPush: a light client's message reaches another full node over relay and comes back by Filter", async () => {
  const { peer, light } = await startNetwork();
  const contentTopic = bucketTopic(1);
  const encoder = light.createEncoder({ contentTopic });
  const decoder = light.createDecoder({ contentTopic });
  let onFiltered: (m: IDecodedMessage) => void = () => {};
  const filtered = new Promise<IDecodedMessage>((resolve) => {
    onFiltered = resolve;
  });
  expect(await light.filter.subscribe(decoder, (m) => onFiltered(m))).toBe(true);
  const atPeer = relayed(peer, contentTopic);
  const payload = new Uint8Array(6000).map((_, i) => i % 251);
  const result = await light.lightPush.send(encoder, { payload }, { autoRetry: false });
  expect(result.failures).toEqual([]);
  expect(result.successes.length).toBe(1);
  const [got] = await within(atPeer, 5000, "relay delivery to the second node");
  expect(got?.message.payload).toEqual(payload);
  const back = await within(filtered, 5000, "filter push back to the light client");
  expect(back.payload).toEqual(payload);
});
