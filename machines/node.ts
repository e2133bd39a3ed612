/** @module The node machine: owns the delivery (Waku node) lifecycle and supervises one actor per active conversation. */
import { assign, enqueueActions, fromPromise, setup } from "xstate";
import {
  type ConversationEmitted,
  type ConversationEvent,
  type ConversationInput,
  type ConversationReport,
  type ConversationState,
  conversationMachine,
} from "./conversation.ts";

/** Defaults of the optional {@link NodeInput} fields. */
export const NODE_DEFAULTS = {
  maxRestarts: 5,
  restartWindowMs: 60_000,
} as const;

/** Prefix of conversation child ids: the child of conversation `c1` is `conv:c1` in `snapshot.children`. */
export const CONVERSATION_CHILD_PREFIX = "conv:";

/**
 * Id of the child actor of a conversation.
 *
 * @example
 * nodeActor.getSnapshot().children[conversationChildId("c1")]; // the actor of conversation c1, if in memory
 */
export function conversationChildId(conversationId: string): string {
  return `${CONVERSATION_CHILD_PREFIX}${conversationId}`;
}

/**
 * Input of {@link nodeMachine}.
 *
 * @example
 * createActor(node, { input: { maxRestarts: 5, restartWindowMs: 60_000, idleMs: 60_000 } });
 */
export interface NodeInput {
  /** Restarts allowed per conversation within `restartWindowMs`; one more error → `failed`. Default 5. */
  maxRestarts?: number;
  /** Window over which restarts are counted, ms. Default 60 000. */
  restartWindowMs?: number;
  /** Passed to conversation actors ({@link ConversationInput.idleMs}). */
  idleMs?: number;
  /** Passed to conversation actors ({@link ConversationInput.resyncRetryMs}). */
  resyncRetryMs?: number;
  /** Passed to conversation actors ({@link ConversationInput.maxResyncAttempts}). */
  maxResyncAttempts?: number;
}

/**
 * A conversation as the host knows it from SQLite, sent with every {@link NodeEvent} `ROUTE`; used to build its actor
 * when it is not in memory.
 *
 * @example
 * const conversation: RoutedConversation = { id: row.id, state: row.state, resyncUntil: row.resyncUntil };
 */
export interface RoutedConversation {
  id: string;
  state: ConversationState;
  resyncUntil?: number;
}

/**
 * `ROUTE`: deliver a conversation event to its actor, building the actor first if it is not in memory.
 *
 * @example
 * nodeActor.send({ type: "ROUTE", conversation: row, event: { type: "DECRYPTED" }, now: Date.now() });
 */
export interface RouteEvent {
  type: "ROUTE";
  conversation: RoutedConversation;
  /** Forwarded as is, with `now` added when absent. */
  event: ConversationEvent;
  /** Current time, ms since the epoch. */
  now: number;
}

/**
 * Events the node accepts from the host: `ROUTE`, `STOP` (stop conversations, then delivery), `FATAL` (→ failed),
 * `RESTORED` (after restoring a persisted node snapshot: re-arm every child's timers). `CONVERSATION_EMITTED` comes
 * from the children.
 *
 * @example
 * nodeActor.send({ type: "STOP" });
 */
export type NodeEvent =
  | RouteEvent
  | { type: "STOP" }
  | { type: "FATAL"; error: unknown }
  | { type: "RESTORED"; now: number }
  | ConversationReport;

/**
 * What the node emits: every event emitted by a conversation actor, wrapped with its conversation id.
 *
 * @example
 * nodeActor.on("conversation", ({ id, event }) => (event.type === "persist" ? save(event) : requestResync(event)));
 */
export interface NodeEmitted {
  type: "conversation";
  id: string;
  event: ConversationEmitted;
}

/**
 * Output of the node actor once final: `stopped` after `STOP`, or `failed` with the error.
 *
 * @example
 * const out = await toPromise(nodeActor); // { status: "stopped" } after STOP
 * if (out.status === "failed") log.error(out.error);
 */
export type NodeOutput = { status: "stopped" } | { status: "failed"; error: unknown };

/** What the node remembers of a conversation actor in memory. */
export interface SupervisedConversation {
  /** Input to rebuild it with after an error: the routed row, updated by each `persist` it emits. */
  input: ConversationInput;
  /** Times of its restarts (node's `now`), pruned to the restart window. */
  restarts: number[];
}

/** Context of {@link nodeMachine}. */
export interface NodeContext {
  maxRestarts: number;
  restartWindowMs: number;
  idleMs: number | undefined;
  resyncRetryMs: number | undefined;
  maxResyncAttempts: number | undefined;
  /** Last known time: from `ROUTE` and `RESTORED`. */
  now: number;
  /** `ROUTE` events received while starting, delivered on entering running. */
  queue: RouteEvent[];
  /** Conversation actors in memory, by conversation id. */
  conversations: Record<string, SupervisedConversation>;
  /** Why the node failed. */
  error: unknown;
  failed: boolean;
}

