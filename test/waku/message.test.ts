import { describe, expect, test } from "bun:test";
import { messageHash as wakuCoreMessageHash } from "@waku/core";
import { proto_message } from "@waku/proto";
import { contentTopicToShardIndex } from "@waku/utils";
import fc from "fast-check";
import { ProtocolError } from "../../src/errors.ts";
import {
  checkWakuMessage,
  DEFAULT_MESSAGE_LIMITS,
  decodeWakuMessage,
  encodeWakuMessage,
  messageHash,
  toWakuTimestamp,
  type WakuMessage,
} from "../../src/waku/message.ts";
import { BUCKET_TOPICS, routeOf, shardOf } from "../../src/waku/topics.ts";
import { expectCode } from "../support/errors.ts";
import { hex, unhex } from "../support/tmp.ts";
import vectors from "../vectors/waku-message.json";

const SEED = 0x5eed_14;

function fromVector(v: (typeof vectors.hashes)[number]): WakuMessage {
  const meta = "meta" in v && typeof v.meta === "string" ? unhex(v.meta) : undefined;
  return {
    payload: unhex(v.payload),
    contentTopic: v.contentTopic,
    timestamp: BigInt(v.timestamp),
    ...(meta ? { meta } : {}),
  };
}

/** The object shape @waku/core's messageHash takes (IProtoMessage). */
function asProtoMessage(m: WakuMessage) {
  return {
    payload: m.payload,
    contentTopic: m.contentTopic,
    meta: m.meta,
    timestamp: m.timestamp,
    version: undefined,
    ephemeral: undefined,
    rateLimitProof: undefined,
  };
}

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

/**
 * Messages with any non-zero int64 timestamp when `negative`, else positive ones only. The protobuf round trip uses
 * positive timestamps: protons-runtime (under @waku/proto) mis-encodes sint64 values -2^k for k ≥ 53, which no real
 * clock produces and which every relay rejects as skewed anyway.
 */
const arbMessage = (negative: boolean): fc.Arbitrary<WakuMessage> =>
  fc
    .record({
      payload: fc.uint8Array({ maxLength: 512 }),
      contentTopic: fc.string({ minLength: 1, maxLength: 60, unit: "grapheme" }),
      timestamp: negative ? int64.filter((t) => t !== 0n) : fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
      meta: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
      version: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: undefined }),
      ephemeral: fc.option(fc.constant(true), { nil: undefined }),
    })
    .map((r) => {
      const m: {
        payload: Uint8Array;
        contentTopic: string;
        timestamp: bigint;
        meta?: Uint8Array;
        version?: number;
        ephemeral?: boolean;
      } = { payload: r.payload, contentTopic: r.contentTopic, timestamp: r.timestamp };
      if (r.meta) m.meta = r.meta;
      if (r.version !== undefined) m.version = r.version;
      if (r.ephemeral) m.ephemeral = true;
      return m;
    });

