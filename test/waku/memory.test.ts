import { describe, expect, test } from "bun:test";
import { NetworkError } from "../../src/errors.ts";
import { MEMORY_STORE, type MemoryDelivery, MemoryNetwork } from "../../src/waku/memory.ts";
import {
  messageHash,
  type RoutedMessage,
  toWakuTimestamp,
  type WakuMessage,
} from "../../src/waku/message.ts";
import { bucketTopic, DEFAULT_SHARDING, routeOf } from "../../src/waku/topics.ts";

const T0 = 1_800_000_000_000;
const clock = () => T0;
const topic = bucketTopic(1);

function msg(i: number, extra: Partial<WakuMessage> = {}): WakuMessage {
  return {
    payload: new TextEncoder().encode(`m${i}`),
    contentTopic: topic,
    timestamp: toWakuTimestamp(T0 - 10_000 + i),
    ...extra,
  };
}

const text = (m: RoutedMessage) => new TextDecoder().decode(m.message.payload);

function inbox(member: MemoryDelivery, topics: readonly string[] = [topic]): string[] {
  const got: string[] = [];
  member.subscribe(topics, (m) => got.push(text(m)));
  return got;
}

async function publishAll(from: MemoryDelivery, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await from.publish(msg(i));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function collect(it: AsyncIterable<RoutedMessage>): Promise<string[]> {
  const out: string[] = [];
  for await (const m of it) out.push(text(m));
  return out;
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);

describe("MemoryNetwork without faults", () => {
  test("delivers to other subscribers in publish order, never inside publish", async () => {
    const net = new MemoryNetwork({ now: clock });
    const [a, b, c] = [net.join("a"), net.join("b"), net.join("c")];
    const fromA = inbox(a);
    const fromB = inbox(b);
    inbox(c, [bucketTopic(2)]);
    const receipt = await a.publish(msg(0));
    expect(fromB).toEqual([]);
    expect(receipt.hash).toEqual(messageHash(routeOf(bucketTopic(0), DEFAULT_SHARDING), msg(0)));
    expect(receipt.peers).toBe(3); // b, c and the store
    for (let i = 1; i < 100; i++) await a.publish(msg(i));
    await net.settle();
    expect(fromB).toEqual(names(100));
    expect(fromA).toEqual([]);
    expect(net.stats).toMatchObject({ published: 100, delivered: 100, dropped: 0, archived: 100 });
    expect(a.status()).toEqual({ mode: "memory", connectedPeers: 3, publishPeers: 3 });
  });

  test("settle waits for replies that handlers publish after a timer tick", async () => {
    const net = new MemoryNetwork({ now: clock });
    const [a, b] = [net.join("a"), net.join("b")];
    b.subscribe([topic], async (m) => {
      await Bun.sleep(0); // a handler doing async work before it replies
      await b.publish(msg(1000, { contentTopic: bucketTopic(2), payload: m.message.payload }));
    });
    const replies = inbox(a, [bucketTopic(2)]);
    await publishAll(a, 3);
    await net.settle();
    expect(replies).toEqual(names(3));
  });

  test("unsubscribing stops deliveries", async () => {
    const net = new MemoryNetwork({ now: clock });
    const [a, b] = [net.join("a"), net.join("b")];
    const got: string[] = [];
    const off = b.subscribe([topic], (m) => got.push(text(m)));
    await a.publish(msg(0));
    await net.settle();
    off();
    await a.publish(msg(1));
    await net.settle();
    expect(got).toEqual(["m0"]);
  });
});

describe("faults", () => {
  async function dropRun(seed: number): Promise<string[]> {
    const net = new MemoryNetwork({ seed, now: clock, faults: { drop: 0.2 } });
    const [a, b] = [net.join("a"), net.join("b")];
    const got = inbox(b);
    await publishAll(a, 2000);
    await net.settle();
    expect(net.stats.dropped + net.stats.delivered).toBe(2000);
    expect(net.stats.dropped).toBe(2000 - got.length);
    return got;
  }

  test("drop rate follows the configuration and the seed alone decides", async () => {
    const first = await dropRun(7);
    expect(first.length).toBeGreaterThan(2000 * 0.76);
    expect(first.length).toBeLessThan(2000 * 0.84);
    expect(await dropRun(7)).toEqual(first);
    expect(await dropRun(8)).not.toEqual(first);
  });

  test("duplicates are delivered, not removed", async () => {
    const net = new MemoryNetwork({ seed: 3, now: clock, faults: { duplicate: 0.3 } });
    const [a, b] = [net.join("a"), net.join("b")];
    const hashes: string[] = [];
    b.subscribe([topic], (m) => hashes.push(m.hash.toString()));
    await publishAll(a, 200);
    await net.settle();
    expect(net.stats.duplicated).toBeGreaterThan(30);
    expect(hashes.length).toBe(200 + net.stats.duplicated);
    expect(new Set(hashes).size).toBe(200);
  });

  test("reorder changes the order but loses nothing", async () => {
    const net = new MemoryNetwork({ seed: 5, now: clock, faults: { reorder: 0.2 } });
    const [a, b] = [net.join("a"), net.join("b")];
    const got = inbox(b);
    await publishAll(a, 200);
    await net.settle();
    expect(net.stats.reordered).toBeGreaterThan(10);
    expect(got).not.toEqual(names(200));
    expect([...got].sort()).toEqual(names(200).sort());
  });

  test("a held-back last message still arrives", async () => {
    const net = new MemoryNetwork({ now: clock, faults: { reorder: 1 } });
    const [a, b] = [net.join("a"), net.join("b")];
    const got = inbox(b);
    await a.publish(msg(0));
    await net.settle();
    expect(got).toEqual(["m0"]);
  });

  test("delay holds deliveries for real time; setFaults changes it", async () => {
    const net = new MemoryNetwork({ now: clock, faults: { delayMs: 60 } });
    const [a, b] = [net.join("a"), net.join("b")];
    const got = inbox(b);
    const arrivals: number[] = [];
    b.subscribe([topic], () => arrivals.push(performance.now()));
    const start = performance.now();
    await publishAll(a, 3);
    await Bun.sleep(5);
    if (performance.now() - start < 50) expect(got).toEqual([]);
    await net.settle();
    expect(got).toEqual(names(3));
    for (const t of arrivals) expect(t - start).toBeGreaterThanOrEqual(60);
    net.setFaults({ delayMs: [0, 20] });
    await publishAll(a, 50);
    await net.settle();
    expect([...got.slice(3)].sort()).toEqual(names(50).sort());
  });
});

describe("partitions", () => {
  test("block delivery both ways, heal restores it, the store keeps everything", async () => {
    const net = new MemoryNetwork({ now: clock });
    const [a, b, c] = [net.join("a"), net.join("b"), net.join("c")];
    const [inA, inB, inC] = [inbox(a), inbox(b), inbox(c)];
    net.partition([["a", "b"], ["c"]]);
    expect(c.status().publishPeers).toBe(1); // only the store
    await a.publish(msg(1));
    await c.publish(msg(2));
    await net.settle();
    expect(inB).toEqual(["m1"]);
    expect(inC).toEqual([]);
    expect(inA).toEqual([]);
    expect(net.stats.partitioned).toBe(3);
    expect(await collect(c.queryStore({ pubsubTopic: c.pubsubTopic }))).toEqual(["m1", "m2"]);
    net.heal();
    await a.publish(msg(3));
    await net.settle();
    expect(inC).toEqual(["m3"]);
    expect(inB).toEqual(["m1", "m3"]);
  });

  test("a member cut off from every peer and the store cannot publish or query", async () => {
    const net = new MemoryNetwork({ now: clock });
    const [a, b] = [net.join("a"), net.join("b")];
    const inB = inbox(b);
    net.partition([["a"], ["b", MEMORY_STORE]]);
    const e = await rejection(a.publish(msg(0)));
    expect(e).toBeInstanceOf(NetworkError);
    expect((e as NetworkError).code).toBe("unreachable");
    const q = await rejection(collect(a.queryStore({ pubsubTopic: a.pubsubTopic })));
    expect((q as NetworkError).code).toBe("unreachable");
    expect(a.status().publishPeers).toBe(0);
    await b.publish(msg(1));
    net.heal();
    await net.settle();
    expect(inB).toEqual([]);
    expect(await collect(a.queryStore({ pubsubTopic: a.pubsubTopic }))).toEqual(["m1"]);
  });

  test("a lone member still reaches the store", async () => {
    const net = new MemoryNetwork({ now: clock });
    const a = net.join();
    expect((await a.publish(msg(0))).peers).toBe(1);
    expect(await collect(a.queryStore({ pubsubTopic: a.pubsubTopic }))).toEqual(["m0"]);
  });
});

describe("store queries", () => {
  async function filled(): Promise<{ net: MemoryNetwork; a: MemoryDelivery; hashes: Uint8Array[] }> {
    const net = new MemoryNetwork({ now: clock, faults: { drop: 1 } });
    const a = net.join("a");
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await a.publish(msg(i, { contentTopic: bucketTopic(i % 2) }));
      hashes.push(r.hash);
    }
    await a.publish(msg(6, { ephemeral: true }));
    await a.publish(msg(0, { contentTopic: bucketTopic(0) })); // same hash: archived once
    return { net, a, hashes };
  }

  test("filters by content topic, time range and hashes, in either direction", async () => {
    const { a, net, hashes } = await filled();
    const pubsubTopic = a.pubsubTopic;
    expect(net.stats.archived).toBe(6);
    expect(await collect(a.queryStore({ pubsubTopic }))).toEqual(names(6));
    expect(await collect(a.queryStore({ pubsubTopic, forward: false }))).toEqual(names(6).reverse());
    expect(await collect(a.queryStore({ pubsubTopic, contentTopics: [bucketTopic(1)] }))).toEqual([
      "m1",
      "m3",
      "m5",
    ]);
    const timeStart = msg(2).timestamp;
    const timeEnd = msg(4).timestamp;
    expect(await collect(a.queryStore({ pubsubTopic, timeStart, timeEnd }))).toEqual(["m2", "m3", "m4"]);
    expect(
      await collect(
        a.queryStore({ pubsubTopic, timeStart, contentTopics: [bucketTopic(0)], forward: false }),
      ),
    ).toEqual(["m4", "m2"]);
    const picked = [hashes[5], hashes[1]] as Uint8Array[];
    expect(await collect(a.queryStore({ pubsubTopic, hashes: picked }))).toEqual(["m1", "m5"]);
    expect(await collect(a.queryStore({ pubsubTopic: "/waku/2/rs/9/9" }))).toEqual([]);
  });

  test("storeLoss makes the store miss messages", async () => {
    const net = new MemoryNetwork({ seed: 2, now: clock, faults: { storeLoss: 0.5 } });
    const a = net.join("a");
    await publishAll(a, 100);
    const stored = await collect(a.queryStore({ pubsubTopic: a.pubsubTopic }));
    expect(stored.length).toBe(net.stats.archived);
    expect(stored.length).toBeGreaterThan(30);
    expect(stored.length).toBeLessThan(70);
  });
});

