/** @module Light mode: the Delivery interface over LightPush, Filter and Store clients against service nodes, for bots behind NAT or on The Waku Network (`--light`). */
import type { Libp2p, PeerId, PrivateKey } from "@libp2p/interface";
import { bytesToHex } from "@noble/hashes/utils.js";
import { proto_filter_v2 } from "@waku/proto";
import { NetworkError } from "../errors.ts";
import type { Delivery, DeliveryStatus, MessageHandler, PublishReceipt } from "./delivery.ts";
import { FILTER_PUSH_CODEC, FILTER_SUBSCRIBE_CODEC } from "./filter.ts";
import { createStack, type WireCounter } from "./libp2p.ts";
import { LIGHTPUSH_CODEC, lightPush } from "./lightpush.ts";
import {
  checkWakuMessage,
  DEFAULT_MESSAGE_LIMITS,
  encodeWakuMessage,
  fromProto,
  messageHash,
  type RoutedMessage,
  type WakuMessage,
} from "./message.ts";
import { type BackoffOptions, DEFAULT_BACKOFF, PeerKeeper } from "./peers.ts";
import { DEFAULT_RPC_LIMITS, readMessage, request } from "./rpc.ts";
import { queryStores, STORE_CODEC, type StoreQuery } from "./store.ts";
import { BUCKET_TOPICS, DEFAULT_SHARDING, routeOf, type ShardingConfig } from "./topics.ts";

/** Options of a light client; `peers` (service nodes, `…/p2p/<id>`) is required. */
export interface LightOptions {
  readonly peers: readonly string[];
  readonly sharding?: ShardingConfig;
  readonly privateKey?: PrivateKey;
  /** How long a publish waits for a service node before failing with `unreachable`. */
  readonly publishWaitMs?: number;
  /** Service nodes used at once for pushing, filtering and store queries (NET3: one bad node cannot silence us). */
  readonly redundancy?: number;
  /** Interval of Filter pings; a failed ping resubscribes. */
  readonly filterPingMs?: number;
  readonly backoff?: BackoffOptions;
  readonly counter?: WireCounter;
}

type FilterType = proto_filter_v2.FilterSubscribeRequest.FilterSubscribeType;
const Type = proto_filter_v2.FilterSubscribeRequest.FilterSubscribeType;
const SEEN_LIMIT = 10_000;

/**
 * A light client. It relays nothing: it pushes through, and is pushed to by, up to `redundancy` service nodes.
 *
 * @example
 * const light = await LightDelivery.start({ peers: ["/ip4/10.0.0.5/tcp/60000/p2p/12D3KooW…"] });
 * light.subscribe(BUCKET_TOPICS, (m) => console.log(m.hash));
 */
export class LightDelivery implements Delivery {
  readonly libp2p: Libp2p;
  readonly pubsubTopic: string;
  readonly #keeper: PeerKeeper;
  readonly #publishWaitMs: number;
  readonly #redundancy: number;
  readonly #handlers = new Map<string, Set<MessageHandler>>();
  readonly #seen = new Set<string>();
  readonly #subscribed = new Map<string, Set<string>>();
  #ping: ReturnType<typeof setInterval> | undefined;
  readonly #onConnect = (event: CustomEvent<PeerId>) => {
    if (this.#isService(event.detail)) void this.#resubscribe(event.detail);
  };

  private constructor(libp2p: Libp2p, options: LightOptions) {
    this.libp2p = libp2p;
    this.pubsubTopic = routeOf(BUCKET_TOPICS[0] as string, options.sharding ?? DEFAULT_SHARDING);
    this.#keeper = new PeerKeeper(libp2p, options.backoff ?? DEFAULT_BACKOFF);
    this.#publishWaitMs = options.publishWaitMs ?? 10_000;
    this.#redundancy = options.redundancy ?? 2;
  }