/** Default delivery actors: fail loudly so a host that forgot to provide one notices. */
function notProvided(name: string) {
  return fromPromise<void, void>(async () => {
    throw new Error(
      `nodeMachine: the ${name} actor was not provided (nodeMachine.provide({ actors: { ${name} } }))`,
    );
  });
}

const ERROR_PREFIX = "xstate.error.actor.";
const DONE_PREFIX = "xstate.done.actor.";

/** Conversation id of a child actor event (`xstate.error.actor.conv:<id>`), or undefined for other actors. */
function conversationOf(eventType: string, prefix: string): string | undefined {
  const actorId = eventType.slice(prefix.length);
  return actorId.startsWith(CONVERSATION_CHILD_PREFIX)
    ? actorId.slice(CONVERSATION_CHILD_PREFIX.length)
    : undefined;
}

function recentRestarts(context: NodeContext, record: SupervisedConversation): number[] {
  return record.restarts.filter((t) => t > context.now - context.restartWindowMs);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The node state machine: `starting` (invokes `startDelivery`) → `running` → `stopping` (stops every conversation,
 * invokes `stopDelivery`) → `stopped`; `failed` (final) when delivery fails to start or stop, on `FATAL`, or when a
 * conversation crashes more than `maxRestarts` times within `restartWindowMs`.
 *
 * In running, `ROUTE` forwards the event to child `conv:<id>`, building it from the routed row first; children that
 * end (`idle` or `closed`) are stopped and forgotten; children that throw are rebuilt from their last persisted state.
 * `ROUTE` while starting is queued and delivered on entering running; while stopping or final it is ignored.
 *
 * @example
 * const node = nodeMachine.provide({
 *   actors: {
 *     startDelivery: fromPromise(async () => { await delivery.start(); }),
 *     stopDelivery: fromPromise(async () => { await delivery.stop(); }),
 *   },
 * });
 * const nodeActor = createActor(node, { input: { idleMs: 60_000 } });
 * nodeActor.subscribe({ error: (err) => log.error(err), complete: () => log.info(nodeActor.getSnapshot().output) });
 * nodeActor.on("conversation", ({ id, event }) => host.handle(id, event));
 * nodeActor.start();
 */
export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    events: {} as NodeEvent,
    input: {} as NodeInput,
    output: {} as NodeOutput,
    emitted: {} as NodeEmitted,
  },
  actors: {
    startDelivery: notProvided("startDelivery"),
    stopDelivery: notProvided("stopDelivery"),
    conversation: conversationMachine,
  },
  actions: {
    enqueueRoute: assign({
      queue: ({ context, event }) => (event.type === "ROUTE" ? [...context.queue, event] : context.queue),
    }),
    /** Delivers the queued routes (on entering running) or the `ROUTE` being handled. */
    deliver: enqueueActions(({ context, event, enqueue }) => {
      const routes = event.type === "ROUTE" ? [event] : context.queue;
      if (routes.length === 0) return;
      const spawned: Record<string, SupervisedConversation> = {};
      let now = context.now;
      for (const route of routes) {
        now = route.now;
        const { id } = route.conversation;
        const childId = conversationChildId(id);
        if (!Object.hasOwn(context.conversations, id) && !Object.hasOwn(spawned, id)) {
          const input: ConversationInput = {
            ...route.conversation,
            now: route.now,
            notifyParent: true,
            ...(context.idleMs === undefined ? {} : { idleMs: context.idleMs }),
            ...(context.resyncRetryMs === undefined ? {} : { resyncRetryMs: context.resyncRetryMs }),
            ...(context.maxResyncAttempts === undefined
              ? {}
              : { maxResyncAttempts: context.maxResyncAttempts }),
          };
          spawned[id] = { input, restarts: [] };
          enqueue.spawnChild("conversation", { id: childId, input });
        }
        const forwarded = { ...route.event, now: route.event.now ?? route.now } as ConversationEvent;
        enqueue.sendTo(childId, forwarded);
      }
      enqueue.assign({
        now,
        queue: [],
        conversations:
          Object.keys(spawned).length === 0
            ? context.conversations
            : { ...context.conversations, ...spawned },
      });
    }),
    /** Re-emits a child's event to the host and remembers its persisted state for restarts. */
    relay: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "CONVERSATION_EMITTED") return;
      enqueue.emit({ type: "conversation", id: event.id, event: event.event });
      const record = context.conversations[event.id];
      const emitted = event.event;
      if (record === undefined || emitted.type !== "persist" || emitted.state === "closed") return;
      const { resyncUntil: _previous, ...rest } = record.input;
      const input: ConversationInput = {
        ...rest,
        state: emitted.state,
        ...(emitted.resyncUntil === undefined ? {} : { resyncUntil: emitted.resyncUntil }),
      };
      enqueue.assign({ conversations: { ...context.conversations, [event.id]: { ...record, input } } });
    }),
    /** A child ended (idle or closed): stop it and forget it. */
    release: enqueueActions(({ context, event, enqueue }) => {
      const id = conversationOf(event.type, DONE_PREFIX);
      if (id === undefined) return;
      enqueue.stopChild(conversationChildId(id));
      if (!Object.hasOwn(context.conversations, id)) return;
      const { [id]: _gone, ...conversations } = context.conversations;
      enqueue.assign({ conversations });
    }),
    /** A child threw: rebuild it from its last known input. */
    restart: enqueueActions(({ context, event, enqueue }) => {
      const id = conversationOf(event.type, ERROR_PREFIX);
      if (id === undefined) return;
      const childId = conversationChildId(id);
      enqueue.stopChild(childId);
      const record = context.conversations[id];
      if (record === undefined) return;
      const input: ConversationInput = { ...record.input, now: context.now };
      enqueue.spawnChild("conversation", { id: childId, input });
      enqueue.assign({
        conversations: {
          ...context.conversations,
          [id]: { input, restarts: [...recentRestarts(context, record), context.now] },
        },
      });
    }),
    /** Too many restarts: fail with an error naming the conversation. */
    failConversation: assign(({ context, event }) => {
      const id = conversationOf(event.type, ERROR_PREFIX) ?? event.type.slice(ERROR_PREFIX.length);
      const cause = (event as unknown as { error?: unknown }).error;
      const record = context.conversations[id];
      const count = record === undefined ? 1 : recentRestarts(context, record).length + 1;
      return {
        failed: true,
        error: new Error(
          `conversation ${id} crashed ${count} times within ${context.restartWindowMs} ms: ${message(cause)}`,
          { cause },
        ),
      };
    }),
    stopConversations: enqueueActions(({ context, enqueue }) => {
      for (const id of Object.keys(context.conversations)) enqueue.stopChild(conversationChildId(id));
      enqueue.assign({ conversations: {}, queue: [] });
    }),
    restoreConversations: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "RESTORED") return;
      enqueue.assign({ now: event.now });
      for (const id of Object.keys(context.conversations)) {
        enqueue.sendTo(conversationChildId(id), { type: "RESTORED", now: event.now });
      }
    }),
    failWith: assign({
      failed: true,
      error: ({ event }) => (event as unknown as { error?: unknown }).error,
    }),
  },
  guards: {
    /** This error would be one restart too many (or comes from an actor the node does not supervise). */
    restartLimitReached: ({ context, event }) => {
      const id = conversationOf(event.type, ERROR_PREFIX);
      if (id === undefined) return true;
      const record = context.conversations[id];
      if (record === undefined) return false;
      return recentRestarts(context, record).length + 1 > context.maxRestarts;
    },
  },
}).createMachine({
  id: "node",
  context: ({ input }) => ({
    maxRestarts: input?.maxRestarts ?? NODE_DEFAULTS.maxRestarts,
    restartWindowMs: input?.restartWindowMs ?? NODE_DEFAULTS.restartWindowMs,
    idleMs: input?.idleMs,
    resyncRetryMs: input?.resyncRetryMs,
    maxResyncAttempts: input?.maxResyncAttempts,
    now: 0,
    queue: [],
    conversations: {},
    error: undefined,
    failed: false,
  }),
  initial: "starting",
  output: ({ context }) =>
    context.failed ? { status: "failed", error: context.error } : { status: "stopped" },
  on: {
    FATAL: { target: ".failed", actions: "failWith" },
    CONVERSATION_EMITTED: { actions: "relay" },
  },
  states: {
    starting: {
      invoke: {
        id: "startDelivery",
        src: "startDelivery",
        onDone: "running",
        onError: { target: "failed", actions: "failWith" },
      },
      on: {
        ROUTE: { actions: "enqueueRoute" },
        STOP: "stopping",
      },
    },
    running: {
      entry: "deliver",
      on: {
        ROUTE: { actions: "deliver" },
        RESTORED: { actions: "restoreConversations" },
        STOP: "stopping",
        "xstate.done.actor.*": { actions: "release" },
        "xstate.error.actor.*": [
          { guard: "restartLimitReached", target: "failed", actions: "failConversation" },
          { actions: "restart" },
        ],
      },
    },
    stopping: {
      entry: "stopConversations",
      invoke: {
        id: "stopDelivery",
        src: "stopDelivery",
        onDone: "stopped",
        onError: { target: "failed", actions: "failWith" },
      },
    },
    stopped: { type: "final" },
    failed: { type: "final", entry: "stopConversations" },
  },
});
