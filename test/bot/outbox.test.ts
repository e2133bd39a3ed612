/**
 * The outbox's ack and resend policy (docs/delivery.md §Receiver, §Sender, §Resync), driven directly: sealing and
 * publishing are recorded instead of encrypted and relayed, the clock the outbox reads is the test's, and only the
 * outbox's own timers (the resend tick, ack delays) run for real.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  DEFAULT_RELIABILITY,
  Outbox,
  type OutboxEvent,
  type OutgoingFrame,
  type Reliability,
} from "../../src/bot/outbox.ts";
import { OutboxStore, type Priority } from "../../src/bot/outbox-store.ts";
import { BUILTIN_WIRE } from "../../src/payloads/type.ts";
import type { Frame } from "../../src/protocol/wire.ts";
import { createDataDir } from "../../src/storage/data-dir.ts";
import * as m from "../../src/storage/schema/messages.ts";
import { hex, TEST_KDF, tempDir } from "../support/tmp.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (body: string): Frame => ({ type: BUILTIN_WIRE.text, typeVersion: 1, body: Buffer.from(body) });
const isAckOnly = (f: Frame) => f.type === BUILTIN_WIRE.receipt && f.body.length === 0;

/** An outbox on a fresh data directory with the given conversations, a settable clock, and everything recorded. */
function harness(
  conversations: string[],
  reliability: Partial<Reliability>,
  outcome: "sent" | "dropped" = "sent",
) {
  const dir = createDataDir(join(tempDir(), "data"), { passphrase: "p", kdf: TEST_KDF });
  for (const id of conversations) {
    dir.messages
      .insert(m.conversations)
      .values({ id, state: "ratcheting", createdAt: 0, updatedAt: 0 })
      .run();
  }
  const clock = { t: 1_000_000 };
  const sealed: { conversationId: string; frame: Frame; messageId: string }[] = [];
  const published: { id: string; priority: Priority }[] = [];
  const events: OutboxEvent[] = [];
  const windows: [string, boolean][] = [];
  /** While down, every publish fails as the delivery layer reports it (RLM-R1). */
  const network = { down: false };
  let n = 0;
  const outbox: Outbox = new Outbox(
    new OutboxStore(dir),
    {
      seal: (conversationId, frame) => {
        const tag = new Uint8Array(8);
        new DataView(tag.buffer).setUint32(4, ++n);
        const messageId = `${conversationId}:${hex(tag)}`;
        sealed.push({ conversationId, frame, messageId });
        return { messageId, payload: Uint8Array.of(n), tag };
      },
      publish: (_message, priority, id) => {
        published.push({ id, priority });
        // As the rate-limit manager does: the status comes back asynchronously.
        if (network.down) {
          const error = new Error("no peers");
          queueMicrotask(() => outbox.onStatus({ id, batchId: null, priority, status: "failed", error }));
          return;
        }
        const status = outcome === "dropped" && priority === "optional" ? "dropped" : "sent";
        queueMicrotask(() => outbox.onStatus({ id, batchId: null, priority, status }));
      },
      waiting: () => new Set(),
      setTagWindow: (conversationId, repairing) => void windows.push([conversationId, repairing]),
      emit: (event) => void events.push(event),
      now: () => clock.t,
      maxUnsegmentedBytes: 100_000,
    },
    { ...DEFAULT_RELIABILITY, ...reliability },
  );
  outbox.start();
  const ackOnly = () => sealed.filter((s) => isAckOnly(s.frame));
  /** Publishes of tracked messages after their first (`<id>#<attempt>`, attempt above 1). */
  const resends = () => published.filter((p) => !p.id.startsWith("ack:") && !p.id.endsWith("#1"));
  const send = (items: OutgoingFrame[]) => outbox.send(items);
  return { dir, clock, outbox, sealed, published, events, windows, network, ackOnly, resends, send };
}

/** Long enough for the resend tick (every 10 ms at these timings) to run a few times. */
const TICKS = 60;

