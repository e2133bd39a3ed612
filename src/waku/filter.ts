/** @module Filter v2 service (12/WAKU2-FILTER): light clients subscribe to content topics and get matching messages pushed; silent subscribers expire. */
import type { IncomingStreamData, Libp2p, PeerId } from "@libp2p/interface";
import { proto_filter_v2 } from "@waku/proto";
import { type RoutedMessage, toProto } from "./message.ts";
import { DEFAULT_RPC_LIMITS, readMessage, send, writeMessage } from "./rpc.ts";

/** Protocol ids of Filter v2: requests go to the service, pushes go back to the subscriber. */
export const FILTER_SUBSCRIBE_CODEC = "/vac/waku/filter-subscribe/2.0.0-beta1";
export const FILTER_PUSH_CODEC = "/vac/waku/filter-push/2.0.0-beta1";

/** Limits of the service; nwaku's defaults. */
export interface FilterServiceOptions {
  /** Pubsub topics this node relays; subscriptions to others are refused. */
  readonly servedTopics: readonly string[];
  /** A subscriber that sent no request (subscribe or ping) for this long is dropped. */
  readonly subscriberTtlMs: number;
  readonly maxSubscribers: number;
  /** Content topics in one request (12/WAKU2-FILTER: 100). */
  readonly maxTopicsPerRequest: number;
  readonly now: () => number;
}

/** Five-minute expiry, 1,000 subscribers, 100 topics a request. */
export const DEFAULT_FILTER_OPTIONS: Omit<FilterServiceOptions, "servedTopics"> = {
  subscriberTtlMs: 5 * 60_000,
  maxSubscribers: 1000,
  maxTopicsPerRequest: 100,
  now: Date.now,
};

interface Subscriber {
  readonly peer: PeerId;
  lastSeen: number;
  readonly topics: Map<string, Set<string>>;
}

type Request = proto_filter_v2.FilterSubscribeRequest;
type Response = proto_filter_v2.FilterSubscribeResponse;
const Type = proto_filter_v2.FilterSubscribeRequest.FilterSubscribeType;

/**
 * The Filter v2 service of a full node.
 *
 * @example
 * const filter = new FilterService(libp2p, { ...DEFAULT_FILTER_OPTIONS, servedTopics });
 * await filter.start();
 * filter.push(routed); // for every message the node accepts
 */
export class FilterService {
  readonly #libp2p: Libp2p;
  readonly #options: FilterServiceOptions;
  readonly #subscribers = new Map<string, Subscriber>();
  #sweep: ReturnType<typeof setInterval> | undefined;
  /** Pushes that reached a subscriber, and pushes that failed (subscriber gone or unreachable). */
  readonly counts = { pushed: 0, failed: 0 };

  constructor(libp2p: Libp2p, options: FilterServiceOptions) {
    this.#libp2p = libp2p;
    this.#options = options;
  }

