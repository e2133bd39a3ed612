/** @module Sends recorded events to outgoing webhooks: signed (`Wakubot-Signature`), retried with back-off from the persisted delivery rows until a 2xx or a day has passed. */
import { signWebhook } from "./signature.ts";
import type { AdminStore, DueDelivery } from "./store.ts";

/** A delivery not answered 2xx within this long after its event is given up (outcome `failed`). */
export const WEBHOOK_GIVE_UP_MS = 24 * 3600 * 1000;
/** Each POST waits at most this long for an answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 3600_000;
const BATCH = 16;

/** What a sender needs besides the store; `fetch` and the clock are injectable for tests. */
export interface WebhookSenderOptions {
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
  readonly now?: () => number;
  /** Called with every attempt's outcome (metrics). */
  readonly onAttempt?: (outcome: "delivered" | "retry" | "failed") => void;
}

/**
 * The delay before attempt `attempts + 1`: 1 s, 2 s, 4 s … up to an hour.
 *
 * @example
 * retryDelay(3); // 8000
 */
export function retryDelay(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(attempts, 22));
}

/**
 * Works through due deliveries whenever kicked and when the next retry falls due. Deliveries are written with
 * their event, so one that was not done before a crash is sent after the restart (at least once; receivers dedupe
 * by `Wakubot-Event-Id`).
 *
 * @example
 * const sender = new WebhookSender(store);
 * log.onRecorded = () => sender.kick();
 * sender.kick();
 */
export class WebhookSender {
  readonly #store: AdminStore;
  readonly #fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly #now: () => number;
  readonly #onAttempt: (outcome: "delivered" | "retry" | "failed") => void;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(store: AdminStore, options: WebhookSenderOptions = {}) {
    this.#store = store;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#now = options.now ?? Date.now;
    this.#onAttempt = options.onAttempt ?? (() => {});
  }

  /**
   * Sends what is due now (again after the current round if one is running).
   *
   * @example
   * sender.kick();
   */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#round().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      } else {
        this.#schedule();
      }
    });
  }

  /** Resolves when the current round (if any) is over. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #round(): Promise<void> {
    for (;;) {
      const due = this.#store.dueDeliveries(this.#now(), BATCH);
      if (due.length === 0 || this.#closed) return;
      await Promise.all(due.map((d) => this.#attempt(d)));
    }
  }

  async #attempt(d: DueDelivery): Promise<void> {
    const body = JSON.stringify({
      id: d.event.id,
      type: d.event.type,
      createdAt: d.event.createdAt,
      data: d.event.data,
    });
    let error: string | undefined;
    try {
      const response = await this.#fetch(d.webhook.url, {
        method: "POST",
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        headers: {
          "content-type": "application/json",
          "user-agent": "wakubot-webhooks/1",
          "wakubot-event-id": String(d.event.id),
          "wakubot-webhook-id": String(d.webhook.id),
          "wakubot-signature": signWebhook(d.webhook.secret, body, Math.floor(this.#now() / 1000)),
        },
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) {
        this.#store.settleDelivery(d.webhook.id, d.event.id, { outcome: "delivered" }, this.#now());
        this.#onAttempt("delivered");
        return;
      }
      error = `HTTP ${response.status}`;
    } catch (e) {
      // Only the kind of failure is kept: a message could echo the URL's credentials.
      error = e instanceof Error && e.name === "TimeoutError" ? "timeout" : "unreachable";
    }
    if (this.#closed) return;
    const now = this.#now();
    if (now - d.event.createdAt >= WEBHOOK_GIVE_UP_MS) {
      this.#store.settleDelivery(d.webhook.id, d.event.id, { outcome: "failed", error }, now);
      this.#onAttempt("failed");
    } else {
      this.#store.settleDelivery(
        d.webhook.id,
        d.event.id,
        { retryAt: now + retryDelay(d.attempts), error },
        now,
      );
      this.#onAttempt("retry");
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const next = this.#store.nextDeliveryAt();
    if (next === undefined) return;
    this.#timer = setTimeout(() => this.kick(), Math.max(0, Math.min(next - this.#now(), MAX_BACKOFF_MS)));
    this.#timer.unref?.();
  }

  /** Stops sending; undelivered deliveries stay for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.idle();
  }
}
