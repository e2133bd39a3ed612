/** @module What a handler gets (ctx) and what a send returns (a message handle whose status can be awaited): the bot author's vocabulary, kept free of runtime internals. */
import { InputError, NetworkError } from "../errors.ts";
import type { PayloadType } from "../payloads/index.ts";
import type { MessageStatus } from "./ledger.ts";
import type { Priority } from "./outbox-store.ts";

/** A value to send: a text, or a typed payload. */
export type Sendable = string | { readonly type: PayloadType<unknown>; readonly value: unknown };

/** Options of a send. */
export interface SendOptions {
  /** RLM-U1 priority; default normal. */
  readonly priority?: Priority;
}

/** The statuses a handle can be awaited for. */
export type AwaitableStatus = "sent" | "delivered";

/**
 * An outbound message. `id` is local (`<conversation>:<tag hex>`); `status` follows queued → sent → delivered,
 * or failed.
 *
 * @example
 * const handle = await conversation.send("hello");
 * await handle.wait("delivered", 10_000);
 */
export class MessageHandle {
  #status: MessageStatus = "queued";
  #error: unknown;
  readonly #waiters = new Set<{
    status: AwaitableStatus;
    resolve: () => void;
    reject: (e: unknown) => void;
  }>();

  #id: string | undefined;
  readonly #commit: (() => void) | undefined;

  /**
   * `id` is known at once for messages sent outside handlers. A handler's replies are committed with its handled
   * mark when it returns (docs/delivery.md §Exactly once); asking for their id or waiting on them before that
   * commits the replies so far early (`commit`).
   */
  constructor(
    id: string | undefined,
    readonly conversationId: string,
    commit?: () => void,
  ) {
    this.#id = id;
    this.#commit = commit;
  }

  /** The local message id (`<conversation>:<tag hex>`). */
  get id(): string {
    if (this.#id === undefined) this.#commit?.();
    if (this.#id === undefined) throw new InputError("invalid_argument", "this message was never committed");
    return this.#id;
  }

  /** @internal The runtime sets the id when the message is committed. */
  bind(id: string): void {
    this.#id = id;
  }

  /** Current status. */
  get status(): MessageStatus {
    return this.#status;
  }

  /** The 16-hex-character id the peer knows this message by (its conversation tag). */
  get wireId(): string {
    return this.id.slice(this.id.indexOf(":") + 1);
  }

  /** @internal Called by the runtime. */
  update(status: MessageStatus, error?: unknown): void {
    const rank = (s: MessageStatus) => ["queued", "sent", "delivered", "read"].indexOf(s);
    if (status === "failed") {
      this.#status = "failed";
      this.#error = error;
    } else if (rank(status) > rank(this.#status)) {
      this.#status = status;
    }
    for (const w of [...this.#waiters]) {
      if (this.#status === "failed") w.reject(this.#error);
      else if (rank(this.#status) >= rank(w.status)) w.resolve();
      else continue;
      this.#waiters.delete(w);
    }
  }

  /**
   * Resolves once the message reached `status` (or a later one); rejects if it failed, or with
   * `NetworkError("timeout")` after `timeoutMs`.
   *
   * @example
   * await handle.wait("sent");
   */
  wait(status: AwaitableStatus, timeoutMs = 30_000): Promise<void> {
    if (this.#id === undefined) this.#commit?.();
    return new Promise((resolve, reject) => {
      const waiter = { status, resolve, reject };
      this.#waiters.add(waiter);
      this.update(this.#status, this.#error);
      if (!this.#waiters.has(waiter)) return;
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new NetworkError("timeout", `message ${this.#id} not ${status} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      waiter.reject = (e) => {
        clearTimeout(timer);
        reject(e);
      };
    });
  }
}

/** The far end of a conversation. */
export interface Sender {
  /** The peer's account id (`wb1…`), derived from its identity key. */
  readonly account: string;
}

/**
 * A 1:1 conversation.
 *
 * @example
 * const conversation = await bot.connect(invite);
 * await conversation.send("hello");
 */
export interface Conversation {
  readonly id: string;
  readonly peer: Sender;
  /** The name the invite carried, if any. */
  readonly label: string | undefined;
  /** This conversation's application state (JSON, kept in messages.db across restarts), if set. */
  state<S>(): S | undefined;
  /** Replaces the application state; `undefined` clears it. */
  setState<S>(value: S | undefined): void;
  /** Sends a text or a typed payload: `send("hi")`, `send(myType, value)`. */
  send(text: string, options?: SendOptions): Promise<MessageHandle>;
  send<T>(type: PayloadType<T>, value: T, options?: SendOptions): Promise<MessageHandle>;
}

/** What an "unsupported" handler receives: the type it could not read, and why. */
export interface Unsupported {
  readonly typeName: string;
  readonly version: number;
  readonly reason: "unknown_type" | "newer_version" | "malformed";
}

/**
 * The context of one inbound message.
 *
 * @example
 * bot.on("text", (ctx) => ctx.reply(`you said ${ctx.text}`));
 */
export interface Context<T = unknown> {
  /** The decoded payload. */
  readonly payload: T;
  /** The text of text and reply payloads; undefined for other types. */
  readonly text: string | undefined;
  /** Payload type name (`text`, `reply`, `acme/order`, or the unreadable type for `unsupported`). */
  readonly type: string;
  readonly version: number;
  readonly message: {
    readonly id: string;
    readonly wireId: string;
    readonly receivedAt: number;
    /** The sender's sequence number (docs/delivery.md); 0 for messages from before delivery tracking. */
    readonly seq: number;
  };
  /**
   * Tells the sender this message was read: its status becomes `read` there (a best-effort receipt, priority
   * optional).
   */
  markRead(): void;
  readonly conversation: Conversation;
  readonly sender: Sender;
  /** Sends a text or typed payload back into this conversation. */
  reply(text: string, options?: SendOptions): Promise<MessageHandle>;
  reply<U>(type: PayloadType<U>, value: U, options?: SendOptions): Promise<MessageHandle>;
}

/** The context of a text message: `text` is always there. */
export type TextContext = Context<string> & { readonly text: string };

/** Middleware: runs around handlers; call `next()` to continue. */
export type Middleware = (ctx: Context, next: () => Promise<void>) => unknown;
