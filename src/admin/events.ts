/** @module The admin event log: the bot's events recorded in messages.db (once each, with the webhook deliveries they cause) and fanned out live to SSE streams. */
import type { BotEvents } from "../bot/bot.ts";
import type { AdminStore, LoggedEvent } from "./store.ts";

/** Event types the log records and the API streams. */
export const EVENT_TYPES = [
  "message",
  "sent",
  "delivered",
  "read",
  "failed",
  "gap",
  "recovered",
  "throttled",
  "error",
] as const satisfies readonly (keyof BotEvents)[];

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Events are kept this long (and longer while a webhook still owes them). */
export const EVENT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** What the log needs of a bot: its event emitter. */
export interface EventSource {
  readonly events: {
    on<K extends keyof BotEvents>(name: K, listener: (event: BotEvents[K]) => void): () => void;
  };
}

/**
 * Records bot events and notifies live listeners. Message-scoped events are keyed by message id, so an event raised
 * again after a restart (an unhandled message dispatched again) is recorded once.
 *
 * @example
 * const log = new EventLog(store, bot, Date.now);
 * log.listen((e) => console.log(e.id, e.type));
 */
export class EventLog {
  readonly #store: AdminStore;
  readonly #now: () => number;
  readonly #listeners = new Set<(event: LoggedEvent) => void>();
  readonly #detach: (() => void)[] = [];
  #serial = 0;
  #prunedAt = 0;
  /** Called after an event that may have created webhook deliveries. */
  onRecorded: () => void = () => {};

  constructor(store: AdminStore, source: EventSource, now: () => number) {
    this.#store = store;
    this.#now = now;
    for (const type of EVENT_TYPES) {
      this.#detach.push(
        source.events.on(type, (event) => {
          if (type === "message" && (event as BotEvents["message"]).type === "receipt") return;
          this.#record(type, event as unknown as Record<string, unknown>);
        }),
      );
    }
  }

  #record(type: EventType, data: Record<string, unknown>): void {
    const now = this.#now();
    const id = typeof data.id === "string" ? data.id : undefined;
    // Message-scoped events happen once per message; the rest are distinct occurrences.
    const key = id !== undefined ? `${type}:${id}` : `${type}:${now}:${this.#serial++}`;
    const event = this.#store.record(key, type, data, now);
    if (!event) return;
    for (const listener of this.#listeners) listener(event);
    this.onRecorded();
    if (now - this.#prunedAt > 3600_000) {
      this.#prunedAt = now;
      this.#store.pruneEvents(now - EVENT_RETENTION_MS);
    }
  }

  /**
   * Adds a live listener; returns its remover.
   *
   * @example
   * const stop = log.listen((e) => send(e));
   */
  listen(listener: (event: LoggedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Live listeners (SSE streams) now. */
  get listeners(): number {
    return this.#listeners.size;
  }

  /** Stops recording. */
  close(): void {
    for (const detach of this.#detach) detach();
    this.#listeners.clear();
  }
}
