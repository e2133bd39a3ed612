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
  route(conversation: { id: string; state: PersistedConversationState }, event: ConversationEvent): void;
  /** Conversation actors currently in memory. */
  liveConversations(): number;
  stop(): Promise<void>;
}

/**
 * What a conversation event means for the bot: a state to persist, or a resync to request.
 *
 * @example
 * const { persist } = conversationEvent(event);
 */
export function conversationEvent(event: ConversationEmitted): {
  persist?: PersistedConversationState;
  resync?: number;
} {
  return event.type === "persist" ? { persist: event.state } : { resync: event.attempt };
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
  let settled = false;
  const done = new Promise<void>((resolve) => {
    actor.subscribe({
      complete: () => resolve(),
      // Without an error observer xstate rethrows from a timer and kills the process.
      error: (error) => {
        options.onFatal(error);
        resolve();
      },
    });
  });
  actor.on("conversation", ({ id, event }) => options.onConversation(id, event));
  const started = new Promise<void>((resolve, reject) => {
    const sub = actor.subscribe((snapshot) => {
      if (snapshot.matches("running")) {
        settled = true;
        sub.unsubscribe();
        resolve();
      } else if (snapshot.status === "done") {
        sub.unsubscribe();
        const output = snapshot.output;
        reject(output?.status === "failed" ? output.error : new NetworkError("unreachable", "node stopped"));
      }
    });
  });
  actor.subscribe((snapshot) => {
    if (settled && snapshot.status === "done" && snapshot.output?.status === "failed") {
      options.onFatal(snapshot.output.error);
    }
  });
  actor.start();
  await started;
  return {
    route(conversation, event) {
      if (conversation.state === "closed") return;
      actor.send({
        type: "ROUTE",
        conversation: { id: conversation.id, state: conversation.state },
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
