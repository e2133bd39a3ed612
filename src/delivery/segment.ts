/** @module Segmentation of payloads above the message size limit with Reed-Solomon erasure coding (SEG-*; docs/segmentation.md). */

import { InputError, ProtocolError } from "../errors.ts";
import { ReedSolomon } from "./reed-solomon.ts";

/**
 * First byte of every segment: the segment format version. Receivers refuse other values with
 * ProtocolError `version_unknown`.
 *
 * @example
 * segment[0] === SEGMENT_VERSION; // true for every segment segmentPayload returns
 */
export const SEGMENT_VERSION = 1;

/**
 * Bytes in front of each segment's shard: version (1), message id (8), index (1), data segments k (1),
 * parity segments m (1), payload length (4, big-endian).
 *
 * @example
 * const shard = segment.subarray(SEGMENT_HEADER_BYTES);
 */
export const SEGMENT_HEADER_BYTES = 16;

/**
 * Smallest `maxSegmentBytes` accepted. From 16 KiB up, every payload from just above one segment to
 * {@link segmentCapacity} can be segmented with both guarantees (docs/segmentation.md, "Why these numbers").
 *
 * @example
 * segmentPayload(payload, { maxSegmentBytes: MIN_SEGMENT_BYTES });
 */
export const MIN_SEGMENT_BYTES = 16 * 1024;

/**
 * Default cap on the payload handed to {@link segmentPayload}. The segment size may allow less:
 * see {@link segmentCapacity}.
 *
 * @example
 * segmentPayload(payload, { maxSegmentBytes, maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES });
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Fewest data segments a segmented payload is cut into, so that there is always at least one parity segment
 * within the 12.5 % overhead bound.
 *
 * @example
 * planSegments(maxSegmentBytes + 1, maxSegmentBytes)?.dataSegments; // 9
 */
export const MIN_DATA_SEGMENTS = 9;

/**
 * Most data segments: with 50 or more, no parity count gives both "any 87.5 % rebuild" and "at most 12.5 %
 * overhead" (docs/segmentation.md). 49 data + 6 parity = 55 segments is the largest message.
 *
 * @example
 * segmentCapacity(s) === MAX_DATA_SEGMENTS * (s - SEGMENT_HEADER_BYTES); // true
 */
export const MAX_DATA_SEGMENTS = 49;

const MAX_LENGTH = 0xffff_ffff;

/**
 * How a payload is cut: `dataSegments` (k) carry the payload, `paritySegments` (m) the Reed-Solomon parity;
 * any k of the k + m segments rebuild it. Each segment is `segmentBytes` long (header + `shardBytes`), all
 * segments together `totalBytes`. A payload that fits in one segment has k = 1, m = 0, no header.
 *
 * @example
 * const { dataSegments, paritySegments, totalBytes } = planSegments(1_000_000, 153_600) as SegmentPlan;
 */
export interface SegmentPlan {
  readonly dataSegments: number;
  readonly paritySegments: number;
  readonly shardBytes: number;
  readonly segmentBytes: number;
  readonly totalBytes: number;
}

/**
 * Options of {@link segmentPayload}. Only `maxSegmentBytes` is required.
 *
 * @example
 * const options: SegmentOptions = { maxSegmentBytes: 150 * 1024 - 512 };
 */
export interface SegmentOptions {
  /** Largest segment (and largest unsegmented payload) in bytes; at least {@link MIN_SEGMENT_BYTES}. */
  readonly maxSegmentBytes: number;
  /** Larger payloads are refused with ProtocolError `too_large` before any work. Default 10 MiB. */
  readonly maxPayloadBytes?: number;
  /** Source of the 8-byte message id; default `crypto.getRandomValues`. Tests pass a seeded one. */
  readonly random?: (n: number) => Uint8Array;
}

/**
 * Parity segments for k data segments: the fewest that let any ⌈7n/8⌉ of the n = k + m segments rebuild the
 * payload (⌈7n/8⌉ ≥ k ⇔ m ≥ ⌈k/7⌉ − 1).
 *
 * @example
 * parityFor(9); // 1
 * parityFor(49); // 6
 */
export function parityFor(dataSegments: number): number {
  return Math.max(0, Math.ceil(dataSegments / 7) - 1);
}

/**
 * The largest payload that can be segmented at this segment size with both guarantees: 49 full data segments.
 *
 * @example
 * segmentCapacity(150 * 1024); // 7_525_616
 */
