/** @module A full Waku node: relay (gossipsub under /vac/waku/relay/2.0.0) with validation, and the Store, LightPush, Filter and metadata services every wakubot full node offers (NET1–NET4). */

import type { GossipSub } from "@chainsafe/libp2p-gossipsub";
import { gossipsub } from "@chainsafe/libp2p-gossipsub";
import {
  type Libp2p,
  type Message,
  type PeerId,
  type PrivateKey,
  TopicValidatorResult,
} from "@libp2p/interface";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { NetworkError, WakubotError } from "../errors.ts";
import { DEFAULT_RETENTION, MessageArchive, type RetentionPolicy } from "./archive.ts";
import type { Delivery, DeliveryStatus, MessageHandler, PublishReceipt } from "./delivery.ts";
import { DEFAULT_FILTER_OPTIONS, FilterService } from "./filter.ts";
import { createStack, type WireCounter } from "./libp2p.ts";
import { LIGHTPUSH_STATUS, type PushOutcome, serveLightPush } from "./lightpush.ts";
import {
  checkWakuMessage,
  DEFAULT_MESSAGE_LIMITS,
  decodeWakuMessage,
  encodeWakuMessage,
  type MessageLimits,
  messageHash,
  type RejectReason,
  type RoutedMessage,
  type WakuMessage,
} from "./message.ts";
import { serveMetadata } from "./metadata.ts";
import { type BackoffOptions, DEFAULT_BACKOFF, PeerKeeper } from "./peers.ts";
import { queryStores, STORE_CODEC, type StoreQuery, serveStore } from "./store.ts";
import {
  BUCKET_TOPICS,
  DEFAULT_SHARDING,
  parseContentTopic,
  parsePubsubTopic,
  routeOf,
  type ShardingConfig,
  servedTopics,
} from "./topics.ts";

/** Protocol id of Waku relay (11/WAKU2-RELAY). */
export const RELAY_CODEC = "/vac/waku/relay/2.0.0";

/** Gossipsub parameters; docs/network.md explains each and what changing it costs. */
export interface GossipParameters {
  readonly D: number;
  readonly Dlo: number;
  readonly Dhi: number;
  /** Peers outside the mesh that get IHAVE gossip each heartbeat. */
  readonly Dlazy: number;
  readonly heartbeatMs: number;
  /** Heartbeats a message id is advertised in IHAVE. */
  readonly mcacheGossip: number;
  /** Messages at least this big trigger IDONTWANT to mesh peers (gossipsub v1.2). */
  readonly idontwantMinDataSize: number;
}

/** Waku relay's parameters (29/WAKU2-CONFIG): D 6, D_low 4, D_high 8, heartbeat 1 s. */
export const WAKU_GOSSIP: GossipParameters = {
  D: 6,
  Dlo: 4,
  Dhi: 8,
  Dlazy: 6,
  heartbeatMs: 1000,
  mcacheGossip: 3,
  idontwantMinDataSize: 512,
};

/**
 * wakubot's defaults, tuned for P1 (docs/network.md §Bandwidth): a mesh of 4 (3…6) instead of 6 (4…8), IHAVE
 * gossip to 2 peers about the last 2 heartbeats instead of 6 peers and 3 heartbeats. Measured on 20 loopback
 * nodes: 1,219 → 914 bytes per node per 197-byte message, delivery still complete; the cost is less
 * redundancy against dropped mesh links (see the doc for the numbers).
 */
export const WAKUBOT_GOSSIP: GossipParameters = {
  ...WAKU_GOSSIP,
  D: 4,
  Dlo: 3,
  Dhi: 6,
  Dlazy: 2,
  mcacheGossip: 2,
};

