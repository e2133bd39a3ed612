import { afterEach, beforeEach, describe, expect, jest, test } from "bun:test";
import { type Actor, createActor, type Snapshot } from "xstate";
import {
  type ConversationEmitted,
  type ConversationInput,
  conversationMachine,
  DECRYPT_FAILURES_BEFORE_RESYNC,
  type PersistedConversationState,
} from "../../machines/conversation.ts";

// Time is bun:test's fake clock: jest.advanceTimersByTime fires chained timers one by one and moves Date.now().
const T0 = 1_700_000_000_000;
const IDLE = 60_000;
const RETRY = 30_000;

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(T0);
});
afterEach(() => {
  jest.useRealTimers();
});

interface Run {
  actor: Actor<typeof conversationMachine>;
  /** Emitted events with the fake time (ms since T0) they were emitted at. */
  emitted: Array<ConversationEmitted & { at: number }>;
  errors: unknown[];
  take: () => Array<ConversationEmitted & { at: number }>;
}

function observe(actor: Actor<typeof conversationMachine>): Run {
  const emitted: Run["emitted"] = [];
  const errors: unknown[] = [];
  actor.subscribe({ error: (err) => errors.push(err) });
  actor.on("*", (e) => emitted.push({ ...e, at: Date.now() - T0 }));
  return { actor, emitted, errors, take: () => emitted.splice(0) };
}

function run(input: Partial<ConversationInput> = {}): Run {
  const r = observe(
    createActor(conversationMachine, { input: { id: "c1", state: "handshake", now: Date.now(), ...input } }),
  );
  r.actor.start();
  return r;
}

const now = () => Date.now();
const value = (r: Run) => r.actor.getSnapshot().value;
const fail = (r: Run, times = 1) => {
  for (let i = 0; i < times; i++) r.actor.send({ type: "DECRYPT_FAILED", code: "bad_mac", now: now() });
};
type Timed = ConversationEmitted & { at: number };
const persist = (state: PersistedConversationState, at: number, resyncUntil?: number): Timed =>
  resyncUntil === undefined
    ? { type: "persist", id: "c1", state, at }
    : { type: "persist", id: "c1", state, at, resyncUntil };
const resync = (attempt: number, at: number): Timed => ({ type: "resync", id: "c1", attempt, at });

describe("conversationMachine: handshake and ratcheting", () => {
  test("starts in the state of its input without persisting it again", () => {
    for (const state of ["handshake", "ratcheting"] as const) {
      const r = run({ state });
      expect(value(r)).toBe(state);
      expect(r.emitted).toEqual([]);
      expect(r.actor.getSnapshot().status).toBe("active");
    }
  });

  test("handshake → ratcheting on DECRYPTED, persisted", () => {
    const r = run();
    jest.advanceTimersByTime(1_000);
    r.actor.send({ type: "DECRYPTED", now: now() });
    expect(value(r)).toBe("ratcheting");
    expect(r.take()).toEqual([persist("ratcheting", 1_000)]);
  });

  test("SENT and DECRYPT_FAILED keep a handshake waiting", () => {
    const r = run();
    r.actor.send({ type: "SENT", now: now() });
    fail(r, 5);
    expect(value(r)).toBe("handshake");
    expect(r.emitted).toEqual([]);
  });

  test(`${DECRYPT_FAILURES_BEFORE_RESYNC} consecutive DECRYPT_FAILED → resync; DECRYPTED resets the count`, () => {
    const r = run({ state: "ratcheting" });
    fail(r, 2);
    r.actor.send({ type: "DECRYPTED", now: now() });
    fail(r, 2);
    r.actor.send({ type: "SENT", now: now() }); // sending does not reset the count
    expect(value(r)).toBe("ratcheting");
    expect(r.actor.getSnapshot().context.failures).toBe(2);
    expect(r.emitted).toEqual([]);
    jest.advanceTimersByTime(5_000);
    fail(r);
    expect(value(r)).toBe("resync");
    // persisted first (the host writes the state), then the first request
    expect(r.take()).toEqual([persist("resync", 5_000, T0 + 5_000 + 3 * RETRY), resync(1, 5_000)]);
  });
});

