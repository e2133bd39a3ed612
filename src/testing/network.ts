/** @module Test networks of real Waku nodes on loopback, in this process or as `wakubot node` child processes, started and torn down in one call. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Subprocess } from "bun";
import { NetworkError } from "../errors.ts";
import type { WireCounter } from "../waku/libp2p.ts";
import { WakuNode, type WakuNodeOptions } from "../waku/node.ts";
import type { ShardingConfig } from "../waku/topics.ts";

/** How nodes are wired: everyone to the first (star), each to the one before (line), or everyone to everyone. */
export type Topology = "star" | "line" | "full";

/** Options of `startNetwork`. */
export interface NetworkOptions {
  readonly nodes: number;
  readonly topology?: Topology;
  readonly sharding?: ShardingConfig;
  /** Give every in-process node a Store archive (default true). */
  readonly store?: boolean;
  /** Extra options for every in-process node, e.g. gossip parameters or a clock. */
  readonly node?: (index: number) => Omit<WakuNodeOptions, "peers" | "store" | "sharding"> & {
    counter?: WireCounter;
  };
}

/** A `wakubot node` child process. */
export interface ChildNode {
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  readonly process: Subprocess;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL, for crash tests. */
  kill(): void;
}

function peersFor(index: number, topology: Topology, addrs: readonly string[]): string[] {
  if (index === 0) return [];
  if (topology === "line") return [addrs[index - 1] as string];
  if (topology === "star") return [addrs[0] as string];
  return addrs.slice(0, index);
}

/** A started in-process network; `stop()` tears everything down. */
export interface LoopbackNetwork {
  readonly nodes: WakuNode[];
  /**
   * Resolves when every node has at least `min` gossipsub mesh peers on the wakubot topic. Until a relay hop has
   * grafted its mesh (one heartbeat after connecting) it forwards nothing, so tests wait for this first.
   */
  meshed(min?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `nodes` full nodes in this process, wired by `topology`, each with its own temporary Store archive.
 *
 * @example
 * const net = await startNetwork({ nodes: 5, topology: "line" });
 * await net.meshed();
 * await net.nodes[0].publish(message);
 * await net.stop();
 */
export async function startNetwork(options: NetworkOptions): Promise<LoopbackNetwork> {
  const dir = mkdtempSync(join(tmpdir(), "wakubot-net-"));
  const topology = options.topology ?? "star";
  const nodes: WakuNode[] = [];
  const addrs: string[] = [];
  const stop = async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < options.nodes; i++) {
      const extra = options.node?.(i) ?? {};
      const node = await WakuNode.start({
        backoff: { minDelayMs: 100, maxDelayMs: 2000, random: Math.random },
        ...extra,
        ...(options.sharding ? { sharding: options.sharding } : {}),
        ...(options.store === false ? {} : { store: { path: join(dir, `store-${i}.db`) } }),
        peers: peersFor(i, topology, addrs),
      });
      nodes.push(node);
      addrs.push(node.multiaddrs[0] as string);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    async meshed(min = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (nodes.some((n) => n.meshPeers() < min)) {
        if (Date.now() > deadline)
          throw new NetworkError("timeout", `network not meshed within ${timeoutMs} ms`);
        await Bun.sleep(50);
      }
    },
    stop,
  };
}

const BIN = fileURLToPath(new URL("../../bin/wakubot", import.meta.url));

async function readReady(
  proc: Subprocess<"ignore", "pipe", "pipe">,
  timeoutMs: number,
): Promise<{
  peerId: string;
  multiaddrs: string[];
}> {
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        Bun.sleep(deadline - Date.now()).then(() => undefined),
      ]);
      if (!chunk || chunk.done) break;
      buffered += decoder.decode(chunk.value, { stream: true });
      const newline = buffered.indexOf("\n");
      if (newline >= 0) {
        const event = JSON.parse(buffered.slice(0, newline)) as { event: string; message?: string };
        if (event.event !== "ready")
          throw new NetworkError("unreachable", `node failed: ${event.message ?? ""}`);
        return event as unknown as { peerId: string; multiaddrs: string[] };
      }
    }
  } finally {
    reader.releaseLock();
  }
  proc.kill("SIGKILL");
  throw new NetworkError("timeout", `wakubot node printed no ready line within ${timeoutMs} ms`);
}

/**
 * Starts `wakubot node` as a child process (same Bun binary) on a loopback port and waits for its `ready` line.
 * The data directory is created if missing; its passphrase comes from `passphrase`.
 *
 * @example
 * const a = await spawnNode({ data: dirA });
 * const b = await spawnNode({ data: dirB, peers: [a.multiaddrs[0]] });
 * b.kill(); // crash
 */
export async function spawnNode(options: {
  data: string;
  peers?: readonly string[];
  passphrase?: string;
  args?: readonly string[];
  timeoutMs?: number;
}): Promise<ChildNode> {
  const args = [BIN, "--data", options.data, "--json", "node", "--listen", "/ip4/127.0.0.1/tcp/0"];
  for (const peer of options.peers ?? []) args.push("--peer", peer);
  args.push(...(options.args ?? []));
  const proc = Bun.spawn([process.execPath, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, WAKUBOT_PASSPHRASE: options.passphrase ?? "wakubot test network" },
  });
  const ready = await readReady(proc, options.timeoutMs ?? 20_000);
  return {
    peerId: ready.peerId,
    multiaddrs: ready.multiaddrs,
    process: proc,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
    kill() {
      proc.kill("SIGKILL");
    },
  };
}