  /** Number of live subscribers. */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Registers the protocol handler and the expiry sweep. */
  async start(): Promise<void> {
    await this.#libp2p.handle(FILTER_SUBSCRIBE_CODEC, (data) => this.#onStream(data), {
      maxInboundStreams: 64,
    });
    const every = Math.max(1000, Math.min(60_000, this.#options.subscriberTtlMs / 4));
    this.#sweep = setInterval(() => this.expire(), every);
    this.#sweep.unref?.();
  }

  /** Stops the sweep and forgets every subscriber. */
  stop(): void {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#subscribers.clear();
  }

  /**
   * Drops subscribers silent for longer than the TTL; returns how many went.
   *
   * @example
   * filter.expire();
   */
  expire(): number {
    const cutoff = this.#options.now() - this.#options.subscriberTtlMs;
    let removed = 0;
    for (const [key, sub] of this.#subscribers) {
      if (sub.lastSeen < cutoff) {
        this.#subscribers.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Answers one request; exposed for tests that need no network.
   *
   * @example
   * filter.handle(peerId, request); // { requestId, statusCode: 200, statusDesc: "OK" }
   */
  handle(peer: PeerId, req: Request): Response {
    const requestId = req.requestId ?? "";
    const reply = (statusCode: number, statusDesc: string): Response => ({
      requestId,
      statusCode,
      statusDesc,
    });
    const key = peer.toString();
    const existing = this.#subscribers.get(key);
    if (existing) existing.lastSeen = this.#options.now();
    switch (req.filterSubscribeType) {
      case Type.SUBSCRIBER_PING:
        return existing ? reply(200, "OK") : reply(404, "NOT_FOUND: no subscription");
      case Type.SUBSCRIBE: {
        const problem = this.#checkCriteria(req);
        if (problem) return reply(400, `BAD_REQUEST: ${problem}`);
        if (!existing && this.#subscribers.size >= this.#options.maxSubscribers) {
          return reply(503, "SERVICE_UNAVAILABLE: too many subscribers");
        }
        const sub = existing ?? { peer, lastSeen: this.#options.now(), topics: new Map() };
        const set = sub.topics.get(req.pubsubTopic as string) ?? new Set<string>();
        for (const t of req.contentTopics) set.add(t);
        sub.topics.set(req.pubsubTopic as string, set);
        this.#subscribers.set(key, sub);
        return reply(200, "OK");
      }
      case Type.UNSUBSCRIBE: {
        const problem = this.#checkCriteria(req);
        if (problem) return reply(400, `BAD_REQUEST: ${problem}`);
        const set = existing?.topics.get(req.pubsubTopic as string);
        if (!existing || !set) return reply(404, "NOT_FOUND: no subscription");
        for (const t of req.contentTopics) set.delete(t);
        if (set.size === 0) existing.topics.delete(req.pubsubTopic as string);
        if (existing.topics.size === 0) this.#subscribers.delete(key);
        return reply(200, "OK");
      }
      case Type.UNSUBSCRIBE_ALL:
        if (!existing) return reply(404, "NOT_FOUND: no subscription");
        this.#subscribers.delete(key);
        return reply(200, "OK");
      default:
        return reply(400, "BAD_REQUEST: unknown request type");
    }
  }

  #checkCriteria(req: Request): string | undefined {
    if (!req.pubsubTopic) return "pubsub topic missing";
    if (!this.#options.servedTopics.includes(req.pubsubTopic))
      return `pubsub topic not served: ${req.pubsubTopic}`;
    if (req.contentTopics.length === 0) return "no content topics";
    if (req.contentTopics.length > this.#options.maxTopicsPerRequest) return "too many content topics";
    return undefined;
  }

  /**
   * Pushes a message to every subscriber of its topics. Failures are counted, never thrown: a subscriber that went
   * away keeps its subscription until it expires, so pushes resume when it reconnects.
   *
   * @example
   * await filter.push(routed);
   */
  async push(routed: RoutedMessage): Promise<void> {
    const targets: PeerId[] = [];
    for (const sub of this.#subscribers.values()) {
      if (sub.topics.get(routed.pubsubTopic)?.has(routed.message.contentTopic)) targets.push(sub.peer);
    }
    if (targets.length === 0) return;
    const body = proto_filter_v2.MessagePush.encode({
      wakuMessage: toProto(routed.message),
      pubsubTopic: routed.pubsubTopic,
    });
    await Promise.all(
      targets.map((peer) =>
        send(this.#libp2p, peer, FILTER_PUSH_CODEC, body, { ...DEFAULT_RPC_LIMITS, timeoutMs: 5000 }).then(
          () => void this.counts.pushed++,
          () => void this.counts.failed++,
        ),
      ),
    );
  }

  async #onStream({ stream, connection }: IncomingStreamData): Promise<void> {
    try {
      const body = await readMessage(stream, {
        maxBytes: 64 * 1024,
        timeoutMs: DEFAULT_RPC_LIMITS.timeoutMs,
      });
      if (body === undefined) return;
      let response: Response;
      try {
        response = this.handle(connection.remotePeer, proto_filter_v2.FilterSubscribeRequest.decode(body));
      } catch {
        response = { requestId: "", statusCode: 400, statusDesc: "BAD_REQUEST: malformed" };
      }
      await writeMessage(stream, proto_filter_v2.FilterSubscribeResponse.encode(response));
    } catch {
      stream.abort(new Error("filter request failed"));
    }
  }
}