/** Everything a full node can be told; all optional. */
export interface WakuNodeOptions {
  /** Listen multiaddrs; default one loopback TCP port chosen by the OS. */
  readonly listen?: readonly string[];
  /** Static/bootstrap peers, each `…/p2p/<peer id>`, kept connected with backoff. */
  readonly peers?: readonly string[];
  readonly sharding?: ShardingConfig;
  /** Pubsub topics to relay and serve; default every shard of the cluster. */
  readonly topics?: readonly string[];
  /** Where to keep the Store archive; without it the node serves no Store. */
  readonly store?: { readonly path: string; readonly retention?: RetentionPolicy };
  readonly privateKey?: PrivateKey;
  readonly limits?: MessageLimits;
  /** Relay parameters over `WAKUBOT_GOSSIP`; pass `WAKU_GOSSIP` for the Waku specification's values. */
  readonly gossip?: Partial<GossipParameters>;
  /** How long a publish waits for a relay peer before failing with `unreachable`. */
  readonly publishWaitMs?: number;
  /** Remote store nodes asked by `queryStore`, besides our own archive (NET3). */
  readonly storePeers?: number;
  readonly filterSubscriberTtlMs?: number;
  readonly backoff?: BackoffOptions;
  readonly counter?: WireCounter;
  readonly now?: () => number;
}

/** Counters a node keeps; `rejected` is per reason. */
export interface NodeStats {
  received: number;
  accepted: number;
  published: number;
  archived: number;
  rejected: Record<RejectReason | "unsupported_topic", number>;
}

function newStats(): NodeStats {
  return {
    received: 0,
    accepted: 0,
    published: 0,
    archived: 0,
    rejected: {
      malformed: 0,
      too_large: 0,
      timestamp_skew: 0,
      wrong_topic: 0,
      meta_too_long: 0,
      unsupported_topic: 0,
    },
  };
}

/**
 * A running full node. Start with `WakuNode.start()`; implements `Delivery` for wakubot's traffic shard.
 *
 * @example
 * const node = await WakuNode.start({ store: { path: "/data/store.db" }, peers: ["/ip4/…/p2p/…"] });
 * node.subscribe(BUCKET_TOPICS, (m) => console.log(m.message.contentTopic));
 * await node.stop();
 */
