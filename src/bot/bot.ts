/** @module `createBot()` and the Bot: typed handlers and middleware over the session store, the Waku delivery and the node/conversation actors (D1, D2, F2, F5, U3). */
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AdminServer } from "../admin/server.ts";
import { InboundLimiter } from "../delivery/inbound-limit.ts";
import { type QuotaInfo, RateLimitManager } from "../delivery/rate-limit.ts";
import { Reassembler } from "../delivery/reassembler.ts";
import {
  SEGMENT_HEADER_BYTES,
  SEGMENT_VERSION,
  segmentCapacity,
  segmentPayload,
} from "../delivery/segment.ts";
import { CryptoError, InputError, NetworkError, WakubotError } from "../errors.ts";
import {
  PayloadRegistry,
  type PayloadType,
  receipt,
  reply as replyType,
  text as textType,
} from "../payloads/index.ts";
import { encodeFrame, type Frame, MAX_ENVELOPE_BYTES } from "../protocol/wire.ts";
import {
  type InviteOptions,
  type InviteRecord,
  REPAIR_TAG_WINDOW,
  type Received,
  SessionStore,
} from "../sessions/store.ts";
import { createDataDir, type DataDir, openDataDir, SECRETS_DB } from "../storage/data-dir.ts";
import type { Delivery } from "../waku/delivery.ts";
import { LightDelivery } from "../waku/light.ts";
import { type RoutedMessage, toWakuTimestamp, type WakuMessage } from "../waku/message.ts";
import { WakuNode } from "../waku/node.ts";
import { loadNodeKey } from "../waku/node-key.ts";
import { BUCKET_TOPICS } from "../waku/topics.ts";
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
import {
  type BotOptions,
  type ResolvedBotOptions,
  resolveBotOptions,
  WAKU_MESSAGE_OVERHEAD,
} from "./options.ts";
import { Outbox, type OutboxEvent, type OutgoingFrame } from "./outbox.ts";
import { OutboxStore, type Priority } from "./outbox-store.ts";

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
  /** The admin API's address, when it is served. */
  readonly admin?: string;
}

