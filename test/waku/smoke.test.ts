import { afterAll, expect, test } from "bun:test";
import { toWakuTimestamp } from "../../src/waku/message.ts";
import { WakuNode } from "../../src/waku/node.ts";
import { bucketTopic } from "../../src/waku/topics.ts";
import { tempDir } from "../support/tmp.ts";

const nodes: WakuNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

test("smoke: two nodes relay a 6 KB message", async () => {
  const dir = tempDir();
  const a = await WakuNode.start({ store: { path: `${dir}/a.db` } });
  nodes.push(a);
  const b = await WakuNode.start({ peers: [a.multiaddrs[0] as string] });
  nodes.push(b);
  const got = new Promise<Uint8Array>((resolve) =>
    b.subscribe([bucketTopic(1)], (m) => resolve(m.message.payload)),
  );
  const payload = new Uint8Array(6000).fill(7);
  const t0 = Date.now();
  const receipt = await a.publish({
    payload,
    contentTopic: bucketTopic(1),
    timestamp: toWakuTimestamp(Date.now()),
  });
  console.log("published", receipt.peers, Date.now() - t0);
  expect((await got).length).toBe(6000);
  const all = [];
  for await (const m of b.queryStore({ pubsubTopic: b.pubsubTopic, contentTopics: [bucketTopic(1)] }))
    all.push(m);
  expect(all.length).toBe(1);
});
