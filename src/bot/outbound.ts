/** @module The outbound queue the node actor owns: messages wait here by priority until the delivery layer takes them (the rate-limit manager of issue 6 plugs in here). */
import type { PublishReceipt } from "../waku/delivery.ts";
import type { WakuMessage } from "../waku/message.ts";

/** RLM-U1 priorities: critical (receipts, repair) before normal before optional. */
export type Priority = "critical" | "normal" | "optional";

const ORDER: readonly Priority[] = ["critical", "normal", "optional"];

interface Item {
  readonly message: WakuMessage;
  readonly resolve: (receipt: PublishReceipt) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A priority queue drained into `publish` with bounded concurrency.
 *
 * @example
 * const queue = new OutboundQueue((m) => delivery.publish(m));
 * const receipt = await queue.push({ payload, contentTopic, timestamp }, "normal");
 */
export class OutboundQueue {
  readonly #queues: Record<Priority, Item[]> = { critical: [], normal: [], optional: [] };
  readonly #publish: (message: WakuMessage) => Promise<PublishReceipt>;
  readonly #concurrency: number;
  #inFlight = 0;
  #closed = false;

  constructor(publish: (message: WakuMessage) => Promise<PublishReceipt>, concurrency = 8) {
    this.#publish = publish;
    this.#concurrency = concurrency;
  }

  /** Messages waiting, per priority. */
  get lengths(): Record<Priority, number> {
    return {
      critical: this.#queues.critical.length,
      normal: this.#queues.normal.length,
      optional: this.#queues.optional.length,
    };
  }

  /**
   * Queues a message; resolves when the delivery layer published it, rejects with its error.
   *
   * @example
   * await queue.push(receiptMessage, "critical");
   */
  push(message: WakuMessage, priority: Priority): Promise<PublishReceipt> {
    if (this.#closed) return Promise.reject(new Error("outbound queue closed"));
    return new Promise((resolve, reject) => {
      this.#queues[priority].push({ message, resolve, reject });
      this.#pump();
    });
  }

  #next(): Item | undefined {
    for (const p of ORDER) {
      const item = this.#queues[p].shift();
      if (item) return item;
    }
    return undefined;
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency) {
      const item = this.#next();
      if (!item) return;
      this.#inFlight++;
      this.#publish(item.message)
        .then(item.resolve, item.reject)
        .finally(() => {
          this.#inFlight--;
          this.#pump();
        });
    }
  }

  /** Rejects everything still waiting; messages already handed to delivery finish on their own. */
  close(reason: unknown): void {
    this.#closed = true;
    for (const p of ORDER) for (const item of this.#queues[p].splice(0)) item.reject(reason);
  }
}