export function segmentCapacity(maxSegmentBytes: number): number {
  checkSegmentBytes(maxSegmentBytes);
  return MAX_DATA_SEGMENTS * (maxSegmentBytes - SEGMENT_HEADER_BYTES);
}

/**
 * How {@link segmentPayload} cuts a payload of `payloadBytes`: the fewest data segments k ≥ 9 (each shard at
 * most maxSegmentBytes − 16) with m = {@link parityFor}(k) such that all segments together are at most 9/8 of the
 * payload. `undefined` when the payload is above {@link segmentCapacity}.
 *
 * @example
 * planSegments(200_000, 153_600); // { dataSegments: 9, paritySegments: 1, shardBytes: 22223, ... }
 */
export function planSegments(payloadBytes: number, maxSegmentBytes: number): SegmentPlan | undefined {
  checkSegmentBytes(maxSegmentBytes);
  if (!Number.isInteger(payloadBytes) || payloadBytes < 0) {
    throw new InputError(
      "invalid_argument",
      `payload size must be a whole number of bytes, got ${payloadBytes}`,
    );
  }
  if (payloadBytes <= maxSegmentBytes) {
    return {
      dataSegments: 1,
      paritySegments: 0,
      shardBytes: payloadBytes,
      segmentBytes: payloadBytes,
      totalBytes: payloadBytes,
    };
  }
  const room = maxSegmentBytes - SEGMENT_HEADER_BYTES;
  for (let k = Math.max(MIN_DATA_SEGMENTS, Math.ceil(payloadBytes / room)); k <= MAX_DATA_SEGMENTS; k++) {
    const m = parityFor(k);
    const shardBytes = Math.ceil(payloadBytes / k);
    const segmentBytes = SEGMENT_HEADER_BYTES + shardBytes;
    const totalBytes = (k + m) * segmentBytes;
    // Overhead (parity + headers + padding) at most 12.5 % of the payload, in integers.
    if (8 * totalBytes <= 9 * payloadBytes) {
      return { dataSegments: k, paritySegments: m, shardBytes, segmentBytes, totalBytes };
    }
  }
  return undefined;
}

function checkSegmentBytes(maxSegmentBytes: number): void {
  if (
    !Number.isInteger(maxSegmentBytes) ||
    maxSegmentBytes < MIN_SEGMENT_BYTES ||
    maxSegmentBytes > MAX_LENGTH
  ) {
    throw new InputError(
      "invalid_argument",
      `maxSegmentBytes must be a whole number from ${MIN_SEGMENT_BYTES} to ${MAX_LENGTH}, got ${maxSegmentBytes}`,
    );
  }
}

/** Codes per (k, m), bounded so that hostile shapes cannot grow it without limit. */
const codes = new Map<number, ReedSolomon>();
const MAX_CACHED_CODES = 64;

/**
 * The Reed-Solomon code for k data and m parity segments, cached (building the matrix costs more than a small
 * message).
 *
 * @example
 * codeFor(9, 1).reconstruct(shards);
 */
export function codeFor(k: number, m: number): ReedSolomon {
  const key = k * 257 + m;
  let code = codes.get(key);
  if (code === undefined) {
    code = new ReedSolomon(k, m);
    if (codes.size >= MAX_CACHED_CODES) codes.delete(codes.keys().next().value as number);
    codes.set(key, code);
  }
  return code;
}

/**
 * Splits a payload for sending. A payload of at most `maxSegmentBytes` comes back as `[payload]`, the same
 * array, untouched and without a header. A larger one becomes k data + m parity segments of equal length
 * (≤ maxSegmentBytes): any k of them, in any order, rebuild it with a {@link Reassembler}; any 87.5 % of them
 * (rounded up to whole segments) are always enough, and all of them together are at most 12.5 % larger than the
 * payload. Headers hold a random message id and values derived from the payload length only.
 *
 * ProtocolError `too_large` above `maxPayloadBytes` (default 10 MiB) or {@link segmentCapacity}, checked first;
 * InputError `invalid_argument` for bad options.
 *
 * @example
 * const segments = segmentPayload(frameBytes, { maxSegmentBytes: 150 * 1024 - 512 });
 * for (const s of segments) await send(s);
 */