describe("resend timeout and back-off (RFC 6298 §5.5, Karn)", () => {
  const R = 40;
  const timings = { resendAfterMs: R, maxResendDelayMs: 100_000, ackDelayMs: 5 };

  test("a burst that outlasts the timeout is not resent whole: one expiry backs off, the rest waits for it", async () => {
    const ids = ["c1", "c2", "c3", "c4", "c5"];
    const h = harness(ids, timings);
    h.send(ids.map((conversationId) => ({ conversationId, frame: text("hi"), priority: "normal" })));
    await sleep(TICKS);
    expect(h.resends()).toEqual([]);
    h.clock.t += R; // every first timer expires
    await sleep(TICKS);
    expect(h.resends()).toHaveLength(1);
    h.clock.t += R; // the doubled timeout, for the four that waited
    await sleep(TICKS);
    expect(h.resends()).toHaveLength(5);
    expect(new Set(h.resends().map((p) => p.id.split("#")[0])).size).toBe(5);
    h.outbox.close();
    h.dir.close();
  });

  test("the first clean round trip ends the back-off and sets the timeout to three round trips", async () => {
    const h = harness(["c1", "c2"], timings);
    const [first] = h.send([{ conversationId: "c1", frame: text("a"), priority: "normal" }]);
    h.send([{ conversationId: "c2", frame: text("b"), priority: "normal" }]);
    await sleep(TICKS);
    h.clock.t += 30;
    // The peer of c2 acknowledges its only publish: a clean 30 ms sample, so the timeout is max(40, 90) ms.
    h.outbox.inbound("c2", { ...text("ok"), seq: 1, ack: 1 });
    expect(h.events.filter((e) => e.type === "delivered").map((e) => e.conversation)).toEqual(["c2"]);
    h.clock.t += 30; // 60 ms after c1's publish: its own schedule says resend, the round trip says wait
    await sleep(TICKS);
    expect(h.resends()).toEqual([]);
    h.clock.t += 30; // 90 ms
    await sleep(TICKS);
    expect(h.resends().map((p) => p.id)).toEqual([`${first}#2`]);
    h.outbox.close();
    h.dir.close();
  });
});

describe("acks (docs/delivery.md §Receiver)", () => {
  test("an ack rides on a message sealed after the commit; with none, one ack-only frame covers all owed", async () => {
    const h = harness(["c1", "c2"], { ackDelayMs: 20, resendAfterMs: 100_000 });
    h.outbox.inbound("c1", { ...text("1"), seq: 1 });
    h.send([{ conversationId: "c1", frame: text("answer"), priority: "normal" }]);
    expect(h.sealed.at(-1)?.frame).toMatchObject({ seq: 1, ack: 1 });
    h.outbox.inbound("c2", { ...text("1"), seq: 1 });
    h.outbox.inbound("c2", { ...text("2"), seq: 2 });
    await sleep(100);
    expect(h.ackOnly().map((s) => [s.conversationId, s.frame.ack])).toEqual([["c2", 2]]);
    expect(h.published.filter((p) => p.id.startsWith("ack:")).map((p) => p.priority)).toEqual(["critical"]);
    h.outbox.close();
    h.dir.close();
  });

  test("a resend carries the acks of its first sealing: it does not pay an ack owed since", async () => {
    const R = 40;
    const h = harness(["c1"], { ackDelayMs: 20, resendAfterMs: R, maxResendDelayMs: 100_000 });
    h.send([{ conversationId: "c1", frame: text("question"), priority: "normal" }]);
    await sleep(TICKS);
    h.outbox.inbound("c1", { ...text("unrelated"), seq: 1 }); // acknowledges nothing of ours
    h.clock.t += R;
    await sleep(TICKS);
    expect(h.resends()).toHaveLength(1);
    expect(h.ackOnly().map((s) => s.frame.ack)).toEqual([1]);
    h.outbox.close();
    h.dir.close();
  });

  test("a published read receipt carries the owed ack; a dropped one does not", async () => {
    for (const outcome of ["sent", "dropped"] as const) {
      const h = harness(["c1"], { ackDelayMs: 30, resendAfterMs: 100_000 }, outcome);
      h.outbox.inbound("c1", { ...text("1"), seq: 1 });
      const readReceipt: Frame = { type: BUILTIN_WIRE.receipt, typeVersion: 1, body: Uint8Array.of(1) };
      h.send([{ conversationId: "c1", frame: readReceipt, priority: "optional" }]);
      await sleep(120);
      expect({ outcome, ackOnly: h.ackOnly().length }).toEqual({
        outcome,
        ackOnly: outcome === "sent" ? 0 : 1,
      });
      h.outbox.close();
      h.dir.close();
    }
  });

  test("the delay is cut short by a hole and by half the peer's window waiting, and capped by the resend time", async () => {
    const h = harness(["hole", "window", "capped"], {
      ackDelayMs: 600_000,
      resendAfterMs: 120,
      maxInFlight: 8,
    });
    h.outbox.inbound("hole", { ...text("2"), seq: 2 });
    for (let seq = 1; seq <= 4; seq++) h.outbox.inbound("window", { ...text(String(seq)), seq });
    h.outbox.inbound("capped", { ...text("1"), seq: 1 });
    await sleep(10);
    expect(h.ackOnly().map((s) => [s.conversationId, s.frame.ack])).toEqual([
      ["hole", 0],
      ["window", 4],
    ]);
    expect(h.ackOnly()[0]?.frame.ackBits).toEqual(Uint8Array.of(1)); // seq 2 committed, 1 missing
    // A quarter of resendAfterMs (30 ms), not the configured ten minutes.
    await sleep(100);
    expect(h.ackOnly().map((s) => s.conversationId)).toEqual(["hole", "window", "capped"]);
    h.outbox.close();
    h.dir.close();
  });

  test("closing sends the acks still owed; with no peer to publish to it leaves them to the peers' resends", () => {
    for (const reachable of [true, false]) {
      const h = harness(["c1"], { ackDelayMs: 600_000, resendAfterMs: 100_000_000 });
      h.outbox.inbound("c1", { ...text("1"), seq: 1 });
      expect(h.ackOnly()).toEqual([]);
      h.outbox.close(reachable);
      expect({ reachable, acks: h.ackOnly().map((s) => s.frame.ack) }).toEqual({
        reachable,
        acks: reachable ? [1] : [],
      });
      expect(h.published).toHaveLength(reachable ? 1 : 0);
      h.dir.close();
    }
  });
});

