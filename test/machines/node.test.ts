import { afterEach, beforeEach, describe, expect, jest, test } from "bun:test";
import { type Actor, type AnyActorLogic, createActor, fromPromise, type Snapshot, waitFor } from "xstate";
import { type ConversationEvent, conversationMachine } from "../../machines/conversation.ts";
import {
  conversationChildId,
  type NodeEmitted,
  type NodeInput,
  nodeMachine,
  type RoutedConversation,
} from "../../machines/node.ts";

// Time is bun:test's fake clock (jest.advanceTimersByTime also moves Date.now()); promises still settle normally.
const T0 = 1_700_000_000_000;
const RETRY = 30_000;

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(T0);
});
afterEach(() => {
  jest.useRealTimers();
});

interface Gate {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function gate(): Gate {
  let resolve = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type NodeLogic = typeof nodeMachine;

interface Harness {
  node: Actor<NodeLogic>;
  start: Gate;
  stop: Gate;
  calls: string[];
  emitted: Array<NodeEmitted & { at: number }>;
  errors: unknown[];
  take: () => Array<NodeEmitted & { at: number }>;
  route: (id: string, event: ConversationEvent, conversation?: Partial<RoutedConversation>) => void;
  children: () => string[];
  state: () => unknown;
}

function harness(
  options: { input?: NodeInput; conversation?: AnyActorLogic; snapshot?: Snapshot<unknown> } = {},
): Harness {
  const start = gate();
  const stop = gate();
  const calls: string[] = [];
  const logic = nodeMachine.provide({
    actors: {
      startDelivery: fromPromise<void, void>(async () => {
        calls.push("start");
        await start.promise;
      }),
      stopDelivery: fromPromise<void, void>(async () => {
        calls.push("stop");
        await stop.promise;
      }),
      ...(options.conversation === undefined ? {} : { conversation: options.conversation as never }),
    },
  });
  const node = createActor(logic, {
    input: options.input ?? {},
    ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
  });
  const emitted: Harness["emitted"] = [];
  const errors: unknown[] = [];
  node.subscribe({ error: (err) => errors.push(err) });
  node.on("conversation", (e) => emitted.push({ ...e, at: Date.now() - T0 }));
  node.start();
  return {
    node,
    start,
    stop,
    calls,
    emitted,
    errors,
    take: () => emitted.splice(0),
    route: (id, event, conversation = {}) =>
      node.send({
        type: "ROUTE",
        conversation: { id, state: "handshake", ...conversation },
        event,
        now: Date.now(),
      }),
    children: () => Object.keys(node.getSnapshot().children).filter((k) => k.startsWith("conv:")),
    state: () => node.getSnapshot().value,
  };
}

async function running(h: Harness): Promise<void> {
  h.start.resolve();
  await waitFor(h.node, (s) => s.value !== "starting");
  expect(h.state()).toBe("running");
}

const childValue = (h: Harness, id: string) =>
  (
    h.node.getSnapshot().children[conversationChildId(id)] as Actor<typeof conversationMachine> | undefined
  )?.getSnapshot().value;

describe("nodeMachine: delivery lifecycle", () => {
  test("starting → running once startDelivery resolves", async () => {
    const h = harness();
    expect(h.state()).toBe("starting");
    expect(h.calls).toEqual(["start"]);
    await running(h);
    expect(h.errors).toEqual([]);
  });

  test("startDelivery fails → failed with the error as output", async () => {
    const h = harness();
    const error = new Error("no peers");
    h.start.reject(error);
    await waitFor(h.node, (s) => s.status === "done");
    expect(h.state()).toBe("failed");
    expect(h.node.getSnapshot().output).toEqual({ status: "failed", error });
    expect(h.errors).toEqual([]); // handled by the machine: the host reads the output
  });

  test("delivery actors that were not provided fail loudly", async () => {
    const node = createActor(nodeMachine, { input: {} });
    const errors: unknown[] = [];
    node.subscribe({ error: (err) => errors.push(err) });
    node.start();
    await waitFor(node, (s) => s.status === "done");
    const output = node.getSnapshot().output;
    expect(output?.status).toBe("failed");
    expect(String((output as { error: Error }).error.message)).toContain(
      "startDelivery actor was not provided",
    );
  });

  test("STOP stops every conversation, runs stopDelivery and ends in stopped", async () => {
    const h = harness();
    await running(h);
    h.route("a", { type: "SENT" });
    h.route("b", { type: "SENT" });
    expect(h.children()).toEqual(["conv:a", "conv:b"]);
    const a = h.node.getSnapshot().children["conv:a"];
    h.node.send({ type: "STOP" });
    expect(h.state()).toBe("stopping");
    expect(h.children()).toEqual([]);
    expect(a?.getSnapshot().status).toBe("stopped");
    expect(h.calls).toEqual(["start", "stop"]);
    h.route("c", { type: "SENT" }); // ignored while stopping
    expect(h.children()).toEqual([]);
    h.stop.resolve();
    await waitFor(h.node, (s) => s.status === "done");
    expect(h.state()).toBe("stopped");
    expect(h.node.getSnapshot().output).toEqual({ status: "stopped" });
    h.route("d", { type: "SENT" }); // ignored once stopped
    expect(h.errors).toEqual([]);
  });

  test("STOP while starting goes straight to stopping", async () => {
    const h = harness();
    h.route("a", { type: "SENT" });
    h.node.send({ type: "STOP" });
    expect(h.state()).toBe("stopping");
    h.start.resolve();
    h.stop.resolve();
    await waitFor(h.node, (s) => s.status === "done");
    expect(h.state()).toBe("stopped");
    expect(h.children()).toEqual([]);
  });

  test("stopDelivery fails → failed", async () => {
    const h = harness();
    await running(h);
    h.node.send({ type: "STOP" });
    h.stop.reject(new Error("stuck"));
    await waitFor(h.node, (s) => s.status === "done");
    expect(h.state()).toBe("failed");
    expect((h.node.getSnapshot().output as { error: Error }).error.message).toBe("stuck");
  });

  test("FATAL in starting, running or stopping → failed, children stopped", async () => {
    const fatal = new Error("disk full");
    for (const phase of ["starting", "running", "stopping"] as const) {
      const h = harness();
      if (phase !== "starting") {
        await running(h);
        h.route("a", { type: "SENT" });
      }
      if (phase === "stopping") h.node.send({ type: "STOP" });
      expect(h.state()).toBe(phase);
      h.node.send({ type: "FATAL", error: fatal });
      expect(h.state()).toBe("failed");
      expect(h.node.getSnapshot().status).toBe("done");
      expect(h.node.getSnapshot().output).toEqual({ status: "failed", error: fatal });
      expect(h.children()).toEqual([]);
      h.route("b", { type: "SENT" }); // ignored once failed
      expect(h.errors).toEqual([]);
    }
  });
});

describe("nodeMachine: routing", () => {
  test("ROUTE while starting is queued and delivered, in order, once running", async () => {
    const h = harness();
    h.route("a", { type: "DECRYPTED" });
    h.route("a", { type: "DECRYPT_FAILED", code: "x" });
    h.route("b", { type: "SENT" }, { state: "ratcheting" });
    h.route("a", { type: "CLOSE" });
    expect(h.children()).toEqual([]);
    expect(h.node.getSnapshot().context.queue).toHaveLength(4);
    await running(h);
    expect(h.node.getSnapshot().context.queue).toEqual([]);
    expect(h.take().map((e) => e.event)).toEqual([
      { type: "persist", id: "a", state: "ratcheting" },
      { type: "persist", id: "a", state: "resync", resyncUntil: T0 + 3 * RETRY },
      { type: "resync", id: "a", attempt: 1, since: T0 },
      { type: "persist", id: "a", state: "closed" },
    ]);
    expect(h.children()).toEqual(["conv:b"]); // a closed and was released
    expect(childValue(h, "b")).toBe("ratcheting");
  });

  test("spawns a child on demand from the routed row, then reuses it", async () => {
    const h = harness();
    await running(h);
    h.route("a", { type: "SENT" }, { state: "ratcheting" });
    expect(h.children()).toEqual(["conv:a"]);
    const child = h.node.getSnapshot().children["conv:a"];
    expect(childValue(h, "a")).toBe("ratcheting");
    // the routed row is only used to build a child: the running one is authoritative
    h.route("a", { type: "SENT" }, { state: "handshake" });
    expect(h.node.getSnapshot().children["conv:a"]).toBe(child);
    expect(childValue(h, "a")).toBe("ratcheting");
    h.route("b", { type: "SENT" }, { state: "resync", resyncUntil: T0 + 3 * RETRY });
    expect(h.children()).toEqual(["conv:a", "conv:b"]);
    expect(Object.keys(h.node.getSnapshot().context.conversations)).toEqual(["a", "b"]);
    expect(h.take()).toEqual([
      { type: "conversation", id: "b", event: { type: "resync", id: "b", attempt: 1, since: T0 }, at: 0 },
    ]);
  });

  test("events emitted by children reach the root's .on('conversation'), timers included", async () => {
    const h = harness();
    await running(h);
    h.route("a", { type: "DECRYPTED" });
    h.route("a", { type: "DECRYPT_FAILED", code: "bad_mac", since: T0 - 1_000 });
    jest.advanceTimersByTime(RETRY);
    expect(h.take().map(({ id, event, at }) => ({ id, event, at }))).toEqual([
      { id: "a", event: { type: "persist", id: "a", state: "ratcheting" }, at: 0 },
      { id: "a", event: { type: "persist", id: "a", state: "resync", resyncUntil: T0 + 3 * RETRY }, at: 0 },
      { id: "a", event: { type: "resync", id: "a", attempt: 1, since: T0 - 1_000 }, at: 0 },
      { id: "a", event: { type: "resync", id: "a", attempt: 2, since: T0 - 1_000 }, at: RETRY },
    ]);
    jest.advanceTimersByTime(2 * RETRY);
    // the schedule ends quiet, never closed; idle already due (no event for idleMs) → released, not persisted
    expect(h.take().map((e) => e.event)).toEqual([
      { type: "resync", id: "a", attempt: 3, since: T0 - 1_000 },
    ]);
    expect(childValue(h, "a")).toEqual({ resync: "quiet" });
    jest.advanceTimersByTime(0); // the idle timer, armed on going quiet, is already due
    expect(h.children()).toEqual([]);
    expect(h.emitted).toEqual([]);
  });

  test("routed events are stamped with ROUTE.now", async () => {
    const h = harness();
    await running(h);
    h.route("a", { type: "SENT" }, { state: "ratcheting" });
    jest.setSystemTime(T0 + 5_000);
    h.route("a", { type: "DECRYPT_FAILED", code: "x" });
    expect(h.take()[0]?.event).toEqual({
      type: "persist",
      id: "a",
      state: "resync",
      resyncUntil: T0 + 5_000 + 3 * RETRY,
    });
  });

  test("a child that goes idle is stopped and forgotten, and rebuilt on the next ROUTE", async () => {
    const h = harness({ input: { idleMs: 10_000 } });
    await running(h);
    h.route("a", { type: "DECRYPTED" });
    h.take();
    jest.advanceTimersByTime(5_000);
    h.route("b", { type: "SENT" });
    jest.advanceTimersByTime(5_000);
    expect(h.children()).toEqual(["conv:b"]);
    expect(Object.keys(h.node.getSnapshot().context.conversations)).toEqual(["b"]);
    jest.advanceTimersByTime(5_000);
    expect(h.children()).toEqual([]);
    expect(h.node.getSnapshot().context.conversations).toEqual({});
    expect(h.emitted).toEqual([]); // idle is not persisted: nothing changed
    h.route("a", { type: "SENT" }, { state: "ratcheting" });
    expect(childValue(h, "a")).toBe("ratcheting");
  });

  test("RESTORED after restoring a persisted node snapshot re-arms every child's timers", async () => {
    const h = harness({ input: { idleMs: 10_000 } });
    await running(h);
    h.route("r", { type: "SENT" }, { state: "resync", resyncUntil: T0 + 3 * RETRY });
    h.route("i", { type: "SENT" });
    h.take();
    const json = JSON.stringify(h.node.getPersistedSnapshot());
    h.node.stop();

    const restored = harness({ input: { idleMs: 10_000 }, snapshot: JSON.parse(json) as Snapshot<unknown> });
    expect(restored.state()).toBe("running");
    expect(restored.children()).toEqual(["conv:r", "conv:i"]);
    jest.advanceTimersByTime(5_000);
    restored.node.send({ type: "RESTORED", now: Date.now() });
    expect(restored.take().map((e) => e.event)).toEqual([{ type: "resync", id: "r", attempt: 1, since: T0 }]);
    jest.advanceTimersByTime(5_000);
    expect(restored.children()).toEqual(["conv:r"]); // i: idle deadline kept across the restore
    jest.advanceTimersByTime(RETRY);
    expect(restored.take().map((e) => e.event)).toEqual([{ type: "resync", id: "r", attempt: 2, since: T0 }]);
    expect(restored.errors).toEqual([]);
  });
});

describe("nodeMachine: supervision", () => {
  /** A conversation whose Store window bookkeeping (on DECRYPT_FAILED) throws, as a bug in a child would. */
  const crashing = (onCrash: () => void = () => {}) =>
    conversationMachine.provide({
      actions: {
        widenWindow: () => {
          onCrash();
          throw new Error("boom");
        },
      },
    });

  test("a child that throws is rebuilt from its last persisted state", async () => {
    const h = harness({ conversation: crashing() });
    await running(h);
    h.route("a", { type: "DECRYPTED" }); // handshake → ratcheting (persisted)
    const before = h.node.getSnapshot().children["conv:a"];
    h.route("a", { type: "DECRYPT_FAILED", code: "x" }); // throws
    expect(h.state()).toBe("running");
    const after = h.node.getSnapshot().children["conv:a"];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(before?.getSnapshot().status).toBe("error");
    expect(childValue(h, "a")).toBe("ratcheting");
    expect(h.node.getSnapshot().context.conversations.a?.restarts).toEqual([T0]);
    h.route("a", { type: "CLOSE" });
    expect(h.take().map((e) => e.event)).toEqual([
      { type: "persist", id: "a", state: "ratcheting" },
      { type: "persist", id: "a", state: "closed" },
    ]);
    expect(h.errors).toEqual([]);
  });

  test("a child in resync is rebuilt in resync with its deadline", async () => {
    let crash = false;
    const h = harness({
      conversation: conversationMachine.provide({
        actions: {
          touch: () => {
            if (crash) throw new Error("boom");
          },
        },
      }),
    });
    await running(h);
    h.route("a", { type: "SENT" }, { state: "ratcheting" });
    h.route("a", { type: "DECRYPT_FAILED", code: "x" });
    h.take();
    jest.advanceTimersByTime(RETRY);
    crash = true;
    h.route("a", { type: "SENT" }); // touch throws in resync
    crash = false;
    expect(childValue(h, "a")).toEqual({ resync: "requesting" });
    // rebuilt at node time T0 + RETRY: attempt 2 is re-sent, the schedule goes on from the persisted deadline (the
    // Store window of the rebuilt child defaults to the schedule's start)
    expect(h.take().map((e) => e.event)).toEqual([
      { type: "resync", id: "a", attempt: 2, since: T0 },
      { type: "resync", id: "a", attempt: 2, since: T0 },
    ]);
    jest.advanceTimersByTime(2 * RETRY);
    expect(h.take().map((e) => e.event)).toEqual([{ type: "resync", id: "a", attempt: 3, since: T0 }]);
    expect(childValue(h, "a")).toEqual({ resync: "quiet" }); // never closed by the schedule
  });

  test("more than maxRestarts errors within the window → failed, naming the conversation", async () => {
    const h = harness({ input: { maxRestarts: 5 } });
    await running(h);
    h.route("ok", { type: "SENT" });
    // a malformed row: the child fails to build, again on every restart
    h.route("broken", { type: "SENT" }, { state: "bogus" as never });
    expect(h.state()).toBe("failed");
    const output = h.node.getSnapshot().output as { status: string; error: Error };
    expect(output.status).toBe("failed");
    expect(output.error.message).toContain("conversation broken crashed 6 times within 60000 ms");
    expect(output.error.message).toContain("unknown state");
    expect(output.error.cause).toBeInstanceOf(TypeError);
    expect(h.children()).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  test("restarts older than restartWindowMs do not count", async () => {
    let crashes = 0;
    const h = harness({
      input: { maxRestarts: 1, restartWindowMs: 1_000, idleMs: 1_000_000 },
      conversation: crashing(() => crashes++),
    });
    await running(h);
    h.route("a", { type: "SENT" }, { state: "ratcheting" });
    h.route("a", { type: "DECRYPT_FAILED", code: "x" });
    expect(h.state()).toBe("running");
    jest.advanceTimersByTime(1_000);
    h.route("a", { type: "DECRYPT_FAILED", code: "x" });
    expect(h.state()).toBe("running");
    expect(h.node.getSnapshot().context.conversations.a?.restarts).toEqual([T0 + 1_000]);
    jest.advanceTimersByTime(999);
    h.route("a", { type: "DECRYPT_FAILED", code: "x" });
    expect(crashes).toBe(3);
    expect(h.state()).toBe("failed");
    expect((h.node.getSnapshot().output as { error: Error }).error.message).toContain(
      "conversation a crashed 2 times",
    );
  });

  test("restarts are counted per conversation", async () => {
    const h = harness({ input: { maxRestarts: 1 }, conversation: crashing() });
    await running(h);
    for (const id of ["a", "b", "c"]) {
      h.route(id, { type: "SENT" }, { state: "ratcheting" });
      h.route(id, { type: "DECRYPT_FAILED", code: "x" });
    }
    expect(h.state()).toBe("running");
    expect(h.children()).toEqual(["conv:a", "conv:b", "conv:c"]);
  });
});

describe("nodeMachine: scale", () => {
  test("1,000 routed conversations, then the idle ones are released", async () => {
    const h = harness({ input: { idleMs: 10_000 } });
    await running(h);
    for (let i = 0; i < 1_000; i++) h.route(`c${i}`, { type: "DECRYPTED" });
    for (let i = 0; i < 1_000; i += 2) h.route(`c${i}`, { type: "SENT" });
    expect(h.children()).toHaveLength(1_000);
    expect(Object.keys(h.node.getSnapshot().context.conversations)).toHaveLength(1_000);
    expect(h.take()).toHaveLength(1_000); // one persist (handshake → ratcheting) each
    jest.advanceTimersByTime(5_000);
    for (let i = 0; i < 1_000; i += 10) h.route(`c${i}`, { type: "SENT" }); // 100 stay busy
    jest.advanceTimersByTime(5_000);
    expect(h.children()).toHaveLength(100);
    jest.advanceTimersByTime(5_000);
    expect(h.children()).toHaveLength(0);
    expect(h.node.getSnapshot().context.conversations).toEqual({});
    for (let i = 0; i < 10; i++) h.route(`c${i}`, { type: "SENT" }, { state: "ratcheting" });
    expect(h.children()).toHaveLength(10);
    expect(h.state()).toBe("running");
    expect(h.errors).toEqual([]);
  });
});
