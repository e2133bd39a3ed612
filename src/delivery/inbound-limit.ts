/** @module Per-peer inbound rate limit: a conversation whose peer publishes more than N messages per epoch of T seconds has the excess left unread, so one flooding peer cannot make the bot spend its own quota and handlers on it (RLM, docs/rate-limit.md §Inbound). */
import { InputError } from "../errors.ts";

/**
 * N messages per epoch of T seconds, per conversation, counted on arrival (before decryption).
 *
 * @example
 * const rule: InboundRateLimit = { limit: 200, epochSeconds: 600 };
 */
export interface InboundRateLimit {
  readonly limit: number;
  readonly epochSeconds: number;
}

/** What {@link InboundLimiter.admit} decided for one message. */
export type InboundVerdict =
  | { readonly admitted: true }
  /** `first`: the first message of this conversation left unread in this epoch (report once per epoch). */
  | { readonly admitted: false; readonly first: boolean; readonly epoch: number };

/**
 * Checks an inbound rate-limit rule: integers, `limit ≥ 1`, `1 ≤ epochSeconds ≤ 10⁶`.
 *
 * @example
 * inboundRateLimitRule({ limit: 200, epochSeconds: 600 });
 */
export function inboundRateLimitRule(rule: InboundRateLimit): InboundRateLimit {
  const { limit, epochSeconds } = rule;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InputError("invalid_argument", `inboundRateLimit.limit must be an integer ≥ 1, got ${limit}`);
  }
  if (!Number.isSafeInteger(epochSeconds) || epochSeconds < 1 || epochSeconds > 1_000_000) {
    throw new InputError(
      "invalid_argument",
      `inboundRateLimit.epochSeconds must be an integer from 1 to 1000000, got ${epochSeconds}`,
    );
  }
  return { limit, epochSeconds };
}

/**
 * Counts each conversation's inbound messages in the current epoch (epochs as in RLN: `floor(now / T)`, the same
 * boundaries as the outbound rate limit) and refuses those over the limit. A refused message is not decrypted, not
 * committed and not acknowledged: nothing is lost, the peer's outbox resends it with back-off, and it is read in a
 * later epoch. Memory is one counter per conversation heard from in the current epoch.
 *
 * @example
 * const limiter = new InboundLimiter({ limit: 200, epochSeconds: 600 }, Date.now);
 * if (!limiter.admit(conversationId).admitted) return; // leave it unread
 */
export class InboundLimiter {
  readonly #rule: InboundRateLimit;
  readonly #now: () => number;
  #epoch = -1;
  readonly #counts = new Map<string, number>();

  constructor(rule: InboundRateLimit, now: () => number) {
    this.#rule = inboundRateLimitRule(rule);
    this.#now = now;
  }

  /** The rule in force. @example limiter.rule.limit */
  get rule(): InboundRateLimit {
    return this.#rule;
  }

  /**
   * Counts one message of `conversationId` and says whether it may be read.
   *
   * @example
   * const verdict = limiter.admit("cAbc");
   * if (!verdict.admitted && verdict.first) report(verdict.epoch);
   */
  admit(conversationId: string): InboundVerdict {
    const epoch = Math.floor(this.#now() / (this.#rule.epochSeconds * 1000));
    if (epoch !== this.#epoch) {
      this.#epoch = epoch;
      this.#counts.clear();
    }
    const count = (this.#counts.get(conversationId) ?? 0) + 1;
    this.#counts.set(conversationId, count);
    if (count <= this.#rule.limit) return { admitted: true };
    return { admitted: false, first: count === this.#rule.limit + 1, epoch };
  }
}
