/** @module The lifecycle of one 1:1 conversation: handshake → ratcheting ⇄ resync, closed, and idle (dropped from memory). */
import { assign, type EventObject, enqueueActions, setup } from "xstate";

/** Conversation states kept in SQLite that a conversation actor can be (re)built from. */
export type ConversationState = "handshake" | "ratcheting" | "resync";

/** Conversation states the host writes to SQLite: the live ones and `closed`. */
export type PersistedConversationState = ConversationState | "closed";

/** Consecutive `DECRYPT_FAILED` events in `ratcheting` that start a resync. */
export const DECRYPT_FAILURES_BEFORE_RESYNC = 3;

/** Defaults of the optional {@link ConversationInput} fields. */
export const CONVERSATION_DEFAULTS = {
  idleMs: 60_000,
  resyncRetryMs: 30_000,
  maxResyncAttempts: 3,
} as const;

/**
 * Input of {@link conversationMachine}: the row the host keeps in SQLite, plus the current time.
 *
 * @example
 * const input: ConversationInput = { id: "c1", state: "resync", now: Date.now(), resyncUntil: row.resyncUntil };
 */
export interface ConversationInput {
  /** Conversation id (as stored in SQLite). */
  id: string;
  /** State to start in. */
  state: ConversationState;
  /** Current time, ms since the epoch: deadlines are absolute and compared with it. */
  now: number;
  /**
   * With `state: "resync"`: when the resync gives up (absolute ms). Attempt `k` of `n` is due at
   * `resyncUntil - (n - k + 1) * resyncRetryMs`. In the past → the conversation closes at once; missing → a fresh
   * resync starts (and is persisted).
   */
  resyncUntil?: number;
  /** No event for this long in handshake or ratcheting → final state `idle`. Default 60 000. */
  idleMs?: number;
  /** Time between resync requests. Default 30 000. */
  resyncRetryMs?: number;
  /** Resync requests sent before giving up (→ `closed`). Default 3. */
  maxResyncAttempts?: number;
  /**
   * Also report every emitted event to the parent actor as a {@link ConversationReport}. Set by
   * {@link nodeMachine}; leave unset for a root actor.
   */
  notifyParent?: boolean;
}

/**
 * Events a conversation actor accepts. `now` (ms since the epoch) is optional except on `RESTORED`: when absent, the
 * last known time is used, so absolute deadlines written to SQLite drift; the node machine stamps every routed event
 * with `ROUTE.now`.
 *
 * @example
 * actor.send({ type: "DECRYPT_FAILED", code: "bad-mac", now: Date.now() });
 */
export type ConversationEvent =
  /** An inbound message of this conversation decrypted. */
  | { type: "DECRYPTED"; now?: number }
  /** We sent a message in this conversation. */
  | { type: "SENT"; now?: number }
  /** An inbound message of this conversation failed to decrypt. */
  | { type: "DECRYPT_FAILED"; code: string; now?: number }
  /** The actor was rebuilt from a persisted snapshot: re-arm timers from the deadlines in context. */
  | { type: "RESTORED"; now: number }
  /** Close the conversation (→ `closed`). */
  | { type: "CLOSE"; now?: number };

/**
 * Events a conversation actor emits (`actor.on(type, …)`) for the host to act on.
 *
 * - `resync`: send resync request number `attempt` (1-based) for conversation `id`. A conversation restored in
 *   `resync` re-emits its current attempt (the previous process may have died before sending it).
 * - `persist`: write `state` (and `resyncUntil` when in resync) to SQLite. Emitted on every change of state, never
 *   for the final `idle` (nothing changed).
 *
 * @example
 * actor.on("persist", (e) => db.saveConversation(e.id, e.state, e.resyncUntil));
 */
export type ConversationEmitted =
  | { type: "resync"; id: string; attempt: number }
  | { type: "persist"; id: string; state: PersistedConversationState; resyncUntil?: number };

/**
 * What a child conversation sends its parent for each emitted event when `input.notifyParent` is set.
 *
 * @example
 * const report: ConversationReport = { type: "CONVERSATION_EMITTED", id: "c1", event: { type: "resync", id: "c1", attempt: 1 } };
 */
