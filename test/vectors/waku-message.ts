import { messageHash as wk } from "@waku/core";
import { contentTopicToShardIndex } from "@waku/utils";
import { messageHash } from "../../src/waku/message.ts";
const h = (s: string) => new Uint8Array(Buffer.from(s.replace(/^0x/, ""), "hex"));
const x = (b: Uint8Array) => Buffer.from(b).toString("hex");
const base = { payload: h("010203045445535405060708"), contentTopic: "/waku/2/default-content/proto", timestamp: BigInt("0x175789bfa23f8400") };
const ps = "/waku/2/default-waku/proto";
for (const m of [{ ...base, meta: h("73757065722d736563726574") }, base, { ...base, payload: new Uint8Array(), meta: h("73757065722d736563726574") }]) {
  console.log(x(messageHash(ps, m)), x(wk(ps, m as any)));
}
console.log(contentTopicToShardIndex("/wb/1/b0/p", 8), contentTopicToShardIndex("/toychat/2/huilong/proto", 8));
