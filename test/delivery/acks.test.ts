import { describe, expect, test } from "bun:test";
import {
  acknowledgedAmong,
  encodeAckBits,
  highestAcknowledged,
  InboundSeqs,
} from "../../src/delivery/acks.ts";
import { ProtocolError } from "../../src/errors.ts";
import { decodeFrame, encodeFrame } from "../../src/protocol/wire.ts";
import { mulberry32 } from "../../src/waku/memory.ts";
import { expectCode } from "../support/errors.ts";
import vectors from "../vectors/delivery.json";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

describe("delivery vectors (test/vectors/delivery.json)", () => {
  test("ack_bits bitmaps", () => {
    for (const v of vectors.ack_bits) expect(hex(encodeAckBits(v.ack, v.committed))).toBe(v.ack_bits);
  });

  test("a frame with seq, ack and ack_bits is the protobuf written out by hand", () => {
    // field 1 builtin=1 (08 01), field 4 body "hi" (22 02 68 69), field 5 seq 7 (28 07), field 6 ack 3 (30 03),
    // field 7 ack_bits [03] (3a 01 03).
    expect(vectors.frames[0]?.frame).toBe("0801" + "22026869" + "2807" + "3003" + "3a0103");
  });

  test("frames encode to and decode from the vectors", () => {
    for (const v of vectors.frames) {
      const f = v as { seq?: number; ack?: number; ack_bits?: string; sent?: number; ack_hold_s?: number };
      const frame = {
        type: v.type,
        typeVersion: 1,
        body: new TextEncoder().encode(v.body),
        ...(f.seq ? { seq: f.seq } : {}),
        ...(f.ack ? { ack: f.ack } : {}),
        ...(f.ack_bits ? { ackBits: fromHex(f.ack_bits) } : {}),
        ...(f.sent ? { sent: f.sent } : {}),
        ...(f.ack_hold_s ? { ackHoldSeconds: f.ack_hold_s } : {}),
      };
      expect(hex(encodeFrame(frame))).toBe(v.frame);
      const back = decodeFrame(fromHex(v.frame));
      expect(back.seq ?? 0).toBe(f.seq ?? 0);
      expect(back.ack ?? 0).toBe(f.ack ?? 0);
      expect(hex(back.ackBits ?? new Uint8Array())).toBe(f.ack_bits ?? "");
      expect(back.sent ?? 0).toBe(f.sent ?? 0);
      expect(back.ackHoldSeconds ?? 0).toBe(f.ack_hold_s ?? 0);
    }
  });

  test("ack_hold_s is field 9, a varint of seconds: two bytes for the default 60 s", () => {
    // field 9 varint (48), 60 (3c).
    expect(vectors.frames.find((f) => "ack_hold_s" in f)?.frame).toBe(
      "0801" + "22026869" + "2805" + "3004" + "483c",
    );
  });

  test("a frame without delivery fields decodes without them (older senders)", () => {
    const back = decodeFrame(fromHex("080122026869"));
    expect(back).toEqual({ type: 1, typeVersion: 1, body: new TextEncoder().encode("hi") });
  });

  test("an ack bitmap longer than 32 bytes is malformed", () => {
    const bytes = encodeFrame({
      type: 4,
      typeVersion: 1,
      body: new Uint8Array(),
      ackBits: new Uint8Array(33),
    });
    expectCode(() => decodeFrame(bytes), ProtocolError, "malformed");
  });
});

describe("acknowledgedAmong / highestAcknowledged", () => {
  test("cumulative ack covers everything at or below it; bits cover the rest", () => {
    expect(acknowledgedAmong(3, fromHex("01"), [1, 2, 3, 4, 5, 6])).toEqual([1, 2, 3, 5]);
    expect(acknowledgedAmong(0, undefined, [1, 2])).toEqual([]);
    expect(highestAcknowledged(3, fromHex("01"))).toBe(5);
    expect(highestAcknowledged(3, fromHex("0004"))).toBe(15);
    expect(highestAcknowledged(3, fromHex("0000"))).toBe(3);
  });

  test("encode then read back is the identity for random sets (seeded)", () => {
    const random = mulberry32(42);
    for (let round = 0; round < 200; round++) {
      const ack = Math.floor(random() * 1000);
      const committed = [...new Set(Array.from({ length: 20 }, () => ack + 2 + Math.floor(random() * 256)))];
      const bits = encodeAckBits(ack, committed);
      const candidates = Array.from({ length: 300 }, (_, i) => ack - 5 + i);
      const expected = candidates.filter((s) => s <= ack || committed.includes(s));
      expect(acknowledgedAmong(ack, bits, candidates)).toEqual(expected);
    }
  });
});

describe("InboundSeqs", () => {
  test("in-order seqs advance the ack with no gaps", () => {
    const inbound = new InboundSeqs(0, []);
    for (let s = 1; s <= 5; s++)
      expect(inbound.add(s)).toEqual({ duplicate: false, gaps: [], recovered: [] });
    expect(inbound.ack).toBe(5);
    expect(inbound.fields()).toEqual({ ack: 5, ackBits: new Uint8Array() });
  });

  test("a hole is reported once, and recovered when it fills", () => {
    const inbound = new InboundSeqs(0, []);
    inbound.add(1);
    expect(inbound.add(4)).toEqual({ duplicate: false, gaps: [2, 3], recovered: [] });
    expect(inbound.add(5)).toEqual({ duplicate: false, gaps: [], recovered: [] });
    expect(inbound.missing()).toEqual([2, 3]);
    expect(inbound.fields()).toEqual({ ack: 1, ackBits: fromHex("06") });
    expect(inbound.add(3)).toEqual({ duplicate: false, gaps: [], recovered: [3] });
    expect(inbound.add(2)).toEqual({ duplicate: false, gaps: [], recovered: [2] });
    expect(inbound.ack).toBe(5);
    expect(inbound.missing()).toEqual([]);
  });

  test("duplicates are recognised below and above the ack", () => {
    const inbound = new InboundSeqs(0, []);
    inbound.add(1);
    inbound.add(3);
    expect(inbound.add(1).duplicate).toBe(true);
    expect(inbound.add(3).duplicate).toBe(true);
    expect(inbound.add(2).duplicate).toBe(false);
  });

  test("the peer's highest sent seq reveals a trailing gap", () => {
    const inbound = new InboundSeqs(2, []);
    expect(inbound.peerSent(4)).toEqual([3, 4]);
    expect(inbound.peerSent(4)).toEqual([]);
    expect(inbound.add(4).recovered).toEqual([4]);
    expect(inbound.missing()).toEqual([3]);
  });

  test("state restored from the database (ack + seqs above it) continues where it was", () => {
    const inbound = new InboundSeqs(3, [5, 7]);
    expect(inbound.missing()).toEqual([4, 6]);
    // Its holes were reported before the restart: not again, and filling one is a recovery.
    expect(inbound.add(4)).toEqual({ duplicate: false, gaps: [], recovered: [4] });
    expect(inbound.ack).toBe(5);
    expect(inbound.add(9)).toEqual({ duplicate: false, gaps: [8], recovered: [] });
    expect(inbound.add(6).recovered).toEqual([6]);
  });

  test("a bogus huge `sent` reports a bounded number of gaps", () => {
    const inbound = new InboundSeqs(0, []);
    expect(inbound.peerSent(4_000_000_000).length).toBe(1024);
  });
});