describe("members", () => {
  test("a stopped member receives nothing, cannot publish, and its name can be reused", async () => {
    const net = new MemoryNetwork({ now: clock });
    const [a, b] = [net.join("a"), net.join("b")];
    const inB = inbox(b);
    await a.publish(msg(0));
    await b.stop();
    await a.publish(msg(1));
    await net.settle();
    expect(inB).toEqual([]);
    expect(a.status().connectedPeers).toBe(1);
    expect(b.status().connectedPeers).toBe(0);
    expect(((await rejection(b.publish(msg(2)))) as NetworkError).code).toBe("unreachable");
    expect(() => net.join("a")).toThrow();
    const b2 = net.join("b");
    const inB2 = inbox(b2);
    await a.publish(msg(3));
    await net.settle();
    expect(inB2).toEqual(["m3"]);
  });

  test("relay checks: oversized and far-future messages are refused with unreachable", async () => {
    const net = new MemoryNetwork({ now: clock });
    const a = net.join("a");
    const tooBig = await rejection(a.publish(msg(0, { payload: new Uint8Array(151 * 1024) })));
    expect(tooBig).toBeInstanceOf(NetworkError);
    expect((tooBig as NetworkError).code).toBe("unreachable");
    const future = await rejection(a.publish(msg(0, { timestamp: toWakuTimestamp(T0 + 60_000) })));
    expect(future).toBeInstanceOf(NetworkError);
    expect((future as NetworkError).code).toBe("unreachable");
    const badTopic = await rejection(a.publish(msg(0, { contentTopic: "nope" })));
    expect((badTopic as NetworkError).code).toBe("unreachable");
    expect(await rejection(a.publish(msg(0, { payload: new Uint8Array(140 * 1024) })))).toBeUndefined();
    expect(net.stats.published).toBe(1);
    expect(net.stats.archived).toBe(1);
  });
});
