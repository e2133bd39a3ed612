import { afterEach, beforeEach, describe, expect, jest, test } from "bun:test";
import { type Actor, createActor, type Snapshot } from "xstate";
import {
  type ConversationEmitted,
  type ConversationInput,
  conversationMachine,
  type PersistedConversationState,
} from "../../machines/conversation.ts";

// Time is bun:test's fake clock: jest.advanceTimersByTime fires chained timers one by one and moves Date.now().
const T0 = 1_700_000_000_000;
const IDLE = 60_000;
const RETRY = 30_000;
/** A whole default schedule: 3 attempts, RETRY apart, then quiet. */
const SCHEDULE = 3 * RETRY;

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
const context = (r: Run) => r.actor.getSnapshot().context;
const REQUESTING = { resync: "requesting" } as const;
const QUIET = { resync: "quiet" } as const;
/** A DECRYPT_FAILED for an envelope of Waku time `since` (default: none, so the event's time). */
const fail = (r: Run, since?: number) =>
  r.actor.send(
    since === undefined
      ? { type: "DECRYPT_FAILED", code: "bad_mac", now: now() }
      : { type: "DECRYPT_FAILED", code: "bad_mac", since, now: now() },
  );
const repair = (r: Run, since: number) => r.actor.send({ type: "REPAIR", since, now: now() });
const send = (r: Run, type: "DECRYPTED" | "SENT" | "REPAIRED" | "CLOSE") =>
  r.actor.send({ type, now: now() });
type Timed = ConversationEmitted & { at: number };
const persist = (state: PersistedConversationState, at: number, resyncUntil?: number): Timed =>
  resyncUntil === undefined
    ? { type: "persist", id: "c1", state, at }
    : { type: "persist", id: "c1", state, at, resyncUntil };