export interface ConversationReport {
  type: "CONVERSATION_EMITTED";
  id: string;
  event: ConversationEmitted;
}

/**
 * Output of a finished conversation actor: `idle` (drop it from memory, it is still in SQLite) or `closed`.
 *
 * @example
 * toPromise(actor).then((out: ConversationOutput) => out.state === "idle" && cache.delete(out.id));
 */
export interface ConversationOutput {
  id: string;
  state: "idle" | "closed";
}

/** Context of {@link conversationMachine}; everything in it is plain data, so snapshots persist as JSON. */
export interface ConversationContext {
  id: string;
  idleMs: number;
  resyncRetryMs: number;
  maxResyncAttempts: number;
  notifyParent: boolean;
  /** Last known time: from the input, events carrying `now`, and timers that fired at their deadline. */
  now: number;
  /** Time of the last event that resets the idle timer. */
  lastActivity: number;
  /** Consecutive decrypt failures while ratcheting. */
  failures: number;
  /** When the current resync gives up (absolute ms), while in resync. */
  resyncUntil: number | undefined;
  /** Resync attempt emitted last (1-based). */
  resyncAttempt: number;
  /** When the next resync attempt (or giving up) is due (absolute ms). */
  resyncNextAt: number;
  /** What SQLite holds, so `persist` is emitted only on changes. */
  persistedState: PersistedConversationState;
  persistedResyncUntil: number | undefined;
  /** Which final state was reached. */
  ended: "idle" | "closed" | undefined;
}

