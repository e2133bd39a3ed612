import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  decide,
  RateLimitManager,
  type RateLimitOptions,
  type StatusChange,
} from "../../src/delivery/rate-limit.ts";
import { InputError, NetworkError } from "../../src/errors.ts";
import { createDataDir, openDataDir } from "../../src/storage/data-dir.ts";
import { rateLimitQueue } from "../../src/storage/schema/messages.ts";
import type { WakuMessage } from "../../src/waku/message.ts";
import { TEST_KDF, tempDir } from "../support/tmp.ts";

const T0 = 2_992_184 * 600_000; // an epoch start, in ms
const msg = (i: number): WakuMessage => ({
  payload: Uint8Array.of(i),
  contentTopic: "/wb/1/b0/p",
  timestamp: BigInt(i),
});
const tick = () => new Promise((r) => setTimeout(r, 1));

class Clock {
  t = T0;
  readonly timers = new Set<{ at: number; fn: () => void }>();
  async advance(ms: number) {
    this.t += ms;
    for (const t of [...this.timers]) if (t.at <= this.t && this.timers.delete(t)) t.fn();
    await tick();
  }
}

/** A manager (limit 10, reserve 2, critical cap 5 by default) on a data directory; publish records payloads. */
function open(clock = new Clock(), path = join(tempDir(), "data"), options: Partial<RateLimitOptions> = {}) {
  const dir = existsSync(path)
    ? openDataDir(path, { passphrase: "pw" })
    : createDataDir(path, { passphrase: "pw", kdf: TEST_KDF });
  const sent: number[] = [];
  const changes: StatusChange[] = [];
  const h = { fail: undefined as unknown, hang: false };
  const rl = new RateLimitManager({
    db: dir.messages,
    ...{ limit: 10, reserve: 2, criticalCap: 5 },
    now: () => clock.t,
    timer: (fn, ms) => {
      const t = { at: clock.t + ms, fn };
      clock.timers.add(t);
      return () => clock.timers.delete(t);
    },
    publish: (m) => {
      if (h.hang) return new Promise(() => {});
      if (h.fail) return Promise.reject(h.fail);
      sent.push(m.payload[0] as number);
      return Promise.resolve({ hash: new Uint8Array(32), peers: 1 });
    },
    onStatus: (c) => changes.push(c),
    ...options,
  });
  const last = (id: string) => changes.findLast((c) => c.id === id)?.status;
  return { dir, rl, sent, changes, clock, path, h, last };
}

async function fill(rl: RateLimitManager, normal: number, critical = 0) {
  for (let i = 0; i < normal; i++) await rl.push(msg(100 + i), "normal");
  for (let i = 0; i < critical; i++) await rl.push(msg(200 + i), "critical");
}

describe("rules (RLM-F5, RLM-F6)", () => {
  const rules = { limit: 100, reserve: 10, criticalCap: 50 };
  test.each([
    // priority, used, criticalUsed, size, expected
    ["critical", 0, 0, 1, "send"],
    ["normal", 0, 0, 1, "send"],
    ["optional", 0, 0, 1, "send"],
    ["normal", 85, 0, 6, "wait quota_low"], // would eat into the reserve
    ["optional", 85, 0, 6, "drop quota_low"],
    ["critical", 85, 0, 6, "send"],
    ["critical", 60, 50, 1, "wait critical_cap"],
    ["normal", 60, 50, 1, "send"],
    ["critical", 95, 50, 1, "send"], // low: critical sent, cap no longer applies
    ["critical", 95, 0, 6, "wait quota_low"],
    ["normal", 95, 0, 1, "wait quota_low"],
    ["optional", 95, 0, 1, "drop quota_low"],
    ["critical", 100, 0, 1, "wait quota_exhausted"],
    ["normal", 100, 0, 1, "wait quota_exhausted"],
    ["optional", 100, 0, 1, "drop quota_exhausted"],
    ["normal", 0, 0, 91, "drop batch_too_large"],
    ["critical", 0, 0, 51, "drop batch_too_large"],
    ["critical", 0, 0, 50, "send"],
  ] as const)(
    "%s with %i used (%i critical), %i message(s) → %s",
    (p, used, criticalUsed, size, expected) => {
      const d = decide(p, size, { ...rules, used, criticalUsed });
      expect("reason" in d ? `${d.action} ${d.reason}` : d.action).toBe(expected);
    },
  );

  test.each([
    ["available", 0, 0, { critical: "sent", normal: "sent", optional: "sent" }],
    ["low", 8, 0, { critical: "sent", normal: "queued", optional: "dropped" }],
    ["exhausted", 8, 2, { critical: "queued", normal: "queued", optional: "dropped" }],
  ] as const)("the manager applies them when the quota is %s", async (_, normal, critical, expected) => {
    for (const p of ["critical", "normal", "optional"] as const) {
      const { rl, dir, last } = open();
      await fill(rl, normal, critical);
      void rl.push(msg(1), p, "probe");
      await tick();
      expect(`${p} ${last("probe")}`).toBe(`${p} ${expected[p]}`);
      await rl.close();
      dir.close();
    }
  });
});

