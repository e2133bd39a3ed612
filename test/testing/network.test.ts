import { expect, test } from "bun:test";
import { MemoryNetwork, startNetwork } from "wakubot/testing";
import { toWakuTimestamp } from "../../src/waku/message.ts";
import { BUCKET_TOPICS, bucketTopic } from "../../src/waku/topics.ts";

test("startNetwork (imported as wakubot/testing) wires a line, meshes it, and tears it down", async () => {
  const net = await startNetwork({ nodes: 3, topology: "line" });
  try {
    await net.meshed();
    const [first, , last] = net.nodes;
    if (!first || !last) throw new Error("three nodes expected");
    // A line: the ends are not connected to each other.
    expect(first.libp2p.getConnections(last.libp2p.peerId).length).toBe(0);
    const arrived = new Promise<string>((resolve) =>
      last.subscribe(BUCKET_TOPICS, (m) => resolve(new TextDecoder().decode(m.message.payload))),
    );
    await first.publish({
      payload: new TextEncoder().encode("end to end"),
      contentTopic: bucketTopic(0),
      timestamp: toWakuTimestamp(Date.now()),
    });
    expect(await arrived).toBe("end to end");
  } finally {
    await net.stop();
  }
  expect(net.nodes.every((n) => n.libp2p.status === "stopped")).toBe(true);
});

test("the in-memory network is exported from wakubot/testing", async () => {
  const network = new MemoryNetwork({ seed: 1 });
  const a = network.join("a");
  const b = network.join("b");
  const got: string[] = [];
  b.subscribe(BUCKET_TOPICS, (m) => got.push(new TextDecoder().decode(m.message.payload)));
  await a.publish({
    payload: new TextEncoder().encode("hi"),
    contentTopic: bucketTopic(1),
    timestamp: toWakuTimestamp(Date.now()),
  });
  await network.settle();
  expect(got).toEqual(["hi"]);
});
