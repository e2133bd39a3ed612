/** @module Benchmark group `p1`: bytes per node per user message on a 20-node loopback relay network carrying real wakubot traffic (texts, ack-only receipts), projected with repair traffic to P1's load (10,000 users × 4 messages a minute), for the worst case, the best case, and the realistic share of ack-only frames the outbox sends in a modelled chat (bench/acks.ts). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newWireCounter, type WireCounter } from "../src/waku/libp2p.ts";
import { mulberry32 } from "../src/waku/memory.ts";
import { toWakuTimestamp } from "../src/waku/message.ts";
import { type GossipParameters, WakuNode } from "../src/waku/node.ts";
import { BUCKET_TOPICS, bucketOfTag, bucketTopic } from "../src/waku/topics.ts";
import { CHAT_WITH_A_BOT, countAcks } from "./acks.ts";
import type { Figure } from "./groups.ts";
import { steadyTraffic, type TrafficEnvelope } from "./sessions.ts";

/** P1: 10,000 users × 4 messages a minute on one shard. */
export const P1_MSGS_PER_S = (10_000 * 4) / 60;
/**
 * When the worst case's ack-only frame leaves after its text. 500 ms was the outbox's `ackDelayMs` before it grew to
 * 2.5 s; kept, so the windows stay comparable with earlier runs (the byte count does not depend on it).
 */
const ACK_DELAY_MS = 500;

/** Bytes per node per user message, each direction. */
export interface Directional {
  readonly in: number;
  readonly out: number;
}

/** One measurement of a network configuration. */
export interface P1Result {
  readonly nodes: number;
  /**
   * Best case, acks ride on replies: one text envelope per user message (the text carries the piggybacked ack).
   * Marginal bytes per node per user message.
   */
  readonly piggybacked: Directional;
  /**
   * Worst case, nobody answers within `ackDelayMs`: one text envelope and one ack-only envelope per user message.
   * Marginal bytes per node per user message.
   */
  readonly withReceipt: Directional;
  /** Idle traffic per node (heartbeats, pings), bytes per second, larger direction. */
  readonly idleBytesPerS: number;
  /** Share of (envelope, node) pairs delivered, median over all rounds of both cases. */
  readonly deliveryRatio: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Publishes that failed (no relay peer); any is a broken run. */
  readonly publishFailures: number;
}

/** Knobs of one run. */
export interface P1Options {
  readonly nodes: number;
  readonly gossip?: Partial<GossipParameters>;
  /** Envelopes a second in both cases (the worst case carries half as many user messages). */
  readonly ratePerS: number;
  readonly seconds: number;
  /** Rounds per case; the two cases alternate. */
  readonly rounds: number;
  /** Each new node dials this many random earlier nodes. */
  readonly dials: number;
  readonly seed: number;
}

/**
 * Expected extra envelopes per user message at envelope loss `p` (each envelope independently lost with
 * probability p before it reaches the recipient's node):
 * - the text is resent (resendAfterMs, doubling) until an ack for it arrives, so an attempt succeeds when the text
 *   and its ack both arrive, with probability (1−p)²: `texts` = 1/(1−p)² − 1 ≈ 2p extra texts;
 * - every copy that arrives is acked (the first ack as usual, copies by a re-ack: reAckMs 5 s < resendAfterMs 10 s),
 *   so by Wald's identity (1−p)/(1−p)² = 1/(1−p) acks go in all: `acks` = 1/(1−p) − 1 = p/(1−p) extra ack-only
 *   frames. Re-acks are ack-only even where the first ack rode on a reply.
 * Fast resends asked for by selective acks replace timed resends rather than add to them. Store re-queries of
 * repair mode are request/response to a Store node, not relay traffic, and are not counted.
 *
 * @example
 * repairEnvelopes(0.01); // { texts: 0.0203, acks: 0.0101 }
 */
export function repairEnvelopes(p: number): { texts: number; acks: number } {
  return { texts: 1 / (1 - p) ** 2 - 1, acks: 1 / (1 - p) - 1 };
}

/**
 * Per-direction bytes per node per user message when `receipts` ack-only envelopes go per user message (1: the
 * worst case, 0: every ack piggybacked, or a measured share), repair at loss `p` included.
 */
