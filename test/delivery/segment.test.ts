import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Reassembler } from "../../src/delivery/reassembler.ts";
import {
  encodingMatrix,
  gfExp,
  gfInv,
  gfMul,
  invertMatrix,
  MAX_SHARDS,
  mulSlice,
  mulSliceXor,
  multiplyMatrices,
  ReedSolomon,
} from "../../src/delivery/reed-solomon.ts";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_DATA_SEGMENTS,
  MIN_DATA_SEGMENTS,
  MIN_SEGMENT_BYTES,
  parityFor,
  parseSegmentHeader,
  planSegments,
  SEGMENT_HEADER_BYTES,
  SEGMENT_VERSION,
  segmentCapacity,
  segmentPayload,
} from "../../src/delivery/segment.ts";
import { InputError, ProtocolError } from "../../src/errors.ts";
import { caught, expectCode } from "../support/errors.ts";
import { hex, unhex } from "../support/tmp.ts";
import vectors from "../vectors/reed-solomon.json";

const S = MIN_SEGMENT_BYTES;
/** A realistic segment size: a Waku message (150 KiB) minus room for the envelope around the segment. */
const WAKU_SEGMENT = 150 * 1024 - 512;

/** Deterministic bytes (xorshift32), fast enough for megabytes. */
function seededBytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Randomness for message ids: counter-based, so every call differs and runs repeat. */
function seededRandom(seed: number): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => seededBytes(seed * 7919 + ++counter, n);
}

/** A uniform fraction in [0, 1] (fc.double favours the ends, which the exhaustive sweeps already cover). */
const fraction = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((n) => n / 1_000_000);

const idOf = (segment: Uint8Array): string => hex(segment.subarray(1, 9));
const sum = (xs: readonly Uint8Array[]): number => xs.reduce((a, b) => a + b.length, 0);

/** Feeds segments in the given order; returns every payload the reassembler produced and when. */
function feed(r: Reassembler, segments: readonly Uint8Array[]): { payloads: Uint8Array[]; at: number[] } {
  const payloads: Uint8Array[] = [];
  const at: number[] = [];
  segments.forEach((s, i) => {
    const out = r.add(s);
    if (out !== undefined) {
      payloads.push(out);
      at.push(i);
    }
  });
  return { payloads, at };
}

// ---------------------------------------------------------------------------------------------------------------
// Reed-Solomon against published vectors
// ---------------------------------------------------------------------------------------------------------------

