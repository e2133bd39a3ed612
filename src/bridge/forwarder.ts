/** @module Hands stored webhooks to the bot, one conversation at a time in acceptance order, marking each forward handed once `conversation.send` committed it; resumes whatever is still owed after a restart. */
import type { Priority } from "../bot/outbox-store.ts";
import type { PendingForward } from "./store.ts";

/** The store calls the forwarder makes. */
export interface ForwardStore {
  pendingForwards(limit: number): PendingForward[];
  handed(webhookId: number, conversationId: string, messageId: string, now: number): void;
  forgetConversation(conversationId: string, now: number): number;
}

/**
 * What the forwarder does with one forward: send `text` into the conversation (committed to the bot's outbox
 * when it resolves) and return the message id, or `"gone"` when the conversation does not exist.
 */
export type ForwardSend = (
  conversationId: string,
  text: string,
  priority: Priority,
) => Promise<string | "gone">;

/** Collaborators of a {@link Forwarder}. */
export interface ForwarderDeps {
  readonly store: ForwardStore;
  readonly send: ForwardSend;
  /** True while sends can succeed (the bot started and not stopping). */
  readonly ready: () => boolean;
  readonly onError: (error: unknown) => void;
  readonly now: () => number;
  /** First retry delay after a failed send (doubles up to 5 minutes); default 1 s. */
  readonly retryMs?: number;
}

const BATCH = 64;
const MAX_RETRY_MS = 300_000;

/**
 * One background loop over `pendingForwards`. `kick()` starts it (or makes a running loop look again); a send that
 * fails leaves the forward pending and retries with back-off. A forward is marked handed only after `send`
 * resolved, so a crash in between re-sends it after the restart: at least once toward the chat.
 *
 * @example
 * const forwarder = new Forwarder({ store, send, ready: () => bot.info !== undefined, onError: console.error, now: Date.now });
 * forwarder.kick();
 * await forwarder.drain();
 */
export class Forwarder {
  readonly #deps: ForwarderDeps;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #retryMs: number;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(deps: ForwarderDeps) {
    this.#deps = deps;
    this.#retryMs = deps.retryMs ?? 1000;
  }

  /**
   * Forwards whatever is owed, in the background; a no-op while not ready or after `close()`.
   *
   * @example
   * bot.events.on("ready", () => forwarder.kick());
   */
  kick(): void {
    if (this.#closed || !this.#deps.ready()) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /**
   * Resolves when the loop is idle: everything owed was handed over, or a failure left the rest for a retry.
   *
   * @example
   * await forwarder.drain();
   */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /**
   * Stops the loop after the send in progress (the rest stays owed, for the next start) and cancels retries.
   *
   * @example
   * await forwarder.close();
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.drain();
  }

  async #loop(): Promise<void> {
    const { store, send, now } = this.#deps;
    for (;;) {
      this.#again = false;
      let batch: PendingForward[];
      try {
        batch = store.pendingForwards(BATCH);
      } catch (error) {
        if (!this.#closed) this.#failed(error);
        return;
      }
      if (batch.length === 0 && !this.#again) {
        this.#retryMs = this.#deps.retryMs ?? 1000;
        return;
      }
      for (const f of batch) {
        if (this.#closed || !this.#deps.ready()) return;
        try {
          const id = await send(f.conversationId, f.text, f.priority);
          if (id === "gone") store.forgetConversation(f.conversationId, now());
          else store.handed(f.webhookId, f.conversationId, id, now());
        } catch (error) {
          // Stopping makes sends fail: that is not an error, the forward simply waits for the next start.
          if (!this.#closed && this.#deps.ready()) this.#failed(error);
          return;
        }
      }
      if (this.#closed) return;
    }
  }

  #failed(error: unknown): void {
    this.#deps.onError(error);
    if (this.#retry || this.#closed) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(MAX_RETRY_MS, delay * 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.kick();
    }, delay);
    this.#retry.unref?.();
  }
}
