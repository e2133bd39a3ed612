/**
 * SEG-*: payloads above the Waku message limit, bot → bot over the in-memory network (docs/segmentation.md §Where
 * it sits). The bot seals a frame into one envelope; an envelope above `maxMessageBytes − 256` is cut into k + m
 * Reed-Solomon segments published as one all-or-nothing batch, and the receiver rebuilds the envelope from any k of
 * them, in any order.
 *
 * Every test runs a receiver ("bot") and a sender ("client") on a seeded memory network; payload bytes come from a
 * seeded PRNG. What the sender publishes is seen twice: by the network (`stats.published`) and by a spy on the
 * sender's delivery, whose log also gives each message's wire size and segment header. What reaches the receiver
 * is seen by a second subscriber on its delivery.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Bot, BotEvents } from "../../src/bot/bot.ts";
import type { Conversation } from "../../src/bot/context.ts";
import type { BotOptions } from "../../src/bot/options.ts";
import {
  MIN_SEGMENT_BYTES,
  parseSegmentHeader,
  planSegments,
  SEGMENT_VERSION,
  type SegmentHeader,
  type SegmentPlan,
  segmentCapacity,
} from "../../src/delivery/segment.ts";
import { InputError } from "../../src/errors.ts";
import { definePayload } from "../../src/payloads/index.ts";
import { decodeEnvelope, encodeFrame } from "../../src/protocol/wire.ts";
import { type MemoryDelivery, mulberry32 } from "../../src/waku/memory.ts";
import { encodeWakuMessage, type RoutedMessage, type WakuMessage } from "../../src/waku/message.ts";
import { BUCKET_TOPICS } from "../../src/waku/topics.ts";
import {
  type BotNetwork,
  botNetwork,
  record,
  settleRounds,
  settleUntil,
  spyPublishes,
} from "../support/bots.ts";

/** A custom type whose body is the bytes themselves: the simplest payload that can carry megabytes. */
const blob = definePayload<Uint8Array, "test", "blob">({
  namespace: "test",
  name: "blob",
  encode: (bytes) => bytes,
  decode: (body) => body.slice(),
});

const KiB = 1024;
const MiB = 1024 * KiB;
/** Room the bot keeps for the WakuMessage fields around a segment (docs/segmentation.md §Where it sits). */
const WAKU_FIELDS = 256;
/** The default `maxMessageBytes`: The Waku Network's 150 KiB. */
const WAKU_LIMIT = 150 * KiB;
/** `maxMessageBytes` giving the smallest segment size allowed (16 KiB): many segments from a modest payload. */
const SMALL_MESSAGES = MIN_SEGMENT_BYTES + WAKU_FIELDS;
/** Acks go at once; nothing is resent unless a test lowers `resendAfterMs`. */
const RELIABILITY: BotOptions["reliability"] = {
  ackDelayMs: 10,
  reAckMs: 50,
  resendAfterMs: 60_000,
  maxResendDelayMs: 60_000,
};
/** Real-time deadline for a segmented message to arrive. */
const ARRIVE_MS = 15_000;
/** bun's per-test timeout: the arrival deadline plus setup and quiet rounds. */
const TEST_MS = 40_000;
/** Settle rounds after a condition held, giving anything that should not happen (a second handler run) its chance. */
const QUIET_ROUNDS = 20;

let net: BotNetwork;
afterEach(async () => {
  await net?.stop();
});

