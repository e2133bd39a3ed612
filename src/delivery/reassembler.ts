/** @module Rebuilds segmented payloads from any sufficient subset of their segments, in any order, within bounded memory (SEG-*; docs/segmentation.md). */
import { InputError, ProtocolError } from "../errors.ts";
import { codeFor, parseSegmentHeader, SEGMENT_HEADER_BYTES, type SegmentHeader } from "./segment.ts";

/**
 * Limits of a {@link Reassembler}. All optional.
 *
 * @example
 * new Reassembler({ maxMessages: 8, maxBytes: 16 * 1024 * 1024, ttlMs: 60_000 });
 */
export interface ReassemblerOptions {
  /** Incomplete messages kept at once; the oldest is dropped for a new one. Default 32. */
  readonly maxMessages?: number;
  /**
   * Bytes reserved for incomplete messages (k × shard size each, reserved at their first segment); the oldest
   * are dropped to make room. A single message needing more is refused with ProtocolError `too_large`.
   * Default 32 MiB.
   */
  readonly maxBytes?: number;
  /** An incomplete message is dropped this long after its first segment arrived. Default 10 minutes. */
  readonly ttlMs?: number;
  /** Clock in milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

interface Pending {
  readonly header: SegmentHeader;
  readonly shards: (Uint8Array | undefined)[];
  readonly started: number;
  readonly reserved: number;
  count: number;
}

/** How many finished message ids are remembered (so their late segments are ignored), per allowed message. */
const REMEMBERED_PER_MESSAGE = 8;

/**
 * Collects segments (from one sender; keep one per conversation) and returns each payload once enough of its
 * segments arrived, in any order. Memory is bounded by `maxMessages`, `maxBytes` and `ttlMs`; duplicates and
 * the segments still arriving after a payload was rebuilt are ignored. A malformed or inconsistent segment
 * throws ProtocolError (`malformed`, `version_unknown`, `too_large`) and leaves every message in progress as it
 * was.
 *
 * @example
 * const reassembler = new Reassembler();
 * for (const segment of received) {
 *   const payload = reassembler.add(segment);
 *   if (payload) handle(payload);
 * }
 */
export class Reassembler {
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** In order of first segment (Map keeps insertion order), so the oldest is first. */
  private readonly pending = new Map<bigint, Pending>();
  /** Ids rebuilt recently → when; insertion-ordered too. */
  private readonly finished = new Map<bigint, number>();
  private reserved = 0;

  constructor(options: ReassemblerOptions = {}) {
    const { maxMessages = 32, maxBytes = 32 * 1024 * 1024, ttlMs = 10 * 60_000, now = Date.now } = options;
    for (const [name, value] of [
      ["maxMessages", maxMessages],
      ["maxBytes", maxBytes],
      ["ttlMs", ttlMs],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new InputError("invalid_argument", `${name} must be a positive whole number, got ${value}`);
      }
    }
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  /** Messages in progress (some but not enough segments). */
  get pendingMessages(): number {
    return this.pending.size;
  }

  /** Bytes reserved for the messages in progress (never above `maxBytes`). */
  get reservedBytes(): number {
    return this.reserved;
  }

  /**
   * Takes one segment; returns the payload when this segment completes it, otherwise undefined.
   * Throws ProtocolError for a segment that is malformed or contradicts earlier segments of its message.
   */
  add(segment: Uint8Array): Uint8Array | undefined {
    const header = parseSegmentHeader(segment);
    const now = this.now();
    this.expire(now);
    if (this.finished.has(header.id)) return undefined;

    let entry = this.pending.get(header.id);
    if (entry === undefined) {
      entry = this.start(header, now);
    } else {
      const h = entry.header;
      if (
        h.dataSegments !== header.dataSegments ||
        h.paritySegments !== header.paritySegments ||
        h.payloadLength !== header.payloadLength
      ) {
        throw new ProtocolError("malformed", "segment disagrees with earlier segments of its message");
      }
    }

    const shard = segment.subarray(SEGMENT_HEADER_BYTES);
    const have = entry.shards[header.index];
    if (have !== undefined) {
      if (!equalBytes(have, shard)) {
        throw new ProtocolError("malformed", `segment ${header.index} arrived twice with different bytes`);
      }
      return undefined;
    }
    entry.shards[header.index] = shard.slice();
    entry.count++;
    if (entry.count < header.dataSegments) return undefined;
    return this.finish(header.id, entry, now);
  }

  private start(header: SegmentHeader, now: number): Pending {
    const need = header.dataSegments * header.shardBytes;
    if (need > this.maxBytes) {
      throw new ProtocolError(
        "too_large",
        `message of ${header.dataSegments} × ${header.shardBytes} bytes is above the reassembly limit of ${this.maxBytes} bytes`,
      );
    }
    for (const [id, old] of this.pending) {
      if (this.pending.size < this.maxMessages && this.reserved + need <= this.maxBytes) break;
      this.drop(id, old);
    }
    const entry: Pending = {
      header,
      shards: new Array(header.dataSegments + header.paritySegments).fill(undefined),
      started: now,
      reserved: need,
      count: 0,
    };
    this.pending.set(header.id, entry);
    this.reserved += need;
    return entry;
  }

  private finish(id: bigint, entry: Pending, now: number): Uint8Array {
    this.drop(id, entry);
    this.finished.set(id, now);
    if (this.finished.size > this.maxMessages * REMEMBERED_PER_MESSAGE) {
      this.finished.delete(this.finished.keys().next().value as bigint);
    }
    const { dataSegments: k, paritySegments: m, payloadLength, shardBytes } = entry.header;
    const data = codeFor(k, m).reconstruct(entry.shards);
    const payload = new Uint8Array(payloadLength);
    data.forEach((shard, i) => {
      const start = i * shardBytes;
      if (start < payloadLength)
        payload.set(shard.subarray(0, Math.min(shardBytes, payloadLength - start)), start);
    });
    return payload;
  }

  private drop(id: bigint, entry: Pending): void {
    this.pending.delete(id);
    this.reserved -= entry.reserved;
  }

  private expire(now: number): void {
    for (const [id, entry] of this.pending) {
      if (now - entry.started < this.ttlMs) break;
      this.drop(id, entry);
    }
    for (const [id, at] of this.finished) {
      if (now - at < this.ttlMs) break;
      this.finished.delete(id);
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
