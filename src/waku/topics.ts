/** @module Where wakubot traffic travels: pubsub topics of sharded clusters, autosharding, and the bucket content topics that hide accounts and conversations (PRIV2, PRIV3). */
import { sha256 } from "@noble/hashes/sha2.js";
import { InputError } from "../errors.ts";

/** A cluster and how many shards it has (51/WAKU2-RELAY-SHARDING). */
export interface ShardingConfig {
  readonly cluster: number;
  readonly shards: number;
}

/** The Waku Network's sharding (cluster 1, 8 shards), used when nothing else is configured. */
export const DEFAULT_SHARDING: ShardingConfig = { cluster: 1, shards: 8 };

/** Content-topic application name and version of wakubot traffic; short because it rides on every message (P1). */
export const APP = "wb";
export const APP_VERSION = "1";
/** Number of bucket content topics. All wakubot traffic shares one shard; buckets only split it for light clients. */
export const BUCKETS = 8;

/**
 * Static-sharding pubsub topic `/waku/2/rs/<cluster>/<shard>` (51/WAKU2-RELAY-SHARDING §Static sharding).
 *
 * @example
 * pubsubTopic(1, 3); // "/waku/2/rs/1/3"
 */
export function pubsubTopic(cluster: number, shard: number): string {
  return `/waku/2/rs/${cluster}/${shard}`;
}

/**
 * Parses `/waku/2/rs/<cluster>/<shard>`; undefined for anything else.
 *
 * @example
 * parsePubsubTopic("/waku/2/rs/1/3"); // { cluster: 1, shard: 3 }
 */
export function parsePubsubTopic(topic: string): { cluster: number; shard: number } | undefined {
  const m = /^\/waku\/2\/rs\/(\d{1,5})\/(\d{1,5})$/.exec(topic);
  if (!m) return undefined;
  return { cluster: Number(m[1]), shard: Number(m[2]) };
}

/**
 * Parts of a content topic `/{application}/{version}/{name}/{encoding}` (23/WAKU2-TOPICS); undefined if malformed.
 *
 * @example
 * parseContentTopic("/wb/1/b0/p"); // { application: "wb", version: "1", name: "b0", encoding: "p" }
 */
export function parseContentTopic(
  topic: string,
): { application: string; version: string; name: string; encoding: string } | undefined {
  const parts = topic.split("/");
  if (parts.length !== 5 || parts[0] !== "") return undefined;
  const [, application, version, name, encoding] = parts as [string, string, string, string, string];
  if (!application || !version || !name || !encoding) return undefined;
  return { application, version, name, encoding };
}

/**
 * Shard of a content topic under autosharding: the last 8 bytes of sha256(application ‖ version), big endian,
 * modulo the shard count (51/WAKU2-RELAY-SHARDING §Automatic sharding). Every topic of one app and version lands
 * on the same shard, so wakubot's buckets never split across shards.
 *
 * @example
 * shardOf("/wb/1/b0/p", 8); // the same for every bucket
 */
export function shardOf(contentTopic: string, shards: number): number {
  const parts = parseContentTopic(contentTopic);
  if (!parts) throw new InputError("invalid_argument", `not a content topic: ${contentTopic}`);
  const digest = sha256(new TextEncoder().encode(parts.application + parts.version));
  const view = new DataView(digest.buffer, digest.byteOffset + 24, 8);
  return Number(view.getBigUint64(0, false) % BigInt(shards));
}

/**
 * The pubsub topic a content topic is routed on in a cluster.
 *
 * @example
 * routeOf("/wb/1/b0/p", DEFAULT_SHARDING); // "/waku/2/rs/1/<shard>"
 */
export function routeOf(contentTopic: string, sharding: ShardingConfig): string {
  return pubsubTopic(sharding.cluster, shardOf(contentTopic, sharding.shards));
}

/**
 * Content topic of bucket `n`. Buckets name neither account nor conversation: everyone's traffic uses the same
 * eight topics, so an observer sees only "some wakubot message" (PRIV2, PRIV3; docs/network.md §Anonymity set).
 *
 * @example
 * bucketTopic(3); // "/wb/1/b3/p"
 */
export function bucketTopic(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= BUCKETS)
    throw new InputError("invalid_argument", `no bucket ${n}`);
  return `/${APP}/${APP_VERSION}/b${n}/p`;
}

/** Every bucket content topic, in order. */
export const BUCKET_TOPICS: readonly string[] = Array.from({ length: BUCKETS }, (_, n) => bucketTopic(n));

/**
 * Bucket a message goes to, from its conversation tag (8 pseudorandom bytes, docs/protocol.md §5). The tag changes
 * with every message, so consecutive messages of one conversation spread over all buckets.
 *
 * @example
 * bucketOfTag(envelopeTag); // 0…7
 */
export function bucketOfTag(tag: Uint8Array): number {
  return (tag[0] ?? 0) % BUCKETS;
}

/**
 * True for one of wakubot's bucket topics.
 *
 * @example
 * isBucketTopic("/wb/1/b3/p"); // true
 */
export function isBucketTopic(topic: string): boolean {
  return BUCKET_TOPICS.includes(topic);
}

/**
 * The pubsub topics a node serves: all shards of its cluster, or only the shard wakubot's buckets live on.
 *
 * @example
 * servedTopics(DEFAULT_SHARDING); // ["/waku/2/rs/1/0", …, "/waku/2/rs/1/7"]
 */
export function servedTopics(sharding: ShardingConfig): string[] {
  return Array.from({ length: sharding.shards }, (_, shard) => pubsubTopic(sharding.cluster, shard));
}
