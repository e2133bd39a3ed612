/** @module Starts the admin API next to a running bot: the token (given, stored hash, or generated and shown once), the event log, the webhook sender, and Bun's HTTP server. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Bot } from "../bot/bot.ts";
import type { ResolvedAdminOptions } from "../bot/options.ts";
import type { DataDir } from "../storage/data-dir.ts";
import { createAdminApp } from "./app.ts";
import { EVENT_TYPES, EventLog } from "./events.ts";
import { AdminMetrics } from "./metrics.ts";
import { AdminStore } from "./store.ts";
import { generateToken, hashToken } from "./token.ts";
import { WebhookSender } from "./webhooks.ts";

/** A running admin API. */
export interface AdminServer {
  /** `http://HOST:PORT` it answers on. */
  readonly url: string;
  /** The hono app behind it: `app.request(path, init)` answers without a socket (tests). */
  readonly app: OpenAPIHono;
  /** Stops serving; recorded events and pending webhook deliveries stay for the next start. */
  close(): Promise<void>;
}

/**
 * Records the bot's events from now on (call before the bot dispatches anything) and serves the API.
 * `say` receives the one-time token notice when a token had to be generated.
 *
 * @example
 * const admin = await startAdmin(bot, dir, { hostname: "127.0.0.1", port: 0, token: undefined }, console.error);
 */
export async function startAdmin(
  bot: Bot,
  dir: DataDir,
  options: ResolvedAdminOptions,
  say: (line: string) => void,
): Promise<AdminServer> {
  const store = new AdminStore(dir);
  const tokenHash = resolveTokenHash(store, options.token, say);
  const metrics = new AdminMetrics();
  const log = new EventLog(store, bot, Date.now);
  for (const type of EVENT_TYPES) {
    bot.events.on(type, (e) => metrics.event(type, "code" in e ? String(e.code) : undefined));
  }
  const sender = new WebhookSender(store, { onAttempt: (o) => metrics.webhook(o) });
  log.onRecorded = () => sender.kick();
  sender.kick();
  const app = createAdminApp({ bot, store, log, metrics, tokenHash });
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    fetch: app.fetch,
    // Event streams stay open; they send a keep-alive comment every 15 s, well inside this.
    idleTimeout: 60,
  });
  const host = server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname;
  return {
    url: `http://${host}:${server.port}`,
    app,
    async close() {
      log.close();
      await server.stop(true);
      await sender.close();
    },
  };
}

function resolveTokenHash(
  store: AdminStore,
  token: string | undefined,
  say: (line: string) => void,
): Uint8Array {
  if (token !== undefined) return hashToken(token);
  const stored = store.tokenHash();
  if (stored) return stored;
  const fresh = generateToken();
  store.setTokenHash(hashToken(fresh), Date.now());
  // The only time this token exists outside the operator's hands: it is not kept, only its hash.
  say(`wakubot: admin API token (shown once, keep it now): ${fresh}`);
  return hashToken(fresh);
}
