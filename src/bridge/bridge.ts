/** @module `startWebhookBridge(bot, options)`: a webhook-to-chat bridge on a bot (D5) — chat commands for subscriptions, the HTTP endpoint, bridge.db, and forwarding through the bot's rate-limit queue. */
import type { Hono } from "hono";
import type { Bot } from "../bot/bot.ts";
import { InputError, WakubotError } from "../errors.ts";
import { createBridgeApp } from "./app.ts";
import { answer } from "./commands.ts";
import { Forwarder } from "./forwarder.ts";
import {
  checkSecret,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETENTION_MS,
  parseListen,
  parsePriority,
  type WebhookBridgeOptions,
} from "./options.ts";
import { BridgeStore } from "./store.ts";

/** A running bridge. */
export interface WebhookBridge {
  /** `http://HOST:PORT` it answers on; undefined when started without `listen`. */
  readonly url: string | undefined;
  /** The hono app: `app.request(path, init)` answers without a socket (tests). */
  readonly app: Hono;
  /** bridge.db: subscriptions, accepted webhooks, forwards (open until `close()`). */
  readonly store: BridgeStore;
  /** Resolves once everything accepted so far is handed to the bot (or a failure left it for a retry). */
  drain(): Promise<void>;
  /** Stops serving and forwarding and closes bridge.db (idempotent); the bot keeps running. */
  close(): Promise<void>;
}

const PRUNE_EVERY_MS = 3600_000;
const encoder = new TextEncoder();

/**
 * Adds a webhook-to-chat bridge to a bot that is not started yet: registers the chat commands (`/subscribe
 * <source>`, `/unsubscribe <source>`, `/subscriptions`, `/help`; any other text gets the help), opens bridge.db,
 * and serves `POST /hooks/<source>` when `listen` is given. Webhooks are forwarded once the bot is ready.
 * `bot.stop()` closes the bridge too: forwarding stops first, then the bot, then HTTP and the database.
 *
 * @example
 * const bot = await createBot();
 * const bridge = await startWebhookBridge(bot, { database: "./wakubot-data/bridge.db", secret, listen: "8787" });
 * await bot.start();
 * console.log(bridge.url); // "http://127.0.0.1:8787"
 */
export async function startWebhookBridge(bot: Bot, options: WebhookBridgeOptions): Promise<WebhookBridge> {
  if (bot.info || bot.stopped) {
    throw new InputError(
      "invalid_argument",
      "start the webhook bridge before bot.start(), so no chat command arrives before its handler",
    );
  }
  checkSecret(options.secret);
  const priority = parsePriority(options.priority ?? "normal", "priority");
  const listen = options.listen === undefined ? undefined : parseListen(options.listen);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new InputError("invalid_argument", "maxBodyBytes must be a positive integer");
  }
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? reportToStderr;
  const allow = options.allow ? new Set(options.allow) : undefined;

  const store = BridgeStore.open(options.database);
  store.prune(now() - retentionMs);
  let prunedAt = now();

  const forwarder = new Forwarder({
    store,
    now,
    onError,
    ready: () => bot.info !== undefined && !bot.stopped && options.forward !== false,
    send: async (conversationId, text, p) => {
      let conversation: ReturnType<Bot["conversation"]>;
      try {
        conversation = bot.conversation(conversationId);
      } catch (error) {
        if (error instanceof InputError) return "gone";
        throw error;
      }
      const handle = await conversation.send(text, { priority: p });
      return handle.id;
    },
  });
  bot.events.on("ready", () => forwarder.kick());

  bot.on("text", (ctx) => {
    if (allow && !allow.has(ctx.sender.account)) {
      return ctx.reply("This bridge does not take commands from your account.");
    }
    if (store.closed) return ctx.reply("The bridge is stopped; try again later.");
    return ctx.reply(answer(store, ctx.conversation.id, ctx.text, now()));
  });

  let closing = false;
  const app = createBridgeApp({
    secret: encoder.encode(options.secret),
    priority,
    maxBodyBytes,
    open: () => !closing && !store.closed,
    accept: (webhook) => {
      const t = now();
      if (t - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = t;
        store.prune(t - retentionMs);
      }
      return store.accept(webhook, t);
    },
    onAccepted: (accepted) => {
      if (accepted.forwards > 0) forwarder.kick();
    },
  });

  let server: ReturnType<typeof Bun.serve> | undefined;
  try {
    server = listen
      ? Bun.serve({ hostname: listen.hostname, port: listen.port, fetch: app.fetch })
      : undefined;
  } catch (error) {
    store.close();
    throw new InputError(
      "invalid_argument",
      `cannot listen on ${options.listen}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const host = server?.hostname?.includes(":") ? `[${server.hostname}]` : server?.hostname;
  const url = server ? `http://${host}:${server.port}` : undefined;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing = true;
    closed ??= (async () => {
      await forwarder.close();
      await server?.stop(true);
      store.close();
    })();
    return closed;
  };

  // Forwarding stops before the bot does (a send in flight finishes or stays owed); chat commands the bot still
  // handles while stopping find the store open; HTTP and bridge.db close after the bot.
  const stopBot = bot.stop.bind(bot);
  bot.stop = async () => {
    await forwarder.close();
    try {
      await stopBot();
    } finally {
      await close();
    }
  };

  return { url, app, store, drain: () => forwarder.drain(), close };
}

function reportToStderr(error: unknown): void {
  const code = error instanceof WakubotError ? error.code : "internal";
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`wakubot: webhook bridge: ${message} [${code}]\n`);
}