describe("epochs", () => {
  test("aligned like RLN; usage resets at rollover and waiting messages leave critical first", async () => {
    const { rl, sent, clock } = open();
    clock.t = T0 + 123_456;
    await fill(rl, 8, 2);
    expect(rl.quota()).toMatchObject({ epoch: T0 / 600_000, epochEndsAt: T0 + 600_000, remaining: 0 });
    for (const [i, p] of [
      [1, "normal"],
      [2, "critical"],
      [3, "normal"],
      [4, "optional"],
    ] as const)
      void rl.push(msg(i), p);
    await tick();
    expect(rl.quota()).toMatchObject({ state: "exhausted", queued: { critical: 1, normal: 2, optional: 0 } });
    await clock.advance(600_000 - 123_457); // one ms before the epoch ends
    expect(sent.slice(10)).toEqual([]);
    await clock.advance(1);
    expect(sent.slice(10)).toEqual([2, 1, 3]);
    expect(rl.quota()).toMatchObject({ epoch: T0 / 600_000 + 1, used: 3, criticalUsed: 1, remaining: 7 });
  });

  test("the critical cap keeps receipts from exhausting the quota; the reserve keeps them from starving", async () => {
    const { rl, sent, last } = open();
    for (let i = 0; i < 6; i++) void rl.push(msg(i), "critical", `c${i}`);
    await tick();
    expect([sent.length, last("c5")]).toEqual([5, "queued"]);
    await fill(rl, 3); // normal traffic passes the capped critical one, down to the reserve
    await tick();
    expect([sent.length, last("c5"), rl.quota().remaining]).toEqual([9, "sent", 1]);
  });
});

describe("batches (RLM-U2)", () => {
  test("a batch goes whole or waits whole, in line; an optional one is dropped whole", async () => {
    const { rl, sent, clock, last } = open();
    await fill(rl, 5); // 3 normal left above the reserve
    void rl.pushBatch([1, 2, 3, 4].map(msg), "normal", ["b1", "b2", "b3", "b4"]);
    void rl.push(msg(5), "normal", "after");
    const optional = await rl.pushBatch([6, 7].map(msg), "optional");
    expect(optional.map((c) => c.status)).toEqual(["dropped", "dropped"]);
    expect([sent.length, last("b1"), last("after")]).toEqual([5, "queued", "queued"]);
    await clock.advance(600_000);
    expect(sent.slice(5)).toEqual([1, 2, 3, 4, 5]);
    const big = await rl.pushBatch([1, 2, 3, 4, 5, 6].map(msg), "critical");
    expect(big.map((c) => c.reason)).toEqual(Array(6).fill("batch_too_large"));
  });
});

describe("persistence (RLM-R2, RLM-R3)", () => {
  test("usage and queue survive closing and reopening the data directory", async () => {
    const a = open();
    await fill(a.rl, 7, 1); // 2 left: low
    void a.rl.pushBatch([3, 4, 5].map(msg), "critical", ["k3", "k4", "k5"]); // waits whole
    for (const i of [1, 2]) void a.rl.push(msg(i), "normal", `q${i}`);
    await tick();
    await a.rl.close();
    a.dir.close();
    const b = open(a.clock, a.path);
    expect(b.changes.map((c) => c.id)).toEqual(["k3", "k4", "k5", "q1", "q2"]);
    await tick();
    expect(b.sent).toEqual([]); // still one batch, still too big for what is left
    expect(b.rl.quota()).toMatchObject({ used: 8, criticalUsed: 1, queued: { critical: 3, normal: 2 } });
    await b.clock.advance(600_000);
    expect(b.sent).toEqual([3, 4, 5, 1, 2]);
    expect(["k3", "k5", "q2"].map(b.last)).toEqual(["sent", "sent", "sent"]);
    expect(b.dir.messages.select().from(rateLimitQueue).all()).toEqual([]);
  });

  test("a message handed when the process died is queued again and charged again", async () => {
    const a = open();
    a.h.hang = true;
    void a.rl.push(msg(9), "normal", "lost");
    await tick();
    expect(a.dir.messages.select().from(rateLimitQueue).get()?.status).toBe("handed");
    a.dir.close(); // no rl.close(): a crash
    const b = open(a.clock, a.path);
    expect(b.dir.messages.select().from(rateLimitQueue).get()?.status).toBe("queued");
    await tick();
    expect([b.sent, b.last("lost"), b.rl.quota().used]).toEqual([[9], "sent", 2]);
  });
});

describe("delivery results (RLM-U4, RLM-R1)", () => {
  test("a failed publish is reported with its error and still counts (RLN proofs are per message)", async () => {
    const { rl, h, changes } = open();
    h.fail = new NetworkError("unreachable", "no relay peer");
    const c = await rl.push(msg(1), "normal", "m");
    expect(changes.map((x) => x.status)).toEqual(["queued", "handed", "failed"]);
    expect(c.error).toBeInstanceOf(NetworkError);
    expect(c).toMatchObject({ status: "failed", epoch: T0 / 600_000, error: { code: "unreachable" } });
    expect(rl.quota()).toMatchObject({ used: 1, remaining: 9, handed: 0 });
  });

  test("quota() numbers, handed count, and bad input", async () => {
    const clock = new Clock();
    const { rl, h, dir } = open(clock, undefined, { limit: 3, reserve: 0, criticalCap: 3, epochSeconds: 60 });
    h.hang = true;
    void rl.push(msg(1), "critical");
    await tick();
    expect(rl.quota()).toEqual({
      ...{ limit: 3, reserve: 0, criticalCap: 3, used: 1, remaining: 2, criticalUsed: 1, state: "available" },
      ...{ epoch: T0 / 60_000, epochSeconds: 60, epochEndsAt: T0 + 60_000, handed: 1 },
      queued: { critical: 0, normal: 0, optional: 0 },
    });
    const publish = rl.push.bind(rl) as never;
    expect(() => new RateLimitManager({ db: dir.messages, publish, limit: 5, reserve: 5 })).toThrow(
      InputError,
    );
    await expect(rl.pushBatch([msg(1), msg(2)], "normal", ["x", "x"])).rejects.toThrow(InputError);
    void rl.close();
    await expect(rl.push(msg(1), "normal")).rejects.toThrow(NetworkError);
  });
});
