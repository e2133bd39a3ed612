/** @module Benchmark group `p1`: bytes per node per message on a 20-node loopback relay network carrying real wakubot traffic, projected to P1's load (10,000 users × 4 messages a minute). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newWireCounter, type WireCounter } from "../src/waku/libp2p.ts";
import { mulberry32 } from "../src/waku/memory.ts";
import { toWakuTimestamp } from "../src/waku/message.ts";
import { type GossipParameters, WakuNode } from "../src/waku/node.ts";
import { BUCKET_TOPICS, bucketOfTag, bucketTopic } from "../src/waku/topics.ts";
import type { Figure } from "./groups.ts";
import { steadyTraffic } from "./sessions.ts";

/** P1: 10,000 users × 4 messages a minute on one shard. */
export const P1_MSGS_PER_S = (10_000 * 4) / 60;

/** One measurement of a network configuration. */
export interface P1Result {
  readonly nodes: number;
  /** Marginal bytes per node per message, the larger direction (in or out). */
  readonly bytesPerNodePerMsg: number;
  readonly bytesInPerMsg: number;
  readonly bytesOutPerMsg: number;
  /** Idle traffic per node (heartbeats, pings), bytes per second, larger direction. */
  readonly idleBytesPerS: number;
  /** Per-direction Mbps per node at P1's load. */
  readonly projectedMbps: number;
  /** Share of (message, node) pairs delivered. */
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
  readonly ratePerS: number;
  readonly seconds: number;
  readonly rounds: number;
  /** Each new node dials this many random earlier nodes. */
  readonly dials: number;
  readonly seed: number;
}

const total = (counters: WireCounter[]) =>
  counters.reduce((acc, c) => ({ in: acc.in + c.bytesIn, out: acc.out + c.bytesOut }), { in: 0, out: 0 });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/**
 * Starts a loopback network, measures idle traffic, then `rounds` load windows; returns medians.
 *
 * @example
 * const result = await runP1({ nodes: 20, ratePerS: 100, seconds: 8, rounds: 3, dials: 4, seed: 1 });
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
        const key = new TextDecoder().decode(m.message.payload.subarray(m.message.payload.length - 8));
        const at = sentAt.get(key);
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

    const perRound: { inPerMsg: number; outPerMsg: number; ratio: number }[] = [];
    const count = Math.round(options.ratePerS * options.seconds);
    const traffic = steadyTraffic(count);
    for (let round = 0; round < options.rounds; round++) {
      deliveries = 0;
      const before = total(counters);
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        const due = t0 + (i * 1000) / options.ratePerS;
        const wait = due - performance.now();
        if (wait > 0) await Bun.sleep(wait);
        const item = traffic[i] as { payload: Uint8Array; tag: Uint8Array };
        // The last 8 payload bytes (ciphertext, random-looking) identify the message for latency.
        const payload = item.payload;
        const key = new TextDecoder().decode(payload.subarray(payload.length - 8));
        sentAt.set(key, performance.now());
        const publisher = nodes[Math.floor(random() * nodes.length)] as WakuNode;
        void publisher
          .publish({
            payload,
            contentTopic: bucketTopic(bucketOfTag(item.tag)),
            timestamp: toWakuTimestamp(Date.now() + round), // distinct bytes each round
          })
          .catch(() => void failures++);
      }
      await Bun.sleep(3000);
      const after = total(counters);
      const seconds = (performance.now() - t0) / 1000;
      perRound.push({
        inPerMsg: (after.in - before.in - idleIn * options.nodes * seconds) / count / options.nodes,
        outPerMsg: (after.out - before.out - idleOut * options.nodes * seconds) / count / options.nodes,
        ratio: deliveries / (count * (options.nodes - 1)),
      });
    }
    const med = (f: (r: (typeof perRound)[number]) => number) => {
      const v = perRound.map(f).sort((a, b) => a - b);
      return v[Math.floor(v.length / 2)] as number;
    };
    const bytesInPerMsg = med((r) => r.inPerMsg);
    const bytesOutPerMsg = med((r) => r.outPerMsg);
    const bytesPerNodePerMsg = Math.max(bytesInPerMsg, bytesOutPerMsg);
    const idleBytesPerS = Math.max(idleIn, idleOut);
    latencies.sort((a, b) => a - b);
    return {
      nodes: options.nodes,
      bytesPerNodePerMsg,
      bytesInPerMsg,
      bytesOutPerMsg,
      idleBytesPerS,
      projectedMbps: ((bytesPerNodePerMsg * P1_MSGS_PER_S + idleBytesPerS) * 8) / 1e6,
      deliveryRatio: med((r) => r.ratio),
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
 * The `p1` group: 20 nodes with wakubot's default relay parameters, 30 messages a second, median of 3 windows.
 * All nodes share this process's 2 vCPUs: above ~50 msg/s they fall behind, queues grow and the byte counts
 * mix in backlog, so the load stays low and the per-message cost is projected (docs/benchmarks.md).
 *
 * @example
 * for (const f of await measureP1()) console.log(f);
 */
export async function measureP1(): Promise<Figure[]> {
  const r = await runP1({ nodes: 20, ratePerS: 30, seconds: 10, rounds: 3, dials: 4, seed: 1 });
  return [
    { bench: "p1.nodes", value: r.nodes, unit: "count" },
    { bench: "p1.bytes_per_node_per_msg", value: Math.round(r.bytesPerNodePerMsg), unit: "bytes" },
    { bench: "p1.projected_mbps", value: Number(r.projectedMbps.toFixed(2)), unit: "Mbps" },
    { bench: "p1.idle_bytes_per_node_per_s", value: Math.round(r.idleBytesPerS), unit: "bytes/s" },
    { bench: "p1.delivery_ratio", value: Number(r.deliveryRatio.toFixed(4)), unit: "ratio" },
    { bench: "p1.latency_p50_ms", value: Number(r.latencyP50Ms.toFixed(1)), unit: "ms" },
    { bench: "p1.latency_p99_ms", value: Number(r.latencyP99Ms.toFixed(1)), unit: "ms" },
    { bench: "p1.publish_failures", value: r.publishFailures, unit: "count" },
  ];
}
