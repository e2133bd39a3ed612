/** @module `createBot()` and the Bot: typed handlers and middleware over the session store, the Waku delivery and the node/conversation actors (D1, D2, F2, F5, U3). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CryptoError, InputError, NetworkError, WakubotError } from "../errors.ts";
import {
  PayloadRegistry,
  type PayloadType,
  receipt,
  reply as replyType,
  text as textType,
} from "../payloads/index.ts";
import type { Frame } from "../protocol/wire.ts";
import { type InviteOptions, type Received, SessionStore } from "../sessions/store.ts";
import { createDataDir, type DataDir, openDataDir, SECRETS_DB } from "../storage/data-dir.ts";
import type { Delivery } from "../waku/delivery.ts";
import { LightDelivery } from "../waku/light.ts";
import { type RoutedMessage, toWakuTimestamp } from "../waku/message.ts";
import { WakuNode } from "../waku/node.ts";
import { loadNodeKey } from "../waku/node-key.ts";
import { BUCKET_TOPICS, bucketOfTag, bucketTopic } from "../waku/topics.ts";
import {
  type Context,
  type Conversation,
  MessageHandle,
  type Middleware,
  type Sendable,
  type Sender,
  type SendOptions,
  type TextContext,
  type Unsupported,
} from "./context.ts";
import { conversationEvent, type NodeHost, startNodeActor } from "./host.ts";
import { Ledger } from "./ledger.ts";
import { type BotOptions, type ResolvedBotOptions, resolveBotOptions } from "./options.ts";
import { OutboundQueue } from "./outbound.ts";

/** Built-in names a handler can be registered for besides payload types. */
type EventName = "message" | "unsupported";

type Handler<T> = (ctx: Context<T>) => unknown;
type ErrorHandler = (error: unknown, ctx: Context | undefined) => unknown;

/** What `start()` resolves with, and what `run --json` prints as the `ready` event. */
export interface ReadyInfo {
  readonly account: string;
  readonly peerId: string | undefined;
  readonly multiaddrs: readonly string[];
  readonly pubsubTopics: readonly string[];
  readonly invite: string;
}

/** Events a bot reports; `bot.events.on(name, listener)`. */
export interface BotEvents {
  ready: ReadyInfo;
  message: { conversation: string; id: string; type: string; text: string | undefined };
  sent: { conversation: string; id: string };
  delivered: { conversation: string; id: string };
  error: { code: string; message: string; conversation?: string };
  /** The node actor failed (delivery died, or a conversation kept failing): the bot cannot go on. */
  fatal: { code: string; message: string };
}

class Emitter {
  readonly #listeners = new Map<keyof BotEvents, Set<(e: never) => void>>();
  on<K extends keyof BotEvents>(name: K, listener: (event: BotEvents[K]) => void): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    set.add(listener as (e: never) => void);
    this.#listeners.set(name, set);
    return () => set.delete(listener as (e: never) => void);
  }
  emit<K extends keyof BotEvents>(name: K, event: BotEvents[K]): void {
    for (const l of this.#listeners.get(name) ?? []) (l as (e: BotEvents[K]) => void)(event);
  }
}

/** Bots started in this process, so `wakubot run` can stop them on SIGTERM. */
export const runningBots = new Set<Bot>();

/**
 * A bot: register handlers, then `start()`.
 *
 * @example
 * const bot = await createBot();
 * bot.on("text", (ctx) => ctx.reply(ctx.text ?? ""));
 * await bot.start();
 */
export class Bot {
  readonly events = new Emitter();
  readonly payloads = new PayloadRegistry();
  readonly #options: ResolvedBotOptions;
  readonly #dir: DataDir;
  readonly #store: SessionStore;
  readonly #ledger: Ledger;
  readonly #handlers = new Map<string, Handler<never>[]>();
  readonly #middleware: Middleware[] = [];
  #onError: ErrorHandler;
  #delivery: Delivery | undefined;
  #host: NodeHost | undefined;
  #queue: OutboundQueue | undefined;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #handles = new Map<string, MessageHandle>();
  #unsubscribe: (() => void) | undefined;
  #ready: ReadyInfo | undefined;
  #stopped = false;
  #lastTimestamp = 0n;
  readonly #inboundQueue: RoutedMessage[] = [];
  #checkpoint = 0;
  #checkpointWritten = 0;
  #draining: Promise<void> | undefined;

  /** @internal Use `createBot()`. */
  constructor(options: ResolvedBotOptions, dir: DataDir) {
    this.#options = options;
    this.#dir = dir;
    this.#store = options.provider ? new SessionStore(dir, options.provider) : new SessionStore(dir);
    this.#ledger = new Ledger(dir);
    this.#onError = (error, ctx) => this.#report(error, ctx?.conversation.id);
  }