const resync = (attempt: number, at: number, since: number): Timed => ({
  type: "resync",
  id: "c1",
  attempt,
  since,
  at,
});

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
    send(r, "DECRYPTED");
    expect(value(r)).toBe("ratcheting");
    expect(r.take()).toEqual([persist("ratcheting", 1_000)]);
  });

  test("SENT and REPAIRED keep a handshake waiting", () => {
    const r = run();
    send(r, "SENT");
    send(r, "REPAIRED");
    expect(value(r)).toBe("handshake");
    expect(r.emitted).toEqual([]);
  });

  test("handshake → resync on REPAIR: repairing, Store window from its since, schedule persisted", () => {
    const r = run();
    jest.advanceTimersByTime(5_000);
    repair(r, T0 + 1_000);
    expect(value(r)).toEqual(REQUESTING);
    expect(context(r).repairing).toBe(true);
    // persisted first (the host writes the state), then the first request
    expect(r.take()).toEqual([persist("resync", 5_000, T0 + 5_000 + SCHEDULE), resync(1, 5_000, T0 + 1_000)]);
  });

  test("handshake → resync on DECRYPT_FAILED, Store window from the envelope's time, not repairing", () => {
    const r = run();
    jest.advanceTimersByTime(5_000);
    fail(r, T0 + 2_000);
    expect(value(r)).toEqual(REQUESTING);
    expect(context(r).repairing).toBe(false);
    expect(r.take()).toEqual([persist("resync", 5_000, T0 + 5_000 + SCHEDULE), resync(1, 5_000, T0 + 2_000)]);
  });

  test("ratcheting → resync on REPAIR, repairing, Store window from its since", () => {
    const r = run({ state: "ratcheting" });
    jest.advanceTimersByTime(5_000);
    repair(r, T0 - 10_000);
    expect(value(r)).toEqual(REQUESTING);
    expect(context(r).repairing).toBe(true);
    expect(r.take()).toEqual([
      persist("resync", 5_000, T0 + 5_000 + SCHEDULE),
      resync(1, 5_000, T0 - 10_000),
    ]);
  });

  test("ratcheting → resync at the first DECRYPT_FAILED, Store window from its since", () => {
    const r = run({ state: "ratcheting" });
    jest.advanceTimersByTime(5_000);
    fail(r, T0 + 4_000);
    expect(value(r)).toEqual(REQUESTING);
    expect(context(r).repairing).toBe(false);
    expect(r.take()).toEqual([persist("resync", 5_000, T0 + 5_000 + SCHEDULE), resync(1, 5_000, T0 + 4_000)]);
  });

  test("a DECRYPT_FAILED without since opens the Store window at the event's time", () => {
    const r = run({ state: "ratcheting" });
    jest.advanceTimersByTime(7_000);
    fail(r);
    expect(r.take()).toEqual([persist("resync", 7_000, T0 + 7_000 + SCHEDULE), resync(1, 7_000, T0 + 7_000)]);
  });

  test("SENT, DECRYPTED and REPAIRED keep ratcheting", () => {
    const r = run({ state: "ratcheting" });
    send(r, "SENT");
    send(r, "DECRYPTED");
    send(r, "REPAIRED");
    expect(value(r)).toBe("ratcheting");
    expect(r.emitted).toEqual([]);
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
    send(r, "SENT");
    jest.advanceTimersByTime(900);
    send(r, "REPAIRED");
    jest.advanceTimersByTime(900);
    send(r, "DECRYPTED");
    jest.advanceTimersByTime(900);
    send(r, "DECRYPTED");
    jest.advanceTimersByTime(900);
    send(r, "REPAIRED");
    jest.advanceTimersByTime(900);
    send(r, "SENT");
    jest.advanceTimersByTime(999);
    expect(value(r)).toBe("ratcheting");
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
  });

  test("resync never goes idle while requests are scheduled", () => {
    const r = run({ state: "resync", idleMs: 1_000, maxResyncAttempts: 100 });
    jest.advanceTimersByTime(10 * RETRY);
    expect(value(r)).toEqual(REQUESTING);
    expect(context(r).resyncAttempt).toBe(11);
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

describe("conversationMachine: resync schedule", () => {
  /** In resync since T0 (3 attempts due at 0, RETRY, 2 × RETRY), Store window from T0 - 1 000. */
  function inResync(input: Partial<ConversationInput> = {}): Run {
    const r = run({ state: "ratcheting", ...input });
    fail(r, T0 - 1_000);
    r.take();
    return r;
  }

  test("requests every resyncRetryMs with the Store window, maxResyncAttempts times, then quiet: never closed", () => {
    const r = inResync({ idleMs: 10 * IDLE });
    jest.advanceTimersByTime(RETRY - 1);
    expect(r.emitted).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(r.take()).toEqual([resync(2, RETRY, T0 - 1_000)]);
    jest.advanceTimersByTime(RETRY);
    expect(r.take()).toEqual([resync(3, 2 * RETRY, T0 - 1_000)]);
    jest.advanceTimersByTime(RETRY - 1);
    expect(value(r)).toEqual(REQUESTING);
    jest.advanceTimersByTime(1);
    expect(value(r)).toEqual(QUIET);
    expect(r.actor.getSnapshot().status).toBe("active");
    jest.advanceTimersByTime(5 * IDLE);
    expect(value(r)).toEqual(QUIET);
    expect(r.emitted).toEqual([]); // no more requests, no `persist closed`
  });

  test("one jump over the whole schedule fires every chained timer, and ends quiet", () => {
    const r = inResync({ maxResyncAttempts: 5, resyncRetryMs: 1_000, idleMs: 10 * IDLE });
    jest.advanceTimersByTime(60_000);
    expect(r.take()).toEqual([
      resync(2, 1_000, T0 - 1_000),
      resync(3, 2_000, T0 - 1_000),
      resync(4, 3_000, T0 - 1_000),
      resync(5, 4_000, T0 - 1_000),
    ]);
    expect(value(r)).toEqual(QUIET);
  });

  test("quiet: idleMs after the last activity → final idle, not persisted (SQLite keeps resync)", () => {
    const r = inResync({ idleMs: 200_000 });
    jest.advanceTimersByTime(SCHEDULE + 10_000);
    expect(value(r)).toEqual(QUIET);
    send(r, "SENT"); // activity at 100 s
    r.take();
    jest.advanceTimersByTime(200_000 - 1);
    expect(value(r)).toEqual(QUIET);
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
    expect(r.actor.getSnapshot().output).toEqual({ id: "c1", state: "idle" });
    expect(r.emitted).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  test("quiet with the last activity older than idleMs → idle as soon as the schedule ends", () => {
    const r = inResync(); // last activity at 0, idle deadline 60 s, schedule ends at 90 s
    jest.advanceTimersByTime(SCHEDULE - 1);
    expect(value(r)).toEqual(REQUESTING);
    jest.advanceTimersByTime(1);
    jest.advanceTimersByTime(0); // the idle timer, armed on entering quiet with a delay of 0
    expect(value(r)).toBe("idle");
    expect(r.take()).toEqual([resync(2, RETRY, T0 - 1_000), resync(3, 2 * RETRY, T0 - 1_000)]);
  });

  test("events while requesting count as activity for the idle timer once quiet", () => {
    const events = [
      (r: Run) => send(r, "SENT"),
      (r: Run) => send(r, "DECRYPTED"), // repairing: stays in resync
      (r: Run) => repair(r, T0),
      (r: Run) => fail(r, T0),
    ];
    for (const event of events) {
      const start = now();
      const r = run({ state: "ratcheting", idleMs: 100_000 });
      repair(r, T0);
      jest.advanceTimersByTime(80_000);
      event(r); // idle now due at 180 s instead of 100 s
      jest.advanceTimersByTime(180_000 - 80_000 - 1);
      expect(value(r)).toEqual(QUIET);
      jest.advanceTimersByTime(1);
      expect(value(r)).toBe("idle");
      expect(now() - start).toBe(180_000);
    }
  });

  test("more reasons while requesting only move the Store window earlier; the schedule goes on", () => {
    const r = inResync();
    jest.advanceTimersByTime(10_000);
    fail(r, T0 + 5_000); // later: no change
    repair(r, T0 - 500); // later: no change, but now repairing
    expect(context(r).since).toBe(T0 - 1_000);
    expect(context(r).repairing).toBe(true);
    fail(r, T0 - 3_000); // earlier
    expect(r.emitted).toEqual([]); // no extra request, no restart
    jest.advanceTimersByTime(RETRY - 10_000);
    expect(r.take()).toEqual([resync(2, RETRY, T0 - 3_000)]);
    repair(r, T0 - 7_000); // earlier
    fail(r); // the event's time: later
    jest.advanceTimersByTime(RETRY);
    expect(r.take()).toEqual([resync(3, 2 * RETRY, T0 - 7_000)]);
    expect(context(r).resyncUntil).toBe(T0 + SCHEDULE);
  });

  test("REPAIR while quiet starts a fresh schedule (persisted, attempt 1 at once) with the merged window", () => {
    const r = inResync({ idleMs: 10 * IDLE });
    jest.advanceTimersByTime(SCHEDULE + 60_000);
    r.take();
    expect(value(r)).toEqual(QUIET);
    repair(r, T0 + 100_000); // later than the window: the window stays
    expect(value(r)).toEqual(REQUESTING);
    expect(context(r).repairing).toBe(true);
    const at = SCHEDULE + 60_000;
    expect(r.take()).toEqual([persist("resync", at, T0 + at + SCHEDULE), resync(1, at, T0 - 1_000)]);
    jest.advanceTimersByTime(SCHEDULE);
    expect(r.take()).toEqual([resync(2, at + RETRY, T0 - 1_000), resync(3, at + 2 * RETRY, T0 - 1_000)]);
    expect(value(r)).toEqual(QUIET);
  });

  test("DECRYPT_FAILED while quiet starts a fresh schedule with the earlier window", () => {
    const r = inResync({ idleMs: 10 * IDLE });
    jest.advanceTimersByTime(SCHEDULE + 60_000);
    r.take();
    fail(r, T0 - 50_000);
    expect(value(r)).toEqual(REQUESTING);
    expect(context(r).repairing).toBe(false);
    const at = SCHEDULE + 60_000;
    expect(r.take()).toEqual([persist("resync", at, T0 + at + SCHEDULE), resync(1, at, T0 - 50_000)]);
  });

  test("SENT in resync only records the activity: no request, no restart", () => {
    const r = inResync({ idleMs: 10 * IDLE });
    send(r, "SENT");
    expect(value(r)).toEqual(REQUESTING);
    expect(r.emitted).toEqual([]);
    jest.advanceTimersByTime(SCHEDULE);
    send(r, "SENT");
    expect(value(r)).toEqual(QUIET);
    expect(r.take()).toEqual([resync(2, RETRY, T0 - 1_000), resync(3, 2 * RETRY, T0 - 1_000)]);
  });

  test("nothing but CLOSE closes: failures and repairs for a day leave it in resync, never closed", () => {
    const r = inResync({ idleMs: 24 * 3_600_000 });
    for (let i = 0; i < 96; i++) {
      jest.advanceTimersByTime(15 * 60_000);
      if (i % 2 === 0) fail(r, now() - 1_000);
      else repair(r, now() - 1_000);
    }
    expect(r.actor.getSnapshot().status).toBe("active");
    expect(value(r)).toEqual(REQUESTING);
    expect(r.emitted.filter((e) => e.type === "persist" && e.state === "closed")).toEqual([]);
  });
});

describe("conversationMachine: leaving resync", () => {
  test("DECRYPTED (not repairing) → ratcheting, persisted without deadline, retries stop", () => {
    const r = run({ state: "ratcheting" });
    fail(r);
    jest.advanceTimersByTime(RETRY);
    r.take();
    send(r, "DECRYPTED");
    expect(value(r)).toBe("ratcheting");
    expect(r.take()).toEqual([persist("ratcheting", RETRY)]);
    expect(context(r).resyncUntil).toBeUndefined();
    expect(context(r).since).toBeUndefined();
    jest.advanceTimersByTime(IDLE - 1);
    expect(r.emitted).toEqual([]);
    expect(value(r)).toBe("ratcheting");
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
  });

  test("DECRYPTED while quiet (not repairing) → ratcheting", () => {
    const r = run({ state: "ratcheting", idleMs: 10 * IDLE });
    fail(r);
    jest.advanceTimersByTime(SCHEDULE);
    expect(value(r)).toEqual(QUIET);
    r.take();
    send(r, "DECRYPTED");
    expect(value(r)).toBe("ratcheting");
    expect(r.take()).toEqual([persist("ratcheting", SCHEDULE)]);
  });

  test("DECRYPTED does not end a resync while repairing: the requests go on", () => {
    const r = run({ state: "ratcheting" });
    repair(r, T0);
    r.take();
    jest.advanceTimersByTime(10_000);
    send(r, "DECRYPTED");
    expect(value(r)).toEqual(REQUESTING);
    expect(r.emitted).toEqual([]);
    jest.advanceTimersByTime(RETRY - 10_000);
    expect(r.take()).toEqual([resync(2, RETRY, T0)]);
  });

  test("DECRYPTED while repairing and quiet keeps it quiet and restarts the idle timer", () => {
    const r = run({ state: "ratcheting", idleMs: 100_000 });
    repair(r, T0);
    jest.advanceTimersByTime(SCHEDULE);
    expect(value(r)).toEqual(QUIET);
    r.take();
    send(r, "DECRYPTED"); // at 90 s: idle now due at 190 s instead of 100 s
    expect(value(r)).toEqual(QUIET);
    jest.advanceTimersByTime(100_000 - 1);
    expect(value(r)).toEqual(QUIET);
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
    expect(r.emitted).toEqual([]);
  });

  test("REPAIRED → ratcheting, from requesting and from quiet; repairing is cleared", () => {
    for (const wait of [10_000, SCHEDULE]) {
      const r = run({ state: "ratcheting", idleMs: 10 * IDLE });
      repair(r, T0);
      jest.advanceTimersByTime(wait);
      expect(value(r)).toEqual(wait === SCHEDULE ? QUIET : REQUESTING);
      r.take();
      send(r, "REPAIRED");
      expect(value(r)).toBe("ratcheting");
      expect(context(r).repairing).toBe(false);
      expect(r.take()).toEqual([persist("ratcheting", now() - T0)]);
      jest.advanceTimersByTime(RETRY);
      expect(r.emitted).toEqual([]);
    }
  });

  test("REPAIRED also ends a resync started by a decrypt failure", () => {
    const r = run({ state: "ratcheting" });
    fail(r);
    r.take();
    send(r, "REPAIRED");
    expect(value(r)).toBe("ratcheting");
    expect(r.take()).toEqual([persist("ratcheting", 0)]);
  });

  test("a second resync after recovering starts a fresh schedule and a fresh Store window", () => {
    const r = run({ state: "ratcheting" });
    fail(r, T0 - 1_000);
    jest.advanceTimersByTime(2 * RETRY);
    send(r, "DECRYPTED");
    fail(r, T0 + 50_000);
    expect(r.take()).toEqual([
      persist("resync", 0, T0 + SCHEDULE),
      resync(1, 0, T0 - 1_000),
      resync(2, RETRY, T0 - 1_000),
      resync(3, 2 * RETRY, T0 - 1_000),
      persist("ratcheting", 2 * RETRY),
      persist("resync", 2 * RETRY, T0 + 2 * RETRY + SCHEDULE),
      resync(1, 2 * RETRY, T0 + 50_000),
    ]);
  });
});

describe("conversationMachine: CLOSE", () => {
  test("CLOSE from handshake, ratcheting, resync (requesting and quiet) → closed, persisted", () => {
    const inputs: Array<Partial<ConversationInput>> = [
      { state: "handshake" },
      { state: "ratcheting" },
      { state: "resync", resyncUntil: now() + SCHEDULE },
      { state: "resync", resyncUntil: now() - 1 },
    ];
    for (const input of inputs) {
      const r = run(input);
      r.take();
      send(r, "CLOSE");
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
    // entered resync 45 s ago: attempts 1 (at -45 s) and 2 (at -15 s) are past, 3 is due in 15 s, quiet in 45 s;
    // the Store window defaults to the schedule's start
    const r = run({ state: "resync", resyncUntil: T0 + 45_000, idleMs: 10 * IDLE });
    expect(value(r)).toEqual(REQUESTING);
    expect(r.take()).toEqual([resync(2, 0, T0 - 45_000)]);
    jest.advanceTimersByTime(15_000);
    expect(r.take()).toEqual([resync(3, 15_000, T0 - 45_000)]);
    jest.advanceTimersByTime(RETRY);
    expect(value(r)).toEqual(QUIET);
    expect(r.take()).toEqual([]);
  });

  test("input since is the Store window of the requests", () => {
    const r = run({ state: "resync", resyncUntil: T0 + 45_000, since: T0 - 600_000 });
    expect(r.take()).toEqual([resync(2, 0, T0 - 600_000)]);
  });

  test("resync with resyncUntil in the past → quiet resync, not closed; REPAIR restarts the schedule", () => {
    const r = run({ state: "resync", resyncUntil: T0 - 1 });
    expect(value(r)).toEqual(QUIET);
    expect(r.actor.getSnapshot().status).toBe("active");
    expect(r.emitted).toEqual([]);
    expect(r.errors).toEqual([]);
    jest.advanceTimersByTime(10_000);
    repair(r, T0 - 600_000);
    expect(value(r)).toEqual(REQUESTING);
    expect(r.take()).toEqual([
      persist("resync", 10_000, T0 + 10_000 + SCHEDULE),
      resync(1, 10_000, T0 - 600_000),
    ]);
  });

  test("resync with resyncUntil in the past goes idle after idleMs without an event", () => {
    const r = run({ state: "resync", resyncUntil: T0 - 1 });
    jest.advanceTimersByTime(IDLE - 1);
    expect(value(r)).toEqual(QUIET);
    jest.advanceTimersByTime(1);
    expect(value(r)).toBe("idle");
    expect(r.actor.getSnapshot().output).toEqual({ id: "c1", state: "idle" });
    expect(r.emitted).toEqual([]);
  });

  test("resync without resyncUntil starts a fresh schedule and persists it; the Store window starts now", () => {
    const r = run({ state: "resync" });
    expect(r.take()).toEqual([persist("resync", 0, T0 + SCHEDULE), resync(1, 0, T0)]);
  });

  test("a rebuilt resync is not repairing: DECRYPTED ends it", () => {
    const r = run({ state: "resync", resyncUntil: T0 + 45_000 });
    expect(context(r).repairing).toBe(false);
    r.take();
    send(r, "DECRYPTED");
    expect(value(r)).toBe("ratcheting");
    expect(r.take()).toEqual([persist("ratcheting", 0)]);
  });

  test("resyncUntil and since are ignored outside resync", () => {
    const r = run({ state: "ratcheting", resyncUntil: T0 - 1, since: T0 - 1 });
    expect(value(r)).toBe("ratcheting");
    expect(context(r).since).toBeUndefined();
    expect(context(r).resyncUntil).toBeUndefined();
    expect(r.emitted).toEqual([]);
  });

  test("invalid input errors the actor (reported to the error observer, not thrown)", () => {
    const bad: unknown[] = [
      { id: "", state: "handshake", now: T0 },
      { id: "c1", state: "bogus", now: T0 },
      { id: "c1", state: "handshake", now: Number.NaN },
      { id: "c1", state: "handshake", now: T0, idleMs: 0 },
      { id: "c1", state: "resync", now: T0, resyncUntil: "soon" },
      { id: "c1", state: "resync", now: T0, since: Number.POSITIVE_INFINITY },
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
    expect(value(restored)).toEqual(REQUESTING);
    jest.advanceTimersByTime(10 * RETRY);
    expect(restored.emitted).toEqual([]);
    expect(value(restored)).toEqual(REQUESTING);
  });

  test("RESTORED in resync before the deadline re-sends the current attempt and re-arms the retries", () => {
    const r = run({ state: "resync", idleMs: 10 * IDLE });
    jest.advanceTimersByTime(RETRY + 10_000); // attempt 2 was sent at 30 s
    const restored = rebuild(r);
    jest.advanceTimersByTime(5_000); // down for 5 s
    restored.actor.send({ type: "RESTORED", now: now() });
    expect(restored.take()).toEqual([resync(2, 45_000, T0)]);
    jest.advanceTimersByTime(14_999);
    expect(restored.emitted).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(restored.take()).toEqual([resync(3, 2 * RETRY, T0)]);
    jest.advanceTimersByTime(RETRY);
    expect(value(restored)).toEqual(QUIET);
    expect(restored.take()).toEqual([]);
  });

  test("RESTORED in resync after the deadline → quiet, not closed, with the idle timer armed", () => {
    const r = run({ state: "resync", idleMs: 2 * SCHEDULE });
    const restored = rebuild(r);
    jest.advanceTimersByTime(SCHEDULE);
    restored.actor.send({ type: "RESTORED", now: now() });
    expect(value(restored)).toEqual(QUIET);
    expect(restored.take()).toEqual([]);
    jest.advanceTimersByTime(SCHEDULE - 1); // idle deadline: last activity (0) + idleMs
    expect(value(restored)).toEqual(QUIET);
    jest.advanceTimersByTime(1);
    expect(value(restored)).toBe("idle");
  });

  test("RESTORED in ratcheting re-arms the idle timer from the last activity", () => {
    const r = run({ state: "ratcheting" });
    jest.advanceTimersByTime(20_000);
    send(r, "SENT");
    const restored = rebuild(r);
    jest.advanceTimersByTime(30_000);
    restored.actor.send({ type: "RESTORED", now: now() });
    jest.advanceTimersByTime(IDLE - 30_000 - 1);
    expect(value(restored)).toBe("ratcheting");
    jest.advanceTimersByTime(1);
    expect(value(restored)).toBe("idle");
  });

  test("RESTORED long after the idle deadline → idle at once", () => {
    const r = run({ state: "handshake" });
    const restored = rebuild(r);
    jest.advanceTimersByTime(10 * IDLE);
    restored.actor.send({ type: "RESTORED", now: now() });
    jest.advanceTimersByTime(0);
    expect(value(restored)).toBe("idle");
    expect(restored.emitted).toEqual([]);
  });

  test("repairing, the Store window and the persisted state survive the round trip", () => {
    const r = run({ state: "ratcheting" });
    repair(r, T0 - 5_000);
    r.take();
    const restored = rebuild(r);
    restored.actor.send({ type: "RESTORED", now: now() });
    expect(restored.take()).toEqual([resync(1, 0, T0 - 5_000)]); // re-sent, no persist: SQLite is up to date
    send(restored, "DECRYPTED"); // still repairing: stays
    expect(value(restored)).toEqual(REQUESTING);
    send(restored, "REPAIRED");
    expect(value(restored)).toBe("ratcheting");
    expect(restored.take()).toEqual([persist("ratcheting", 0)]);
  });
});

describe("conversationMachine: robustness", () => {
  test("unknown events are ignored", () => {
    const r = run({ state: "ratcheting" });
    (r.actor as unknown as { send: (e: unknown) => void }).send({ type: "NOPE" });
    expect(value(r)).toBe("ratcheting");
    expect(r.errors).toEqual([]);
  });

  test("a REPAIR without a usable since opens the Store window at the event's time", () => {
    const r = run({ state: "ratcheting" });
    jest.advanceTimersByTime(3_000);
    r.actor.send({ type: "REPAIR", since: Number.NaN, now: now() });
    expect(r.take()).toEqual([persist("resync", 3_000, T0 + 3_000 + SCHEDULE), resync(1, 3_000, T0 + 3_000)]);
  });

  test("events after the end are ignored", () => {
    const r = run();
    send(r, "CLOSE");
    r.take();
    r.actor.send({ type: "DECRYPTED" });
    expect(value(r)).toBe("closed");
    expect(r.emitted).toEqual([]);
  });
});
