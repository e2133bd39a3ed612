/** @module The lifecycle of one 1:1 conversation: handshake → ratcheting ⇄ resync (driven by repair and decrypt failures), closed only on request, and idle (dropped from memory). */
import { assign, type EventObject, enqueueActions, setup } from "xstate";

/** Conversation states kept in SQLite that a conversation actor can be (re)built from. */
export type ConversationState = "handshake" | "ratcheting" | "resync";

/** Conversation states the host writes to SQLite: the live ones and `closed`. */
export type PersistedConversationState = ConversationState | "closed";

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
   * With `state: "resync"`: when the current schedule of requests ends (absolute ms). Attempt `k` of `n` is due at
   * `resyncUntil - (n - k + 1) * resyncRetryMs`. In the past → a quiet resync (no requests until a new reason);
   * missing → a fresh schedule starts (and is persisted).
   */
  resyncUntil?: number;
  /**
   * With `state: "resync"`: where the Store re-read starts (Waku time, ms). Default: the start of the schedule,
   * `resyncUntil - maxResyncAttempts * resyncRetryMs`, or `now` without `resyncUntil`.
   */
  since?: number;
  /** No event for this long in handshake, ratcheting or a quiet resync → final state `idle`. Default 60 000. */
  idleMs?: number;
  /** Time between resync requests. Default 30 000. */
  resyncRetryMs?: number;
  /** Resync requests per schedule; then the resync goes quiet (it never closes by itself). Default 3. */
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
 * actor.send({ type: "DECRYPT_FAILED", code: "bad-mac", since: envelope.timestamp, now: Date.now() });
 * actor.send({ type: "REPAIR", since: oldestUnacked.createdAt, now: Date.now() });
 */
export type ConversationEvent =
  /** An inbound message of this conversation decrypted. */
  | { type: "DECRYPTED"; now?: number }
  /** We sent a message in this conversation. */
  | { type: "SENT"; now?: number }
  /**
   * An inbound envelope with one of this conversation's tags failed to decrypt: a tampered or corrupted copy, while
   * the genuine one may still be in the Waku Store. `since`: the envelope's Waku time (ms); default: the event's time.
   */
  | { type: "DECRYPT_FAILED"; code: string; since?: number; now?: number }
  /**
   * The outbox entered repair: the peer is silent while our messages stay unacknowledged. `since`: when the oldest
   * unacknowledged message was created (ms).
   */
  | { type: "REPAIR"; since: number; now?: number }
  /** The outbox left repair: everything outstanding is acknowledged. */
  | { type: "REPAIRED"; now?: number }
  /** The actor was rebuilt from a persisted snapshot: re-arm timers from the deadlines in context. */
  | { type: "RESTORED"; now: number }
  /** Close the conversation (→ `closed`); the only way a conversation closes. */
  | { type: "CLOSE"; now?: number };

/**
 * Events a conversation actor emits (`actor.on(type, …)`) for the host to act on.
 *
 * - `resync`: re-read the Waku Store from `since` (ms) for conversation `id`; `attempt` is 1-based within the
 *   current schedule. A conversation restored in resync re-emits its current attempt (the previous process may have
 *   died before acting on it).
 * - `persist`: write `state` (and `resyncUntil` when in resync) to SQLite. Emitted on every change of state or of
 *   the resync schedule, never for the final `idle` (nothing changed).
 *
 * @example
 * actor.on("persist", (e) => db.saveConversation(e.id, e.state, e.resyncUntil));
 * actor.on("resync", (e) => store.reread(e.id, e.since));
 */
export type ConversationEmitted =
  | { type: "resync"; id: string; attempt: number; since: number }
  | { type: "persist"; id: string; state: PersistedConversationState; resyncUntil?: number };

/**
 * What a child conversation sends its parent for each emitted event when `input.notifyParent` is set.
 *
 * @example
 * const report: ConversationReport = {
 *   type: "CONVERSATION_EMITTED",
 *   id: "c1",
 *   event: { type: "resync", id: "c1", attempt: 1, since: 1_700_000_000_000 },
 * };
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
  /** In resync: the outbox is repairing, so a decrypted message alone does not end the resync (`REPAIRED` does). */
  repairing: boolean;
  /** In resync: where the Store re-read starts (ms), the earliest of the reasons seen. */
  since: number | undefined;
  /** When the current schedule of resync requests ends (absolute ms), while in resync; past once quiet. */
  resyncUntil: number | undefined;
  /** Resync attempt emitted last (1-based). */
  resyncAttempt: number;
  /** When the next resync attempt (or the end of the schedule) is due (absolute ms). */
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