  /** This bot's account id (`wb1…`). */
  get account(): string {
    return this.#dir.accountId;
  }

  /** The delivery the bot runs on, once started. */
  get delivery(): Delivery | undefined {
    return this.#delivery;
  }

  /**
   * Registers a handler: for a payload type (`"text"`, `"reply"`, … or a `PayloadType`), for every readable
   * message (`"message"`), or for messages of a type or version this bot cannot read (`"unsupported"`).
   * Handlers of one conversation run one at a time, in order; different conversations run concurrently.
   *
   * @example
   * bot.on("text", (ctx) => ctx.reply(ctx.text ?? ""));
   * bot.on(orderType, (ctx) => ctx.payload.items.length);
   */
  on(type: "text", handler: (ctx: TextContext) => unknown): this;
  on(type: "unsupported", handler: Handler<Unsupported>): this;
  on(type: EventName | string, handler: Handler<unknown>): this;
  on<T>(type: PayloadType<T>, handler: Handler<T>): this;
  on(type: string | PayloadType<unknown>, handler: (ctx: never) => unknown): this {
    let name: string;
    if (typeof type === "string") {
      name = type;
    } else {
      if (!this.payloads.get(type.name)) this.payloads.register(type);
      name = type.name;
    }
    const list = this.#handlers.get(name) ?? [];
    list.push(handler as Handler<never>);
    this.#handlers.set(name, list);
    return this;
  }

  /**
   * Adds middleware, run in order around the handlers of every message.
   *
   * @example
   * bot.use(async (ctx, next) => { const t = Date.now(); await next(); console.log(Date.now() - t); });
   */
  use(middleware: Middleware): this {
    this.#middleware.push(middleware);
    return this;
  }

  /**
   * Sets the handler for errors thrown by handlers and middleware (default: an `error` event line).
   *
   * @example
   * bot.catch((error, ctx) => console.error(ctx?.conversation.id, error));
   */
  catch(handler: ErrorHandler): this {
    this.#onError = handler;
    return this;
  }

  /**
   * A new invite link; while the bot runs, its reachable addresses ride along as hints (NET4).
   *
   * @example
   * const link = bot.invite({ singleUse: true, expiresInSeconds: 3600 });
   */
  invite(options: InviteOptions = {}): string {
    const hints = options.hints ?? this.#hints();
    return this.#store.createInvite({ ...options, hints });
  }

