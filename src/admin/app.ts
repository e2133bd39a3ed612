/** @module The admin HTTP API as a hono app (D4): bearer auth, request size and rate limits, JSON errors with codes, and the /v1 routes over a running bot; `startAdmin` serves it. */
import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { streamSSE } from "hono/streaming";
import type { Bot } from "../bot/bot.ts";
import { defaultProvider } from "../crypto/providers.ts";
import { WakubotError } from "../errors.ts";
import { reply as replyType } from "../payloads/index.ts";
import { parseInviteLink } from "../protocol/invite.ts";
import type { InviteRecord } from "../sessions/store.ts";
import type * as m from "../storage/schema/messages.ts";
import type { EventLog } from "./events.ts";
import { type AdminMetrics, METRICS_CONTENT_TYPE } from "./metrics.ts";
import * as S from "./schemas.ts";
import type { AdminStore, LoggedEvent } from "./store.ts";
import { authorized } from "./token.ts";

/** Everything the routes work on. */
export interface AdminDeps {
  readonly bot: Bot;
  readonly store: AdminStore;
  readonly log: EventLog;
  readonly metrics: AdminMetrics;
  readonly tokenHash: Uint8Array;
  readonly now?: () => number;
  /** Requests per second allowed on average (default 50), and the burst (default 200). */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
  /** Largest request body in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Seconds between SSE keep-alive comments (default 15). */
  readonly heartbeatSeconds?: number;
}

/** An error answer: HTTP status plus the JSON `{ error: { code, message } }`. */
export class AdminHttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 429 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AdminHttpError";
  }
}

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const errors = {
  400: json(S.ErrorBody, "Invalid input"),
  401: json(S.ErrorBody, "Missing or wrong token"),
  429: json(S.ErrorBody, "Too many requests"),
};
const secured = [{ bearer: [] }];

/**
 * The admin app. Serve it with `startAdmin`, or call `app.request()` in tests.
 *
 * @example
 * const app = createAdminApp({ bot, store, log, metrics, tokenHash });
 * const res = await app.request("/v1/quota", { headers: { authorization: `Bearer ${token}` } });
 */