function finiteOrUndefined(input: ConversationInput, name: "resyncUntil" | "since"): number | undefined {
  const value = input.state === "resync" ? input[name] : undefined;
  if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) {
    throw new TypeError(`conversation ${input.id}: ${name} must be a finite number`);
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
  const resyncUntil = finiteOrUndefined(input, "resyncUntil");
  const resyncRetryMs = positive(input.resyncRetryMs, CONVERSATION_DEFAULTS.resyncRetryMs, "resyncRetryMs");
  const maxResyncAttempts = Math.max(
    1,
    Math.floor(
      positive(input.maxResyncAttempts, CONVERSATION_DEFAULTS.maxResyncAttempts, "maxResyncAttempts"),
    ),
  );
  // The window of a resync read back from SQLite: what the host kept, or at least the whole schedule.
  const since =
    input.state === "resync"
      ? (finiteOrUndefined(input, "since") ??
        (resyncUntil === undefined ? input.now : resyncUntil - maxResyncAttempts * resyncRetryMs))
      : undefined;
  return {
    id: input.id,
    idleMs: positive(input.idleMs, CONVERSATION_DEFAULTS.idleMs, "idleMs"),
    resyncRetryMs,
    maxResyncAttempts,
    notifyParent: input.notifyParent === true,
    now: input.now,
    lastActivity: input.now,
    // Not persisted: the outbox sends REPAIR again if it is still repairing.
    repairing: false,
    since,
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

/** Store window start carried by `REPAIR` or `DECRYPT_FAILED`, or the event's time. */
function sinceOf(context: ConversationContext, event: ConversationEvent | EventObject): number {
  const since = (event as { since?: unknown }).since;
  return typeof since === "number" && Number.isFinite(since) ? since : timeOf(context, event);
}

/** Where a resync deadline puts us at `now`: the attempt due and when the next one (or quiet) is. */
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
 * The conversation state machine. States: `handshake` (we initiated, no reply yet), `ratcheting`, `resync` (substates
 * `requesting` and `quiet`), and the final `closed` and `idle`. Pure: it only emits {@link ConversationEmitted}
 * events and keeps deadlines in context.
 *
 * - handshake → ratcheting on `DECRYPTED`.
 * - handshake or ratcheting → resync on `REPAIR` (the outbox's messages stay unacknowledged and the peer is silent)
 *   or on the first `DECRYPT_FAILED` (the genuine copy may be in the Store). The Store window starts at the event's
 *   `since`; later reasons only move it earlier.
 * - resync, requesting: emits `resync` on entry and every `resyncRetryMs`, `maxResyncAttempts` times, then goes quiet.
 *   It never closes by itself: anyone relaying can tamper with ciphertext, so failures must not end a conversation.
 * - resync, quiet: no requests; `REPAIR` or `DECRYPT_FAILED` starts a fresh schedule; no event for `idleMs` → `idle`.
 * - resync → ratcheting on `REPAIRED`, or on `DECRYPTED` unless the outbox is repairing (our messages still need
 *   their acks, so a message from the peer alone does not show it got them).
 * - handshake or ratcheting with no event for `idleMs` → final `idle` (drop the actor; it stays in SQLite).
 * - `CLOSE` → final `closed`, from any state and only so. `RESTORED` re-arms the timers of an actor rebuilt from a
 *   persisted snapshot.
 *
 * @example
 * const actor = createActor(conversationMachine, { input: { id: "c1", state: "handshake", now: Date.now() } });
 * actor.subscribe({ error: (err) => log.error(err) }); // a root actor without an error observer kills the process
 * actor.on("persist", (e) => save(e));
 * actor.on("resync", (e) => rereadStore(e.id, e.since));
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
    /** Moves the Store window start back to the event's `since` (never forward: earlier reasons still stand). */
    widenWindow: assign({
      since: ({ context, event }) =>
        Math.min(context.since ?? Number.POSITIVE_INFINITY, sinceOf(context, event)),
    }),
    /** The outbox is repairing: only `REPAIRED` shows the peer got our messages. */
    startRepair: assign({ repairing: true }),
    /** A fresh schedule of requests from now. */
    startResync: assign({
      resyncUntil: ({ context }) => context.now + context.maxResyncAttempts * context.resyncRetryMs,
    }),
    /** Entering resync from an input without deadline starts a fresh schedule. */
    ensureResyncDeadline: assign({
      resyncUntil: ({ context }) =>
        context.resyncUntil ?? context.now + context.maxResyncAttempts * context.resyncRetryMs,
    }),
    endResync: assign({ resyncUntil: undefined, resyncAttempt: 0, repairing: false, since: undefined }),
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
      publish(enqueue, context, {
        type: "resync",
        id: context.id,
        attempt,
        since: context.since ?? context.now,
      });
    }),
    end: assign({ ended: (_, params: { state: "idle" | "closed" }) => params.state }),
  },
  guards: {
    isHandshake: ({ context }) => context.persistedState === "handshake",
    isRatcheting: ({ context }) => context.persistedState === "ratcheting",
    repairing: ({ context }) => context.repairing,
    notRepairing: ({ context }) => !context.repairing,
    /** The schedule of requests has ended at the current time. */
    resyncExpired: ({ context }) => context.resyncUntil !== undefined && context.now >= context.resyncUntil,
    resyncExpiredAt: ({ context, event }) =>
      context.resyncUntil !== undefined && timeOf(context, event) >= context.resyncUntil,
    lastResyncSlot: ({ context }) =>
      context.resyncUntil === undefined || context.resyncNextAt >= context.resyncUntil,
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
        // A schedule that ran out while no process was up: wait quietly for a new reason, never close.
        { guard: "resyncExpired", target: "resync.quiet" },
        { target: "resync", actions: "ensureResyncDeadline" },
      ],
    },
    handshake: {
      entry: { type: "persistIfChanged", params: { state: "handshake" } },
      after: { idleTimeout: "idle" },
      on: {
        DECRYPTED: { target: "ratcheting", actions: "touch" },
        SENT: { target: "handshake", reenter: true, actions: "touch" },
        REPAIRED: { target: "handshake", reenter: true, actions: "touch" },
        // Our first message unanswered and the peer silent: its reply may be in the Store.
        REPAIR: { target: "resync", actions: ["touch", "startRepair", "widenWindow", "startResync"] },
        DECRYPT_FAILED: { target: "resync", actions: ["touch", "widenWindow", "startResync"] },
        RESTORED: { target: "handshake", reenter: true, actions: "stamp" },
      },
    },
    ratcheting: {
      entry: { type: "persistIfChanged", params: { state: "ratcheting" } },
      after: { idleTimeout: "idle" },
      on: {
        DECRYPTED: { target: "ratcheting", reenter: true, actions: "touch" },
        SENT: { target: "ratcheting", reenter: true, actions: "touch" },
        REPAIRED: { target: "ratcheting", reenter: true, actions: "touch" },
        REPAIR: { target: "resync", actions: ["touch", "startRepair", "widenWindow", "startResync"] },
        // At the first failure: a tampered copy costs one Store re-read, and the genuine message is not lost.
        DECRYPT_FAILED: { target: "resync", actions: ["touch", "widenWindow", "startResync"] },
        RESTORED: { target: "ratcheting", reenter: true, actions: "stamp" },
      },
    },
    resync: {
      initial: "requesting",
      on: {
        // Everything we sent is acknowledged: the peer reads us, so whatever was missing has been recovered.
        REPAIRED: { target: "ratcheting", actions: ["touch", "endResync"] },
        // A message from the peer ends a resync for decrypt failures; while repairing, the substates keep it.
        DECRYPTED: { guard: "notRepairing", target: "ratcheting", actions: ["touch", "endResync"] },
        RESTORED: [
          { guard: "resyncExpiredAt", target: ".quiet", reenter: true, actions: "stamp" },
          { target: ".requesting", reenter: true, actions: "stamp" },
        ],
      },
      states: {
        /** Requests scheduled: one every `resyncRetryMs` until `resyncUntil`; never idle, so the timers keep running. */
        requesting: {
          entry: [{ type: "persistIfChanged", params: { state: "resync" } }, "requestResync"],
          after: {
            resyncRetry: [
              { guard: "lastResyncSlot", target: "quiet", actions: "reachResyncDeadline" },
              { target: "requesting", reenter: true, actions: "reachResyncDeadline" },
            ],
          },
          on: {
            // The next request carries the widened window; no extra request now.
            REPAIR: { actions: ["touch", "startRepair", "widenWindow"] },
            DECRYPT_FAILED: { actions: ["touch", "widenWindow"] },
            DECRYPTED: { guard: "repairing", actions: "touch" },
            SENT: { actions: "touch" },
          },
        },
        /** The schedule ran out: no requests until a new reason; may go idle (SQLite keeps `resync`). */
        quiet: {
          entry: { type: "persistIfChanged", params: { state: "resync" } },
          after: { idleTimeout: "#conversation.idle" },
          // Activity re-enters quiet: `after` timers are armed on entry only, so this restarts the idle timer.
          on: {
            REPAIR: { target: "requesting", actions: ["touch", "startRepair", "widenWindow", "startResync"] },
            DECRYPT_FAILED: { target: "requesting", actions: ["touch", "widenWindow", "startResync"] },
            DECRYPTED: { guard: "repairing", target: "quiet", reenter: true, actions: "touch" },
            SENT: { target: "quiet", reenter: true, actions: "touch" },
          },
        },
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