  #hints(): string[] {
    const d = this.#delivery;
    if (d instanceof WakuNode) return d.multiaddrs.slice(0, 2);
    return this.#options.peers.slice(0, 2);
  }

  /**
   * Starts a conversation from an invite link. Nothing is sent until the first `send`.
   *
   * @example
   * const conversation = await bot.connect(link);
   * await conversation.send("hello");
   */
  async connect(invite: string): Promise<Conversation> {
    const id = this.#store.connect(invite);
    const d = this.#delivery;
    if (d instanceof WakuNode) {
      for (const hint of this.#store.inviteHints(invite)) {
        try {
          d.addPeer(hint);
        } catch {
          // A malformed hint is the inviter's problem; the network may still carry the message.
        }
      }
    }
    return this.conversation(id);
  }

  /**
   * A handle on an existing conversation; `InputError("invalid_argument")` if there is none with this id.
   *
   * @example
   * await bot.conversation("cAbC…").send("back again");
   */
  conversation(id: string): Conversation {
    const row = this.#ledger.conversation(id);
    if (!row) throw new InputError("invalid_argument", `no conversation ${id}`);
    const peer: Sender = { account: row.peerAccountId ?? "" };
    const send = (a: string | PayloadType<unknown>, b?: unknown, c?: SendOptions) =>
      typeof a === "string"
        ? this.#send(id, { type: textType as PayloadType<unknown>, value: a }, b as SendOptions | undefined)
        : this.#send(id, { type: a, value: b }, c);
    const ledger = this.#ledger;
    return {
      id,
      peer,
      label: row.label ?? undefined,
      send,
      state: () => ledger.appState(id),
      setState: (value: unknown) => ledger.setAppState(id, value),
    } as Conversation;
  }

  async #send(conversationId: string, what: Exclude<Sendable, string>, options?: SendOptions) {
    if (!this.#queue) throw new NetworkError("unreachable", "the bot is not started");
    if (!this.payloads.get(what.type.name)) this.payloads.register(what.type);
    const frame = this.payloads.encode(what.type, what.value);
    return this.#publishFrame(conversationId, frame, options?.priority ?? "normal");
  }

  #publishFrame(conversationId: string, frame: Frame, priority: "critical" | "normal" | "optional") {
    const queue = this.#queue;
    if (!queue) throw new NetworkError("unreachable", "the bot is not started");
    // Receipts are never receipted themselves and get no messages row: only other messages are tracked.
    const track = frame.type !== receipt.wire;
    const sent = this.#store.send(conversationId, frame, { record: track });
    const handle = new MessageHandle(sent.messageId, conversationId);
    if (track) this.#handles.set(sent.messageId, handle);
    this.#route(conversationId, { type: "SENT" });
    // Strictly increasing timestamps keep this bot's messages in sending order in every Store (which sorts by
    // time, then hash), also when several leave within one millisecond.
    const now = toWakuTimestamp(Date.now());
    this.#lastTimestamp = now > this.#lastTimestamp ? now : this.#lastTimestamp + 1n;
    const message = {
      payload: sent.payload,
      contentTopic: bucketTopic(bucketOfTag(sent.tag)),
      timestamp: this.#lastTimestamp,
    };
    queue.push(message, priority).then(
      () => {
        handle.update("sent");
        if (!track) return;
        this.#ledger.setStatus(sent.messageId, "sent");
        this.events.emit("sent", { conversation: conversationId, id: sent.messageId });
      },
      (error: unknown) => {
        if (track) {
          this.#ledger.setStatus(
            sent.messageId,
            "failed",
            error instanceof Error ? error.message : String(error),
          );
        }
        handle.update("failed", error);
        this.#handles.delete(sent.messageId);
      },
    );
    return handle;
  }

  #route(conversationId: string, event: Parameters<NodeHost["route"]>[1]): void {
    const row = this.#ledger.conversation(conversationId);
    if (!row || row.state === "closed" || !this.#host) return;
    this.#host.route({ id: conversationId, state: row.state }, event);
  }

  /**
   * Starts the Waku node (or light client, or the given delivery), catches up on messages that arrived while the
   * bot was down, and begins handling. Resolves with the ready information.
   *
   * @example
   * const { invite } = await bot.start();
   */
  async start(): Promise<ReadyInfo> {
    if (this.#ready) return this.#ready;
    const o = this.#options;
    const host = await startNodeActor({
      idleMs: o.idleMs ?? 60_000,
      startDelivery: async () => {
        this.#delivery = o.delivery ?? (await this.#startDelivery());
      },
      stopDelivery: async () => {
        await this.#delivery?.stop();
      },
      onConversation: (id, event) => {
        const e = conversationEvent(event);
        if (e.persist) this.#ledger.setConversationState(id, e.persist);
      },
      onFatal: (error) => {
        this.#report(error);
        this.events.emit("fatal", {
          code: error instanceof WakubotError ? error.code : "internal",
          message: error instanceof Error ? error.message : String(error),
        });
      },
    });
    this.#host = host;
    const delivery = this.#delivery as Delivery;
    this.#queue = new OutboundQueue((m) => delivery.publish(m));
    this.#unsubscribe = delivery.subscribe(BUCKET_TOPICS, (m) => this.#inbound(m));
    for (const row of this.#ledger.unhandled()) {
      const frame: Frame = {
        type: /^\d+$/.test(row.payloadType) ? Number(row.payloadType) : row.payloadType,
        typeVersion: row.payloadVersion,
        body: new Uint8Array(row.body),
      };
      this.#dispatch(row.conversationId, row.id, frame, row.receivedAt ?? row.createdAt);
    }
    await this.#awaitNetwork(delivery);
    await this.#catchUp(delivery);
    runningBots.add(this);
    const ready: ReadyInfo = {
      account: this.account,
      peerId: delivery instanceof WakuNode ? delivery.peerId : undefined,
      multiaddrs: delivery instanceof WakuNode ? delivery.multiaddrs : [],
      pubsubTopics: [delivery.pubsubTopic],
      invite: this.invite(),
    };
    this.#ready = ready;
    this.events.emit("ready", ready);
    if (o.json) o.output(JSON.stringify({ event: "ready", ...ready }));
    return ready;
  }

  async #startDelivery(): Promise<Delivery> {
    const o = this.#options;
    const sharding = { cluster: o.cluster, shards: o.shards };
    const privateKey = await loadNodeKey(this.#dir);
    if (o.light) return LightDelivery.start({ peers: o.peers, sharding, privateKey });
    return WakuNode.start({
      listen: o.listen,
      peers: o.peers,
      sharding,
      privateKey,
      store: { path: join(o.data, "store.db") },
    });
  }

  /**
   * Waits (bounded) until live traffic can reach us: a relay peer only forwards to its mesh, which includes us one
   * heartbeat after we connect, and a light client needs a confirmed Filter subscription. The Store catch-up runs
   * after this, so whatever arrived before it is fetched from the Store instead of being missed.
   */
  async #awaitNetwork(delivery: Delivery): Promise<void> {
    if (this.#options.peers.length === 0) return;
    const deadline = Date.now() + 5000;
    if (delivery instanceof WakuNode) {
      while (delivery.meshPeers() === 0 && Date.now() < deadline) await Bun.sleep(50);
    } else if (delivery instanceof LightDelivery) {
      await delivery.ready(5000).catch(() => {});
    }
  }

  async #catchUp(delivery: Delivery): Promise<void> {
    const since = this.#ledger.checkpoint() ?? Date.now() - this.#options.catchUpMs;
    // A margin for clock skew between senders (relays accept ±20 s) and for messages still in flight.
    const timeStart = toWakuTimestamp(since - 60_000);
    try {
      for await (const m of delivery.queryStore({
        pubsubTopic: delivery.pubsubTopic,
        contentTopics: BUCKET_TOPICS,
        timeStart,
      })) {
        this.#inbound(m);
      }
    } catch (error) {
      // Live traffic still flows; report that the catch-up could not reach a store.
      this.#report(error);
    }
    await this.#settled();
  }

  /**
   * Queues an inbound message. Messages are processed in order, a batch per macrotask, so a burst of inbound
   * traffic (decrypt + commit is synchronous) never blocks the event loop long enough to starve libp2p.
   */
  #inbound(m: RoutedMessage): void {
    if (this.#stopped) return;
    this.#inboundQueue.push(m);
    if (!this.#draining) this.#draining = this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.#inboundQueue.length > 0) {
      for (const m of this.#inboundQueue.splice(0, 16)) this.#process(m);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#draining = undefined;
  }

  /** Resolves when every queued inbound message has been processed. */
  async #settled(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  /**
   * Raises the Store catch-up checkpoint, writing it at most once a second: a checkpoint that lags only makes
   * the next catch-up re-read messages, which the session store then refuses as already processed.
   */
  #advanceCheckpoint(ms: number): void {
    if (ms <= this.#checkpoint) return;
    this.#checkpoint = ms;
    const now = Date.now();
    if (now - this.#checkpointWritten >= 1000) this.#flushCheckpoint(now);
  }

  #flushCheckpoint(now = Date.now()): void {
    if (this.#checkpoint === 0) return;
    this.#checkpointWritten = now;
    this.#ledger.advanceCheckpoint(this.#checkpoint);
  }

  #process(m: RoutedMessage): void {
    if (this.#stopped) return;
    let received: Received;
    try {
      received = this.#store.receive(m.message.payload);
    } catch (error) {
      // Not ours, or already processed: the normal case for most messages on a shared topic.
      if (error instanceof CryptoError && (error.code === "unknown_tag" || error.code === "replay")) return;
      if (error instanceof WakubotError && error.code === "malformed") return;
      this.#report(error);
      return;
    }
    this.#advanceCheckpoint(Number(m.message.timestamp / 1_000_000n));
    this.#route(received.conversationId, { type: "DECRYPTED" });
    this.#dispatch(received.conversationId, received.messageId, received.frame, Date.now());
  }

  #dispatch(conversationId: string, messageId: string, frame: Frame, receivedAt: number): void {
    const decoded = this.payloads.decode(frame);
    const wireId = messageId.slice(messageId.indexOf(":") + 1);
    if (decoded.kind === "ok" && decoded.type.name === receipt.name) {
      const ids = (decoded.value as { messages: string[] }).messages;
      for (const id of this.#ledger.markDelivered(conversationId, ids)) {
        this.#handles.get(id)?.update("delivered");
        this.#handles.delete(id);
        this.events.emit("delivered", { conversation: conversationId, id });
        if (this.#options.json) {
          this.#options.output(JSON.stringify({ event: "delivered", conversation: conversationId, id }));
        }
      }
    } else {
      // F4: confirmed only now that the message is committed to messages.db.
      try {
        this.#publishFrame(conversationId, this.payloads.encode(receipt, { messages: [wireId] }), "critical");
      } catch (error) {
        this.#report(error, conversationId);
      }
    }
    const conversation = this.conversation(conversationId);
    const base = {
      message: { id: messageId, wireId, receivedAt },
      conversation,
      sender: conversation.peer,
      reply: conversation.send as Context["reply"],
    };
    const ctx: Context =
      decoded.kind === "ok"
        ? {
            ...base,
            payload: decoded.value,
            type: decoded.type.name,
            version: decoded.version,
            text:
              decoded.type.name === textType.name
                ? (decoded.value as string)
                : decoded.type.name === replyType.name
                  ? (decoded.value as { text: string }).text
                  : undefined,
          }
        : {
            ...base,
            payload: { typeName: decoded.typeName, version: decoded.version, reason: decoded.reason },
            type: decoded.typeName,
            version: decoded.version,
            text: undefined,
          };
    this.events.emit("message", {
      conversation: conversationId,
      id: messageId,
      type: ctx.type,
      text: ctx.text,
    });
    if (this.#options.json && !(decoded.kind === "ok" && decoded.type.name === receipt.name)) {
      const line: Record<string, unknown> = { event: "message", conversation: conversationId, id: messageId };
      line.type = decoded.kind === "ok" ? ctx.type : "unsupported";
      if (ctx.text !== undefined) line.text = ctx.text;
      this.#options.output(JSON.stringify(line));
    }
    const handlers =
      decoded.kind === "ok" ? this.#handlersFor(ctx.type) : (this.#handlers.get("unsupported") ?? []);
    const previous = this.#chains.get(conversationId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#run(ctx, handlers))
      .then(() => this.#ledger.setStatus(messageId, "handled"))
      .catch((error) => this.#report(error, conversationId));
    this.#chains.set(conversationId, next);
    void next.then(() => {
      if (this.#chains.get(conversationId) === next) this.#chains.delete(conversationId);
    });
  }

  #handlersFor(type: string): Handler<never>[] {
    // Receipts reach only `bot.on("receipt")`: a "message" handler or middleware that replies would otherwise
    // answer the receipts of its own replies forever.
    if (type === receipt.name) return this.#handlers.get(type) ?? [];
    return [...(this.#handlers.get(type) ?? []), ...(this.#handlers.get("message") ?? [])];
  }

  async #run(ctx: Context, handlers: Handler<never>[]): Promise<void> {
    const chain = ctx.type === receipt.name ? [] : [...this.#middleware];
    const dispatch = async (i: number): Promise<void> => {
      const middleware = chain[i];
      if (middleware) {
        await middleware(ctx, () => dispatch(i + 1));
        return;
      }
      for (const handler of handlers) await (handler as Handler<unknown>)(ctx);
    };
    try {
      await dispatch(0);
    } catch (error) {
      try {
        await this.#onError(error, ctx);
      } catch (inner) {
        this.#report(inner, ctx.conversation.id);
      }
    }
  }

  #report(error: unknown, conversation?: string): void {
    const code = error instanceof WakubotError ? error.code : "internal";
    const message = error instanceof Error ? error.message : String(error);
    const event = conversation ? { code, message, conversation } : { code, message };
    this.events.emit("error", event);
    if (this.#options.json) this.#options.output(JSON.stringify({ event: "error", ...event }));
    else process.stderr.write(`wakubot: ${message} [${code}]\n`);
  }

  /**
   * Number of conversation actors in memory (idle ones leave it; state stays in SQLite).
   *
   * @example
   * bot.liveConversations(); // 3
   */
  liveConversations(): number {
    return this.#host?.liveConversations() ?? 0;
  }

  /** Waits for running handlers, stops the node and closes the data directory. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    runningBots.delete(this);
    this.#unsubscribe?.();
    await this.#settled();
    await Promise.allSettled([...this.#chains.values()]);
    this.#flushCheckpoint();
    this.#queue?.close(new NetworkError("unreachable", "the bot stopped"));
    if (this.#host) await this.#host.stop();
    else await this.#options.delivery?.stop();
    this.#dir.close();
  }
}

/**
 * Opens (creating on first use) the bot's data directory with options defaulting from the `WAKUBOT_*`
 * environment. Call `start()` after registering handlers.
 *
 * @example
 * const bot = await createBot();
 * bot.on("text", (ctx) => ctx.reply(ctx.text ?? ""));
 * await bot.start();
 */
export async function createBot(options: BotOptions = {}): Promise<Bot> {
  const resolved = resolveBotOptions(options, process.env);
  const dir = existsSync(join(resolved.data, SECRETS_DB))
    ? openDataDir(resolved.data, { passphrase: resolved.passphrase })
    : createDataDir(resolved.data, {
        passphrase: resolved.passphrase,
        ...(resolved.kdf ? { kdf: resolved.kdf } : {}),
      });
  return new Bot(resolved, dir);
}
