/** @module What the webhook bridge is configured with, checked up front: options, the `WEBHOOK_BRIDGE_*` environment, and the formats of sources, priorities, delivery ids and listen addresses. */
import type { Priority } from "../bot/outbox-store.ts";
import { parseHttpListen } from "../config.ts";
import { InputError } from "../errors.ts";
import { BRIDGE_PRIORITIES } from "./schema.ts";

/** A source name: 1–64 of a-z, 0-9, `_` and `-`. It is the last part of `POST /hooks/<source>`. */
export const SOURCE_PATTERN = /^[a-z0-9_-]{1,64}$/;

/** A delivery id (`X-Webhook-Id` or `X-GitHub-Delivery`): 1–200 visible ASCII characters. */
export const DELIVERY_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** Shortest secret accepted, in characters. */
export const MIN_SECRET_CHARS = 16;

/** Largest webhook body accepted: 256 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** Forwarded webhooks are kept (and their delivery ids deduplicated) this long: 7 days. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;

/** Where the bridge listens unless told: `127.0.0.1:8787`. */
export const DEFAULT_BRIDGE_LISTEN = "127.0.0.1:8787";

/** Options of `startWebhookBridge`. */
export interface WebhookBridgeOptions {
  /** Path of bridge.db (created if missing), usually `<data dir>/bridge.db`. */
  readonly database: string;
  /** The shared secret senders sign bodies with (`X-Hub-Signature-256`); at least 16 characters. */
  readonly secret: string;
  /** `HOST:PORT` or `PORT` (host 127.0.0.1; port 0 picks a free one). Without it nothing listens: use `app.request()`. */
  readonly listen?: string;
  /** Priority of forwarded messages unless a request says `?priority=`; default `normal`. */
  readonly priority?: Priority;
  /** Account ids allowed to use the chat commands; default: anyone who has a conversation with the bot. */
  readonly allow?: readonly string[];
  /** Forward accepted webhooks to the chat (default true). With false they are only stored, for a later start. */
  readonly forward?: boolean;
  /** Largest body in bytes (default 256 KiB); larger requests get 413. */
  readonly maxBodyBytes?: number;
  /** How long forwarded webhooks and their delivery ids are kept (default 7 days). */
  readonly retentionMs?: number;
  /** Errors of the background forwarding; default one line on stderr. */
  readonly onError?: (error: unknown) => void;
  /** Clock (ms), for tests. */
  readonly now?: () => number;
}

/** The environment variables the bridge reads; a subset of `process.env`. */
export type BridgeEnv = Readonly<Record<string, string | undefined>>;

/** What `resolveBridgeEnv` reads from the environment. */
export interface BridgeEnvOptions {
  readonly listen: string;
  readonly secret: string;
  readonly priority: Priority;
  readonly allow?: readonly string[];
}

/**
 * Reads `WEBHOOK_BRIDGE_LISTEN` (default `127.0.0.1:8787`), `WEBHOOK_BRIDGE_SECRET` (required, ≥ 16 characters),
 * `WEBHOOK_BRIDGE_PRIORITY` (default `normal`) and `WEBHOOK_BRIDGE_ALLOW` (comma-separated account ids, optional).
 * Anything missing or malformed is `InputError("invalid_argument")`, before anything is opened.
 *
 * @example
 * const config = resolveBridgeEnv(process.env); // { listen: "127.0.0.1:8787", secret: "…", priority: "normal" }
 */
export function resolveBridgeEnv(env: BridgeEnv): BridgeEnvOptions {
  const secret = env.WEBHOOK_BRIDGE_SECRET ?? "";
  checkSecret(secret, "WEBHOOK_BRIDGE_SECRET");
  const listen = env.WEBHOOK_BRIDGE_LISTEN || DEFAULT_BRIDGE_LISTEN;
  parseListen(listen);
  const priority = parsePriority(env.WEBHOOK_BRIDGE_PRIORITY || "normal", "WEBHOOK_BRIDGE_PRIORITY");
  const allow = (env.WEBHOOK_BRIDGE_ALLOW ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return { listen, secret, priority, ...(allow.length > 0 ? { allow } : {}) };
}

/**
 * Refuses a secret shorter than {@link MIN_SECRET_CHARS} characters (or none).
 *
 * @example
 * checkSecret(process.env.WEBHOOK_BRIDGE_SECRET ?? "", "WEBHOOK_BRIDGE_SECRET");
 */
export function checkSecret(secret: string, name = "secret"): void {
  if (secret.length < MIN_SECRET_CHARS) {
    throw new InputError(
      "invalid_argument",
      secret.length === 0
        ? `${name} is required: the shared secret webhook senders sign with (at least ${MIN_SECRET_CHARS} characters)`
        : `${name} must be at least ${MIN_SECRET_CHARS} characters`,
    );
  }
}

/**
 * A priority name, or `InputError("invalid_argument")` naming `what`.
 *
 * @example
 * parsePriority("critical", "priority"); // "critical"
 */
export function parsePriority(value: string, what: string): Priority {
  const found = BRIDGE_PRIORITIES.find((p) => p === value);
  if (!found) {
    throw new InputError("invalid_argument", `${what} must be critical, normal or optional, not "${value}"`);
  }
  return found;
}

/**
 * `HOST:PORT` or `PORT` (host 127.0.0.1; IPv6 in brackets).
 *
 * @example
 * parseListen("8787"); // { hostname: "127.0.0.1", port: 8787 }
 * parseListen("[::1]:0"); // { hostname: "::1", port: 0 }
 */
export function parseListen(value: string): { hostname: string; port: number } {
  return parseHttpListen(value, "the bridge address");
}