export function createAdminApp(deps: AdminDeps): OpenAPIHono {
  const { bot, store, log, metrics } = deps;
  const now = deps.now ?? Date.now;
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) throw invalid(result.error, result.target);
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

  /** Idempotency keys whose first request is still running: a concurrent retry waits for its answer. */
  const inflight = new Map<string, Promise<unknown>>();
  const perSecond = deps.rateLimit?.perSecond ?? 50;
  const burst = deps.rateLimit?.burst ?? 200;
  const bucket = new TokenBucket(perSecond, burst, now);
  const openBucket = new TokenBucket(perSecond, burst, now);
  const rejectedBucket = new TokenBucket(Math.max(1, perSecond / 5), Math.max(1, burst / 5), now);
  app.use("*", async (c, next) => {
    await next();
    metrics.request(c.req.method, c.req.routePath, c.res.status);
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? 1024 * 1024,
      onError: () => {
        throw new AdminHttpError(413, "payload_too_large", "request body too large");
      },
    }),
  );
  const open = new Set(["/healthz", "/openapi.json"]);
  app.use("*", async (c, next) => {
    const isOpen = open.has(c.req.path);
    const ok = isOpen || authorized(c.req.header("authorization"), deps.tokenHash);
    // Separate buckets, so neither strangers hammering /healthz nor wrong tokens use up the token holder's rate.
    const wait = (ok ? (isOpen ? openBucket : bucket) : rejectedBucket).take();
    if (wait > 0) {
      c.header("retry-after", String(Math.ceil(wait / 1000)));
      throw new AdminHttpError(429, "rate_limited", "too many requests");
    }
    if (!ok) {
      c.header("www-authenticate", 'Bearer realm="wakubot"');
      throw new AdminHttpError(401, "unauthorized", "missing or wrong bearer token");
    }
    await next();
  });
  app.use("*", async (c, next) => {
    // Without this a JSON body sent as text/plain or form data would skip validation altogether.
    if (c.req.method === "POST" && !/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "")) {
      if ((await c.req.text()).trim() !== "") {
        throw new AdminHttpError(
          400,
          "invalid_argument",
          "send the body as JSON with content-type: application/json",
        );
      }
    }
    await next();
  });
  app.onError((error, c) => {
    const { status, code, message } = toHttp(error);
    return c.json({ error: { code, message } }, status);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route ${c.req.path}` } }, 404));

  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      summary: "Liveness (no token needed)",
      responses: { 200: json(S.Health, "Running"), 503: json(S.Health, "Stopping") },
    }),
    (c) => {
      const stopping = bot.stopped;
      const body = {
        status: stopping ? "stopping" : "ok",
        liveConversations: bot.liveConversations(),
      } as const;
      return stopping ? c.json(body, 503) : c.json(body, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/account",
      summary: "The bot's account, addresses and standing invite",
      security: secured,
      responses: { 200: json(S.Account, "The account"), ...errors },
    }),
    (c) => {
      const info = bot.info;
      if (!info) throw new AdminHttpError(503, "unavailable", "the bot is not started");
      return c.json(
        {
          account: info.account,
          peerId: info.peerId ?? null,
          multiaddrs: [...info.multiaddrs],
          pubsubTopics: [...info.pubsubTopics],
          invite: info.invite,
        },
        200,
      );
    },
  );

  // Registered by hand: the body is optional, which the generated JSON validator does not allow.
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "post",
      path: "/v1/invites",
      summary: "Create a tracked invite",
      security: secured,
      request: { body: { ...json(S.InviteRequest, "Invite options"), required: false } },
      responses: { 201: json(S.CreatedInvite, "The invite link and its record"), ...errors },
    }),
  );
  app.post("/v1/invites", async (c) => {
    const o = await optionalJson(c, S.InviteRequest);
    const link = bot.invite({
      singleUse: o.singleUse ?? false,
      ...(o.expiresInSeconds !== undefined ? { expiresInSeconds: o.expiresInSeconds } : {}),
      ...(o.label !== undefined ? { label: o.label } : {}),
      ...(o.name !== undefined ? { name: o.name } : {}),
    });
    const record = recordOf(bot, link);
    return c.json({ ...inviteJson(record), invite: link }, 201);
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/invites",
      summary: "List tracked invites, newest first",
      security: secured,
      responses: { 200: json(S.InviteList, "Invites (links are not kept)"), ...errors },
    }),
    (c) => c.json({ invites: bot.invites().map(inviteJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/invites/{id}",
      summary: "One invite",
      security: secured,
      request: { params: S.IdParam },
      responses: { 200: json(S.Invite, "The invite"), 404: json(S.ErrorBody, "No such invite"), ...errors },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const record = bot.invites().find((i) => i.id === id);
      if (!record) throw new AdminHttpError(404, "not_found", `no invite ${id}`);
      return c.json(inviteJson(record), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/invites/{id}",
      summary: "Revoke an invite (conversations already started stay)",
      security: secured,
      request: { params: S.IdParam },
      responses: {
        200: json(S.Invite, "The revoked invite"),
        404: json(S.ErrorBody, "No such invite"),
        ...errors,
      },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const record = bot.revokeInvite(id);
      if (!record) throw new AdminHttpError(404, "not_found", `no invite ${id}`);
      return c.json(inviteJson(record), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/quota",
      summary: "Rate-limit quota and queue lengths (RLM-U3)",
      security: secured,
      responses: {
        200: json(S.Quota, "The current epoch"),
        503: json(S.ErrorBody, "Not started"),
        ...errors,
      },
    }),
    (c) => c.json(bot.quota(), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/conversations",
      summary: "Conversations, most recently active first",
      security: secured,
      request: { query: S.Page },
      responses: { 200: json(S.ConversationList, "A page"), ...errors },
    }),
    (c) => {
      const { limit, offset } = c.req.valid("query");
      return c.json({ conversations: store.conversations(limit, offset).map(conversationJson) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/conversations",
      summary: "Start a conversation from someone's invite (honours Idempotency-Key)",
      security: secured,
      request: { body: { ...json(S.ConnectRequest, "The invite link"), required: true } },
      responses: {
        201: json(S.Conversation, "The new conversation"),
        409: json(S.ErrorBody, "Key reused"),
        ...errors,
      },
    }),
    (c) =>
      idempotent(c, store, now, inflight, async () => {
        const { invite } = c.req.valid("json");
        const conversation = await bot.connect(invite);
        return { status: 201, body: conversationJson(mustConversation(store, conversation.id)) };
      }),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/conversations/{id}",
      summary: "One conversation",
      security: secured,
      request: { params: S.ConversationParam },
      responses: { 200: json(S.Conversation, "The conversation"), 404: json(S.ErrorBody, "None"), ...errors },
    }),
    (c) => c.json(conversationJson(mustConversation(store, c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/conversations/{id}/messages",
      summary: "A conversation's messages with their status, newest first",
      security: secured,
      request: { params: S.ConversationParam, query: S.MessagePage },
      responses: { 200: json(S.MessageList, "A page"), 404: json(S.ErrorBody, "None"), ...errors },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const { limit, before } = c.req.valid("query");
      mustConversation(store, id);
      return c.json({ messages: store.messages(id, limit, before).map((r) => messageJson(bot, r)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/conversations/{id}/messages",
      summary: "Send a text (queued through the rate limit at the given priority; honours Idempotency-Key)",
      security: secured,
      request: {
        params: S.ConversationParam,
        body: { ...json(S.SendRequest, "What to send"), required: true },
      },
      responses: {
        202: json(S.SentMessage, "Queued; follow it with GET /v1/messages/{id} or the event stream"),
        404: json(S.ErrorBody, "No such conversation"),
        409: json(S.ErrorBody, "Idempotency key reused with another request"),
        413: json(S.ErrorBody, "Too large"),
        ...errors,
      },
    }),
    (c) =>
      idempotent(c, store, now, inflight, async () => {
        const { id } = c.req.valid("param");
        const { text, priority, replyTo } = c.req.valid("json");
        mustConversation(store, id);
        if (replyTo && !replyTo.startsWith(`${id}:`)) {
          throw new AdminHttpError(400, "invalid_argument", "replyTo: not a message of this conversation");
        }
        const conversation = bot.conversation(id);
        const options = { priority: priority ?? "normal" };
        const handle = replyTo
          ? await conversation.send(replyType, { to: replyTo.slice(replyTo.indexOf(":") + 1), text }, options)
          : await conversation.send(text, options);
        return { status: 202, body: { id: handle.id, conversation: id, status: handle.status } };
      }),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/messages/{id}",
      summary: "One message and its status",
      security: secured,
      request: { params: S.MessageParam },
      responses: { 200: json(S.Message, "The message"), 404: json(S.ErrorBody, "None"), ...errors },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const row = store.message(id);
      if (!row) throw new AdminHttpError(404, "not_found", `no message ${id}`);
      return c.json(messageJson(bot, row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/events",
      summary: "Recorded events after an id, oldest first (the stream's backlog as JSON)",
      security: secured,
      request: { query: S.EventQuery },
      responses: { 200: json(S.EventList, "Events"), ...errors },
    }),
    (c) => {
      const { after, limit, types } = c.req.valid("query");
      const wanted = eventFilter(types);
      return c.json({ events: store.eventsAfter(after, limit).filter(wanted).map(eventJson) }, 200);
    },
  );

  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/v1/events/stream",
      summary: "Server-sent events; resumes after Last-Event-ID (or ?after=)",
      security: secured,
      request: { query: S.EventQuery.omit({ limit: true }) },
      responses: {
        200: {
          content: { "text/event-stream": { schema: S.Event } },
          description: "`id`, `event` and JSON `data`",
        },
        ...errors,
      },
    }),
  );
  app.get("/v1/events/stream", (c) => {
    const query = parseQuery(S.EventQuery.omit({ limit: true }), c.req.query());
    const header = c.req.header("last-event-id");
    const resumeAt = header && /^\d{1,15}$/.test(header) ? Number(header) : query.after;
    const wanted = eventFilter(query.types);
    return streamSSE(c, async (stream) => {
      let last = resumeAt;
      const pending: LoggedEvent[] = [];
      let wake: (() => void) | undefined;
      const stop = log.listen((e) => {
        pending.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        stop();
        wake?.();
      });
      const write = async (e: LoggedEvent) => {
        if (e.id <= last) return;
        last = e.id;
        if (!wanted(e)) return;
        await stream.writeSSE({ id: String(e.id), event: e.type, data: JSON.stringify(eventJson(e)) });
      };
      // Backlog from the log, then whatever arrived live meanwhile (ids below `last` are skipped).
      for (;;) {
        const page = store.eventsAfter(last, 500);
        for (const e of page) await write(e);
        if (page.length < 500) break;
      }
      const heartbeat = (deps.heartbeatSeconds ?? 15) * 1000;
      while (!stream.aborted && !stream.closed) {
        while (pending.length > 0) await write(pending.shift() as LoggedEvent);
        const woke = new Promise<void>((resolve) => {
          wake = resolve;
        });
        if (pending.length > 0 || stream.aborted) wake?.();
        const timer = setTimeout(() => wake?.(), heartbeat);
        await woke;
        clearTimeout(timer);
        wake = undefined;
        if (pending.length === 0 && !stream.aborted) await stream.write(": keep-alive\n\n");
      }
      stop();
    });
  });

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks",
      summary: "Add an outgoing webhook; its signing secret is shown only in this answer",
      security: secured,
      request: { body: { ...json(S.WebhookRequest, "Where and what"), required: true } },
      responses: { 201: json(S.CreatedWebhook, "The webhook and its secret"), ...errors },
    }),
    (c) => {
      const { url, events } = c.req.valid("json");
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const record = store.addWebhook(url, events ?? [], secret, now());
      return c.json({ ...webhookJson(record), secret: bytesToHex(secret) }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks",
      summary: "List outgoing webhooks (without secrets)",
      security: secured,
      responses: { 200: json(S.WebhookList, "Webhooks"), ...errors },
    }),
    (c) => c.json({ webhooks: store.webhooks().map(webhookJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/webhooks/{id}",
      summary: "Delete a webhook (what it was still owed is dropped)",
      security: secured,
      request: { params: S.IdParam },
      responses: { 204: { description: "Deleted" }, 404: json(S.ErrorBody, "None"), ...errors },
    }),
    (c) => {
      if (!store.deleteWebhook(c.req.valid("param").id, now())) {
        throw new AdminHttpError(404, "not_found", "no such webhook");
      }
      return c.body(null, 204);
    },
  );

  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      security: secured,
      responses: {
        200: { content: { [METRICS_CONTENT_TYPE]: { schema: { type: "string" } } }, description: "Text" },
      },
    }),
  );
  app.get("/metrics", (c) =>
    c.body(
      metrics.render({
        quota: bot.stopped ? undefined : safeQuota(bot),
        liveConversations: bot.liveConversations(),
        sseClients: log.listeners,
        webhookPending: store.pendingDeliveries(),
      }),
      200,
      { "content-type": METRICS_CONTENT_TYPE },
    ),
  );

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "wakubot admin API",
      version: "1.0.0",
      description:
        "Invites, quota, conversations, messages, events and webhooks of a running wakubot (docs/admin.md).",
    },
  });
  return app;
}

/** A leaky bucket over the whole API: the admin API has one user, so one bucket. Returns ms to wait, 0 if allowed. */
class TokenBucket {
  #tokens: number;
  #at: number;
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    readonly now: () => number,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }
  take(): number {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#at) * this.perSecond) / 1000);
    this.#at = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return ((1 - this.#tokens) * 1000) / this.perSecond;
  }
}

function toHttp(error: unknown): {
  status: 400 | 401 | 404 | 409 | 413 | 429 | 500 | 503;
  code: string;
  message: string;
} {
  if (error instanceof AdminHttpError)
    return { status: error.status, code: error.code, message: error.message };
  if (error instanceof WakubotError) {
    const status =
      error.code === "unreachable" || error.code === "timeout" || error.code === "data_dir_locked"
        ? 503
        : error.code === "too_large"
          ? 413
          : error.name === "InputError" || error.name === "ProtocolError" || error.name === "CryptoError"
            ? 400
            : 500;
    return { status, code: error.code, message: status === 500 ? "internal error" : error.message };
  }
  if (error instanceof HTTPException && error.status === 400) {
    return { status: 400, code: "invalid_argument", message: error.message };
  }
  // Anything else is a bug; its message could carry internals, so the answer says only that.
  return { status: 500, code: "internal", message: "internal error" };
}

/** The 400 answer for failed validation: the first problem, named by its field (or `where` for the whole input). */
function invalid(error: z.ZodError, where: string): AdminHttpError {
  const issue = error.issues[0];
  return new AdminHttpError(
    400,
    "invalid_argument",
    `${issue?.path.join(".") || where}: ${issue?.message ?? "invalid"}`,
  );
}

function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.infer<T> {
  const result = schema.safeParse(query);
  if (!result.success) throw invalid(result.error, "query");
  return result.data;
}

async function optionalJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const text = await c.req.text();
  if (text.trim() === "") return schema.parse({});
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AdminHttpError(400, "invalid_argument", "body is not JSON");
  }
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error, "body");
  return result.data;
}

/**
 * Runs a creating request once per `Idempotency-Key`: a retry with the same key and body gets the first answer
 * (header `idempotent-replayed: true`); the same key with another request is 409.
 */
async function idempotent(
  c: Context,
  store: AdminStore,
  now: () => number,
  inflight: Map<string, Promise<unknown>>,
  work: () => Promise<{ status: 201 | 202; body: unknown }>,
  // biome-ignore lint/suspicious/noExplicitAny: the route's typed answer is the JSON produced here.
): Promise<any> {
  const key = c.req.header("idempotency-key");
  if (key === undefined) {
    const { status, body } = await work();
    return c.json(body, status);
  }
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new AdminHttpError(
      400,
      "invalid_argument",
      "Idempotency-Key must be 1–200 visible ASCII characters",
    );
  }
  const fingerprint = `${c.req.method} ${c.req.path} ${bytesToHex(sha256(new Uint8Array(await c.req.arrayBuffer())))}`;
  for (let first = inflight.get(key); first; first = inflight.get(key)) await first.catch(() => {});
  const seen = store.answered(key);
  if (seen) {
    if (seen.fingerprint !== fingerprint) {
      throw new AdminHttpError(409, "idempotency_conflict", "Idempotency-Key was used for another request");
    }
    c.header("idempotent-replayed", "true");
    return c.body(seen.body, seen.status as 201, { "content-type": "application/json" });
  }
  const running = work();
  inflight.set(key, running);
  try {
    const { status, body } = await running;
    const text = JSON.stringify(body);
    const t = now();
    store.answer(key, fingerprint, status, text, t, t - IDEMPOTENCY_TTL_MS);
    return c.body(text, status, { "content-type": "application/json" });
  } finally {
    inflight.delete(key);
  }
}

function recordOf(bot: Bot, link: string): InviteRecord {
  const id = parseInviteLink(defaultProvider(), link, 0).oneTimePrekey?.id;
  const record = bot.invites().find((i) => i.id === id);
  if (!record) throw new Error("a created invite is not tracked");
  return record;
}

function inviteJson(r: InviteRecord): z.infer<typeof S.Invite> {
  return {
    id: r.id,
    label: r.label ?? null,
    singleUse: r.singleUse,
    status: r.status,
    uses: r.uses,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt ?? null,
    revokedAt: r.revokedAt ?? null,
  };
}

function mustConversation(store: AdminStore, id: string): typeof m.conversations.$inferSelect {
  const row = store.conversation(id);
  if (!row) throw new AdminHttpError(404, "not_found", `no conversation ${id}`);
  return row;
}

function conversationJson(r: typeof m.conversations.$inferSelect): z.infer<typeof S.Conversation> {
  return {
    id: r.id,
    peer: r.peerAccountId,
    label: r.label,
    state: r.state,
    createdAt: r.createdAt,
    lastMessageAt: r.lastMessageAt,
  };
}

function messageJson(bot: Bot, r: typeof m.messages.$inferSelect): z.infer<typeof S.Message> {
  const frame = {
    type: /^\d+$/.test(r.payloadType) ? Number(r.payloadType) : r.payloadType,
    typeVersion: r.payloadVersion,
    body: new Uint8Array(r.body),
  };
  const decoded = bot.payloads.decode(frame);
  const type = decoded.kind === "ok" ? decoded.type.name : decoded.typeName;
  const value = decoded.kind === "ok" ? decoded.value : undefined;
  const text =
    type === "text" ? (value as string) : type === "reply" ? (value as { text: string }).text : null;
  return {
    id: r.id,
    conversation: r.conversationId,
    direction: r.direction,
    type,
    text,
    status: r.status,
    error: r.error,
    seq: r.seq,
    priority: r.priority,
    createdAt: r.createdAt,
    sentAt: r.sentAt,
    deliveredAt: r.deliveredAt,
    readAt: r.readAt,
    receivedAt: r.receivedAt,
  };
}

function eventFilter(types: string | undefined): (e: LoggedEvent) => boolean {
  if (!types) return () => true;
  const set = new Set(types.split(","));
  for (const t of set) {
    if (!S.EventType.safeParse(t).success)
      throw new AdminHttpError(400, "invalid_argument", `no event type ${t}`);
  }
  return (e) => set.has(e.type);
}

function eventJson(e: LoggedEvent): z.infer<typeof S.Event> {
  return { id: e.id, type: e.type as z.infer<typeof S.EventType>, createdAt: e.createdAt, data: e.data };
}

function webhookJson(w: { id: number; url: string; events: readonly string[]; createdAt: number }) {
  return { id: w.id, url: w.url, events: w.events as z.infer<typeof S.EventType>[], createdAt: w.createdAt };
}

function safeQuota(bot: Bot) {
  try {
    return bot.quota();
  } catch {
    return undefined;
  }
}
