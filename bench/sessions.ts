/** @module Benchmark groups `ratchet` (encrypt + decrypt throughput) and `wire` (bytes on the wire) of issues 3 and 6. */
import { generateIdentity } from "../src/account/identity.ts";
import { type CryptoProvider, generateX25519 } from "../src/crypto/provider.ts";
import { nativeProvider, nobleProvider } from "../src/crypto/providers.ts";
import { BUILTIN_WIRE } from "../src/payloads/type.ts";
import { createInviteLink, parseInviteLink } from "../src/protocol/invite.ts";
import type { RatchetState } from "../src/protocol/ratchet.ts";
import { openFrame, sealFrame } from "../src/protocol/session.ts";
import { decodeEnvelope, type Frame } from "../src/protocol/wire.ts";
import { acceptSession, initiateSession } from "../src/protocol/x3dh.ts";
import { encodeWakuMessage, toWakuTimestamp } from "../src/waku/message.ts";
import { bucketOfTag, bucketTopic } from "../src/waku/topics.ts";
import { type Figure, median } from "./groups.ts";

const ROUNDS = 5;
const TEXT = new TextEncoder().encode("x".repeat(100));
const frame = { type: 1, typeVersion: 1, body: TEXT };
/**
 * Steady-state delivery counters (docs/delivery.md): a long conversation, well past the one-byte varints. Every
 * tracked message carries its `seq` and a piggybacked `ack`; an ack-only frame carries `ack` and `sent`.
 */
const STEADY_SEQ = 1234;
/** A tracked 100-character text in steady state: seq and piggybacked ack, no selective acks. */
const steadyText = (seq: number): Frame => ({ ...frame, seq, ack: STEADY_SEQ });
/** The ack-only frame the outbox sends when no outgoing message took the ack along within `ackDelayMs`. */
const ackOnly = (ack: number): Frame => ({
  type: BUILTIN_WIRE.receipt,
  typeVersion: 1,
  body: new Uint8Array(0),
  ack,
  sent: STEADY_SEQ,
});

function pair(p: CryptoProvider) {
  const alice = generateIdentity();
  const bob = generateIdentity();
  const spk = generateX25519(p);
  const link = createInviteLink(p, bob.secretKey, {
    identityKey: bob.publicKey,
    signedPrekey: spk.publicKey,
    oneTimePrekey: undefined,
    expiresAt: undefined,
    hints: [],
    name: undefined,
  });
  const ctx = { provider: p, now: Date.now() };
  let a: RatchetState = initiateSession(
    p,
    { publicKey: alice.publicKey, seed: alice.secretKey },
    parseInviteLink(p, link, 0),
  );
  const first = sealFrame(a, frame, ctx);
  a = first.state;
  const accepted = acceptSession(
    p,
    {
      identity: { publicKey: bob.publicKey, seed: bob.secretKey },
      signedPrekeys: [spk],
      oneTimePrekey: () => undefined,
    },
    decodeEnvelope(first.payload),
    ctx,
  );
  let b = accepted.state;
  const reply = sealFrame(b, steadyText(STEADY_SEQ), ctx);
  b = reply.state;
  a = openFrame(a, reply.payload, ctx).state;
  // Alice heard back (no X3DH fields any more) and acknowledges Bob's text on its own.
  const receipt = sealFrame(a, ackOnly(STEADY_SEQ), ctx);
  a = receipt.state;
  b = openFrame(b, receipt.payload, ctx).state;
  return {
    a,
    b,
    ctx,
    link,
    firstPayload: first.payload,
    steadyPayload: reply.payload,
    receiptPayload: receipt.payload,
  };
}

