import { afterAll, expect, test } from "bun:test";
import { bytesToHex } from "@noble/hashes/utils.js";
import { type ChildNode, spawnNode } from "../../src/testing/network.ts";
import { type RoutedMessage, toWakuTimestamp } from "../../src/waku/message.ts";
import { WakuNode } from "../../src/waku/node.ts";
import { BUCKET_TOPICS, bucketTopic } from "../../src/waku/topics.ts";
import { tempDir } from "../support/tmp.ts";

const children: ChildNode[] = [];
const locals: WakuNode[] = [];
afterAll(async () => {
  for (const c of children) c.kill();
  await Promise.allSettled(locals.map((n) => n.stop()));
});

function waitFor(node: WakuNode, text: string, ms = 8000): Promise<RoutedMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`"${text}" did not arrive`)), ms);
    const off = node.subscribe(BUCKET_TOPICS, (m) => {
      if (new TextDecoder().decode(m.message.payload) !== text) return;
      clearTimeout(timer);
      off();
      resolve(m);
    });
  });
}

const say = (text: string) => ({
  payload: new TextEncoder().encode(text),
  contentTopic: bucketTopic(4),
  timestamp: toWakuTimestamp(Date.now()),
});

test("wakubot node processes relay, survive a SIGKILL of one of them, and keep their store and peer id", async () => {
  const dirs = [tempDir(), tempDir()];
  const hub = await spawnNode({ data: dirs[0] as string });
  children.push(hub);
  const other = await spawnNode({ data: dirs[1] as string, peers: [hub.multiaddrs[0] as string] });
  children.push(other);
  const fast = { minDelayMs: 100, maxDelayMs: 500, random: () => 0.5 };
  const a = await WakuNode.start({ peers: [hub.multiaddrs[0] as string], backoff: fast });
  const b = await WakuNode.start({ peers: [other.multiaddrs[0] as string], backoff: fast });
  locals.push(a, b);
  // A relay hop forwards only to its mesh, grafted one heartbeat after connecting: wait for both edges.
  while (a.meshPeers() === 0 || b.meshPeers() === 0) await Bun.sleep(50);

  // a → hub (process) → other (process) → b: two hops through child processes.
  const first = waitFor(b, "through two processes");
  await a.publish(say("through two processes"));
  const delivered = await first;

  // Crash the second process; the first one and its neighbours carry on.
  other.kill();
  await other.process.exited;
  expect(other.process.signalCode).toBe("SIGKILL");
  const c = await WakuNode.start({ peers: [hub.multiaddrs[0] as string], backoff: fast });
  locals.push(c);
  while (c.meshPeers() === 0) await Bun.sleep(50);
  const after = waitFor(c, "after the crash");
  await a.publish(say("after the crash"));
  await after;

  // Restarted on the same data directory: same peer id, and the archive still has what it relayed before the crash.
  const again = await spawnNode({ data: dirs[1] as string });
  children.push(again);
  expect(again.peerId).toBe(other.peerId);
  const reader = await WakuNode.start({
    peers: [again.multiaddrs[0] as string],
    backoff: fast,
    storePeers: 1,
  });
  locals.push(reader);
  const found: string[] = [];
  const deadline = Date.now() + 8000;
  while (found.length === 0 && Date.now() < deadline) {
    try {
      for await (const m of reader.queryStore({
        pubsubTopic: reader.pubsubTopic,
        contentTopics: [bucketTopic(4)],
      })) {
        found.push(bytesToHex(m.hash));
      }
    } catch {
      await Bun.sleep(100); // not identified yet
    }
  }
  expect(found).toContain(bytesToHex(delivered.hash));
  await hub.stop();
  expect(hub.process.exitCode).toBe(0);
}, 60_000);