describe("encode and decode", () => {
  test("round trip keeps every field, for 200 random messages", () => {
    fc.assert(
      fc.property(arbMessage(false), (m) => {
        const decoded = decodeWakuMessage(encodeWakuMessage(m));
        expect(decoded).toEqual(m);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("a full message survives the round trip with every optional field", () => {
    const m: WakuMessage = {
      payload: new Uint8Array([1, 2, 3]),
      contentTopic: BUCKET_TOPICS[2] as string,
      timestamp: 1_795_310_682_885_000_123n,
      meta: new Uint8Array(64).fill(9),
      version: 1,
      ephemeral: true,
    };
    expect(decodeWakuMessage(encodeWakuMessage(m))).toEqual(m);
  });

  test("empty meta and version 0 are dropped, so the bytes and the hash are those of a message without them", () => {
    const base: WakuMessage = { payload: new Uint8Array([5]), contentTopic: "/wb/1/b0/p", timestamp: 7n };
    const padded: WakuMessage = { ...base, meta: new Uint8Array(), version: 0, ephemeral: false };
    expect(hex(encodeWakuMessage(padded))).toBe(hex(encodeWakuMessage(base)));
    expect(decodeWakuMessage(encodeWakuMessage(padded))).toEqual(base);
    expect(hex(messageHash("/waku/2/rs/1/0", padded))).toBe(hex(messageHash("/waku/2/rs/1/0", base)));
  });

  test("encoding matches the vector bytes produced by @waku/proto, and decoding them gives the inputs back", () => {
    for (const v of vectors.hashes) {
      expect(hex(encodeWakuMessage(fromVector(v)))).toBe(v.encoded);
      expect(decodeWakuMessage(unhex(v.encoded))).toEqual(fromVector(v));
    }
  });

  test("garbage, empty input, and protobuf without content topic or timestamp throw ProtocolError malformed", () => {
    const cases = [
      new Uint8Array([0xff, 0xff, 0xff, 0xff]),
      new Uint8Array([0x07]),
      new Uint8Array([0x0a, 0x05, 0x01]), // payload field claims 5 bytes, has 1
      new Uint8Array(),
      proto_message.WakuMessage.encode({ payload: new Uint8Array([1]), timestamp: 5n }),
      proto_message.WakuMessage.encode({ payload: new Uint8Array([1]), contentTopic: "/wb/1/b0/p" }),
      new TextEncoder().encode("definitely not protobuf, just some text"),
    ];
    for (const bytes of cases) expectCode(() => decodeWakuMessage(bytes), ProtocolError, "malformed");
  });

  test("random bytes either decode into a message with a content topic or throw ProtocolError malformed", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const m = decodeWakuMessage(bytes);
          expect(m.contentTopic.length).toBeGreaterThan(0);
          expect(typeof m.timestamp).toBe("bigint");
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe("malformed");
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe("messageHash (14/WAKU2-MESSAGE deterministic hashing)", () => {
  test("the vectors file holds the RFC vectors published with js-waku", () => {
    const rfc = vectors.hashes.filter((v) => v.source.startsWith("14/WAKU2-MESSAGE"));
    expect(rfc.map((v) => v.hash)).toEqual([
      "64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05",
      "7158b6498753313368b9af8f6e0a0a05104f68f972981da42a43bc53fb0c1b27",
      "a2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8",
      "483ea950cb63f9b9d6926b262bb36194d3f40a0463ce8446228350bd44e96de4",
      "3f11bc950dce0e3ffdcf205ae6414c01130bb5d9f20644869bff80407fa52c8f",
    ]);
  });

  for (const v of vectors.hashes) {
    test(`vector: ${v.name}`, () => {
      const m = fromVector(v);
      expect(hex(messageHash(v.pubsubTopic, m))).toBe(v.hash);
      // And @waku/core as installed still computes the same (guards against a stale vectors file).
      expect(hex(wakuCoreMessageHash(v.pubsubTopic, asProtoMessage(m)))).toBe(v.hash);
      // The hash of the decoded wire bytes is the same: nothing is lost between the wire and the hash.
      expect(hex(messageHash(v.pubsubTopic, decodeWakuMessage(unhex(v.encoded))))).toBe(v.hash);
    });
  }

  test("agrees with @waku/core's messageHash on 200 random messages (fixed seed)", () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), arbMessage(true), (pubsubTopic, m) => {
        runs++;
        expect(hex(messageHash(pubsubTopic, m))).toBe(
          hex(wakuCoreMessageHash(pubsubTopic, asProtoMessage(m))),
        );
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(runs).toBe(200);
  });

  test("every input takes part: changing pubsub topic, payload, content topic, meta or timestamp changes the hash", () => {
    const m: WakuMessage = {
      payload: new Uint8Array([1, 2]),
      contentTopic: "/wb/1/b0/p",
      timestamp: 1000n,
      meta: new Uint8Array([3]),
    };
    const h = hex(messageHash("/waku/2/rs/1/0", m));
    const variants = [
      messageHash("/waku/2/rs/1/1", m),
      messageHash("/waku/2/rs/1/0", { ...m, payload: new Uint8Array([1, 3]) }),
      messageHash("/waku/2/rs/1/0", { ...m, contentTopic: "/wb/1/b1/p" }),
      messageHash("/waku/2/rs/1/0", { ...m, meta: new Uint8Array([4]) }),
      messageHash("/waku/2/rs/1/0", { ...m, timestamp: 1001n }),
    ].map(hex);
    for (const v of variants) expect(v).not.toBe(h);
    expect(new Set(variants).size).toBe(variants.length);
    // Version and ephemeral are not part of the hash.
    expect(hex(messageHash("/waku/2/rs/1/0", { ...m, version: 1, ephemeral: true }))).toBe(h);
  });

  test("timestamp 0 is hashed as eight zero bytes (nwaku, go-waku), unlike js-waku which skips it", () => {
    const m: WakuMessage = { payload: new Uint8Array([1]), contentTopic: "/wb/1/b0/p", timestamp: 0n };
    const withZeros = new Bun.CryptoHasher("sha256")
      .update(new TextEncoder().encode("/waku/2/rs/1/0"))
      .update(m.payload)
      .update(new TextEncoder().encode(m.contentTopic))
      .update(new Uint8Array(8))
      .digest("hex");
    expect(hex(messageHash("/waku/2/rs/1/0", m))).toBe(withZeros);
  });
});

describe("autosharding (51/WAKU2-RELAY-SHARDING)", () => {
  test("the vectors cover wakubot's buckets on 8 shards", () => {
    const on8 = vectors.autosharding.filter((v) => v.shards === 8);
    for (const topic of BUCKET_TOPICS) expect(on8.some((v) => v.contentTopic === topic)).toBe(true);
    // Several distinct shards appear, so a constant shardOf could not pass.
    expect(new Set(on8.map((v) => v.shard)).size).toBeGreaterThan(3);
  });

  for (const v of vectors.autosharding) {
    test(`${v.contentTopic} on ${v.shards} shards → ${v.shard}`, () => {
      expect(shardOf(v.contentTopic, v.shards)).toBe(v.shard);
      expect(contentTopicToShardIndex(v.contentTopic, v.shards)).toBe(v.shard);
      expect(routeOf(v.contentTopic, { cluster: 1, shards: v.shards })).toBe(`/waku/2/rs/1/${v.shard}`);
    });
  }

  test("agrees with @waku/utils on 200 random content topics (fixed seed)", () => {
    const part = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes("/"));
    fc.assert(
      fc.property(
        part,
        part,
        part,
        part,
        fc.integer({ min: 1, max: 1024 }),
        (app, version, name, enc, shards) => {
          const topic = `/${app}/${version}/${name}/${enc}`;
          expect(shardOf(topic, shards)).toBe(contentTopicToShardIndex(topic, shards));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("all wakubot buckets share one shard", () => {
    expect(new Set(BUCKET_TOPICS.map((t) => shardOf(t, 8))).size).toBe(1);
  });
});

describe("checkWakuMessage", () => {
  const now = 1_700_000_000_000;
  const at = (ms: number, extraNs = 0n): WakuMessage => ({
    payload: new Uint8Array([1]),
    contentTopic: "/wb/1/b0/p",
    timestamp: toWakuTimestamp(ms) + extraNs,
  });
  const check = (m: WakuMessage, size = 100) => checkWakuMessage(m, size, now, DEFAULT_MESSAGE_LIMITS);

  test("the Waku Network limits are 150 KB and 20 s", () => {
    expect(DEFAULT_MESSAGE_LIMITS).toEqual({ maxBytes: 150 * 1024, maxClockSkewMs: 20_000 });
  });

  test("a current message passes", () => {
    expect(check(at(now))).toBeUndefined();
  });

  test("size: exactly 150 KB passes, one byte more is too_large", () => {
    expect(check(at(now), 150 * 1024)).toBeUndefined();
    expect(check(at(now), 150 * 1024 + 1)).toBe("too_large");
  });

  test("timestamps exactly 20 s ahead or behind pass; one nanosecond further is timestamp_skew", () => {
    expect(check(at(now + 20_000))).toBeUndefined();
    expect(check(at(now - 20_000))).toBeUndefined();
    expect(check(at(now + 20_000, 1n))).toBe("timestamp_skew");
    expect(check(at(now - 20_000, -1n))).toBe("timestamp_skew");
    expect(check(at(now + 60_000))).toBe("timestamp_skew");
    expect(check(at(now - 3_600_000))).toBe("timestamp_skew");
    expect(check({ ...at(now), timestamp: 0n })).toBe("timestamp_skew");
  });

  test("the receiver's clock is the injected nowMs, not the wall clock", () => {
    const m = at(now + 25_000);
    expect(checkWakuMessage(m, 100, now, DEFAULT_MESSAGE_LIMITS)).toBe("timestamp_skew");
    expect(checkWakuMessage(m, 100, now + 10_000, DEFAULT_MESSAGE_LIMITS)).toBeUndefined();
  });

  test("meta of 64 bytes passes, 65 is meta_too_long", () => {
    expect(check({ ...at(now), meta: new Uint8Array(64) })).toBeUndefined();
    expect(check({ ...at(now), meta: new Uint8Array(65) })).toBe("meta_too_long");
  });

  test("custom limits are honoured", () => {
    const limits = { maxBytes: 10, maxClockSkewMs: 1000 };
    expect(checkWakuMessage(at(now), 11, now, limits)).toBe("too_large");
    expect(checkWakuMessage(at(now + 1001), 10, now, limits)).toBe("timestamp_skew");
    expect(checkWakuMessage(at(now + 1000), 10, now, limits)).toBeUndefined();
  });
});