export function bytesPerUserMessage(r: P1Result, receipts: number, p: number): Directional {
  const extra = repairEnvelopes(p);
  const one = (dir: "in" | "out") => {
    const text = r.piggybacked[dir];
    const receipt = r.withReceipt[dir] - text;
    return text + receipts * receipt + extra.texts * text + extra.acks * receipt;
  };
  return { in: one("in"), out: one("out") };
}

/**
 * Projected Mbps per node at P1's load, the larger direction: `bytes per user message × 667/s + idle`.
 *
 * @example
 * projectedMbps(result, 1, 0.01);
 */
export function projectedMbps(r: P1Result, receipts: number, p: number): number {
  const b = bytesPerUserMessage(r, receipts, p);
  return ((Math.max(b.in, b.out) * P1_MSGS_PER_S + r.idleBytesPerS) * 8) / 1e6;
}

const total = (counters: WireCounter[]) =>
  counters.reduce((acc, c) => ({ in: acc.in + c.bytesIn, out: acc.out + c.bytesOut }), { in: 0, out: 0 });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function middle(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)] as number;
}

/**
 * Starts a loopback network, measures idle traffic, then `rounds` load windows of each case (texts only; texts
 * each followed `ackDelayMs` later by the recipient's ack-only frame from another node), alternating; returns
 * medians.
 *
 * @example
 * const result = await runP1({ nodes: 20, ratePerS: 30, seconds: 8, rounds: 3, dials: 4, seed: 1 });
 */
