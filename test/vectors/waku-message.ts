/**
 * @module Rewrites test/vectors/waku-message.json from js-waku alone (never from wakubot's code): message hashes of
 * 14/WAKU2-MESSAGE by `@waku/core`'s `messageHash`, autosharding by `@waku/utils`' `contentTopicToShardIndex`.
 * The RFC vectors are checked against the hashes published in js-waku's message_hash.spec.ts before anything is
 * written. Run: `bun test/vectors/waku-message.ts`.
 */
import { messageHash } from "@waku/core";
import { proto_message } from "@waku/proto";
import { contentTopicToShardIndex } from "@waku/utils";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/^0x/, ""), "hex"));

interface HashInput {
  readonly name: string;
  readonly source: string;
  readonly pubsubTopic: string;
  readonly payload: string;
  readonly contentTopic: string;
  readonly meta?: string;
  /** Nanoseconds, decimal. */
  readonly timestamp: string;
  /** Expected hash as published upstream; the generator refuses to run if js-waku disagrees. */
  readonly published?: string;
}

const RFC = "14/WAKU2-MESSAGE test vectors, as in js-waku packages/core/src/lib/message_hash/message_hash.spec.ts";
const DEFAULT_PUBSUB = "/waku/2/default-waku/proto";
const DEFAULT_CONTENT = "/waku/2/default-content/proto";
const RFC_PAYLOAD = "010203045445535405060708";
const RFC_META = "73757065722d736563726574";
const RFC_TS = BigInt("0x175789bfa23f8400").toString();
const META_64 = Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(2, "0")).join("");

const inputs: HashInput[] = [
  {
    name: "meta of 12 bytes",
    source: RFC,
    pubsubTopic: DEFAULT_PUBSUB,
    payload: RFC_PAYLOAD,
    contentTopic: DEFAULT_CONTENT,
    meta: RFC_META,
    timestamp: RFC_TS,
    published: "64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05",
  },
  {
    name: "meta of 64 bytes",
    source: RFC,
    pubsubTopic: DEFAULT_PUBSUB,
    payload: RFC_PAYLOAD,
    contentTopic: DEFAULT_CONTENT,
    meta: META_64,
    timestamp: RFC_TS,
    published: "7158b6498753313368b9af8f6e0a0a05104f68f972981da42a43bc53fb0c1b27",
  },
  {
    name: "meta not present",
    source: RFC,
    pubsubTopic: DEFAULT_PUBSUB,
    payload: RFC_PAYLOAD,
    contentTopic: DEFAULT_CONTENT,
    timestamp: RFC_TS,
    published: "a2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8",
  },
  {
    name: "payload of length 0",
    source: RFC,
    pubsubTopic: DEFAULT_PUBSUB,
    payload: "",
    contentTopic: DEFAULT_CONTENT,
    meta: RFC_META,
    timestamp: RFC_TS,
    published: "483ea950cb63f9b9d6926b262bb36194d3f40a0463ce8446228350bd44e96de4",
  },
  {
    name: "millisecond timestamp 2024-04-30T10:54:14.978Z",
    source: `${RFC} (the IDecodedMessage case: Date converted to nanoseconds)`,
    pubsubTopic: DEFAULT_PUBSUB,
    payload: "",
    contentTopic: DEFAULT_CONTENT,
    meta: RFC_META,
    timestamp: (BigInt(Date.parse("2024-04-30T10:54:14.978Z")) * 1_000_000n).toString(),
    published: "3f11bc950dce0e3ffdcf205ae6414c01130bb5d9f20644869bff80407fa52c8f",
  },
  {
    name: "wakubot bucket topic on cluster 1",
    source: "computed with @waku/core messageHash",
    pubsubTopic: "/waku/2/rs/1/7",
    payload: hex(new TextEncoder().encode("wakubot vector payload")),
    contentTopic: "/wb/1/b3/p",
    timestamp: "1795310682885123456",
  },
  {
    name: "wakubot with meta and a non-ASCII content topic name",
    source: "computed with @waku/core messageHash",
    pubsubTopic: "/waku/2/rs/1/0",
    payload: "00ff00ff",
    contentTopic: "/wb/1/bücket/p",
    meta: "0102",
    timestamp: "1",
  },
  {
    name: "negative timestamp hashed as two's complement",
    source: "computed with @waku/core messageHash",
    pubsubTopic: "/waku/2/rs/1/0",
    payload: "01",
    contentTopic: "/wb/1/b0/p",
    timestamp: "-1000000",
  },
];

const hashes = inputs.map((input) => {
  const message = {
    payload: unhex(input.payload),
    contentTopic: input.contentTopic,
    meta: input.meta === undefined ? undefined : unhex(input.meta),
    timestamp: BigInt(input.timestamp),
    version: undefined,
    ephemeral: undefined,
    rateLimitProof: undefined,
  };
  const hash = hex(messageHash(input.pubsubTopic, message));
  if (input.published !== undefined && hash !== input.published) {
    throw new Error(`@waku/core disagrees with the published vector "${input.name}": ${hash}`);
  }
  const fields: Partial<proto_message.WakuMessage> = {
    payload: message.payload,
    contentTopic: message.contentTopic,
    timestamp: message.timestamp,
  };
  if (message.meta) fields.meta = message.meta;
  const { published: _, ...rest } = input;
  return { ...rest, encoded: hex(proto_message.WakuMessage.encode(fields)), hash };
});

const topics = [
  ...Array.from({ length: 8 }, (_, n) => `/wb/1/b${n}/p`),
  "/wb/2/b0/p",
  "/waku/2/default-content/proto",
  "/toychat/2/huilong/proto",
  "/myapp/1/latest/proto",
  "/status/1/community/rfc26",
  "/app/v1/chat/proto",
  "/a/1/x/y",
  "/universal/42/name/json",
  "/0/0/0/0",
  "/😀/1/emoji/proto",
];
const autosharding = topics.flatMap((contentTopic) =>
  [8, 1024].map((shards) => ({
    contentTopic,
    shards,
    shard: contentTopicToShardIndex(contentTopic, shards),
  })),
);

const vectors = {
  description:
    "Waku message vectors. `hashes`: deterministic message hash (14/WAKU2-MESSAGE) computed by @waku/core's messageHash; entries with an RFC source match the hashes published in js-waku's spec file (checked by the generator). `encoded` is the WakuMessage protobuf (payload, content_topic, timestamp, meta) by @waku/proto. Not included: js-waku's 'no timestamp' vector (e1a95962…), because wakubot requires a timestamp and, like nwaku and go-waku, always hashes 8 timestamp bytes. `autosharding`: shard of a content topic (51/WAKU2-RELAY-SHARDING) by @waku/utils' contentTopicToShardIndex.",
  generator: "test/vectors/waku-message.ts",
  hashes,
  autosharding,
};
await Bun.write(`${import.meta.dir}/waku-message.json`, `${JSON.stringify(vectors, null, 2)}\n`);
console.log(`wrote ${hashes.length} hash vectors and ${autosharding.length} autosharding vectors`);