describe("Reed-Solomon over GF(2^8)", () => {
  test("field products and powers match Backblaze's and klauspost's published answers", () => {
    for (const c of vectors.gfMultiply.cases) expect(gfMul(c.a, c.b)).toBe(c.product);
    for (const c of vectors.gfExp.cases) expect(gfExp(c.base, c.power)).toBe(c.result);
  });

  test("slice multiply and multiply-xor match klauspost's galois_test vectors", () => {
    const input = unhex(vectors.mulSlice.input);
    const out = new Uint8Array(input.length);
    for (const step of vectors.mulSlice.steps) {
      (step.op === "mul" ? mulSlice : mulSliceXor)(step.c, input, out);
      expect(hex(out)).toBe(step.out);
    }
  });

  test("matrix product and inverse match klauspost's matrix_test vectors", () => {
    const m = (rows: number[][]) => rows.map((r) => Uint8Array.from(r));
    const plain = (rows: Uint8Array[]) => rows.map((r) => [...r]);
    for (const c of vectors.matrixMultiply.cases)
      expect(plain(multiplyMatrices(m(c.a), m(c.b)))).toEqual(c.product);
    for (const c of vectors.matrixInverse.cases) expect(plain(invertMatrix(m(c.matrix)))).toEqual(c.inverse);
  });

  test("is a field: every non-zero element has an inverse, products commute and distribute", () => {
    for (let a = 1; a < 256; a++) expect(gfMul(a, gfInv(a))).toBe(1);
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        expect(gfMul(a, b)).toBe(gfMul(b, a));
        expect(gfMul(a, b ^ 0x5a)).toBe(gfMul(a, b) ^ gfMul(a, 0x5a));
      }
    }
  });

  test("parity matches Backblaze JavaReedSolomon for every shape in the vectors", () => {
    expect(vectors.encode.length).toBeGreaterThanOrEqual(12);
    for (const v of vectors.encode) {
      const data = v.data.map(unhex);
      expect(new ReedSolomon(v.dataShards, v.parityShards).encode(data).map(hex)).toEqual(v.parity);
    }
  });

  test("generated vectors follow the documented data rule (29i + 151j + ij + 7) mod 256", () => {
    for (const v of vectors.encode.slice(1)) {
      v.data.forEach((shard, i) => {
        const expected = Uint8Array.from({ length: 8 }, (_, j) => (29 * i + 151 * j + i * j + 7) & 0xff);
        expect(shard).toBe(hex(expected));
      });
    }
  });

  test("encoding matrix is systematic: the top square is the identity", () => {
    const m = encodingMatrix(7, 3);
    for (let r = 0; r < 7; r++) for (let c = 0; c < 7; c++) expect(m[r]?.[c]).toBe(r === c ? 1 : 0);
  });

  test("5+5: every subset of up to 5 missing shards is rebuilt (Backblaze's runEncodeDecode)", () => {
    const v = vectors.encode[0] as (typeof vectors.encode)[number];
    const data = v.data.map(unhex);
    const all = [...data, ...v.parity.map(unhex)];
    const rs = new ReedSolomon(5, 5);
    let subsets = 0;
    for (let mask = 0; mask < 1 << 10; mask++) {
      let missing = 0;
      for (let b = mask; b; b >>= 1) missing += b & 1;
      if (missing > 5) continue;
      subsets++;
      const shards = all.map((s, i) => (mask & (1 << i) ? undefined : s));
      expect(rs.reconstruct(shards).map(hex)).toEqual(v.data);
    }
    expect(subsets).toBe(638);
  });

  test("every vector shape is rebuilt from any dataShards shards (seeded choices)", () => {
    for (const v of vectors.encode) {
      const all = [...v.data, ...v.parity].map(unhex);
      const rs = new ReedSolomon(v.dataShards, v.parityShards);
      fc.assert(
        fc.property(
          fc.shuffledSubarray([...all.keys()], { minLength: v.parityShards, maxLength: v.parityShards }),
          (lost) => {
            const shards = all.map((s, i) => (lost.includes(i) ? undefined : s));
            expect(rs.reconstruct(shards).map(hex)).toEqual(v.data);
          },
        ),
        { seed: 0x5e9 + v.dataShards, numRuns: v.dataShards > 100 ? 5 : 25 },
      );
    }
  });

  test("refuses impossible shapes, singular matrices and too few shards with InputError invalid_argument", () => {
    expectCode(() => new ReedSolomon(0, 1), InputError, "invalid_argument");
    expectCode(() => new ReedSolomon(200, MAX_SHARDS - 199), InputError, "invalid_argument");
    expectCode(() => new ReedSolomon(2.5, 1), InputError, "invalid_argument");
    expectCode(
      () => invertMatrix([Uint8Array.of(1, 2), Uint8Array.of(1, 2)]),
      InputError,
      "invalid_argument",
    );
    expectCode(() => gfInv(0), InputError, "invalid_argument");
    const rs = new ReedSolomon(3, 2);
    const a = Uint8Array.of(1);
    expectCode(() => rs.reconstruct([a, undefined, undefined, undefined, a]), InputError, "invalid_argument");
    expectCode(() => rs.reconstruct([a, a, a, a]), InputError, "invalid_argument");
    expectCode(() => rs.encode([a, a, Uint8Array.of(1, 2)]), InputError, "invalid_argument");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Segmentation
// ---------------------------------------------------------------------------------------------------------------

describe("segmentPayload", () => {
  test("a payload that fits in one segment comes back untouched, without a header", () => {
    for (const n of [0, 1, 100, S - 1, S]) {
      const payload = seededBytes(n + 1, n);
      const copy = payload.slice();
      const out = segmentPayload(payload, { maxSegmentBytes: S, random: () => Uint8Array.of() });
      expect(out).toHaveLength(1);
      expect(out[0]).toBe(payload);
      expect(out[0]).toEqual(copy);
    }
  });

  test("header layout: version, id, index, k, m, length (big-endian); shard follows", () => {
    const payload = seededBytes(7, S + 1);
    const id = Uint8Array.of(0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7);
    const segments = segmentPayload(payload, { maxSegmentBytes: S, random: () => id });
    // 16385 bytes → k = 9 shards of ⌈16385 / 9⌉ = 1821 bytes, m = 1.
    expect(segments).toHaveLength(10);
    segments.forEach((s, i) => {
      expect(s.length).toBe(SEGMENT_HEADER_BYTES + 1821);
      expect(hex(s.subarray(0, SEGMENT_HEADER_BYTES))).toBe(
        `01a0a1a2a3a4a5a6a7${hex(Uint8Array.of(i))}090100004001`,
      );
    });
    // Data shards are the payload slices, the last one zero-padded (9 × 1821 = 16389: 4 bytes of padding).
    expect(segments[0]?.subarray(SEGMENT_HEADER_BYTES)).toEqual(payload.subarray(0, 1821));
    expect(segments[8]?.subarray(SEGMENT_HEADER_BYTES)).toEqual(
      Uint8Array.from([...payload.subarray(8 * 1821), 0, 0, 0, 0]),
    );
    expect(segments[0]?.[0]).toBe(SEGMENT_VERSION);
    expect(parseSegmentHeader(segments[9] as Uint8Array)).toEqual({
      id: 0xa0a1a2a3a4a5a6a7n,
      index: 9,
      dataSegments: 9,
      paritySegments: 1,
      payloadLength: S + 1,
      shardBytes: 1821,
    });
  });

  test("round trip for many sizes: any order, up to m segments lost (≥ 12.5 % of them, rounded down)", () => {
    fc.assert(
      fc.property(
        fc.noBias(fc.integer({ min: S, max: 40 * 1024 })),
        fraction,
        fc.integer(),
        fc.context(),
        (maxSegmentBytes, where, seed, ctx) => {
          const cap = segmentCapacity(maxSegmentBytes);
          const size = maxSegmentBytes + 1 + Math.floor(where * (cap - maxSegmentBytes - 1));
          const payload = seededBytes(seed, size);
          const segments = segmentPayload(payload, { maxSegmentBytes, random: seededRandom(seed) });
          const n = segments.length;
          const plan = planSegments(size, maxSegmentBytes);
          const k = plan?.dataSegments as number;
          expect(n).toBe(k + (plan?.paritySegments as number));
          ctx.log(`S=${maxSegmentBytes} P=${size} k=${k} n=${n}`);
          // Keep exactly ⌈7n/8⌉ segments (the least "87.5 %" can mean), in a seeded random order.
          const keep = Math.ceil((7 * n) / 8);
          const order = fc.sample(
            fc.shuffledSubarray([...segments.keys()], { minLength: keep, maxLength: keep }),
            {
              seed,
              numRuns: 1,
            },
          )[0] as number[];
          const { payloads, at } = feed(
            new Reassembler(),
            order.map((i) => segments[i] as Uint8Array),
          );
          expect(payloads).toHaveLength(1);
          expect(at).toEqual([k - 1]); // the k-th distinct segment completes it
          expect(payloads[0]).toEqual(payload);
        },
      ),
      { seed: 0x5e6, numRuns: 80 },
    );
  });

  test("round trip at a Waku-sized segment, from just above one segment to the capacity", () => {
    const cap = segmentCapacity(WAKU_SEGMENT);
    for (const [i, size] of [
      WAKU_SEGMENT + 1,
      500_000,
      2_000_000,
      9 * (WAKU_SEGMENT - 16) + 1,
      cap,
    ].entries()) {
      const payload = seededBytes(i + 100, size);
      const segments = segmentPayload(payload, { maxSegmentBytes: WAKU_SEGMENT, random: seededRandom(i) });
      const plan = planSegments(size, WAKU_SEGMENT);
      const m = plan?.paritySegments as number;
      // Lose the first m data segments (the worst case for decoding work), deliver the rest backwards.
      const kept = segments.slice(m).reverse();
      const { payloads } = feed(new Reassembler(), kept);
      expect(payloads).toHaveLength(1);
      expect(payloads[0]).toEqual(payload);
      expect(sum(segments)).toBe(plan?.totalBytes as number);
    }
  });

  test("one segment more lost than the code allows: add returns undefined every time, never throws", () => {
    fc.assert(
      fc.property(
        fc.noBias(fc.integer({ min: S + 1, max: segmentCapacity(S) })),
        fc.integer(),
        (size, seed) => {
          const segments = segmentPayload(seededBytes(seed, size), {
            maxSegmentBytes: S,
            random: seededRandom(seed),
          });
          const k = parseSegmentHeader(segments[0] as Uint8Array).dataSegments;
          const order = fc.sample(fc.shuffledSubarray(segments, { minLength: k - 1, maxLength: k - 1 }), {
            seed,
            numRuns: 1,
          })[0] as Uint8Array[];
          const r = new Reassembler();
          for (const s of order) expect(r.add(s)).toBeUndefined();
          expect(r.pendingMessages).toBe(1);
        },
      ),
      { seed: 0x1055, numRuns: 40 },
    );
  });

  test("overhead and loss bounds hold for every payload size from S + 1 to the capacity (S = 16 KiB)", () => {
    const cap = segmentCapacity(S);
    expect(cap).toBe(49 * (S - SEGMENT_HEADER_BYTES));
    for (let size = S + 1; size <= cap; size++) checkPlan(size, S);
    expect(planSegments(cap + 1, S)).toBeUndefined();
  });

  test("overhead and loss bounds hold at a Waku-sized segment (every 97th size and every shard boundary)", () => {
    const cap = segmentCapacity(WAKU_SEGMENT);
    const room = WAKU_SEGMENT - SEGMENT_HEADER_BYTES;
    for (let size = WAKU_SEGMENT + 1; size <= cap; size += 97) checkPlan(size, WAKU_SEGMENT);
    for (let j = 1; j <= MAX_DATA_SEGMENTS; j++) {
      for (let d = -3; d <= 3; d++) {
        const size = j * room + d;
        if (size > WAKU_SEGMENT && size <= cap) checkPlan(size, WAKU_SEGMENT);
      }
    }
    expect(planSegments(cap + 1, WAKU_SEGMENT)).toBeUndefined();
  });

  test("overhead and loss bounds hold for random segment sizes and payload sizes", () => {
    fc.assert(
      fc.property(
        fc.noBias(fc.integer({ min: S, max: 64 * 1024 * 1024 })),
        fraction,
        (maxSegmentBytes, where) => {
          const cap = segmentCapacity(maxSegmentBytes);
          checkPlan(maxSegmentBytes + 1 + Math.floor(where * (cap - maxSegmentBytes - 1)), maxSegmentBytes);
          checkPlan(cap, maxSegmentBytes);
          checkPlan(maxSegmentBytes + 1, maxSegmentBytes);
        },
      ),
      { seed: 0x0e4d, numRuns: 2000 },
    );
  });

  test("the segments segmentPayload returns are exactly what the plan says", () => {
    for (const size of [S + 1, 2 * S, 14 * (S - 16) + 1, 21 * (S - 16) + 1, segmentCapacity(S)]) {
      const plan = planSegments(size, S);
      const segments = segmentPayload(seededBytes(size, size), {
        maxSegmentBytes: S,
        random: seededRandom(1),
      });
      expect(segments).toHaveLength((plan?.dataSegments as number) + (plan?.paritySegments as number));
      for (const s of segments) expect(s.length).toBe(plan?.segmentBytes as number);
      expect(8 * sum(segments)).toBeLessThanOrEqual(9 * size);
    }
  });

  test("parityFor gives the fewest parity segments for which any ⌈7n/8⌉ of n suffice", () => {
    for (let k = 1; k <= 200; k++) {
      const m = parityFor(k);
      expect(Math.ceil((7 * (k + m)) / 8)).toBeGreaterThanOrEqual(k);
      if (m > 0) expect(Math.ceil((7 * (k + m - 1)) / 8)).toBeLessThan(k);
    }
  });

  test("no data segment count above 49 can meet both bounds, even without headers or padding", () => {
    for (let k = MAX_DATA_SEGMENTS + 1; k <= 255; k++) {
      // k ≤ ⌈7n/8⌉ needs m ≥ parityFor(k); then 8n ≥ 9k, so 8 · n · (header + shard) > 9 · k · shard ≥ 9 · payload.
      expect(8 * (k + parityFor(k))).toBeGreaterThanOrEqual(9 * k);
    }
  });

  test("payloads above the cap are refused with ProtocolError too_large before any work", () => {
    let calls = 0;
    const random = (n: number) => {
      calls++;
      return new Uint8Array(n);
    };
    expectCode(
      () => segmentPayload(new Uint8Array(1001), { maxSegmentBytes: S, maxPayloadBytes: 1000, random }),
      ProtocolError,
      "too_large",
    );
    expectCode(
      () => segmentPayload(new Uint8Array(S + 1), { maxSegmentBytes: S, maxPayloadBytes: S, random }),
      ProtocolError,
      "too_large",
    );
    // Above what 49 data segments carry at this segment size (the 10 MiB default cap would allow it).
    const over = segmentCapacity(S) + 1;
    expect(over).toBeLessThan(DEFAULT_MAX_PAYLOAD_BYTES);
    const e = caught(() => segmentPayload(new Uint8Array(over), { maxSegmentBytes: S, random }));
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe("too_large");
    expect((e as ProtocolError).message).toContain(String(segmentCapacity(S)));
    // The default cap applies even where the segment size would allow more.
    const huge = 1024 * 1024;
    expect(segmentCapacity(huge)).toBeGreaterThan(DEFAULT_MAX_PAYLOAD_BYTES);
    const tooBig = new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES + 1);
    expectCode(() => segmentPayload(tooBig, { maxSegmentBytes: huge, random }), ProtocolError, "too_large");
    expect(calls).toBe(0);
    expect(segmentPayload(new Uint8Array(1000), { maxSegmentBytes: S, maxPayloadBytes: 1000 })).toHaveLength(
      1,
    );
  });

  test("bad options are InputError invalid_argument", () => {
    const p = new Uint8Array(10);
    for (const maxSegmentBytes of [0, S - 1, S + 0.5, Number.NaN, 2 ** 32]) {
      expectCode(() => segmentPayload(p, { maxSegmentBytes }), InputError, "invalid_argument");
    }
    for (const maxPayloadBytes of [0, -1, 2.5, 2 ** 32]) {
      expectCode(
        () => segmentPayload(p, { maxSegmentBytes: S, maxPayloadBytes }),
        InputError,
        "invalid_argument",
      );
    }
    expectCode(
      () => segmentPayload(new Uint8Array(S + 1), { maxSegmentBytes: S, random: () => new Uint8Array(4) }),
      InputError,
      "invalid_argument",
    );
    expectCode(() => planSegments(-1, S), InputError, "invalid_argument");
  });

  test("metadata reveals nothing: same-length payloads give headers that differ only in the random id", () => {
    fc.assert(
      fc.property(
        fc.noBias(fc.integer({ min: S + 1, max: 20 * S })),
        fc.integer(),
        fc.integer(),
        (size, a, b) => {
          fc.pre(a !== b);
          const first = segmentPayload(seededBytes(a, size), { maxSegmentBytes: S, random: seededRandom(a) });
          const second = segmentPayload(seededBytes(b, size), {
            maxSegmentBytes: S,
            random: seededRandom(b),
          });
          expect(second).toHaveLength(first.length);
          first.forEach((s, i) => {
            const t = second[i] as Uint8Array;
            expect(t.length).toBe(s.length);
            expect(hex(s.subarray(0, 1))).toBe(hex(t.subarray(0, 1)));
            expect(hex(s.subarray(9, SEGMENT_HEADER_BYTES))).toBe(hex(t.subarray(9, SEGMENT_HEADER_BYTES)));
            expect(idOf(s)).not.toBe(idOf(t));
          });
        },
      ),
      { seed: 0x3e7a, numRuns: 40 },
    );
  });

  test("the id comes from the random source, not from the content", () => {
    const id = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const a = segmentPayload(seededBytes(1, 3 * S), { maxSegmentBytes: S, random: () => id });
    const b = segmentPayload(seededBytes(2, 3 * S), { maxSegmentBytes: S, random: () => id });
    expect(idOf(a[0] as Uint8Array)).toBe(hex(id));
    expect(idOf(b[0] as Uint8Array)).toBe(hex(id));
    const same = seededBytes(3, 3 * S);
    const c = segmentPayload(same, { maxSegmentBytes: S });
    const d = segmentPayload(same, { maxSegmentBytes: S });
    expect(idOf(c[0] as Uint8Array)).not.toBe(idOf(d[0] as Uint8Array));
  });
});

/** Asserts every guarantee of docs/segmentation.md for one payload size. */
function checkPlan(size: number, maxSegmentBytes: number): void {
  const plan = planSegments(size, maxSegmentBytes);
  if (plan === undefined) throw new Error(`no plan for ${size} at ${maxSegmentBytes}`);
  const { dataSegments: k, paritySegments: m, shardBytes, segmentBytes, totalBytes } = plan;
  const n = k + m;
  const ok =
    k >= MIN_DATA_SEGMENTS &&
    k <= MAX_DATA_SEGMENTS &&
    m >= 1 &&
    // Any 87.5 % of the segments (rounded up) hold k of them; equivalently ⌊n/8⌋ may be lost.
    Math.ceil((7 * n) / 8) >= k &&
    m >= Math.floor(n / 8) &&
    // Every segment fits; all of them together are at most 12.5 % above the payload.
    segmentBytes <= maxSegmentBytes &&
    segmentBytes === SEGMENT_HEADER_BYTES + shardBytes &&
    totalBytes === n * segmentBytes &&
    8 * totalBytes <= 9 * size &&
    // Per-segment overhead: the header, plus the padding (all in the last data segment).
    SEGMENT_HEADER_BYTES + (k * shardBytes - size) <= 100 &&
    k * shardBytes >= size &&
    (k - 1) * shardBytes < size;
  if (!ok) throw new Error(`bounds broken for ${size} at ${maxSegmentBytes}: ${JSON.stringify(plan)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Reassembler
// ---------------------------------------------------------------------------------------------------------------

describe("Reassembler", () => {
  const make = (seed: number, size = 2 * S) =>
    segmentPayload(seededBytes(seed, size), { maxSegmentBytes: S, random: seededRandom(seed) });

  test("duplicates are ignored, before and after completion", () => {
    const payload = seededBytes(5, 3 * S);
    const segments = segmentPayload(payload, { maxSegmentBytes: S, random: seededRandom(5) });
    const k = parseSegmentHeader(segments[0] as Uint8Array).dataSegments;
    const r = new Reassembler();
    for (let i = 0; i < k - 1; i++) {
      expect(r.add(segments[i] as Uint8Array)).toBeUndefined();
      expect(r.add((segments[i] as Uint8Array).slice())).toBeUndefined();
    }
    expect(r.add(segments[k - 1] as Uint8Array)).toEqual(payload);
    for (const s of segments) expect(r.add(s)).toBeUndefined();
    expect(r.pendingMessages).toBe(0);
    expect(r.reservedBytes).toBe(0);
  });

  test("segments of several messages interleaved come out as their payloads", () => {
    const payloads = [1, 2, 3].map((i) => seededBytes(i, i * S + 7));
    const lists = payloads.map((p, i) => segmentPayload(p, { maxSegmentBytes: S, random: seededRandom(i) }));
    const mixed: Uint8Array[] = [];
    for (let i = 0; i < Math.max(...lists.map((l) => l.length)); i++) {
      for (const l of lists) if (l[i]) mixed.push(l[i] as Uint8Array);
    }
    const { payloads: out } = feed(new Reassembler(), mixed);
    expect(out).toHaveLength(3);
    for (const p of payloads) expect(out.some((o) => hex(o) === hex(p))).toBe(true);
  });

  test("malformed segments throw ProtocolError and leave messages in progress alone", () => {
    const segments = make(9);
    const r = new Reassembler();
    r.add(segments[0] as Uint8Array);
    const good = segments[1] as Uint8Array;
    /** `good` with `bytes` written at `at`. */
    const patched = (at: number, ...bytes: number[]): Uint8Array => {
      const s = good.slice();
      s.set(bytes, at);
      return s;
    };
    const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
    const flipped = (segments[0] as Uint8Array).slice();
    flipped[20] = (flipped[20] as number) ^ 1;
    const cases: [Uint8Array, ProtocolError["code"]][] = [
      [new Uint8Array(0), "malformed"],
      [good.subarray(0, SEGMENT_HEADER_BYTES), "malformed"],
      [patched(0, 2), "version_unknown"],
      [patched(0, 0), "version_unknown"],
      [patched(9, 10), "malformed"], // index ≥ k + m (9 + 1)
      [patched(10, 0), "malformed"], // k = 0
      [patched(10, 200, 57), "malformed"], // k + m > 256
      [patched(12, ...u32(0)), "malformed"],
      [patched(12, ...u32(2 * S + 100)), "malformed"], // would need another shard size
      [good.subarray(0, good.length - 1), "malformed"],
      // Same id, but a different shape or length than segment 0 said: inconsistent.
      [patched(10, 10, 1, ...u32(10 * (good.length - SEGMENT_HEADER_BYTES))), "malformed"],
      [patched(11, 2), "malformed"],
      [patched(12, ...u32(2 * S - 1)), "malformed"],
      // Same index again with different bytes.
      [flipped, "malformed"],
    ];
    for (const [segment, code] of cases) {
      expectCode(() => r.add(segment), ProtocolError, code);
      expect(r.pendingMessages).toBe(1);
    }
    const { payloads } = feed(r, segments.slice(1));
    expect(payloads).toEqual([seededBytes(9, 2 * S)]);
  });

  test("a message needing more than maxBytes is refused with too_large; others stay", () => {
    const r = new Reassembler({ maxBytes: 3 * S });
    const small = make(1, S + 1);
    r.add(small[0] as Uint8Array);
    expectCode(() => r.add(make(2, 4 * S)[0] as Uint8Array), ProtocolError, "too_large");
    expect(r.pendingMessages).toBe(1);
    expect(feed(r, small.slice(1)).payloads).toHaveLength(1);
  });

  test("memory bounds: never more than maxMessages or maxBytes in progress; the oldest goes first", () => {
    const r = new Reassembler({ maxMessages: 3, maxBytes: 5 * S });
    const messages = [1, 2, 3, 4, 5, 6].map((i) => make(i, S + 1 + i));
    const reservedOne = 9 * parseSegmentHeader(messages[0]?.[0] as Uint8Array).shardBytes;
    for (const m of messages) {
      r.add(m[0] as Uint8Array);
      expect(r.pendingMessages).toBeLessThanOrEqual(3);
      expect(r.reservedBytes).toBeLessThanOrEqual(5 * S);
    }
    expect(r.pendingMessages).toBe(3);
    expect(r.reservedBytes).toBeGreaterThanOrEqual(3 * reservedOne - 100);
    // Message 1 was dropped: its other 8 data segments no longer complete it (its first segment is gone).
    for (const s of (messages[0] as Uint8Array[]).slice(1, 9)) expect(r.add(s)).toBeUndefined();
    // Message 6 (recent) still completes.
    expect(feed(r, (messages[5] as Uint8Array[]).slice(1)).payloads).toHaveLength(1);

    // Byte bound: big messages evict the oldest to fit.
    const rb = new Reassembler({ maxMessages: 100, maxBytes: 5 * S });
    const big = [7, 8, 9].map((i) => make(i, 2 * S));
    for (const m of big) {
      rb.add(m[0] as Uint8Array);
      expect(rb.reservedBytes).toBeLessThanOrEqual(5 * S);
    }
    expect(rb.pendingMessages).toBe(2);
  });

  test("incomplete messages expire after ttlMs (injected clock); finished ids are forgotten too", () => {
    let now = 1_000;
    const r = new Reassembler({ ttlMs: 60_000, now: () => now });
    const first = make(21);
    const second = make(22);
    for (const s of first.slice(0, 5)) r.add(s);
    expect(r.pendingMessages).toBe(1);
    now += 59_999;
    r.add(second[0] as Uint8Array);
    expect(r.pendingMessages).toBe(2);
    now += 1;
    r.add(second[1] as Uint8Array); // first is 60 s old now: dropped
    expect(r.pendingMessages).toBe(1);
    // The rest of `first` (5 more, 4 short of k = 9 new ones) does not complete it.
    for (const s of first.slice(5)) expect(r.add(s)).toBeUndefined();
    expect(feed(r, second.slice(2)).payloads).toHaveLength(1);

    // A finished id ignores its late segments until the TTL, then they start a new (incomplete) message.
    const third = make(23, 3 * S);
    const reserveThird = 9 * parseSegmentHeader(third[9] as Uint8Array).shardBytes;
    const reserveFirst = r.reservedBytes; // the re-started `first`
    expect(feed(r, third.slice(0, 9)).payloads).toHaveLength(1);
    expect(r.add(third[9] as Uint8Array)).toBeUndefined();
    expect(r.reservedBytes).toBe(reserveFirst);
    now += 60_000; // the re-started `first` expires as well
    expect(r.add(third[9] as Uint8Array)).toBeUndefined();
    expect(r.pendingMessages).toBe(1);
    expect(r.reservedBytes).toBe(reserveThird);
  });

  test("bad options are InputError invalid_argument", () => {
    for (const o of [{ maxMessages: 0 }, { maxBytes: -1 }, { ttlMs: 1.5 }, { maxMessages: Number.NaN }]) {
      expectCode(() => new Reassembler(o), InputError, "invalid_argument");
    }
  });

  test("never throws anything but ProtocolError on arbitrary bytes", () => {
    const r = new Reassembler({ maxBytes: 1024 * 1024 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, asSegment) => {
        const input = asSegment && bytes.length > 12 ? Uint8Array.from([1, ...bytes]) : bytes;
        const e = caught(() => r.add(input));
        if (e !== undefined) expect(e).toBeInstanceOf(ProtocolError);
        expect(r.reservedBytes).toBeLessThanOrEqual(1024 * 1024);
      }),
      { seed: 0xbad5e6, numRuns: 2000 },
    );
  });
});
