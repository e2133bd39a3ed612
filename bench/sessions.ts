/** @module Benchmark groups `ratchet` (encrypt + decrypt throughput) and `wire` (bytes on the wire) of issue 3. */
import { generateIdentity } from "../src/account/identity.ts";
import { type CryptoProvider, generateX25519 } from "../src/crypto/provider.ts";
import { nativeProvider, nobleProvider } from "../src/crypto/providers.ts";
import { createInviteLink, parseInviteLink } from "../src/protocol/invite.ts";
import type { RatchetState } from "../src/protocol/ratchet.ts";
import { openFrame, sealFrame } from "../src/protocol/session.ts";
import { decodeEnvelope } from "../src/protocol/wire.ts";
import { acceptSession, initiateSession } from "../src/protocol/x3dh.ts";
import { encodeWakuMessage, toWakuTimestamp } from "../src/waku/message.ts";
import { bucketOfTag, bucketTopic } from "../src/waku/topics.ts";
import { type Figure, median } from "./groups.ts";

const ROUNDS = 5;
const TEXT = new TextEncoder().encode("x".repeat(100));
const frame = { type: 1, typeVersion: 1, body: TEXT };

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
  const reply = sealFrame(b, frame, ctx);
  b = reply.state;
  a = openFrame(a, reply.payload, ctx).state;
  return { a, b, ctx, link, firstPayload: first.payload, steadyPayload: reply.payload };
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

/**
 * `n` steady-state envelopes of one conversation carrying 100-character texts, with their tags: the realistic chat
 * traffic the `p1` group relays.
 *
 * @example
 * const traffic = steadyTraffic(1000);
 */
export function steadyTraffic(n: number): { payload: Uint8Array; tag: Uint8Array }[] {
  let { a } = pair(nativeProvider());
  const ctx = { provider: nativeProvider(), now: Date.now() };
  const out: { payload: Uint8Array; tag: Uint8Array }[] = [];
  for (let i = 0; i < n; i++) {
    const sealed = sealFrame(a, frame, ctx);
    a = sealed.state;
    out.push({ payload: sealed.payload, tag: sealed.tag });
  }
  return out;
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
 * Sizes: first and steady-state 100-character text as a complete WakuMessage, and an invite without hints.
 *
 * @example
 * await measureWire();
 */
export async function measureWire(): Promise<Figure[]> {
  const { link, firstPayload, steadyPayload } = pair(nativeProvider());
  return [
    { bench: "wire.text100.first", value: wakuMessageBytes(firstPayload), unit: "bytes" },
    { bench: "wire.text100.steady", value: wakuMessageBytes(steadyPayload), unit: "bytes" },
    { bench: "wire.invite", value: link.length, unit: "chars" },
  ];
}