describe("conversationMachine: idle", () => {
  test("no event for idleMs → final idle, not persisted", async () => {
    const r = run();
    jest.advanceTimersByTime(IDLE - 1);
    expect(value(r)).toBe("handshake");
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
    expect(r.actor.getSnapshot().status).toBe("done");
    expect(r.actor.getSnapshot().output).toEqual({ id: "c1", state: "idle" });
    expect(r.emitted).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  test("every event restarts the idle timer, in handshake and ratcheting", () => {
    const r = run({ idleMs: 1_000 });
    jest.advanceTimersByTime(900);
    r.actor.send({ type: "SENT", now: now() });
    jest.advanceTimersByTime(900);
    fail(r);
    jest.advanceTimersByTime(900);
    r.actor.send({ type: "DECRYPTED", now: now() });
    jest.advanceTimersByTime(900);
    r.actor.send({ type: "DECRYPTED", now: now() });
    jest.advanceTimersByTime(900);
    fail(r);
    jest.advanceTimersByTime(999);
    expect(value(r)).toBe("ratcheting");
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
  });

  test("resync never goes idle", () => {
    const r = run({ state: "resync", idleMs: 1_000, maxResyncAttempts: 100 });
    jest.advanceTimersByTime(10 * RETRY);
    expect(value(r)).toBe("resync");
    expect(r.actor.getSnapshot().context.resyncAttempt).toBe(11);
  });

  test("events without `now` keep relative timers right (the last known time is used)", () => {
    const r = run({ state: "ratcheting", idleMs: 1_000 });
    jest.advanceTimersByTime(900);
    r.actor.send({ type: "SENT" });
    jest.advanceTimersByTime(999);
    expect(value(r)).toBe("ratcheting");
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
  });
});

describe("conversationMachine: resync", () => {
  function inResync(input: Partial<ConversationInput> = {}): Run {
    const r = run({ state: "ratcheting", ...input });
    fail(r, DECRYPT_FAILURES_BEFORE_RESYNC);
    r.take();
    return r;
  }

  test("requests every resyncRetryMs, gives up after maxResyncAttempts → closed", () => {
    const r = inResync();
    jest.advanceTimersByTime(RETRY - 1);
    expect(r.emitted).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(r.take()).toEqual([resync(2, RETRY)]);
    jest.advanceTimersByTime(RETRY);
    expect(r.take()).toEqual([resync(3, 2 * RETRY)]);
    jest.advanceTimersByTime(RETRY - 1);
    expect(value(r)).toBe("resync");
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("closed");
    expect(r.take()).toEqual([persist("closed", 3 * RETRY)]);
    expect(r.actor.getSnapshot().status).toBe("done");
    expect(r.actor.getSnapshot().output).toEqual({ id: "c1", state: "closed" });
  });

  test("one jump over the whole schedule fires every chained timer", () => {
    const r = inResync({ maxResyncAttempts: 5, resyncRetryMs: 1_000 });
    jest.advanceTimersByTime(60_000);
    expect(r.take()).toEqual([
      resync(2, 1_000),
      resync(3, 2_000),
      resync(4, 3_000),
      resync(5, 4_000),
      persist("closed", 5_000),
    ]);
  });

  test("DECRYPTED → back to ratcheting, persisted without deadline, retries stop", () => {
    const r = inResync();
    jest.advanceTimersByTime(RETRY);
    r.take();
    r.actor.send({ type: "DECRYPTED", now: now() });
    expect(value(r)).toBe("ratcheting");
    expect(r.take()).toEqual([persist("ratcheting", RETRY)]);
    expect(r.actor.getSnapshot().context.resyncUntil).toBeUndefined();
    jest.advanceTimersByTime(IDLE - 1);
    expect(r.emitted).toEqual([]);
    expect(value(r)).toBe("ratcheting");
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
  });

  test("SENT and DECRYPT_FAILED change nothing in resync", () => {
    const r = inResync();
    r.actor.send({ type: "SENT", now: now() });
    fail(r, 10);
    expect(value(r)).toBe("resync");
    expect(r.emitted).toEqual([]);
    jest.advanceTimersByTime(RETRY);
    expect(r.take()).toEqual([resync(2, RETRY)]);
  });

  test("a second resync after recovering starts a fresh schedule", () => {
    const r = inResync();
    jest.advanceTimersByTime(2 * RETRY);
    r.actor.send({ type: "DECRYPTED", now: now() });
    fail(r, 3);
    expect(r.take()).toEqual([
      resync(2, RETRY),
      resync(3, 2 * RETRY),
      persist("ratcheting", 2 * RETRY),
      persist("resync", 2 * RETRY, T0 + 5 * RETRY),
      resync(1, 2 * RETRY),
    ]);
  });
});

describe("conversationMachine: CLOSE", () => {
  test("CLOSE from handshake, ratcheting and resync → closed, persisted", () => {
    for (const state of ["handshake", "ratcheting", "resync"] as const) {
      const r = run({ state, resyncUntil: now() + 3 * RETRY });
      r.take();
      r.actor.send({ type: "CLOSE" });
      expect(value(r)).toBe("closed");
      expect(r.take()).toEqual([persist("closed", now() - T0)]);
      expect(r.actor.getSnapshot().output).toEqual({ id: "c1", state: "closed" });
      jest.advanceTimersByTime(10 * IDLE);
      expect(r.emitted).toEqual([]);
    }
  });
});

describe("conversationMachine: built again from SQLite (input)", () => {
  test("resync with resyncUntil in the future resumes the schedule and re-sends the current attempt", () => {
    // entered resync 45 s ago: attempts 1 (at -45 s) and 2 (at -15 s) are past, 3 is due in 15 s, closes in 45 s
    const r = run({ state: "resync", resyncUntil: T0 + 45_000 });
    expect(value(r)).toBe("resync");
    expect(r.take()).toEqual([resync(2, 0)]);
    jest.advanceTimersByTime(15_000);
    expect(r.take()).toEqual([resync(3, 15_000)]);
    jest.advanceTimersByTime(RETRY);
    expect(r.take()).toEqual([persist("closed", 45_000)]);
  });

  test("resync with resyncUntil in the past → closed at once", () => {
    const r = run({ state: "resync", resyncUntil: T0 - 1 });
    expect(value(r)).toBe("closed");
    expect(r.actor.getSnapshot().status).toBe("done");
    expect(r.take()).toEqual([persist("closed", 0)]);
    expect(r.errors).toEqual([]);
  });

  test("resync without resyncUntil starts a fresh schedule and persists it", () => {
    const r = run({ state: "resync" });
    expect(r.take()).toEqual([persist("resync", 0, T0 + 3 * RETRY), resync(1, 0)]);
  });

  test("resyncUntil is ignored outside resync", () => {
    const r = run({ state: "ratcheting", resyncUntil: T0 - 1 });
    expect(value(r)).toBe("ratcheting");
    expect(r.emitted).toEqual([]);
  });

  test("invalid input errors the actor (reported to the error observer, not thrown)", () => {
    const bad: unknown[] = [
      { id: "", state: "handshake", now: T0 },
      { id: "c1", state: "bogus", now: T0 },
      { id: "c1", state: "handshake", now: Number.NaN },
      { id: "c1", state: "handshake", now: T0, idleMs: 0 },
      { id: "c1", state: "resync", now: T0, resyncUntil: "soon" },
    ];
    for (const input of bad) {
      const r = observe(createActor(conversationMachine, { input: input as ConversationInput }));
      r.actor.start();
      expect(r.actor.getSnapshot().status).toBe("error");
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toBeInstanceOf(TypeError);
    }
  });
});

describe("conversationMachine: restored from a persisted snapshot + RESTORED", () => {
  /** Persists the actor's snapshot as JSON (as the host would in SQLite), stops it and rebuilds it. */
  function rebuild(r: Run): Run {
    const json = JSON.stringify(r.actor.getPersistedSnapshot());
    r.actor.stop();
    const restored = observe(
      // the input is not used when a snapshot is given
      createActor(conversationMachine, {
        snapshot: JSON.parse(json) as Snapshot<unknown>,
        input: undefined as never,
      }),
    );
    restored.actor.start();
    return restored;
  }

  test("timers are not re-armed by the restore alone (xstate issue 5331)", () => {
    const r = run({ state: "resync" });
    const restored = rebuild(r);
    expect(restored.actor.getSnapshot().value).toBe("resync");
    jest.advanceTimersByTime(10 * RETRY);
    expect(restored.emitted).toEqual([]);
    expect(restored.actor.getSnapshot().value).toBe("resync");
  });

  test("RESTORED in resync before the deadline re-sends the current attempt and re-arms the retries", () => {
    const r = run({ state: "resync" });
    jest.advanceTimersByTime(RETRY + 10_000); // attempt 2 was sent at 30 s
    const restored = rebuild(r);
    jest.advanceTimersByTime(5_000); // down for 5 s
    restored.actor.send({ type: "RESTORED", now: now() });
    expect(restored.take()).toEqual([resync(2, 45_000)]);
    jest.advanceTimersByTime(14_999);
    expect(restored.emitted).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(restored.take()).toEqual([resync(3, 2 * RETRY)]);
    jest.advanceTimersByTime(RETRY);
    expect(restored.take()).toEqual([persist("closed", 3 * RETRY)]);
  });

  test("RESTORED in resync after the deadline → closed", () => {
    const r = run({ state: "resync" });
    const restored = rebuild(r);
    jest.advanceTimersByTime(3 * RETRY);
    restored.actor.send({ type: "RESTORED", now: now() });
    expect(restored.actor.getSnapshot().value).toBe("closed");
    expect(restored.take()).toEqual([persist("closed", 3 * RETRY)]);
  });

  test("RESTORED in ratcheting re-arms the idle timer from the last activity", () => {
    const r = run({ state: "ratcheting" });
    jest.advanceTimersByTime(20_000);
    r.actor.send({ type: "SENT", now: now() });
    const restored = rebuild(r);
    jest.advanceTimersByTime(30_000);
    restored.actor.send({ type: "RESTORED", now: now() });
    jest.advanceTimersByTime(IDLE - 30_000 - 1);
    expect(restored.actor.getSnapshot().value).toBe("ratcheting");
    jest.advanceTimersByTime(1);
    expect(restored.actor.getSnapshot().value).toBe("idle");
  });

  test("RESTORED long after the idle deadline → idle at once", () => {
    const r = run({ state: "handshake" });
    const restored = rebuild(r);
    jest.advanceTimersByTime(10 * IDLE);
    restored.actor.send({ type: "RESTORED", now: now() });
    jest.advanceTimersByTime(0);
    expect(restored.actor.getSnapshot().value).toBe("idle");
    expect(restored.emitted).toEqual([]);
  });

  test("the ratchet failure count and the persisted state survive the round trip", () => {
    const r = run({ state: "ratcheting" });
    fail(r, 2);
    const restored = rebuild(r);
    restored.actor.send({ type: "RESTORED", now: now() });
    fail(restored);
    expect(restored.actor.getSnapshot().value).toBe("resync");
    expect(restored.take().map((e) => e.type)).toEqual(["persist", "resync"]);
  });
});

describe("conversationMachine: robustness", () => {
  test("unknown events are ignored", () => {
    const r = run({ state: "ratcheting" });
    (r.actor as unknown as { send: (e: unknown) => void }).send({ type: "NOPE" });
    expect(value(r)).toBe("ratcheting");
    expect(r.errors).toEqual([]);
  });

  test("events after the end are ignored", () => {
    const r = run();
    r.actor.send({ type: "CLOSE" });
    r.take();
    r.actor.send({ type: "DECRYPTED" });
    expect(value(r)).toBe("closed");
    expect(r.emitted).toEqual([]);
  });
});