export function segmentPayload(payload: Uint8Array, options: SegmentOptions): Uint8Array[] {
  const { maxSegmentBytes, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES } = options;
  checkSegmentBytes(maxSegmentBytes);
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1 || maxPayloadBytes > MAX_LENGTH) {
    throw new InputError(
      "invalid_argument",
      `maxPayloadBytes must be a whole number from 1 to ${MAX_LENGTH}, got ${maxPayloadBytes}`,
    );
  }
  const length = payload.length;
  if (length > maxPayloadBytes) {
    throw new ProtocolError(
      "too_large",
      `payload of ${length} bytes is above the cap of ${maxPayloadBytes} bytes`,
    );
  }
  if (length <= maxSegmentBytes) return [payload];
  const plan = planSegments(length, maxSegmentBytes);
  if (plan === undefined) {
    throw new ProtocolError(
      "too_large",
      `payload of ${length} bytes is above the ${segmentCapacity(maxSegmentBytes)} bytes that ${MAX_DATA_SEGMENTS} data segments of ${maxSegmentBytes} bytes can carry`,
    );
  }
  const { dataSegments: k, paritySegments: m, shardBytes, segmentBytes } = plan;
  const id = (options.random ?? randomBytes)(8);
  if (!(id instanceof Uint8Array) || id.length < 8) {
    throw new InputError("invalid_argument", "random(8) must return at least 8 bytes");
  }
  const segments: Uint8Array[] = [];
  for (let index = 0; index < k + m; index++) {
    const segment = new Uint8Array(segmentBytes);
    segment[0] = SEGMENT_VERSION;
    segment.set(id.subarray(0, 8), 1);
    segment[9] = index;
    segment[10] = k;
    segment[11] = m;
    new DataView(segment.buffer).setUint32(12, length);
    if (index < k) {
      // Data shard: the payload slice as it is, zero-padded at the end of the last one.
      segment.set(
        payload.subarray(index * shardBytes, Math.min(length, (index + 1) * shardBytes)),
        SEGMENT_HEADER_BYTES,
      );
    }
    segments.push(segment);
  }
  const parity = codeFor(k, m).encode(segments.slice(0, k).map((s) => s.subarray(SEGMENT_HEADER_BYTES)));
  parity.forEach((shard, j) => {
    (segments[k + j] as Uint8Array).set(shard, SEGMENT_HEADER_BYTES);
  });
  return segments;
}

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/**
 * The header of one segment, as {@link parseSegmentHeader} reads it.
 *
 * @example
 * const { index, dataSegments, payloadLength } = parseSegmentHeader(segment);
 */
export interface SegmentHeader {
  /** The 8 random id bytes as one number, for map keys. */
  readonly id: bigint;
  readonly index: number;
  readonly dataSegments: number;
  readonly paritySegments: number;
  readonly payloadLength: number;
  readonly shardBytes: number;
}

/**
 * Reads and checks a segment header. ProtocolError `version_unknown` for another first byte, `malformed` for a
 * segment too short, an index out of range, a shape no Reed-Solomon code has (k < 1, k + m > 256), or a length
 * that does not match the shard size (shard = ⌈length / k⌉ exactly). Never throws anything else.
 *
 * @example
 * const header = parseSegmentHeader(segment); // throws ProtocolError for garbage
 */
export function parseSegmentHeader(segment: Uint8Array): SegmentHeader {
  if (segment.length <= SEGMENT_HEADER_BYTES) {
    throw new ProtocolError(
      "malformed",
      `segment of ${segment.length} bytes is shorter than its ${SEGMENT_HEADER_BYTES}-byte header plus one byte`,
    );
  }
  if (segment[0] !== SEGMENT_VERSION) {
    throw new ProtocolError(
      "version_unknown",
      `segment version ${segment[0]} is not one this wakubot understands`,
    );
  }
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  const id = view.getBigUint64(1);
  const index = segment[9] as number;
  const k = segment[10] as number;
  const m = segment[11] as number;
  const payloadLength = view.getUint32(12);
  const shardBytes = segment.length - SEGMENT_HEADER_BYTES;
  if (k < 1 || k + m > 256)
    throw new ProtocolError("malformed", `segment shape ${k} + ${m} is not a valid code`);
  if (index >= k + m) throw new ProtocolError("malformed", `segment index ${index} is not below ${k + m}`);
  if (payloadLength < 1 || Math.ceil(payloadLength / k) !== shardBytes) {
    throw new ProtocolError(
      "malformed",
      `payload length ${payloadLength} in ${k} data segments does not give ${shardBytes}-byte shards`,
    );
  }
  return { id, index, dataSegments: k, paritySegments: m, payloadLength, shardBytes };
}
