/** @module The Delivery interface: what the layers above need from Waku, whether a full relay node, a light client or the in-memory test network provides it. */
import type { RoutedMessage, WakuMessage } from "./message.ts";
import type { StoreQuery } from "./store.ts";

/** What happened to a published message. */
export interface PublishReceipt {
  /** Deterministic message hash (14/WAKU2-MESSAGE). */
  readonly hash: Uint8Array;
  /** Peers the message was handed to: relay mesh peers, or light-push service nodes. */
  readonly peers: number;
}

/** Called for every message on a subscribed content topic; duplicates by hash are already removed. */
export type MessageHandler = (message: RoutedMessage) => void;

/** Connectivity at one moment, for `status` lines and health checks. */
export interface DeliveryStatus {
  readonly mode: "relay" | "light" | "memory";
  readonly connectedPeers: number;
  /** Peers that will carry a publish right now (mesh/topic peers, or light-push service peers). */
  readonly publishPeers: number;
}

/**
 * Sends and receives Waku messages for one pubsub topic. Implementations: `WakuNode` (full relay node with
 * Store/LightPush/Filter services), `LightDelivery` (LightPush + Filter + Store clients), `MemoryDelivery`
 * (in-process network with fault injection for tests).
 *
 * @example
 * const off = delivery.subscribe(BUCKET_TOPICS, (m) => inbox.push(m));
 * await delivery.publish({ payload, contentTopic: bucketTopic(0), timestamp: toWakuTimestamp(Date.now()) });
 * for await (const m of delivery.queryStore({ pubsubTopic: delivery.pubsubTopic, timeStart })) handle(m);
 */
export interface Delivery {
  /** The pubsub topic (shard) wakubot traffic uses on this network. */
  readonly pubsubTopic: string;
  /**
   * Publishes a message. Waits (bounded) for a peer when none is connected, then throws `NetworkError` with code
   * `unreachable` if still none: a message is never dropped silently.
   */
  publish(message: WakuMessage): Promise<PublishReceipt>;
  /** Receives messages of these content topics until the returned function is called. */
  subscribe(contentTopics: readonly string[], handler: MessageHandler): () => void;
  /** Messages from store nodes (several where available, NET3), each once, hashes verified. */
  queryStore(query: StoreQuery): AsyncIterable<RoutedMessage>;
  status(): DeliveryStatus;
  stop(): Promise<void>;
}
