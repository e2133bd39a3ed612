/** @module Sequence numbers and selective acknowledgements of one direction of a conversation: what the receiver has committed, what it misses, and the ack fields that tell the sender (F4, R1; docs/delivery.md §Wire fields). */
import { MAX_ACK_BITS_BYTES } from "../protocol/wire.ts";

/**
 * Encodes committed sequence numbers above `ack` as the frame's `ack_bits`: bit i (least significant first) of
 * byte j stands for seq `ack + 2 + 8j + i` (`ack + 1` is missing by definition). Trailing zero bytes are left out;
 * seqs beyond 256 above `ack + 1` do not fit and are acknowledged by a later frame.
 *
 * @example
 * encodeAckBits(3, [5, 6]); // Uint8Array [0b011]: seqs 5 and 6 committed, 4 missing
 */
export function encodeAckBits(ack: number, committedAbove: Iterable<number>): Uint8Array {
  const bits = new Uint8Array(MAX_ACK_BITS_BYTES);
  let used = 0;
  for (const seq of committedAbove) {
    const offset = seq - ack - 2;
    if (offset < 0 || offset >= MAX_ACK_BITS_BYTES * 8) continue;
    const byte = offset >> 3;
    bits[byte] = (bits[byte] as number) | (1 << (offset & 7));
    used = Math.max(used, byte + 1);
  }
  return bits.slice(0, used);
}

/**
 * The seqs a frame's `ack` / `ack_bits` acknowledge among `candidates` (the sender's unacknowledged seqs).
 *
 * @example
 * acknowledgedAmong(3, new Uint8Array([0b01]), [2, 4, 5]); // [2, 5]
 */
export function acknowledgedAmong(
  ack: number,
  ackBits: Uint8Array | undefined,
  candidates: Iterable<number>,
): number[] {
  const out: number[] = [];
  for (const seq of candidates) {
    if (seq <= ack) {
      out.push(seq);
      continue;
    }
    const offset = seq - ack - 2;
    if (!ackBits || offset < 0 || offset >= ackBits.length * 8) continue;
    if (((ackBits[offset >> 3] as number) >> (offset & 7)) & 1) out.push(seq);
  }
  return out;
}

/**
 * The highest seq a frame's `ack_bits` acknowledge, or `ack` when the bitmap is empty: holes below it are the
 * receiver's resend request.
 *
 * @example
 * highestAcknowledged(3, new Uint8Array([0b100])); // 7
 */
export function highestAcknowledged(ack: number, ackBits: Uint8Array | undefined): number {
  if (!ackBits) return ack;
  for (let byte = ackBits.length - 1; byte >= 0; byte--) {
    const b = ackBits[byte] as number;
    if (b === 0) continue;
    return ack + 2 + byte * 8 + (31 - Math.clz32(b));
  }
  return ack;
}

/** What one inbound seq changed: whether it was new, the seqs now known missing, and the missing ones it filled. */
export interface InboundChange {
  readonly duplicate: boolean;
  readonly gaps: readonly number[];
  readonly recovered: readonly number[];
}

/**
 * The receiving side of one conversation: the cumulative `ack`, committed seqs above it, the highest seq the peer
 * is known to have sent, and which missing seqs were already reported (so `gap` fires once per hole).
 *
 * @example
 * const inbound = new InboundSeqs(0, []);
 * inbound.add(2); // { duplicate: false, gaps: [1], recovered: [] }
 * inbound.add(1); // { duplicate: false, gaps: [], recovered: [1] }
 */
export class InboundSeqs {
  #ack: number;
  readonly #above = new Set<number>();
  #highest: number;
  readonly #reported = new Set<number>();

  constructor(ack: number, above: Iterable<number>) {
    this.#ack = ack;
    for (const seq of above) if (seq > ack) this.#above.add(seq);
    this.#highest = Math.max(ack, ...this.#above);
    this.#advance();
    // Restored state: its holes were reported when the seqs above them were committed, so they are not reported
    // again, and their arrival is a recovery.
    for (const seq of this.missing()) this.#reported.add(seq);
  }

  /** Every seq up to this is committed. */
  get ack(): number {
    return this.#ack;
  }

  /** Highest seq committed or known sent by the peer. @example if (frame.seq > inbound.highest) fresh(); */
  get highest(): number {
    return this.#highest;
  }

  /** No hole known: nothing above `ack` is committed or known sent. @example if (inbound.settled) forget(); */
  get settled(): boolean {
    return this.#above.size === 0 && this.#highest <= this.#ack;
  }

  /** Whether `seq` is already committed. @example inbound.has(3) */
  has(seq: number): boolean {
    return seq <= this.#ack || this.#above.has(seq);
  }

  /**
   * Records a committed seq.
   *
   * @example
   * const { gaps, recovered } = inbound.add(frame.seq);
   */
  add(seq: number): InboundChange {
    if (this.has(seq)) return { duplicate: true, gaps: [], recovered: [] };
    this.#above.add(seq);
    const recovered = this.#reported.delete(seq) ? [seq] : [];
    this.#advance();
    const gaps = this.#raise(seq);
    return { duplicate: false, gaps, recovered };
  }

  /**
   * Takes note of the peer's highest sent seq (the `sent` field of an ack-only frame): the seqs between what we
   * have and it are missing.
   *
   * @example
   * inbound.peerSent(9); // [8, 9] if 7 was the last one seen
   */
  peerSent(sent: number): number[] {
    return this.#raise(sent);
  }

  /** Seqs known missing, lowest first (at most 1,024). @example inbound.missing(); // [4] */
  missing(): number[] {
    const out: number[] = [];
    for (let seq = this.#ack + 1; seq <= this.#highest && out.length < 1024; seq++) {
      if (!this.#above.has(seq)) out.push(seq);
    }
    return out;
  }

  /**
   * The ack fields for the next frame to the peer.
   *
   * @example
   * const { ack, ackBits } = inbound.fields();
   */
  fields(): { ack: number; ackBits: Uint8Array } {
    return { ack: this.#ack, ackBits: encodeAckBits(this.#ack, this.#above) };
  }

  #advance(): void {
    while (this.#above.delete(this.#ack + 1)) this.#ack++;
  }

  /** Raises the highest known seq to `seq` and returns the holes not reported before. */
  #raise(seq: number): number[] {
    if (seq <= this.#highest) return [];
    const from = this.#highest + 1;
    this.#highest = seq;
    const gaps: number[] = [];
    // A peer cannot have sent more than the ratchet lets us skip: a bogus `sent` must not allocate millions.
    for (let s = Math.max(from, this.#ack + 1); s <= seq && gaps.length < 1024; s++) {
      if (!this.#above.has(s) && !this.#reported.has(s)) {
        this.#reported.add(s);
        gaps.push(s);
      }
    }
    return gaps;
  }
}