function throughput(p: CryptoProvider, n: number, pingpong: boolean): number {
  let { a, b, ctx } = pair(p);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (pingpong && i % 2 === 1) {
      const s = sealFrame(b, frame, ctx);
      b = s.state;
      a = openFrame(a, s.payload, ctx).state;
    } else {
      const s = sealFrame(a, frame, ctx);
      a = s.state;
      b = openFrame(b, s.payload, ctx).state;
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Size of the WakuMessage (14/WAKU2-MESSAGE) exactly as published, on the bucket topic its tag selects. */
function wakuMessageBytes(payload: Uint8Array): number {
  const tag = decodeEnvelope(payload).tag;
  return encodeWakuMessage({
    payload,
    contentTopic: bucketTopic(bucketOfTag(tag)),
    timestamp: toWakuTimestamp(Date.now()),
  }).length;
}

/** One envelope as published: the WakuMessage payload and its conversation tag (which picks the bucket topic). */
export interface TrafficEnvelope {
  readonly payload: Uint8Array;
  readonly tag: Uint8Array;
}

/**
 * `n` user messages of one conversation in steady state, the realistic chat traffic the `p1` group relays: each a
 * 100-character text from Alice (seq counting up from 1234, piggybacked ack 1234), every other one a bot's reply
 * that announces the default ack hold (`ack_hold_s` 60, docs/delivery.md §Ack hold: two bytes more), and Bob's
 * ack-only frame for each (ack = that seq, sent 1234), sealed by Bob's ratchet as the outbox does when Bob has
 * nothing to say within `ackDelayMs`. A sender whose acks ride on replies publishes only the texts.
 *
 * @example
 * const { texts, receipts } = steadyTraffic(1000);
 */
export function steadyTraffic(n: number): { texts: TrafficEnvelope[]; receipts: TrafficEnvelope[] } {
  let { a, b, ctx } = pair(nativeProvider());
  const texts: TrafficEnvelope[] = [];
  const receipts: TrafficEnvelope[] = [];
  for (let i = 0; i < n; i++) {
    const seq = STEADY_SEQ + 1 + i;
    const reply = i % 2 === 1 ? { ackHoldSeconds: 60 } : {};
    const text = sealFrame(a, { ...steadyText(seq), ...reply }, ctx);
    a = text.state;
    texts.push({ payload: text.payload, tag: text.tag });
    const receipt = sealFrame(b, ackOnly(seq), ctx);
    b = receipt.state;
    receipts.push({ payload: receipt.payload, tag: receipt.tag });
  }
  return { texts, receipts };
}

/**
 * Ratchet throughput (median msg/s of 5 rounds) on both providers.
 *
 * @example
 * for (const f of await measureRatchet()) console.log(f);
 */
export async function measureRatchet(): Promise<Figure[]> {
  const out: Figure[] = [];
  for (const [suffix, p, n] of [
    ["", nativeProvider(), 20_000],
    [".noble", nobleProvider(), 600],
  ] as const) {
    throughput(p, Math.min(n, 2000), true); // warm-up
    const oneway = await median(ROUNDS, () => throughput(p, n, false));
    const pingpong = await median(ROUNDS, () => throughput(p, Math.floor(n / 4), true));
    out.push({ bench: `ratchet.oneway${suffix}`, value: Math.round(oneway), unit: "msg/s" });
    out.push({ bench: `ratchet.pingpong${suffix}`, value: Math.round(pingpong), unit: "msg/s" });
  }
  return out;
}

/**
 * Sizes as complete WakuMessages: the first 100-character text (X3DH fields, no delivery fields yet), a steady-state
 * one (seq and ack ≈ 1234), the steady-state ack-only frame (ack 1234, sent 1234); and an invite without hints.
 *
 * @example
 * await measureWire();
 */
export async function measureWire(): Promise<Figure[]> {
  const { link, firstPayload, steadyPayload, receiptPayload } = pair(nativeProvider());
  return [
    { bench: "wire.text100.first", value: wakuMessageBytes(firstPayload), unit: "bytes" },
    { bench: "wire.text100.steady", value: wakuMessageBytes(steadyPayload), unit: "bytes" },
    { bench: "wire.receipt", value: wakuMessageBytes(receiptPayload), unit: "bytes" },
    { bench: "wire.invite", value: link.length, unit: "chars" },
  ];
}