export class WakuNode implements Delivery {
  readonly libp2p: Libp2p;
  readonly sharding: ShardingConfig;
  readonly topics: readonly string[];
  readonly pubsubTopic: string;
  readonly stats: NodeStats = newStats();
  readonly archive: MessageArchive | undefined;
  readonly filter: FilterService;
  readonly #relay: GossipSub;
  readonly #keeper: PeerKeeper;
  readonly #limits: MessageLimits;
  readonly #now: () => number;
  readonly #publishWaitMs: number;
  readonly #storePeers: number;
  readonly #heartbeatMs: number;
  readonly #handlers = new Map<string, Set<MessageHandler>>();
  #pruneTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(libp2p: Libp2p, options: WakuNodeOptions, archive: MessageArchive | undefined) {
    this.libp2p = libp2p;
    this.sharding = options.sharding ?? DEFAULT_SHARDING;
    this.topics = options.topics ?? servedTopics(this.sharding);
    this.pubsubTopic = routeOf(BUCKET_TOPICS[0] as string, this.sharding);
    this.archive = archive;
    this.#relay = (libp2p.services as { relay: GossipSub }).relay;
    this.#keeper = new PeerKeeper(libp2p, options.backoff ?? DEFAULT_BACKOFF);
    this.#limits = options.limits ?? DEFAULT_MESSAGE_LIMITS;
    this.#now = options.now ?? Date.now;
    this.#publishWaitMs = options.publishWaitMs ?? 10_000;
    this.#storePeers = options.storePeers ?? 2;
    this.#heartbeatMs = options.gossip?.heartbeatMs ?? WAKUBOT_GOSSIP.heartbeatMs;
    this.filter = new FilterService(libp2p, {
      ...DEFAULT_FILTER_OPTIONS,
      servedTopics: this.topics,
      subscriberTtlMs: options.filterSubscriberTtlMs ?? DEFAULT_FILTER_OPTIONS.subscriberTtlMs,
      now: this.#now,
    });
  }

  /**
   * Creates and starts a full node: listens, registers every service, subscribes the relay to its topics and dials
   * its peers.
   *
   * @example
   * const node = await WakuNode.start({ listen: ["/ip4/0.0.0.0/tcp/60000"] });
   */
  static async start(options: WakuNodeOptions = {}): Promise<WakuNode> {
    const g = { ...WAKUBOT_GOSSIP, ...options.gossip };
    const limits = options.limits ?? DEFAULT_MESSAGE_LIMITS;
    const stackOptions: Parameters<typeof createStack>[0] = {
      listen: options.listen ?? ["/ip4/127.0.0.1/tcp/0"],
      agent: "wakubot/relay",
      services: {
        relay: gossipsub({
          multicodecs: [RELAY_CODEC],
          globalSignaturePolicy: "StrictNoSign",
          fallbackToFloodsub: false,
          emitSelf: false,
          allowPublishToZeroTopicPeers: false,
          ignoreDuplicatePublishError: true,
          // Waku relay message id: sha256 of the message bytes.
          msgIdFn: (msg) => sha256(msg.data),
          D: g.D,
          Dlo: g.Dlo,
          Dhi: g.Dhi,
          Dlazy: g.Dlazy,
          heartbeatInterval: g.heartbeatMs,
          mcacheGossip: g.mcacheGossip,
          seenTTL: 120_000,
          idontwantMinDataSize: g.idontwantMinDataSize,
          maxInboundDataLength: limits.maxBytes + 64 * 1024,
        }),
      },
    };
    if (options.privateKey) (stackOptions as { privateKey?: PrivateKey }).privateKey = options.privateKey;
    if (options.counter) (stackOptions as { counter?: WireCounter }).counter = options.counter;
    const libp2p = await createStack(stackOptions);
    const archive = options.store
      ? MessageArchive.open(options.store.path, options.store.retention ?? DEFAULT_RETENTION, options.now)
      : undefined;
    const node = new WakuNode(libp2p, options, archive);
    try {
      await node.#start(options.peers ?? []);
    } catch (error) {
      await Promise.resolve(libp2p.stop()).catch(() => {});
      archive?.close();
      if (error instanceof WakubotError) throw error;
      const first = (error instanceof Error ? error.message : String(error)).split("\n")[0];
      throw new NetworkError("unreachable", `cannot start the Waku node: ${first}`, { cause: error });
    }
    return node;
  }

  async #start(peers: readonly string[]): Promise<void> {
    const shards = this.topics.map((t) => parsePubsubTopic(t)?.shard).filter((s) => s !== undefined);
    await serveMetadata(this.libp2p, this.sharding.cluster, shards);
    const archive = this.archive;
    if (archive) {
      await serveStore(this.libp2p, archive);
      // Age retention must run on a quiet node too, not only when inserts trigger it.
      this.#pruneTimer = setInterval(() => {
        try {
          archive.prune();
        } catch {
          // Reported by the next query; pruning again later may succeed.
        }
      }, archive.pruneIntervalMs);
      this.#pruneTimer.unref?.();
    }
    await serveLightPush(this.libp2p, (topic, message, size) => this.#acceptPush(topic, message, size));
    await this.filter.start();
    await this.libp2p.start();
    for (const topic of this.topics) {
      this.#relay.topicValidators.set(topic, (_peer, msg) => this.#validate(msg));
      this.#relay.subscribe(topic);
    }
    this.#relay.addEventListener("message", (event) => this.#onRelayed(event.detail));
    for (const peer of peers) this.#keeper.add(peer);
    this.#keeper.start();
  }

  /** Our libp2p peer id. */
  get peerId(): string {
    return this.libp2p.peerId.toString();
  }

  /** Addresses others can dial, each ending in `/p2p/<peer id>`. */
  get multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((a) => a.toString());
  }

  /**
   * Dials and keeps a peer (`…/p2p/<peer id>`), e.g. a hint from an invite link.
   *
   * @example
   * node.addPeer(hint);
   */
  addPeer(address: string): void {
    this.#keeper.add(address);
  }

  #check(message: WakuMessage, size: number): RejectReason | undefined {
    if (!parseContentTopic(message.contentTopic)) return "wrong_topic";
    return checkWakuMessage(message, size, this.#now(), this.#limits);
  }

  #validate(msg: Message): TopicValidatorResult {
    this.stats.received++;
    try {
      const reason = this.#check(decodeWakuMessage(msg.data), msg.data.length);
      if (reason === undefined) return TopicValidatorResult.Accept;
      this.stats.rejected[reason]++;
    } catch {
      this.stats.rejected.malformed++;
    }
    return TopicValidatorResult.Reject;
  }

  #onRelayed(msg: Message): void {
    let message: WakuMessage;
    try {
      message = decodeWakuMessage(msg.data);
    } catch {
      return;
    }
    this.stats.accepted++;
    this.#deliver({ pubsubTopic: msg.topic, message, hash: messageHash(msg.topic, message) }, true);
  }

  #deliver(routed: RoutedMessage, toLocal: boolean): void {
    try {
      if (this.archive?.add(routed)) this.stats.archived++;
    } catch {
      // A full disk must not stop relaying; the archive's own errors surface on queries.
    }
    void this.filter.push(routed);
    if (!toLocal) return;
    for (const handler of this.#handlers.get(routed.message.contentTopic) ?? []) {
      try {
        handler(routed);
      } catch {
        // One subscriber's bug must not stop delivery to the others.
      }
    }
  }

  #relayPeers(topic: string): number {
    return this.#relay.getSubscribers(topic).length;
  }

  /**
   * Waits for a relay peer on `topic`, then briefly for a mesh peer: a peer that just connected is not in
   * anyone's mesh until the next heartbeat, and until then replies relayed towards us would skip us.
   */
  async #waitForPeers(topic: string, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    let peers = this.#relayPeers(topic);
    while (peers === 0 && Date.now() < deadline) {
      await Bun.sleep(50);
      peers = this.#relayPeers(topic);
    }
    const meshDeadline = Math.min(deadline, Date.now() + 2 * this.#heartbeatMs);
    while (peers > 0 && this.#relay.getMeshPeers(topic).length === 0 && Date.now() < meshDeadline) {
      await Bun.sleep(50);
    }
    return peers;
  }

  async #relayOut(topic: string, bytes: Uint8Array): Promise<number> {
    const result = await this.#relay.publish(topic, bytes);
    return result.recipients.length;
  }

  async #acceptPush(topic: string | undefined, message: WakuMessage, size: number): Promise<PushOutcome> {
    let pubsubTopic: string;
    try {
      pubsubTopic = topic ?? routeOf(message.contentTopic, this.sharding);
    } catch {
      return {
        ok: false,
        status: LIGHTPUSH_STATUS.invalidMessage,
        reason: "INVALID_MESSAGE: bad content topic",
      };
    }
    if (!this.topics.includes(pubsubTopic)) {
      this.stats.rejected.unsupported_topic++;
      return { ok: false, status: LIGHTPUSH_STATUS.unsupportedTopic, reason: "UNSUPPORTED_PUBSUB_TOPIC" };
    }
    const reason = this.#check(message, size);
    if (reason) {
      this.stats.rejected[reason]++;
      const status = reason === "too_large" ? LIGHTPUSH_STATUS.tooLarge : LIGHTPUSH_STATUS.invalidMessage;
      return { ok: false, status, reason: `INVALID_MESSAGE: ${reason}` };
    }
    const routed = { pubsubTopic, message, hash: messageHash(pubsubTopic, message) };
    this.#deliver(routed, true);
    const peers = await this.#waitForPeers(pubsubTopic, Math.min(this.#publishWaitMs, 3000));
    if (peers === 0 && !this.archive) {
      return { ok: false, status: LIGHTPUSH_STATUS.noPeers, reason: "NO_PEERS_TO_RELAY" };
    }
    // With no relay peer the message is still in this node's store, where its recipient will look (NET2).
    const relayPeers = peers === 0 ? 0 : await this.#relayOut(pubsubTopic, encodeWakuMessage(message));
    this.stats.published++;
    return { ok: true, relayPeers };
  }

  /**
   * Publishes on the shard of the message's content topic (or `pubsubTopic`), after the checks every relay applies.
   * Waits up to `publishWaitMs` for a relay peer; throws `NetworkError("unreachable")` if none comes.
   *
   * @example
   * const { hash, peers } = await node.publish(message);
   */
  async publish(message: WakuMessage, pubsubTopic?: string): Promise<PublishReceipt> {
    const topic = pubsubTopic ?? routeOf(message.contentTopic, this.sharding);
    const bytes = encodeWakuMessage(message);
    const reason = this.#check(message, bytes.length);
    if (reason) {
      throw new NetworkError("unreachable", `the network would refuse this message: ${reason}`);
    }
    const hash = messageHash(topic, message);
    this.#deliver({ pubsubTopic: topic, message, hash }, false);
    const peers = await this.#waitForPeers(topic, this.#publishWaitMs);
    if (peers === 0) {
      throw new NetworkError("unreachable", `no relay peer on ${topic} within ${this.#publishWaitMs} ms`);
    }
    const recipients = await this.#relayOut(topic, bytes);
    this.stats.published++;
    return { hash, peers: recipients };
  }

  subscribe(contentTopics: readonly string[], handler: MessageHandler): () => void {
    for (const topic of contentTopics) {
      const set = this.#handlers.get(topic) ?? new Set();
      set.add(handler);
      this.#handlers.set(topic, set);
    }
    return () => {
      for (const topic of contentTopics) this.#handlers.get(topic)?.delete(handler);
    };
  }

  async #remoteStorePeers(): Promise<PeerId[]> {
    const peers: PeerId[] = [];
    const seen = new Set<string>();
    for (const connection of this.libp2p.getConnections()) {
      const id = connection.remotePeer;
      if (seen.has(id.toString())) continue;
      seen.add(id.toString());
      try {
        const info = await this.libp2p.peerStore.get(id);
        if (info.protocols.includes(STORE_CODEC)) peers.push(id);
      } catch {
        // Not identified yet.
      }
      if (peers.length >= this.#storePeers) break;
    }
    return peers;
  }

  /**
   * Messages from our own archive and from up to `storePeers` remote store nodes, each once. Remote failures are
   * skipped while another source answers; with no source at all it throws `unreachable`.
   *
   * @example
   * for await (const m of node.queryStore({ pubsubTopic: node.pubsubTopic, contentTopics: BUCKET_TOPICS })) …
   */
  async *queryStore(query: StoreQuery): AsyncGenerator<RoutedMessage> {
    const seen = new Set<string>();
    let answered = 0;
    if (this.archive) {
      answered++;
      let cursor: Uint8Array | undefined;
      do {
        const page = this.archive.query({
          pubsubTopic: query.pubsubTopic,
          ...(query.contentTopics ? { contentTopics: query.contentTopics } : {}),
          ...(query.timeStart !== undefined ? { timeStart: query.timeStart } : {}),
          ...(query.timeEnd !== undefined ? { timeEnd: query.timeEnd } : {}),
          ...(query.hashes ? { hashes: query.hashes } : {}),
          ...(cursor ? { cursor } : {}),
          forward: query.forward ?? true,
          limit: 100,
        });
        for (const m of page.messages) {
          seen.add(bytesToHex(m.hash));
          yield m;
        }
        cursor = page.cursor;
      } while (cursor);
    }
    let remote = await this.#remoteStorePeers();
    // Right after start the static peers may still be dialling: wait (bounded) for one that offers Store, or a
    // restarted bot would read only its own archive and miss what others kept for it.
    const deadline = Date.now() + Math.min(this.#publishWaitMs, 5000);
    while (remote.length === 0 && this.#keeper.peers.length > 0 && Date.now() < deadline) {
      await Bun.sleep(50);
      remote = await this.#remoteStorePeers();
    }
    yield* queryStores(this.libp2p, remote, query, seen, answered);
  }

  status(): DeliveryStatus {
    return {
      mode: "relay",
      connectedPeers: new Set(this.libp2p.getConnections().map((c) => c.remotePeer.toString())).size,
      publishPeers: this.#relayPeers(this.pubsubTopic),
    };
  }

  /** Mesh peers per relayed topic, for tests and diagnostics. */
  meshPeers(topic: string = this.pubsubTopic): number {
    return this.#relay.getMeshPeers(topic).length;
  }

  /** Stops dialing, services and libp2p, then closes the archive. */
  async stop(): Promise<void> {
    this.#keeper.stop();
    this.filter.stop();
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    await this.libp2p.stop();
    this.archive?.close();
  }
}
