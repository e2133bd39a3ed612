/** @module Hosts the node machine for a bot: provides its delivery actors, forwards conversation events, and turns the actor's life into promises (the only place outside machines/ that imports xstate). */
import { createActor, fromPromise } from "xstate";
import type {
  ConversationEmitted,
  ConversationEvent,
  PersistedConversationState,
} from "../../machines/conversation.ts";
import { CONVERSATION_CHILD_PREFIX, nodeMachine } from "../../machines/node.ts";
import { NetworkError } from "../errors.ts";

/** What the bot gives the host. */
export interface HostOptions {
  readonly idleMs: number;
  readonly startDelivery: () => Promise<void>;
  readonly stopDelivery: () => Promise<void>;
  /** Every event a conversation actor emits (persist, resync). */
  readonly onConversation: (id: string, event: ConversationEmitted) => void;
  /** The node actor failed: delivery died, or a conversation kept failing. */
  readonly onFatal: (error: unknown) => void;
}

/** The running node actor, seen from the bot. */
export interface NodeHost {
  /** Sends a conversation event to its actor, building it from the given row if it is not in memory. */
  route(
    conversation: { id: string; state: PersistedConversationState; resyncUntil?: number | null },
    event: ConversationEvent,
  ): void;
  /** Conversation actors currently in memory. */
  liveConversations(): number;
  stop(): Promise<void>;
}

/**
 * What a conversation event means for the bot: a state to persist, or the Store to re-read from a time (ms).
 *
 * @example
 * const { persist, resyncSince } = conversationEvent(event);
 */
export function conversationEvent(event: ConversationEmitted): {
  persist?: PersistedConversationState;
  resyncUntil?: number;
  resyncSince?: number;
} {
  if (event.type === "resync") return { resyncSince: event.since };
  return event.resyncUntil === undefined
    ? { persist: event.state }
    : { persist: event.state, resyncUntil: event.resyncUntil };
}

/**
 * Starts the node actor and resolves once its delivery is up; rejects with the delivery's error otherwise.
 *
 * @example
 * const host = await startNodeActor({ idleMs: 60_000, startDelivery, stopDelivery, onConversation, onFatal });
 */
export async function startNodeActor(options: HostOptions): Promise<NodeHost> {
  const machine = nodeMachine.provide({
    actors: {
      startDelivery: fromPromise(options.startDelivery),
      stopDelivery: fromPromise(options.stopDelivery),
    },
  });
  const actor = createActor(machine, { input: { idleMs: options.idleMs } });
  // One observer with an error handler: xstate rethrows an actor error from a timer if any observer lacks one.
  let settled = false;
  let onRunning: (() => void) | undefined;
  let onEnded: ((error: unknown) => void) | undefined;
  const done = new Promise<void>((resolve) => {
    actor.subscribe({
      next: (snapshot) => {
        if (!settled && snapshot.matches("running")) {
          settled = true;
          onRunning?.();
        } else if (snapshot.status === "done") {
          const output = snapshot.output;
          const error = output?.status === "failed" ? output.error : undefined;
          if (!settled) {
            settled = true;
            onEnded?.(error ?? new NetworkError("unreachable", "the node stopped before it started"));
          } else if (error !== undefined) {
            options.onFatal(error);
          }
        }
      },
      complete: () => resolve(),
      error: (error) => {
        if (!settled) {
          settled = true;
          onEnded?.(error);
        } else {
          options.onFatal(error);
        }
        resolve();
      },
    });
  });
  actor.on("conversation", ({ id, event }) => options.onConversation(id, event));
  const started = new Promise<void>((resolve, reject) => {
    onRunning = resolve;
    onEnded = reject;
  });
  actor.start();
  await started;
  return {
    route(conversation, event) {
      if (conversation.state === "closed") return;
      // An actor rebuilt in resync resumes its schedule (or stays quiet after it) instead of starting over.
      const until = conversation.state === "resync" ? (conversation.resyncUntil ?? undefined) : undefined;
      actor.send({
        type: "ROUTE",
        conversation: {
          id: conversation.id,
          state: conversation.state,
          ...(until === undefined ? {} : { resyncUntil: until }),
        },
        event,
        now: Date.now(),
      });
    },
    liveConversations() {
      return Object.keys(actor.getSnapshot().children).filter((k) => k.startsWith(CONVERSATION_CHILD_PREFIX))
        .length;
    },
    async stop() {
      if (actor.getSnapshot().status === "active") actor.send({ type: "STOP" });
      await done;
    },
  };
}