describe("repair mode (docs/delivery.md §Resync)", () => {
  const R = 20;
  const timings = { resendAfterMs: R, maxResendDelayMs: R, ackDelayMs: 5 };

  test("a peer silent since our message left: after two resends the conversation enters repair", async () => {
    const h = harness(["c1"], timings);
    h.send([{ conversationId: "c1", frame: text("anyone?"), priority: "normal" }]);
    for (let i = 0; i < 6 && h.windows.length === 0; i++) {
      h.clock.t += 4 * R;
      await sleep(TICKS);
    }
    expect(h.resends().length).toBeGreaterThanOrEqual(2);
    expect(h.windows).toEqual([["c1", true]]);
    expect(h.events.filter((e) => e.type === "repair").map((e) => e.conversation)).toEqual(["c1"]);
    h.outbox.close();
    h.dir.close();
  });

  test("a peer we keep hearing from is recognised already: resends only, no repair", async () => {
    const h = harness(["c1"], timings);
    h.send([{ conversationId: "c1", frame: text("anyone?"), priority: "normal" }]);
    for (let i = 0; i < 6; i++) {
      h.clock.t += 4 * R;
      h.outbox.inbound("c1", {
        type: BUILTIN_WIRE.receipt,
        typeVersion: 1,
        body: new Uint8Array(0),
        sent: 0,
      });
      await sleep(TICKS);
    }
    expect(h.resends().length).toBeGreaterThanOrEqual(2);
    expect(h.windows).toEqual([]);
    h.outbox.close();
    h.dir.close();
  });
});