export async function runP1(options: P1Options): Promise<P1Result> {
  const random = mulberry32(options.seed);
  const dir = mkdtempSync(join(tmpdir(), "wakubot-p1-"));
  const counters: WireCounter[] = [];
  const nodes: WakuNode[] = [];
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let deliveries = 0;
  let failures = 0;
  // The last 8 payload bytes (ciphertext, random-looking) identify an envelope for latency.
  const keyOf = (payload: Uint8Array) => new TextDecoder().decode(payload.subarray(payload.length - 8));
  try {
    for (let i = 0; i < options.nodes; i++) {
      const peers = new Set<string>();
      for (let k = 0; k < Math.min(i, options.dials); k++) {
        peers.add(nodes[Math.floor(random() * i)]?.multiaddrs[0] as string);
      }
      const counter = newWireCounter();
      counters.push(counter);
      const node = await WakuNode.start({
        peers: [...peers],
        store: { path: join(dir, `store-${i}.db`) },
        counter,
        ...(options.gossip ? { gossip: options.gossip } : {}),
      });
      node.subscribe(BUCKET_TOPICS, (m) => {
        const at = sentAt.get(keyOf(m.message.payload));
        deliveries++;
        if (at !== undefined) latencies.push(performance.now() - at);
      });
      nodes.push(node);
    }
    const deadline = Date.now() + 30_000;
    while (nodes.some((n) => n.meshPeers() < 2) && Date.now() < deadline) await Bun.sleep(100);
    await Bun.sleep(3000);

    const idleStart = total(counters);
    const idleT0 = performance.now();
    await Bun.sleep(5000);
    const idleEnd = total(counters);
    const idleSeconds = (performance.now() - idleT0) / 1000;
    const idleIn = (idleEnd.in - idleStart.in) / idleSeconds / options.nodes;
    const idleOut = (idleEnd.out - idleStart.out) / idleSeconds / options.nodes;

    const envelopes = Math.round(options.ratePerS * options.seconds);
    const traffic = steadyTraffic(envelopes);
    const randomNode = (except?: WakuNode): WakuNode => {
      for (;;) {
        const node = nodes[Math.floor(random() * nodes.length)] as WakuNode;
        if (node !== except || nodes.length < 2) return node;
      }
    };
    const publish = (node: WakuNode, item: TrafficEnvelope, stamp: number) => {
      sentAt.set(keyOf(item.payload), performance.now());
      void node
        .publish({
          payload: item.payload,
          contentTopic: bucketTopic(bucketOfTag(item.tag)),
          timestamp: toWakuTimestamp(Date.now() + stamp), // distinct bytes each round
        })
        .catch(() => void failures++);
    };

    type Round = { in: number; out: number; ratio: number };
    const cases: Record<"piggybacked" | "withReceipt", Round[]> = { piggybacked: [], withReceipt: [] };
    let stamp = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (const name of ["piggybacked", "withReceipt"] as const) {
        stamp++;
        const receipts = name === "withReceipt";
        const users = receipts ? Math.round(envelopes / 2) : envelopes;
        const userRate = receipts ? options.ratePerS / 2 : options.ratePerS;
        // Each user message: its text at once from a random node; in the worst case the recipient's ack-only
        // frame ackDelayMs later from another node.
        const events: { at: number; item: TrafficEnvelope; from: WakuNode }[] = [];
        for (let i = 0; i < users; i++) {
          const at = (i * 1000) / userRate;
          const sender = randomNode();
          events.push({ at, item: traffic.texts[i] as TrafficEnvelope, from: sender });
          if (receipts) {
            events.push({
              at: at + ACK_DELAY_MS,
              item: traffic.receipts[i] as TrafficEnvelope,
              from: randomNode(sender),
            });
          }
        }
        events.sort((a, b) => a.at - b.at);
        deliveries = 0;
        const before = total(counters);
        const t0 = performance.now();
        for (const event of events) {
          const wait = t0 + event.at - performance.now();
          if (wait > 0) await Bun.sleep(wait);
          publish(event.from, event.item, stamp);
        }
        await Bun.sleep(3000);
        const after = total(counters);
        const seconds = (performance.now() - t0) / 1000;
        cases[name].push({
          in: (after.in - before.in - idleIn * options.nodes * seconds) / users / options.nodes,
          out: (after.out - before.out - idleOut * options.nodes * seconds) / users / options.nodes,
          ratio: deliveries / (events.length * (options.nodes - 1)),
        });
      }
    }
    const directional = (rounds: Round[]): Directional => ({
      in: middle(rounds.map((r) => r.in)),
      out: middle(rounds.map((r) => r.out)),
    });
    latencies.sort((a, b) => a - b);
    return {
      nodes: options.nodes,
      piggybacked: directional(cases.piggybacked),
      withReceipt: directional(cases.withReceipt),
      idleBytesPerS: Math.max(idleIn, idleOut),
      deliveryRatio: middle([...cases.piggybacked, ...cases.withReceipt].map((r) => r.ratio)),
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP99Ms: percentile(latencies, 0.99),
      publishFailures: failures,
    };
  } finally {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The realistic case: ack-only envelopes per user message that the real outbox sends in {@link CHAT_WITH_A_BOT}
 * (median of 3 seeds) with the default reliability, without the ack hold of replies (`replyAckHoldMs: 0`, the
 * behaviour before it), and with read receipts (then
 * read receipts and ack-only envelopes together, per user message).
 */
async function measureChatAcks(): Promise<{ acks: number; acksNoHold: number; withReadReceipts: number }> {
  const run = async (seed: number, replyAckHoldMs: number | undefined, readReceipts: boolean) => {
    const c = await countAcks({
      model: { ...CHAT_WITH_A_BOT, readReceipts },
      reliability: replyAckHoldMs === undefined ? {} : { replyAckHoldMs },
      timeScale: 10,
      clients: 3,
      conversationsPerClient: 10,
      messages: 8,
      seed,
    });
    return { acks: c.ackOnly / c.texts, extra: (c.ackOnly + c.readReceipts) / c.texts };
  };
  const seeds = [1, 2, 3];
  const acks: number[] = [];
  const acksNoHold: number[] = [];
  const withReadReceipts: number[] = [];
  for (const seed of seeds) {
    acks.push((await run(seed, undefined, false)).acks);
    acksNoHold.push((await run(seed, 0, false)).acks);
    withReadReceipts.push((await run(seed, undefined, true)).extra);
  }
  return { acks: middle(acks), acksNoHold: middle(acksNoHold), withReadReceipts: middle(withReadReceipts) };
}

/**
 * Envelope loss rates the `p1` group also projects repair traffic for, besides the measured one: fractions in
 * `WAKUBOT_BENCH_P1_LOSS` (comma-separated, e.g. `0.02,0.1`), default 1 % and 5 %.
 */
function assumedLosses(): number[] {
  const raw = process.env.WAKUBOT_BENCH_P1_LOSS ?? "0.01,0.05";
  return raw
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((p) => Number.isFinite(p) && p > 0 && p < 1);
}

/**
 * The `p1` group: 20 nodes with wakubot's default relay parameters, 30 envelopes a second, median of 3 windows per
 * traffic case. All nodes share this process's 2 vCPUs: above ~50 msg/s they fall behind, queues grow and the byte
 * counts mix in backlog, so the load stays low and the per-message cost is projected (docs/benchmarks.md).
 *
 * Headline figures are per user message in the worst case (text + ack-only frame) with repair at the measured
 * loss; `.piggybacked` is the best case (acks ride on replies); `.realistic` has the measured share of ack-only
 * frames of a chat with a bot (`p1.acks_per_msg.realistic`); `.loss_Npct` adds repair traffic at an assumed
 * envelope loss of N %.
 *
 * @example
 * for (const f of await measureP1()) console.log(f);
 */
export async function measureP1(): Promise<Figure[]> {
  const r = await runP1({ nodes: 20, ratePerS: 30, seconds: 10, rounds: 3, dials: 4, seed: 1 });
  const chat = await measureChatAcks();
  const loss = Math.max(0, 1 - r.deliveryRatio);
  const larger = (d: Directional) => Math.round(Math.max(d.in, d.out));
  const mbps = (value: number) => Number(value.toFixed(2));
  const receiptBytes = {
    in: r.withReceipt.in - r.piggybacked.in,
    out: r.withReceipt.out - r.piggybacked.out,
  };
  const figures: Figure[] = [
    { bench: "p1.nodes", value: r.nodes, unit: "count" },
    {
      bench: "p1.bytes_per_node_per_msg",
      value: larger(bytesPerUserMessage(r, 1, loss)),
      unit: "bytes",
    },
    {
      bench: "p1.bytes_per_node_per_msg.piggybacked",
      value: larger(bytesPerUserMessage(r, 0, loss)),
      unit: "bytes",
    },
    {
      bench: "p1.bytes_per_node_per_msg.realistic",
      value: larger(bytesPerUserMessage(r, chat.acks, loss)),
      unit: "bytes",
    },
    { bench: "p1.bytes_per_node_per_receipt", value: larger(receiptBytes), unit: "bytes" },
    { bench: "p1.projected_mbps", value: mbps(projectedMbps(r, 1, loss)), unit: "Mbps" },
    { bench: "p1.projected_mbps.piggybacked", value: mbps(projectedMbps(r, 0, loss)), unit: "Mbps" },
    { bench: "p1.projected_mbps.realistic", value: mbps(projectedMbps(r, chat.acks, loss)), unit: "Mbps" },
    {
      bench: "p1.projected_mbps.realistic.no_ack_hold",
      value: mbps(projectedMbps(r, chat.acksNoHold, loss)),
      unit: "Mbps",
    },
    { bench: "p1.acks_per_msg.realistic", value: Number(chat.acks.toFixed(3)), unit: "ratio" },
    {
      bench: "p1.acks_per_msg.realistic.no_ack_hold",
      value: Number(chat.acksNoHold.toFixed(3)),
      unit: "ratio",
    },
    {
      bench: "p1.envelopes_per_msg.realistic.read_receipts",
      value: Number(chat.withReadReceipts.toFixed(3)),
      unit: "ratio",
    },
  ];
  for (const p of assumedLosses()) {
    const suffix = `loss_${Number((p * 100).toFixed(2))}pct`;
    figures.push(
      { bench: `p1.projected_mbps.${suffix}`, value: mbps(projectedMbps(r, 1, p)), unit: "Mbps" },
      {
        bench: `p1.projected_mbps.piggybacked.${suffix}`,
        value: mbps(projectedMbps(r, 0, p)),
        unit: "Mbps",
      },
      {
        bench: `p1.projected_mbps.realistic.${suffix}`,
        value: mbps(projectedMbps(r, chat.acks, p)),
        unit: "Mbps",
      },
    );
  }
  figures.push(
    { bench: "p1.idle_bytes_per_node_per_s", value: Math.round(r.idleBytesPerS), unit: "bytes/s" },
    { bench: "p1.delivery_ratio", value: Number(r.deliveryRatio.toFixed(4)), unit: "ratio" },
    { bench: "p1.loss_measured", value: Number(loss.toFixed(4)), unit: "ratio" },
    { bench: "p1.latency_p50_ms", value: Number(r.latencyP50Ms.toFixed(1)), unit: "ms" },
    { bench: "p1.latency_p99_ms", value: Number(r.latencyP99Ms.toFixed(1)), unit: "ms" },
    { bench: "p1.publish_failures", value: r.publishFailures, unit: "count" },
  );
  return figures;
}