/** Events a bot reports; `bot.events.on(name, listener)`. */
export interface BotEvents {
  ready: ReadyInfo;
  message: { conversation: string; id: string; type: string; text: string | undefined };
  sent: { conversation: string; id: string };
  /** The recipient committed the message (F4). */
  delivered: { conversation: string; id: string };
  /** The recipient's app marked the message read. */
  read: { conversation: string; id: string };
  /** A message will not go: dropped by the rate limit, or expired unacknowledged (`code` says which). */
  failed: { conversation: string; id: string; code: string; message: string };
  /** The peer's messages with these seqs are missing (a later one arrived first, or the peer said it sent them). */
  gap: { conversation: string; missing: number[] };
  /** Previously missing seqs arrived. */
  recovered: { conversation: string; seqs: number[] };
  /**
   * The peer went over `inboundRateLimit` in this epoch: its further messages are left unread until the next epoch
   * (the peer resends them). Once per conversation and epoch.
   */
  throttled: { conversation: string; epoch: number; limit: number; epochSeconds: number };
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

/** One handler run: the inbound message and the replies it produced, not yet committed. */
interface HandlerWork {
  readonly messageId: string;
  readonly items: (OutgoingFrame & { handle: MessageHandle })[];
  done: boolean;
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
  /** Bodies up to the segmentation cap; `#checkSize` refuses what would not fit in one segmented message. */
  readonly payloads = new PayloadRegistry({ maxBodyBytes: MAX_ENVELOPE_BYTES });
  readonly #options: ResolvedBotOptions;
  readonly #dir: DataDir;
  readonly #store: SessionStore;
  readonly #ledger: Ledger;
  readonly #handlers = new Map<string, Handler<never>[]>();
  readonly #middleware: Middleware[] = [];
  #onError: ErrorHandler;
  #delivery: Delivery | undefined;
  #host: NodeHost | undefined;
  #rl: RateLimitManager | undefined;
  #outbox: Outbox | undefined;
  readonly #reassembler = new Reassembler();
  readonly #inboundLimit: InboundLimiter | undefined;
  /** The handler run (inbound message id and its pending replies) that the current async context belongs to. */
  readonly #work = new AsyncLocalStorage<HandlerWork>();
  readonly #chains = new Map<string, Promise<void>>();
  /**
   * Handles of outbound messages still being followed, held weakly: status changes reach whoever keeps a handle
   * (a message may be read long after it was delivered), and a dropped handle costs nothing.
   */
  readonly #handles = new Map<string, WeakRef<MessageHandle>>();
  readonly #forgetHandle = new FinalizationRegistry<string>((id) => {
    if (!this.#handles.get(id)?.deref()) this.#handles.delete(id);
  });
  #unsubscribe: (() => void) | undefined;
  #admin: AdminServer | undefined;
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
    this.#inboundLimit = options.inboundRateLimit && new InboundLimiter(options.inboundRateLimit, Date.now);
  }

  /** This bot's account id (`wb1…`). */
  get account(): string {
    return this.#dir.accountId;
  }

  /** What `start()` resolved with; undefined before. */
  get info(): ReadyInfo | undefined {
    return this.#ready;
  }

  /** True once `stop()` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The admin API (its `url`, and the hono `app` for in-process requests) while it is served (docs/admin.md). */
  get admin(): AdminServer | undefined {
    return this.#admin;
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
   * A new tracked invite link (listed by `invites()`, revocable); while the bot runs, its reachable addresses ride
   * along as hints (NET4). The `ready` event's invite is the bot's standing one, which is not tracked.
   *
   * @example
   * const link = bot.invite({ singleUse: true, expiresInSeconds: 3600 });
   */
  invite(options: InviteOptions = {}): string {
    const hints = options.hints ?? this.#hints();
    return this.#store.createInvite({ ...options, hints });
  }

  /**
   * Tracked invites (every `invite()` link), newest first, with use counts and status; links are not kept.
   *
   * @example
   * bot.invites().filter((i) => i.status === "active").length;
   */
  invites(): InviteRecord[] {
    return this.#store.invites();
  }

  /**
   * Revokes an invite: new conversations through it are refused from now on; started ones stay. Undefined if
   * there is no invite with this id.
   *
   * @example
   * bot.revokeInvite(bot.invites()[0].id);
   */
  revokeInvite(id: number): InviteRecord | undefined {
    return this.#store.revokeInvite(id);
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
    if (!this.#outbox) throw new NetworkError("unreachable", "the bot is not started");
    if (what.type.name === receipt.name) {
      // Receipts are the delivery layer's (acks, and read receipts through ctx.markRead()): a hand-made one would
      // be tracked like a message although the peer never records it.
      throw new InputError("invalid_argument", "receipts are sent by wakubot itself; use ctx.markRead()");
    }
    if (!this.payloads.get(what.type.name)) this.payloads.register(what.type);
    const frame = this.payloads.encode(what.type, what.value);
    this.#checkSize(frame);
    return this.#sendFrame(conversationId, frame, options?.priority ?? "normal");
  }

  /** SEG-F3: a payload that would not fit in the largest segmented message is refused before anything is sealed. */
  #checkSize(frame: Frame): void {
    // Envelope overhead: tag, header, GCM tag, protobuf framing and delivery fields, with room to spare.
    const limit = segmentCapacity(this.#segmentBytes()) - 256;
    const size = encodeFrame(frame).length;
    if (size > limit) {
      throw new InputError(
        "invalid_argument",
        `payload of ${size} bytes is larger than the ${limit} bytes one message may carry (SEG-F3, docs/segmentation.md)`,
      );
    }
  }

  #segmentBytes(): number {
    // Room for the WakuMessage fields around the payload (content topic, timestamp, protobuf framing).
    return this.#options.maxMessageBytes - WAKU_MESSAGE_OVERHEAD;
  }

  /**
   * Sends one frame: inside a handler it joins the handler's replies (committed with the handled mark when the
   * handler returns); elsewhere it is sealed and committed at once.
   */
  #sendFrame(conversationId: string, frame: Frame, priority: Priority): MessageHandle {
    const outbox = this.#outbox;
    if (!outbox) throw new NetworkError("unreachable", "the bot is not started");
    const work = this.#work.getStore();
    if (work && !work.done) {
      const handle = new MessageHandle(undefined, conversationId, () => this.#commitWork(work, false));
      // A reply to the peer whose message is being handled: that peer is likely to answer, and its ack with it.
      const reply = work.messageId.startsWith(`${conversationId}:`);
      work.items.push({ conversationId, frame, priority, reply, handle });
      return handle;
    }
    const [id] = outbox.send([{ conversationId, frame, priority }]);
    const handle = new MessageHandle(id, conversationId);
    this.#track(handle);
    return handle;
  }

  #track(handle: MessageHandle): void {
    this.#handles.set(handle.id, new WeakRef(handle));
    this.#forgetHandle.register(handle, handle.id);
    this.#route(handle.conversationId, { type: "SENT" });
  }

  /**
   * Commits a handler's replies; with `handled`, together with its message's handled mark (exactly once, docs/
   * delivery.md). Called early (without the mark) when the handler needs a reply's id or waits on it.
   */
  #commitWork(work: HandlerWork, handled: boolean): void {
    const items = work.items.splice(0);
    if (items.length === 0 && !handled) return;
    const outbox = this.#outbox;
    if (!outbox) throw new NetworkError("unreachable", "the bot stopped");
    const ids = outbox.send(items, handled ? work.messageId : undefined);
    items.forEach((item, i) => {
      item.handle.bind(ids[i] as string);
      this.#track(item.handle);
    });
  }

  #onOutbox(event: OutboxEvent): void {
    const json = this.#options.json;
    switch (event.type) {
      case "sent":
        this.#handles.get(event.id)?.deref()?.update("sent");
        this.events.emit("sent", { conversation: event.conversation, id: event.id });
        return;
      case "delivered":
      case "read": {
        this.#handles.get(event.id)?.deref()?.update(event.type);
        if (event.type === "read") this.#handles.delete(event.id);
        this.events.emit(event.type, { conversation: event.conversation, id: event.id });
        if (json)
          this.#options.output(
            JSON.stringify({ event: event.type, conversation: event.conversation, id: event.id }),
          );
        return;
      }
      case "failed": {
        this.#handles.get(event.id)?.deref()?.update("failed", event.error);
        this.#handles.delete(event.id);
        const { code } = event;
        const message = event.error instanceof Error ? event.error.message : String(event.error);
        this.events.emit("failed", { conversation: event.conversation, id: event.id, code, message });
        if (json)
          this.#options.output(
            JSON.stringify({ event: "failed", conversation: event.conversation, id: event.id, code }),
          );
        return;
      }
      case "gap": {
        const e = { conversation: event.conversation, missing: event.missing };
        this.events.emit("gap", e);
        if (json) this.#options.output(JSON.stringify({ event: "gap", ...e }));
        this.#repairFromStore(Date.now() - 120_000);
        return;
      }
      case "recovered": {
        const e = { conversation: event.conversation, seqs: event.seqs };
        this.events.emit("recovered", e);
        if (json) this.#options.output(JSON.stringify({ event: "recovered", ...e }));
        return;
      }
      case "retrying":
        this.#report(event.error, event.conversation);
        return;
      // The conversation's actor owns its state: it enters resync, persists it, and asks for Store re-reads.
      case "repair":
        this.#route(event.conversation, { type: "REPAIR", since: event.since });
        return;
      case "repaired":
        this.#route(event.conversation, { type: "REPAIRED" });
        return;
    }
  }

  #repairQuery: { from: number; timer: ReturnType<typeof setTimeout> } | undefined;

  /** Re-reads the Store from `fromMs` (debounced: one query covers every request of the next second). */
  #repairFromStore(fromMs: number): void {
    if (this.#stopped || !this.#delivery) return;
    if (this.#repairQuery) {
      this.#repairQuery.from = Math.min(this.#repairQuery.from, fromMs);
      return;
    }
    const timer = setTimeout(() => {
      const from = this.#repairQuery?.from ?? fromMs;
      this.#repairQuery = undefined;
      const delivery = this.#delivery;
      if (delivery && !this.#stopped) void this.#queryStore(delivery, from);
    }, 1000);
    timer.unref?.();
    this.#repairQuery = { from: fromMs, timer };
  }

  #route(conversationId: string, event: Parameters<NodeHost["route"]>[1]): void {
    const row = this.#ledger.conversation(conversationId);
    if (!row || row.state === "closed" || !this.#host) return;
    this.#host.route({ id: conversationId, state: row.state, resyncUntil: row.resyncUntil }, event);
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
        if (e.persist) this.#ledger.setConversationState(id, e.persist, e.resyncUntil);
        // A minute before the window: relays stamp messages with their sender's clock.
        if (e.resyncSince !== undefined) this.#repairFromStore(e.resyncSince - 60_000);
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
    const rl = new RateLimitManager({
      db: this.#dir.messages,
      ...o.rateLimit,
      // Stamped when handed over, not when queued: a message may wait up to an epoch and relays refuse
      // timestamps more than 20 s off.
      publish: (m) => delivery.publish({ ...m, timestamp: this.#timestamp() }),
    });
    this.#rl = rl;
    const outbox = new Outbox(
      new OutboxStore(this.#dir),
      {
        seal: (c, f) => this.#store.seal(c, f),
        publish: (m, priority, id) => this.#publish(m, priority, id),
        waiting: () => rl.waiting(),
        setTagWindow: (c, repairing) =>
          this.#store.setTagWindow(c, repairing ? REPAIR_TAG_WINDOW : undefined),
        emit: (e) => this.#onOutbox(e),
        now: Date.now,
        maxUnsegmentedBytes: this.#segmentBytes(),
      },
      o.reliability,
    );
    this.#outbox = outbox;
    rl.onStatus((change) => outbox.onStatus(change));
    outbox.start();
    if (o.admin) {
      // Before anything is dispatched: events are recorded (and owed to webhooks) before their message is acked.
      const { startAdmin } = await import("../admin/server.ts");
      this.#admin = await startAdmin(this, this.#dir, o.admin, (line) => process.stderr.write(`${line}\n`));
    }
    this.#unsubscribe = delivery.subscribe(BUCKET_TOPICS, (m) => this.#inbound(m));
    for (const row of this.#ledger.unhandled()) {
      const frame: Frame = {
        type: /^\d+$/.test(row.payloadType) ? Number(row.payloadType) : row.payloadType,
        typeVersion: row.payloadVersion,
        body: new Uint8Array(row.body),
      };
      this.#dispatch(row.conversationId, row.id, frame, row.receivedAt ?? row.createdAt, row.seq ?? 0);
    }
    await this.#awaitNetwork(delivery);
    await this.#catchUp(delivery);
    runningBots.add(this);
    const ready: ReadyInfo = {
      account: this.account,
      peerId: delivery instanceof WakuNode ? delivery.peerId : undefined,
      multiaddrs: delivery instanceof WakuNode ? delivery.multiaddrs : [],
      pubsubTopics: [delivery.pubsubTopic],
      invite: this.#store.standingInvite(this.#hints()),
      ...(this.#admin ? { admin: this.#admin.url } : {}),
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
    await this.#queryStore(delivery, since - 60_000);
    await this.#settled();
  }

  /** Feeds every bucket-topic message the Store holds from `fromMs` on through the inbound path. */
  async #queryStore(delivery: Delivery, fromMs: number): Promise<void> {
    const timeStart = toWakuTimestamp(fromMs);
    try {
      for await (const m of delivery.queryStore({
        pubsubTopic: delivery.pubsubTopic,
        contentTopics: BUCKET_TOPICS,
        timeStart,
      })) {
        this.#inbound(m);
      }
    } catch (error) {
      // Live traffic still flows; report that the query could not reach a store.
      this.#report(error);
    }
  }

  /** Hands a message to the rate-limit manager, segmented (all-or-nothing batch) when above the size limit. */
  #publish(message: WakuMessage, priority: Priority, id: string): void {
    const rl = this.#rl;
    if (!rl) return;
    const maxSegmentBytes = this.#segmentBytes();
    const settle = (p: Promise<unknown>) => p.catch((error) => this.#report(error));
    if (message.payload.length <= maxSegmentBytes) {
      settle(rl.push(message, priority, id));
      return;
    }
    const segments = segmentPayload(message.payload, {
      maxSegmentBytes,
      maxPayloadBytes: 0xffff_ffff,
    });
    settle(
      rl.pushBatch(
        segments.map((payload) => ({ ...message, payload })),
        priority,
        segments.map((_, i) => `${id}/s${i}`),
      ),
    );
  }

  /** Strictly increasing Waku timestamps keep this bot's messages in sending order in every Store. */
  #timestamp(): bigint {
    const now = toWakuTimestamp(Date.now());
    this.#lastTimestamp = now > this.#lastTimestamp ? now : this.#lastTimestamp + 1n;
    return this.#lastTimestamp;
  }

  /**
   * The rate-limit quota of the current epoch (RLM-U3): limit, used, remaining, queue lengths per priority.
   *
   * @example
   * const { remaining, queued } = bot.quota();
   */
  quota(): QuotaInfo {
    if (!this.#rl) throw new NetworkError("unreachable", "the bot is not started");
    return this.#rl.quota();
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
    let payload = m.message.payload;
    if (payload[0] === SEGMENT_VERSION && payload.length > SEGMENT_HEADER_BYTES) {
      try {
        const whole = this.#reassembler.add(payload);
        if (!whole) return;
        payload = whole;
      } catch {
        // Someone else's malformed segment: nothing of ours is lost by ignoring it.
        return;
      }
    }
    let received: Received;
    try {
      const limit = this.#inboundLimit;
      const admitted = limit
        ? this.#store.receive(payload, (conversation, frame) => this.#admit(limit, conversation, frame))
        : this.#store.receive(payload);
      if (!admitted) return; // over the inbound limit, left unread: the peer resends it
      received = admitted;
    } catch (error) {
      // Not ours, or already processed: the normal case for most messages on a shared topic.
      if (error instanceof CryptoError && (error.code === "unknown_tag" || error.code === "replay")) {
        // A copy of one we committed: our ack was lost, so ack again.
        if (error.conversation) this.#outbox?.duplicate(error.conversation);
        return;
      }
      if (error instanceof WakubotError && error.code === "malformed") return;
      this.#report(error, error instanceof CryptoError ? error.conversation : undefined);
      // A tampered or corrupted copy under one of our tags: the genuine one may be in the Store.
      if (error instanceof CryptoError && error.conversation) {
        // Filter pushes and Store copies are not held to the relay's ±20 s: a forged old timestamp must not make
        // the bot re-read more than its catch-up window.
        const stamped = Number(m.message.timestamp / 1_000_000n);
        const since = Math.max(stamped, Date.now() - this.#options.catchUpMs);
        this.#route(error.conversation, { type: "DECRYPT_FAILED", code: error.code, since });
      }
      return;
    }
    this.#advanceCheckpoint(Number(m.message.timestamp / 1_000_000n));
    const { conversationId, frame } = received;
    if (received.duplicate) {
      this.#outbox?.duplicate(conversationId);
      return;
    }
    this.#route(conversationId, { type: "DECRYPTED" });
    // F4: the commit is done, so the acks this frame makes us owe confirm committed messages only.
    this.#outbox?.inbound(conversationId, frame);
    if (frame.type === receipt.wire && frame.body.length === 0) return;
    this.#dispatch(conversationId, received.messageId, frame, Date.now(), frame.seq ?? 0);
  }

  /**
   * The inbound rate limit, counted on messages that opened (a tampered copy under the peer's tag does not use up
   * the peer's budget). Ack-only frames pass uncounted: they are never resent, and losing one costs resends.
   */
  #admit(limit: InboundLimiter, conversation: string, frame: Frame): boolean {
    if (frame.type === receipt.wire && frame.body.length === 0) return true;
    const verdict = limit.admit(conversation);
    if (verdict.admitted) return true;
    if (verdict.first) {
      const e = { conversation, epoch: verdict.epoch, ...limit.rule };
      this.events.emit("throttled", e);
      if (this.#options.json) this.#options.output(JSON.stringify({ event: "throttled", ...e }));
    }
    return false;
  }

  #dispatch(conversationId: string, messageId: string, frame: Frame, receivedAt: number, seq: number): void {
    const decoded = this.payloads.decode(frame);
    const wireId = messageId.slice(messageId.indexOf(":") + 1);
    const isReceipt = decoded.kind === "ok" && decoded.type.name === receipt.name;
    if (isReceipt) {
      const r = decoded.value as { messages: string[]; read: boolean };
      // Read receipts; a delivery receipt naming messages (a peer from before seqs and acks) counts as their ack.
      this.#outbox?.receipt(conversationId, r.messages, r.read);
    }
    const conversation = this.conversation(conversationId);
    const base = {
      message: { id: messageId, wireId, receivedAt, seq },
      conversation,
      sender: conversation.peer,
      reply: conversation.send as Context["reply"],
      markRead: () => {
        this.#sendFrame(
          conversationId,
          this.payloads.encode(receipt, { messages: [wireId], read: true }),
          "optional",
        );
      },
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
    const work: HandlerWork = { messageId, items: [], done: false };
    const next = previous
      .then(() => this.#work.run(work, () => this.#run(ctx, handlers)))
      .then(() => {
        work.done = true;
        // Receipts have no row to mark; everything else: replies and the handled mark in one commit.
        this.#commitWork(work, !isReceipt);
      })
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
    // Without a peer an owed ack would wait for one (up to the node's publish wait) and hold up the stop.
    this.#outbox?.close((this.#delivery?.status().publishPeers ?? 0) > 0);
    await this.#admin?.close();
    if (this.#repairQuery) clearTimeout(this.#repairQuery.timer);
    await this.#rl?.close();
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