const STATES: readonly string[] = ["handshake", "ratcheting", "resync"];

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`conversation input: ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

function initialContext(input: ConversationInput): ConversationContext {
  if (input === null || typeof input !== "object") throw new TypeError("conversation input: missing");
  if (typeof input.id !== "string" || input.id === "") {
    throw new TypeError("conversation input: id must be a non-empty string");
  }
  if (!STATES.includes(input.state)) {
    throw new TypeError(`conversation ${input.id}: unknown state ${JSON.stringify(input.state)}`);
  }
  if (typeof input.now !== "number" || !Number.isFinite(input.now)) {
    throw new TypeError(`conversation ${input.id}: now must be a finite number`);
  }
  const resyncUntil = input.state === "resync" ? input.resyncUntil : undefined;
  if (resyncUntil !== undefined && (typeof resyncUntil !== "number" || !Number.isFinite(resyncUntil))) {
    throw new TypeError(`conversation ${input.id}: resyncUntil must be a finite number`);
  }
  return {
    id: input.id,
    idleMs: positive(input.idleMs, CONVERSATION_DEFAULTS.idleMs, "idleMs"),
    resyncRetryMs: positive(input.resyncRetryMs, CONVERSATION_DEFAULTS.resyncRetryMs, "resyncRetryMs"),
    maxResyncAttempts: Math.max(
      1,
      Math.floor(
        positive(input.maxResyncAttempts, CONVERSATION_DEFAULTS.maxResyncAttempts, "maxResyncAttempts"),
      ),
    ),
    notifyParent: input.notifyParent === true,
    now: input.now,
    lastActivity: input.now,
    failures: 0,
    resyncUntil,
    resyncAttempt: 0,
    resyncNextAt: input.now,
    persistedState: input.state,
    persistedResyncUntil: resyncUntil,
    ended: undefined,
  };
}

/** Time carried by an event, or the last known time. */
function timeOf(context: ConversationContext, event: ConversationEvent | EventObject): number {
  const now = (event as { now?: unknown }).now;
  return typeof now === "number" && Number.isFinite(now) ? now : context.now;
}

/** Where a resync deadline puts us at `now`: the attempt due and when the next one (or giving up) is. */
function resyncSlot(context: ConversationContext, resyncUntil: number): { attempt: number; nextAt: number } {
  const remaining = resyncUntil - context.now;
  const slotsLeft = Math.max(1, Math.ceil(remaining / context.resyncRetryMs));
  return {
    attempt: Math.max(1, context.maxResyncAttempts - slotsLeft + 1),
    nextAt: resyncUntil - (slotsLeft - 1) * context.resyncRetryMs,
  };
}

/** The two ways a conversation reports an emitted event (see {@link ConversationInput.notifyParent}). */
interface Publisher {
  emit: (event: ConversationEmitted) => void;
  sendParent: (event: ConversationReport) => void;
}

function publish(enqueue: Publisher, context: ConversationContext, event: ConversationEmitted): void {
  enqueue.emit(event);
  if (context.notifyParent) enqueue.sendParent({ type: "CONVERSATION_EMITTED", id: context.id, event });
}

/**
 * The conversation state machine. States: `handshake` (we initiated, no reply yet), `ratcheting`, `resync`, and the
 * final `closed` and `idle`. Pure: it only emits {@link ConversationEmitted} events and keeps deadlines in context.
 *
 * - handshake → ratcheting on `DECRYPTED`.
 * - ratcheting: {@link DECRYPT_FAILURES_BEFORE_RESYNC} consecutive `DECRYPT_FAILED` (reset by `DECRYPTED`) → resync.
 * - resync: emits `resync` on entry and every `resyncRetryMs`; `DECRYPTED` → ratcheting; after `maxResyncAttempts`
 *   requests and one more `resyncRetryMs` without success → closed.
 * - handshake or ratcheting with no event for `idleMs` → final `idle` (drop the actor; it stays in SQLite).
 * - `CLOSE` → final `closed`. `RESTORED` re-arms the timers of an actor rebuilt from a persisted snapshot.
 *
 * @example
 * const actor = createActor(conversationMachine, { input: { id: "c1", state: "handshake", now: Date.now() } });
 * actor.subscribe({ error: (err) => log.error(err) }); // a root actor without an error observer kills the process
 * actor.on("persist", (e) => save(e));
 * actor.on("resync", (e) => sendResyncRequest(e.id, e.attempt));
 * actor.start();
 * actor.send({ type: "DECRYPTED", now: Date.now() });
 */
export const conversationMachine = setup({
  types: {
    context: {} as ConversationContext,
    events: {} as ConversationEvent,
    input: {} as ConversationInput,
    output: {} as ConversationOutput,
    emitted: {} as ConversationEmitted,
  },
  actions: {
    /** Takes the time carried by the event. */
    stamp: assign({ now: ({ context, event }) => timeOf(context, event) }),
    /** Takes the time carried by the event and resets the idle timer's start. */
    touch: assign(({ context, event }) => {
      const now = timeOf(context, event);
      return { now, lastActivity: now };
    }),
    resetFailures: assign({ failures: 0 }),
    countFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    startResync: assign({
      failures: 0,
      resyncUntil: ({ context }) => context.now + context.maxResyncAttempts * context.resyncRetryMs,
    }),
    /** Entering resync from an input without deadline starts a fresh schedule. */
    ensureResyncDeadline: assign({
      resyncUntil: ({ context }) =>
        context.resyncUntil ?? context.now + context.maxResyncAttempts * context.resyncRetryMs,
    }),
    endResync: assign({ resyncUntil: undefined, resyncAttempt: 0 }),
    /** A resync timer fired: its deadline is the current time. */
    reachResyncDeadline: assign({ now: ({ context }) => context.resyncNextAt }),
    persistIfChanged: enqueueActions(
      ({ context, enqueue }, params: { state: PersistedConversationState }) => {
        const { state } = params;
        const resyncUntil = state === "resync" ? context.resyncUntil : undefined;
        if (state === context.persistedState && resyncUntil === context.persistedResyncUntil) return;
        enqueue.assign({ persistedState: state, persistedResyncUntil: resyncUntil });
        publish(
          enqueue,
          context,
          resyncUntil === undefined
            ? { type: "persist", id: context.id, state }
            : { type: "persist", id: context.id, state, resyncUntil },
        );
      },
    ),
    requestResync: enqueueActions(({ context, enqueue }) => {
      const { attempt, nextAt } = resyncSlot(context, context.resyncUntil ?? context.now);
      enqueue.assign({ resyncAttempt: attempt, resyncNextAt: nextAt });
      publish(enqueue, context, { type: "resync", id: context.id, attempt });
    }),
    end: assign({ ended: (_, params: { state: "idle" | "closed" }) => params.state }),
  },
  guards: {
    isHandshake: ({ context }) => context.persistedState === "handshake",
    isRatcheting: ({ context }) => context.persistedState === "ratcheting",
    /** The resync deadline has passed (or there is none and we are not in resync). */
    resyncExpired: ({ context }) => context.resyncUntil !== undefined && context.now >= context.resyncUntil,
    resyncExpiredAt: ({ context, event }) =>
      context.resyncUntil !== undefined && timeOf(context, event) >= context.resyncUntil,
    lastResyncSlot: ({ context }) =>
      context.resyncUntil === undefined || context.resyncNextAt >= context.resyncUntil,
    failureLimitReached: ({ context }) => context.failures + 1 >= DECRYPT_FAILURES_BEFORE_RESYNC,
  },
  delays: {
    idleTimeout: ({ context }) => Math.max(0, context.lastActivity + context.idleMs - context.now),
    resyncRetry: ({ context }) => Math.max(0, context.resyncNextAt - context.now),
  },
}).createMachine({
  id: "conversation",
  context: ({ input }) => initialContext(input),
  initial: "boot",
  output: ({ context }) => ({ id: context.id, state: context.ended ?? "closed" }),
  on: {
    CLOSE: { target: ".closed", actions: "stamp" },
  },
  states: {
    /** Transient: picks the state given by the input. */
    boot: {
      always: [
        { guard: "isHandshake", target: "handshake" },
        { guard: "isRatcheting", target: "ratcheting" },
        { guard: "resyncExpired", target: "closed" },
        { target: "resync", actions: "ensureResyncDeadline" },
      ],
    },
    handshake: {
      entry: { type: "persistIfChanged", params: { state: "handshake" } },
      after: { idleTimeout: "idle" },
      on: {
        DECRYPTED: { target: "ratcheting", actions: ["touch", "resetFailures"] },
        SENT: { target: "handshake", reenter: true, actions: "touch" },
        DECRYPT_FAILED: { target: "handshake", reenter: true, actions: "touch" },
        RESTORED: { target: "handshake", reenter: true, actions: "stamp" },
      },
    },
    ratcheting: {
      entry: { type: "persistIfChanged", params: { state: "ratcheting" } },
      after: { idleTimeout: "idle" },
      on: {
        DECRYPTED: { target: "ratcheting", reenter: true, actions: ["touch", "resetFailures"] },
        SENT: { target: "ratcheting", reenter: true, actions: "touch" },
        DECRYPT_FAILED: [
          { guard: "failureLimitReached", target: "resync", actions: ["touch", "startResync"] },
          { target: "ratcheting", reenter: true, actions: ["touch", "countFailure"] },
        ],
        RESTORED: { target: "ratcheting", reenter: true, actions: "stamp" },
      },
    },
    resync: {
      entry: [{ type: "persistIfChanged", params: { state: "resync" } }, "requestResync"],
      after: {
        resyncRetry: [
          { guard: "lastResyncSlot", target: "closed", actions: "reachResyncDeadline" },
          { target: "resync", reenter: true, actions: "reachResyncDeadline" },
        ],
      },
      on: {
        DECRYPTED: { target: "ratcheting", actions: ["touch", "resetFailures", "endResync"] },
        SENT: { actions: "stamp" },
        DECRYPT_FAILED: { actions: "stamp" },
        RESTORED: [
          { guard: "resyncExpiredAt", target: "closed", actions: "stamp" },
          { target: "resync", reenter: true, actions: "stamp" },
        ],
      },
    },
    closed: {
      type: "final",
      entry: [
        "endResync",
        { type: "persistIfChanged", params: { state: "closed" } },
        { type: "end", params: { state: "closed" } },
      ],
    },
    idle: {
      type: "final",
      entry: { type: "end", params: { state: "idle" } },
    },
  },
});