  /**
   * Starts the client and dials its service nodes.
   *
   * @example
   * const light = await LightDelivery.start({ peers: [serviceAddr], sharding: { cluster: 1, shards: 8 } });
   */
  static async start(options: LightOptions): Promise<LightDelivery> {
    const stack: {
      -readonly [K in keyof Parameters<typeof createStack>[0]]: Parameters<typeof createStack>[0][K];
    } = { listen: [], agent: "wakubot/light" };
    if (options.privateKey) stack.privateKey = options.privateKey;
    if (options.counter) stack.counter = options.counter;
    const libp2p = await createStack(stack);
    const light = new LightDelivery(libp2p, options);
    await libp2p.handle(FILTER_PUSH_CODEC, ({ stream, connection }) => {
      void light.#onPush(stream, connection.remotePeer);
    });
    await libp2p.start();
    for (const peer of options.peers) light.#keeper.add(peer);
    libp2p.addEventListener("peer:identify", (event) =>
      light.#onConnect(new CustomEvent("", { detail: event.detail.peerId })),
    );
    light.#keeper.start();
    const every = options.filterPingMs ?? 30_000;
    light.#ping = setInterval(() => void light.#pingAll(), every);
    light.#ping.unref?.();
    return light;
  }

  #isService(peer: PeerId): boolean {
    return this.#keeper.peers.some((p) => p.equals(peer));
  }

  async #servicePeers(protocol: string): Promise<PeerId[]> {
    const out: PeerId[] = [];
    for (const peer of this.#keeper.peers) {
      if (this.libp2p.getConnections(peer).length === 0) continue;
      try {
        const info = await this.libp2p.peerStore.get(peer);
        if (info.protocols.includes(protocol)) out.push(peer);
      } catch {
        // Not identified yet.
      }
      if (out.length >= this.#redundancy) break;
    }
    return out;
  }

  async #waitForService(protocol: string, ms: number): Promise<PeerId[]> {
    const deadline = Date.now() + ms;
    let peers = await this.#servicePeers(protocol);
    while (peers.length === 0 && Date.now() < deadline) {
      await Bun.sleep(50);
      peers = await this.#servicePeers(protocol);
    }
    return peers;
  }

  async publish(message: WakuMessage): Promise<PublishReceipt> {
    const bytes = encodeWakuMessage(message);
    const reason = checkWakuMessage(message, bytes.length, Date.now(), DEFAULT_MESSAGE_LIMITS);
    if (reason) throw new NetworkError("unreachable", `the network would refuse this message: ${reason}`);
    const peers = await this.#waitForService(LIGHTPUSH_CODEC, this.#publishWaitMs);
    if (peers.length === 0) {
      throw new NetworkError("unreachable", `no light-push service node within ${this.#publishWaitMs} ms`);
    }
    const results = await Promise.allSettled(
      peers.map((p) => lightPush(this.libp2p, p, this.pubsubTopic, message)),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    if (ok === 0) {
      const first = results.find((r) => r.status === "rejected");
      throw new NetworkError("unreachable", "every light-push service node refused the message", {
        cause: first?.status === "rejected" ? first.reason : undefined,
      });
    }
    return { hash: messageHash(this.pubsubTopic, message), peers: ok };
  }

  subscribe(contentTopics: readonly string[], handler: MessageHandler): () => void {
    const fresh: string[] = [];
    for (const topic of contentTopics) {
      const set = this.#handlers.get(topic) ?? new Set();
      if (set.size === 0) fresh.push(topic);
      set.add(handler);
      this.#handlers.set(topic, set);
    }
    if (fresh.length > 0) {
      void this.#servicePeers(FILTER_SUBSCRIBE_CODEC).then((peers) =>
        Promise.all(peers.map((p) => this.#filterRequest(p, Type.SUBSCRIBE, fresh).catch(() => false))),
      );
    }
    return () => {
      const gone: string[] = [];
      for (const topic of contentTopics) {
        const set = this.#handlers.get(topic);
        set?.delete(handler);
        if (set && set.size === 0) gone.push(topic);
      }
      if (gone.length === 0) return;
      void this.#servicePeers(FILTER_SUBSCRIBE_CODEC).then((peers) =>
        Promise.all(peers.map((p) => this.#filterRequest(p, Type.UNSUBSCRIBE, gone).catch(() => false))),
      );
    };
  }

  /**
   * Waits until at least one service node has confirmed our Filter subscription (useful before relying on pushes).
   *
   * @example
   * light.subscribe(BUCKET_TOPICS, handler);
   * await light.ready(5000);
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ([...this.#subscribed.values()].some((s) => s.size > 0)) return;
      for (const peer of await this.#servicePeers(FILTER_SUBSCRIBE_CODEC)) await this.#resubscribe(peer);
      if ([...this.#subscribed.values()].some((s) => s.size > 0)) return;
      await Bun.sleep(100);
    }
    throw new NetworkError("timeout", `no filter subscription confirmed within ${timeoutMs} ms`);
  }

  async #filterRequest(peer: PeerId, type: FilterType, topics: readonly string[]): Promise<boolean> {
    const body = proto_filter_v2.FilterSubscribeRequest.encode({
      requestId: crypto.randomUUID(),
      filterSubscribeType: type,
      pubsubTopic: this.pubsubTopic,
      contentTopics: [...topics],
    });
    const res = proto_filter_v2.FilterSubscribeResponse.decode(
      await request(this.libp2p, peer, FILTER_SUBSCRIBE_CODEC, body, { maxBytes: 4096, timeoutMs: 5000 }),
    );
    const ok = res.statusCode === 200;
    const key = peer.toString();
    const set = this.#subscribed.get(key) ?? new Set<string>();
    if (ok && type === Type.SUBSCRIBE) for (const t of topics) set.add(t);
    if (type === Type.UNSUBSCRIBE) for (const t of topics) set.delete(t);
    if (!ok && type === Type.SUBSCRIBER_PING) set.clear();
    this.#subscribed.set(key, set);
    return ok;
  }

  async #resubscribe(peer: PeerId): Promise<void> {
    const topics = [...this.#handlers].filter(([, s]) => s.size > 0).map(([t]) => t);
    if (topics.length === 0) return;
    try {
      const info = await this.libp2p.peerStore.get(peer);
      if (!info.protocols.includes(FILTER_SUBSCRIBE_CODEC)) return;
      await this.#filterRequest(peer, Type.SUBSCRIBE, topics);
    } catch {
      this.#subscribed.get(peer.toString())?.clear();
    }
  }

  async #pingAll(): Promise<void> {
    for (const peer of await this.#servicePeers(FILTER_SUBSCRIBE_CODEC)) {
      const ok = await this.#filterRequest(peer, Type.SUBSCRIBER_PING, []).catch(() => false);
      if (!ok) await this.#resubscribe(peer);
    }
  }

  async #onPush(stream: Parameters<typeof readMessage>[0], from: PeerId): Promise<void> {
    try {
      const body = await readMessage(stream, DEFAULT_RPC_LIMITS);
      if (body === undefined || !this.#isService(from)) return;
      const push = proto_filter_v2.MessagePush.decode(body);
      if (!push.wakuMessage || push.pubsubTopic !== this.pubsubTopic) return;
      const message = fromProto(push.wakuMessage);
      const hash = messageHash(this.pubsubTopic, message);
      const key = bytesToHex(hash);
      if (this.#seen.has(key)) return;
      this.#seen.add(key);
      if (this.#seen.size > SEEN_LIMIT) this.#seen.delete(this.#seen.values().next().value as string);
      for (const handler of this.#handlers.get(message.contentTopic) ?? []) {
        try {
          handler({ pubsubTopic: this.pubsubTopic, message, hash });
        } catch {
          // One subscriber's bug must not stop the others.
        }
      }
    } catch {
      // A malformed push from a service node is ignored.
    } finally {
      stream.close().catch(() => {});
    }
  }

  async *queryStore(query: StoreQuery): AsyncGenerator<RoutedMessage> {
    const peers = await this.#waitForService(STORE_CODEC, this.#publishWaitMs);
    if (peers.length === 0) throw new NetworkError("unreachable", "no store service node connected");
    yield* queryStores(this.libp2p, peers, query);
  }

  status(): DeliveryStatus {
    const connected = this.#keeper.peers.filter((p) => this.libp2p.getConnections(p).length > 0).length;
    return {
      mode: "light",
      connectedPeers: new Set(this.libp2p.getConnections().map((c) => c.remotePeer.toString())).size,
      publishPeers: Math.min(connected, this.#redundancy),
    };
  }

  async stop(): Promise<void> {
    if (this.#ping) clearInterval(this.#ping);
    this.#keeper.stop();
    await this.libp2p.stop();
  }
}