describe("ack hold (docs/delivery.md §Ack hold)", () => {
  const H = 1_000; // announced as 1 s
  const R = 40;
  const timings = { ackDelayMs: 20, resendAfterMs: R, maxResendDelayMs: 100_000, replyAckHoldMs: H };

  test("a tracked reply announces the hold and keeps it in its row; a plain send and an untracked reply do not", () => {
    const h = harness(["c1"], timings);
    h.send([
      { conversationId: "c1", frame: text("answer"), priority: "normal", reply: true },
      { conversationId: "c1", frame: text("news"), priority: "normal" },
      { conversationId: "c1", frame: text("aside"), priority: "optional", reply: true },
    ]);
    expect(h.sealed.map((s) => s.frame.ackHoldSeconds)).toEqual([1, undefined, undefined]);
    expect(new OutboxStore(h.dir).outstanding().map((r) => [r.seq, r.ackHoldMs])).toEqual([
      [0, 0],
      [1, H],
      [2, 0],
    ]);
    h.outbox.close();
    h.dir.close();
  });

  test("the hold goes on the wire in whole seconds, rounded up, and the resend timer waits what was announced", () => {
    const h = harness(["c1"], { ...timings, replyAckHoldMs: 1_500 });
    h.send([{ conversationId: "c1", frame: text("answer"), priority: "normal", reply: true }]);
    expect(h.sealed[0]?.frame.ackHoldSeconds).toBe(2);
    expect(new OutboxStore(h.dir).outstanding()[0]?.ackHoldMs).toBe(2_000);
    h.outbox.close();
    h.dir.close();
  });

  test("the receiver holds its ack as long as the frame asks, and it rides on the next message", async () => {
    const h = harness(["c1"], { ...timings, resendAfterMs: 100_000 });
    h.outbox.inbound("c1", { ...text("answer"), seq: 1, ackHoldSeconds: 1 });
    await sleep(100); // far past ackDelayMs
    expect(h.ackOnly()).toEqual([]);
    h.send([{ conversationId: "c1", frame: text("next question"), priority: "normal" }]);
    expect(h.sealed.at(-1)?.frame).toMatchObject({ seq: 1, ack: 1 });
    await sleep(1_100);
    expect(h.ackOnly()).toEqual([]);
    h.outbox.close();
    h.dir.close();
  });

  test("with nothing to ride on the held ack goes when the hold ends; an ack due sooner takes it along", async () => {
    const h = harness(["held", "mixed"], { ...timings, resendAfterMs: 100_000 });
    h.outbox.inbound("held", { ...text("answer"), seq: 1, ackHoldSeconds: 1 });
    h.outbox.inbound("mixed", { ...text("answer"), seq: 1, ackHoldSeconds: 10 });
    h.outbox.inbound("mixed", { ...text("plain"), seq: 2 });
    await sleep(80);
    expect(h.ackOnly().map((s) => [s.conversationId, s.frame.ack])).toEqual([["mixed", 2]]);
    await sleep(1_100);
    expect(h.ackOnly().map((s) => [s.conversationId, s.frame.ack])).toEqual([
      ["mixed", 2],
      ["held", 1],
    ]);
    h.outbox.close();
    h.dir.close();
  });

  test("a hole is still acknowledged at once", async () => {
    const h = harness(["c1"], { ...timings, resendAfterMs: 100_000 });
    h.outbox.inbound("c1", { ...text("answer"), seq: 2, ackHoldSeconds: 10 });
    await sleep(10);
    expect(h.ackOnly().map((s) => [s.frame.ack, s.frame.ackBits])).toEqual([[0, Uint8Array.of(1)]]);
    h.outbox.close();
    h.dir.close();
  });

  test("the sender resends a held reply only after hold + resend time, and its late ack is no round-trip sample", async () => {
    const h = harness(["c1", "c2"], timings);
    const [reply] = h.send([
      { conversationId: "c1", frame: text("answer"), priority: "normal", reply: true },
    ]);
    await sleep(TICKS);
    h.clock.t += H; // past the plain resend time, inside hold + resend time
    await sleep(TICKS);
    expect(h.resends()).toEqual([]);
    h.clock.t += R;
    await sleep(TICKS);
    expect(h.resends().map((p) => p.id)).toEqual([`${reply}#2`]);

    // c2: a held reply acknowledged after 150 ms, then a plain message: its timeout is still R, not 3 × 150 ms.
    const [held] = h.send([{ conversationId: "c2", frame: text("answer"), priority: "normal", reply: true }]);
    await sleep(TICKS);
    h.clock.t += 150;
    h.outbox.inbound("c2", { ...text("thanks"), seq: 1, ack: 1 });
    expect(h.events.some((e) => e.type === "delivered" && e.id === held)).toBe(true);
    const [plain] = h.send([{ conversationId: "c2", frame: text("more"), priority: "normal" }]);
    await sleep(TICKS);
    h.clock.t += R;
    await sleep(TICKS);
    expect(h.resends().map((p) => p.id)).toContain(`${plain}#2`);
    h.outbox.close();
    h.dir.close();
  });

  test("a new peer message that does not acknowledge a held reply sent well before it brings the reply back at once", async () => {
    // The margin is max(1 s, 2 srtt, resendAfterMs / 2) = 1 s here.
    const h = harness(["c1"], { ...timings, replyAckHoldMs: 600_000, resendAfterMs: 2_000 });
    const [reply] = h.send([
      { conversationId: "c1", frame: text("answer"), priority: "normal", reply: true },
    ]);
    await sleep(TICKS);
    // Sealed while our reply was still on its way: no loss shown yet.
    h.clock.t += 100;
    h.outbox.inbound("c1", { ...text("crossing"), seq: 1 });
    expect(h.resends()).toEqual([]);
    // A second later the peer's next message still does not have it: lost.
    h.clock.t += 1_000;
    h.outbox.inbound("c1", { ...text("hello?"), seq: 2, ack: 0 });
    expect(h.resends().map((p) => p.id)).toEqual([`${reply}#2`]);
    // Once per reply: the peer's next message does not bring it again (the timer does, after the hold).
    h.clock.t += 2_000;
    h.outbox.inbound("c1", { ...text("still?"), seq: 3, ack: 0 });
    expect(h.resends()).toHaveLength(1);
    h.outbox.close();
    h.dir.close();
  });

  test("a peer message sealed before the peer's latest acks (a resend, a held frame) shows nothing", async () => {
    const h = harness(["c1"], { ...timings, replyAckHoldMs: 600_000, resendAfterMs: 2_000 });
    h.send([{ conversationId: "c1", frame: text("first"), priority: "normal", reply: true }]);
    await sleep(TICKS);
    h.clock.t += 100;
    h.outbox.inbound("c1", { ...text("thanks"), seq: 1, ack: 1 }); // acknowledges our seq 1
    const [second] = h.send([
      { conversationId: "c1", frame: text("second"), priority: "normal", reply: true },
    ]);
    await sleep(TICKS);
    h.clock.t += 5_000;
    // New to us (seq 3 after a lost seq 2) but its acks predate the ack of seq 1: sealed before, says nothing.
    h.outbox.inbound("c1", { ...text("old"), seq: 3 });
    expect(h.resends()).toEqual([]);
    // A current one that lacks seq 2 does.
    h.outbox.inbound("c1", { ...text("new"), seq: 4, ack: 1 });
    expect(h.resends().map((p) => p.id)).toEqual([`${second}#2`]);
    h.outbox.close();
    h.dir.close();
  });

  test("a reply that fills the window announces no hold: the ones behind it wait for its ack", () => {
    const h = harness(["c1"], { ...timings, maxInFlight: 2 });
    h.send(
      ["a", "b", "c"].map((t) => ({
        conversationId: "c1",
        frame: text(t),
        priority: "normal" as const,
        reply: true,
      })),
    );
    expect(h.sealed.map((s) => s.frame.ackHoldSeconds)).toEqual([1, undefined, undefined]);
    h.outbox.close();
    h.dir.close();
  });

  test("after a restart a reply that went out resumes its timer from its sent mark instead of going again", async () => {
    const h = harness(["c1"], timings);
    const [reply] = h.send([
      { conversationId: "c1", frame: text("answer"), priority: "normal", reply: true },
    ]);
    await sleep(TICKS); // published and marked sent at clock t0
    const sentAt = h.clock.t;
    h.outbox.close();
    const published: string[] = [];
    const again = new Outbox(
      new OutboxStore(h.dir),
      {
        seal: () => {
          throw new Error("nothing is sealed again");
        },
        publish: (_m, _p, id) => void published.push(id),
        waiting: () => new Set(),
        setTagWindow: () => {},
        emit: () => {},
        now: () => h.clock.t,
        maxUnsegmentedBytes: 100_000,
      },
      { ...DEFAULT_RELIABILITY, ...timings },
    );
    h.clock.t = sentAt + 500;
    again.start();
    await sleep(TICKS);
    expect(published).toEqual([]);
    h.clock.t = sentAt + H + R; // hold + resend time after it went out
    await sleep(TICKS);
    expect(published).toEqual([`${reply}#2`]);
    again.close();
    h.dir.close();
  });
});

describe("failed publishes (RLM-R1)", () => {
  test("a message the network keeps refusing is reported once, not at every resend; again after it went out", async () => {
    const R = 20;
    const h = harness(["c1"], { resendAfterMs: R, maxResendDelayMs: R, ackDelayMs: 5 });
    h.network.down = true;
    const [id = ""] = h.send([{ conversationId: "c1", frame: text("hello"), priority: "normal" }]);
    for (let i = 0; i < 4; i++) {
      h.clock.t += 4 * R;
      await sleep(TICKS);
    }
    const attempts = h.published.filter((p) => p.id.startsWith(`${id}#`)).length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(h.events.flatMap((e) => (e.type === "retrying" ? [e.id] : []))).toEqual([id]);
    h.network.down = false;
    h.clock.t += 4 * R;
    await sleep(TICKS);
    expect(h.events.flatMap((e) => (e.type === "sent" ? [e.id] : []))).toEqual([id]);
    h.network.down = true;
    h.clock.t += 4 * R;
    await sleep(TICKS);
    expect(h.events.flatMap((e) => (e.type === "retrying" ? [e.id] : []))).toEqual([id, id]);
    h.outbox.close();
    h.dir.close();
  });
});