/** `n` bytes from a seeded PRNG: incompressible and reproducible. */
function seededBytes(n: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Records every bucket-topic message the network hands to `member`, in arrival order (observes, drops nothing). */
function spyArrivals(member: MemoryDelivery): WakuMessage[] {
  const log: WakuMessage[] = [];
  member.subscribe(BUCKET_TOPICS, (m) => void log.push(m.message));
  return log;
}

/**
 * Makes `member` hide from the bot (not from other subscribers) the segments `lose` picks, by wrapping the handler
 * the bot subscribes with at start: a deterministic loss of chosen segments. Call before the bot starts.
 */
function loseSegments(member: MemoryDelivery, lose: (h: SegmentHeader) => boolean): void {
  const subscribe = member.subscribe.bind(member);
  member.subscribe = (topics, handler) =>
    subscribe(topics, (m: RoutedMessage) => {
      if (isSegment(m.message) && lose(parseSegmentHeader(m.message.payload))) return;
      handler(m);
    });
}

const isSegment = (m: WakuMessage): boolean => m.payload[0] === SEGMENT_VERSION;
const headerOf = (m: WakuMessage): SegmentHeader => parseSegmentHeader(m.payload);
const wireSize = (m: WakuMessage): number => encodeWakuMessage(m).length;

/** A receiver recording every blob and text it handles, and a sender connected to it; nothing sent yet. */
interface Pair {
  readonly bot: Bot;
  readonly client: Bot;
  readonly conversation: Conversation;
  /** Blobs the receiver's handler got, one entry per handler run. */
  readonly blobs: Uint8Array[];
  /** Texts the receiver's handler got, with their seq, one entry per handler run. */
  readonly texts: { text: string; seq: number }[];
  /** Every message the sender published. */
  readonly published: WakuMessage[];
  /** Every message the receiver published (its acks). */
  readonly acks: WakuMessage[];
  /** Every bucket-topic message the network handed to the receiver. */
  readonly arrived: WakuMessage[];
  readonly errors: BotEvents["error"][];
  readonly failed: BotEvents["failed"][];
}

interface PairOptions {
  readonly seed: number;
  /** Options of both bots (over {@link RELIABILITY}). */
  readonly bots?: BotOptions;
  /** Segments the receiving bot never sees (see {@link loseSegments}). */
  readonly lose?: (h: SegmentHeader) => boolean;
  /** Largest message the memory network relays; default The Waku Network's 150 KiB. */
  readonly networkMaxBytes?: number;
}

async function startPair(o: PairOptions): Promise<Pair> {
  net = botNetwork({
    seed: o.seed,
    ...(o.networkMaxBytes ? { limits: { maxBytes: o.networkMaxBytes, maxClockSkewMs: 20_000 } } : {}),
  });
  const options: BotOptions = { ...o.bots, reliability: { ...RELIABILITY, ...o.bots?.reliability } };
  const bot = await net.bot("bot", options);
  const blobs: Uint8Array[] = [];
  const texts: { text: string; seq: number }[] = [];
  bot.on(blob, (ctx) => void blobs.push(ctx.payload));
  bot.on("text", (ctx) => void texts.push({ text: ctx.text, seq: ctx.message.seq }));
  const arrived = spyArrivals(net.member("bot"));
  if (o.lose) loseSegments(net.member("bot"), o.lose);
  const acks = spyPublishes(net.member("bot"));
  const errors = record(bot, "error");
  const { invite } = await bot.start();
  const client = await net.bot("client", options);
  const published = spyPublishes(net.member("client"));
  const clientErrors = record(client, "error");
  const failed = record(client, "failed");
  await client.start();
  const conversation = await client.connect(invite);
  return {
    bot,
    client,
    conversation,
    blobs,
    texts,
    published,
    acks,
    arrived,
    failed,
    get errors() {
      return [...errors, ...clientErrors];
    },
  };
}

/**
 * The segments of one segmented envelope in `messages` (the first segment's id, or `id`), with the plan
 * `planSegments` makes for the envelope length their headers carry at segment size `segmentBytes`.
 */
function segmentsOf(messages: readonly WakuMessage[], segmentBytes: number, id?: bigint) {
  const all = messages.filter(isSegment);
  const wanted = id ?? (all[0] ? headerOf(all[0]).id : undefined);
  const segments = all.filter((m) => headerOf(m).id === wanted);
  const first = segments[0];
  if (!first) throw new Error("no segment was published");
  const header = headerOf(first);
  const plan = planSegments(header.payloadLength, segmentBytes) as SegmentPlan;
  return { segments, header, plan, n: plan.dataSegments + plan.paritySegments };
}

/** Segment ids in the order they first appear in `messages`. */
function segmentIds(messages: readonly WakuMessage[]): bigint[] {
  return [...new Set(messages.filter(isSegment).map((m) => headerOf(m).id))];
}

describe("segmented messages arrive (SEG-*)", () => {
  test(
    "SEG-1: a 1 MiB blob arrives byte-identical and is handled once; it went out as exactly k + m > 1 segments",
    async () => {
      const p = await startPair({ seed: 11 });
      const payload = seededBytes(MiB, 1);
      const before = net.network.stats.published;
      const handle = await p.conversation.send(blob, payload);
      // The rate-limit manager hands the whole batch to delivery before `send` resolves (quota is ample).
      const publishedBySend = net.network.stats.published - before;
      await settleUntil(net.network, () => p.blobs.length === 1, "the blob to arrive", ARRIVE_MS);
      await handle.wait("delivered", ARRIVE_MS);
      await settleRounds(net.network, QUIET_ROUNDS);

      expect(p.blobs).toHaveLength(1);
      expect(Buffer.compare(p.blobs[0] as Uint8Array, payload)).toBe(0);
      const { segments, header, plan, n } = segmentsOf(p.published, WAKU_LIMIT - WAKU_FIELDS);
      // The envelope is the 1 MiB body plus framing, crypto and handshake fields (well under 1 KiB).
      expect(header.payloadLength).toBeGreaterThan(MiB);
      expect(header.payloadLength).toBeLessThan(MiB + KiB);
      expect({ k: header.dataSegments, m: header.paritySegments }).toEqual({
        k: plan.dataSegments,
        m: plan.paritySegments,
      });
      expect(n).toBeGreaterThan(1);
      expect(plan.paritySegments).toBeGreaterThanOrEqual(1);
      // One publish per segment, indices 0 … n − 1 under one id; nothing else from the sender, nothing resent.
      expect(publishedBySend).toBe(n);
      expect(p.published).toHaveLength(n);
      expect(segments.map((s) => headerOf(s).index)).toEqual([...Array(n).keys()]);
      for (const s of segments) expect(wireSize(s)).toBeLessThanOrEqual(WAKU_LIMIT);
      // A batch costs its k + m messages of the epoch quota (docs/segmentation.md §Cost).
      expect(p.client.quota().used).toBe(n);
      expect(p.errors).toEqual([]);
    },
    TEST_MS,
  );

  test(
    "SEG-2: with seeded loss and reordering of up to 12.5 % of the segments, the blob is rebuilt from those that arrived, without a resend",
    async () => {
      // 16 KiB segments cut 512 KiB into k = 33 data + m = 4 parity segments: up to 4 of 37 may be lost.
      const p = await startPair({ seed: 1, bots: { maxMessageBytes: SMALL_MESSAGES } });
      const payload = seededBytes(512 * KiB, 2);
      const stats = { ...net.network.stats };
      // Faults only while the segments are published: decided at publish time, per (message, recipient).
      net.network.setFaults({ drop: 0.1, reorder: 0.5 });
      const handle = await p.conversation.send(blob, payload);
      net.network.setFaults({ drop: 0, reorder: 0 });
      const dropped = net.network.stats.dropped - stats.dropped;
      const reordered = net.network.stats.reordered - stats.reordered;
      await settleUntil(net.network, () => p.blobs.length === 1, "the blob to arrive", ARRIVE_MS);
      await handle.wait("delivered", ARRIVE_MS);
      await settleRounds(net.network, QUIET_ROUNDS);

      const { segments, plan, n } = segmentsOf(p.published, MIN_SEGMENT_BYTES);
      expect({ k: plan.dataSegments, m: plan.paritySegments }).toEqual({ k: 33, m: 4 });
      // Seed 1's faults: 4 of the 37 segments lost, the most the code always survives (⌊n/8⌋, 10.8 %), and some
      // of the rest held back behind later ones.
      expect(dropped).toBe(4);
      expect(dropped).toBe(Math.floor(n / 8));
      expect(reordered).toBeGreaterThanOrEqual(1);
      const got = p.arrived.filter(isSegment).map((m) => headerOf(m).index);
      expect(got).toHaveLength(n - dropped);
      expect(new Set(got).size).toBe(n - dropped);
      expect(got.length).toBeGreaterThanOrEqual(plan.dataSegments);
      // Reordered: the indices did not arrive in publishing order.
      expect(got).not.toEqual([...got].sort((a, b) => a - b));
      // Rebuilt from what arrived: byte-identical, handled once, and the sender never had to publish it again.
      expect(p.blobs).toHaveLength(1);
      expect(Buffer.compare(p.blobs[0] as Uint8Array, payload)).toBe(0);
      expect(segments).toHaveLength(n);
      expect(p.published).toHaveLength(n);
      expect(segmentIds(p.published)).toHaveLength(1);
      expect(p.errors).toEqual([]);
    },
    TEST_MS,
  );

  test(
    "SEG-2 (resend): when more than 12.5 % of the segments are lost the timer resends the envelope, re-segmented under a new id, and it is handled once",
    async () => {
      // Five of the first id's 37 segments never reach the receiving bot: 32 < k = 33, so it cannot rebuild.
      const lost = new Set([0, 7, 14, 21, 36]);
      let firstId: bigint | undefined;
      const p = await startPair({
        seed: 4,
        bots: { maxMessageBytes: SMALL_MESSAGES, reliability: { resendAfterMs: 300, maxResendDelayMs: 600 } },
        lose: (h) => {
          firstId ??= h.id;
          return h.id === firstId && lost.has(h.index);
        },
      });
      const payload = seededBytes(512 * KiB, 5);
      const handle = await p.conversation.send(blob, payload);
      await settleUntil(net.network, () => p.blobs.length === 1, "the resent blob to arrive", ARRIVE_MS);
      await handle.wait("delivered", ARRIVE_MS);
      await settleRounds(net.network, QUIET_ROUNDS);

      const ids = segmentIds(p.published);
      const first = segmentsOf(p.published, MIN_SEGMENT_BYTES, ids[0]);
      expect(first.plan.dataSegments).toBe(33);
      // Sent twice: the first time in full (the loss was at the receiver), then once more under a new id.
      expect(ids).toHaveLength(2);
      expect(first.segments).toHaveLength(first.n);
      expect(segmentsOf(p.published, MIN_SEGMENT_BYTES, ids[1]).segments).toHaveLength(first.n);
      expect(p.published).toHaveLength(2 * first.n);
      expect(p.blobs).toHaveLength(1);
      expect(Buffer.compare(p.blobs[0] as Uint8Array, payload)).toBe(0);
      expect(p.errors).toEqual([]);
    },
    TEST_MS,
  );

  test("SEG-F4: a short text is published as exactly one Waku message whose payload is the envelope", async () => {
    const p = await startPair({ seed: 6 });
    const before = net.network.stats.published;
    const handle = await p.conversation.send("hello");
    expect(net.network.stats.published - before).toBe(1);
    await settleUntil(net.network, () => p.texts.length === 1, "the text to arrive");
    await handle.wait("delivered", 5_000);

    expect(p.published).toHaveLength(1);
    const message = p.published[0] as WakuMessage;
    // Envelope version field first (0x08 0x01), not a segment header (0x01 …).
    expect([...message.payload.subarray(0, 2)]).toEqual([0x08, 0x01]);
    expect(isSegment(message)).toBe(false);
    expect(() => decodeEnvelope(message.payload)).not.toThrow();
    expect(p.texts).toEqual([{ text: "hello", seq: 1 }]);
    expect(p.errors).toEqual([]);
  });

  test(
    "SEG-F4 boundary: an envelope of exactly maxMessageBytes − 256 bytes goes whole, one byte more is segmented",
    async () => {
      const segmentBytes = 32 * KiB - WAKU_FIELDS;
      const p = await startPair({ seed: 7, bots: { maxMessageBytes: 32 * KiB } });
      const measure = async (size: number, seed: number): Promise<WakuMessage[]> => {
        const from = p.published.length;
        const handle = await p.conversation.send(blob, seededBytes(size, seed));
        await handle.wait("delivered", ARRIVE_MS);
        await settleRounds(net.network, QUIET_ROUNDS);
        return p.published.slice(from);
      };
      // The first message carries the X3DH fields (until the peer answers; the receiver's ack is that answer).
      await measure(1000, 8);
      // Envelope overhead at this size (varint lengths grow with the body, so probe just below the limit).
      const probeSize = segmentBytes - 300;
      const [probe] = await measure(probeSize, 9);
      expect(isSegment(probe as WakuMessage)).toBe(false);
      const overhead = (probe as WakuMessage).payload.length - probeSize;

      const whole = await measure(segmentBytes - overhead, 10);
      expect(whole).toHaveLength(1);
      expect((whole[0] as WakuMessage).payload.length).toBe(segmentBytes);
      expect(isSegment(whole[0] as WakuMessage)).toBe(false);

      const cut = await measure(segmentBytes - overhead + 1, 11);
      const { header, n } = segmentsOf(cut, segmentBytes);
      expect(header.payloadLength).toBe(segmentBytes + 1);
      expect(cut).toHaveLength(n);
      expect(n).toBe(10);
      expect(p.blobs).toHaveLength(4);
      expect(p.errors).toEqual([]);
    },
    TEST_MS,
  );

  test(
    "SEG-U1: with maxMessageBytes 32 KiB a 100 KiB blob goes out in segments of at most 32 KiB each and arrives",
    async () => {
      const limit = 32 * KiB;
      // The network itself refuses anything larger, as a relay with this limit would.
      const p = await startPair({ seed: 12, bots: { maxMessageBytes: limit }, networkMaxBytes: limit });
      const payload = seededBytes(100 * KiB, 13);
      const handle = await p.conversation.send(blob, payload);
      await settleUntil(net.network, () => p.blobs.length === 1, "the blob to arrive", ARRIVE_MS);
      await handle.wait("delivered", ARRIVE_MS);
      await settleRounds(net.network, QUIET_ROUNDS);

      const { segments, n } = segmentsOf(p.published, limit - WAKU_FIELDS);
      expect(n).toBe(10);
      expect(segments).toHaveLength(n);
      expect(p.published).toHaveLength(n);
      for (const m of [...p.published, ...p.acks]) expect(wireSize(m)).toBeLessThanOrEqual(limit);
      expect(Math.max(...segments.map((s) => s.payload.length))).toBeLessThanOrEqual(limit - WAKU_FIELDS);
      expect(p.blobs).toHaveLength(1);
      expect(Buffer.compare(p.blobs[0] as Uint8Array, payload)).toBe(0);
      expect(p.errors).toEqual([]);
    },
    TEST_MS,
  );
});

describe("the size cap (SEG-F3)", () => {
  /** The largest frame the bot accepts at `maxMessageBytes` (docs/segmentation.md §Where it sits). */
  const capOf = (maxMessageBytes: number) => segmentCapacity(maxMessageBytes - WAKU_FIELDS) - WAKU_FIELDS;
  /** Size of the blob frame for a body of `n` bytes, as the bot measures it before sealing. */
  const frameSize = (n: number) =>
    encodeFrame({ type: blob.wire, typeVersion: blob.version, body: new Uint8Array(n) }).length;

  test(
    "a blob above the cap is refused with InputError invalid_argument naming the sizes, before anything is sealed or published",
    async () => {
      const p = await startPair({ seed: 14 });
      const cap = capOf(WAKU_LIMIT);
      const body = cap + 1 - (frameSize(cap) - cap);
      expect(frameSize(body)).toBe(cap + 1);
      const before = net.network.stats.published;
      let error: unknown;
      try {
        await p.conversation.send(blob, new Uint8Array(body));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe("invalid_argument");
      expect((error as InputError).message).toContain(`${cap + 1} bytes`);
      expect((error as InputError).message).toContain(String(cap));
      expect(net.network.stats.published - before).toBe(0);
      expect(p.published).toEqual([]);

      // Nothing was sealed or committed: the next message is the conversation's first (seq 1) and arrives.
      const handle = await p.conversation.send("after the refusal");
      await settleUntil(net.network, () => p.texts.length === 1, "the text after the refusal");
      await handle.wait("delivered", 5_000);
      expect(p.texts).toEqual([{ text: "after the refusal", seq: 1 }]);
      expect(p.blobs).toEqual([]);
      expect(p.errors).toEqual([]);
    },
    TEST_MS,
  );

  test(
    "a blob exactly at the cap is accepted and arrives (the 256-byte envelope margin is enough)",
    async () => {
      // 16 KiB segments keep the cap small (≈ 783 KiB, 49 + 6 segments).
      const p = await startPair({ seed: 15, bots: { maxMessageBytes: SMALL_MESSAGES } });
      const cap = capOf(SMALL_MESSAGES);
      const body = cap - (frameSize(cap) - cap);
      expect(frameSize(body)).toBe(cap);
      const payload = seededBytes(body, 16);
      const handle = await p.conversation.send(blob, payload);
      await settleUntil(net.network, () => p.blobs.length === 1, "the blob at the cap", ARRIVE_MS);
      await handle.wait("delivered", ARRIVE_MS);

      const { plan, n } = segmentsOf(p.published, MIN_SEGMENT_BYTES);
      expect({ k: plan.dataSegments, m: plan.paritySegments }).toEqual({ k: 49, m: 6 });
      expect(p.published).toHaveLength(n);
      expect(Buffer.compare(p.blobs[0] as Uint8Array, payload)).toBe(0);
      expect(p.errors).toEqual([]);
    },
    TEST_MS,
  );
});

describe("segmented messages and the quota (RLM-U2)", () => {
  test(
    "a segmented message waits whole for quota: none of its segments goes while the rest cannot",
    async () => {
      // limit 25, reserve 2: the first 10-segment blob leaves 15; the second needs 10 + the 2 reserved ≤ 15, goes;
      // the third finds 5 and waits whole.
      const p = await startPair({
        seed: 17,
        bots: { maxMessageBytes: 32 * KiB, rateLimit: { limit: 25, epochSeconds: 1_000_000, reserve: 2 } },
      });
      const handles = [];
      for (let i = 0; i < 3; i++)
        handles.push(await p.conversation.send(blob, seededBytes(100 * KiB, 20 + i)));
      await settleUntil(net.network, () => p.blobs.length === 2, "two blobs to arrive", ARRIVE_MS);
      await settleRounds(net.network, QUIET_ROUNDS);

      expect(segmentIds(p.published)).toHaveLength(2);
      expect(p.published).toHaveLength(20);
      const quota = p.client.quota();
      expect({ used: quota.used, queued: quota.queued.normal }).toEqual({ used: 20, queued: 10 });
      expect(handles.map((h) => h.status)).toEqual(["delivered", "delivered", "queued"]);
      expect(p.blobs).toHaveLength(2);
      expect(p.errors).toEqual([]);
    },
    TEST_MS,
  );

  test(
    "a segmented message no epoch can take fails once: its handle fails, one failed event (not one per segment), nothing published",
    async () => {
      // limit 10, reserve 1: at most 9 normal messages per epoch, and the blob needs 10 segments.
      const p = await startPair({
        seed: 18,
        bots: { maxMessageBytes: 32 * KiB, rateLimit: { limit: 10, epochSeconds: 1_000_000 } },
      });
      const handle = await p.conversation.send(blob, seededBytes(100 * KiB, 30));
      await settleUntil(net.network, () => p.failed.length > 0, "a failed event", ARRIVE_MS);
      await settleRounds(net.network, QUIET_ROUNDS);

      expect(p.published).toEqual([]);
      expect(p.failed[0]).toMatchObject({ id: handle.id, message: "dropped: batch_too_large" });
      expect({ failedEvents: p.failed.length, status: handle.status }).toEqual({
        failedEvents: 1,
        status: "failed",
      });
      expect(p.client.quota().used).toBe(0);
      expect(p.blobs).toEqual([]);
    },
    TEST_MS,
  );
});
