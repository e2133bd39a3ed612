/** @module Bot options and their defaults from the `WAKUBOT_*` environment, which is how `wakubot run` passes its flags to `createBot()` (docs/cli.md). */
import {
  parseHttpListen,
  resolveDataDir,
  resolveNodeConfig,
  resolvePassphrase,
  type WakubotEnv,
} from "../config.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { type InboundRateLimit, inboundRateLimitRule } from "../delivery/inbound-limit.ts";
import { type RateLimitRules, rateLimitRules } from "../delivery/rate-limit.ts";
import { MIN_SEGMENT_BYTES } from "../delivery/segment.ts";
import { InputError } from "../errors.ts";
import type { KdfCost } from "../storage/keyring.ts";
import type { Delivery } from "../waku/delivery.ts";
import { DEFAULT_RELIABILITY, MAX_ACK_HOLD_MS, type Reliability } from "./outbox.ts";

/** Everything `createBot` accepts; every field is optional. */
export interface BotOptions {
  /** Data directory (`WAKUBOT_DATA`, default ./wakubot-data); the account is created on first use. */
  readonly data?: string;
  /** Passphrase of secrets.db (`WAKUBOT_PASSPHRASE` or `WAKUBOT_PASSPHRASE_FILE`). */
  readonly passphrase?: string;
  /** Listen multiaddrs of the embedded full node (`WAKUBOT_LISTEN`). */
  readonly listen?: readonly string[];
  /** Static/bootstrap peers (`WAKUBOT_PEERS`). */
  readonly peers?: readonly string[];
  readonly cluster?: number;
  readonly shards?: number;
  /** Light client through `peers` instead of a full relay node (`WAKUBOT_LIGHT=1`). */
  readonly light?: boolean;
  /** JSON event lines on stdout (`WAKUBOT_JSON=1`). */
  readonly json?: boolean;
  /** Use this delivery instead of starting a Waku node (tests: `MemoryNetwork.join()`). */
  readonly delivery?: Delivery;
  /** How far back the Store catch-up reaches when there is no checkpoint yet; default 24 h. */
  readonly catchUpMs?: number;
  /** Where JSON events and human status lines go; default stdout. */
  readonly output?: (line: string) => void;
  readonly provider?: CryptoProvider;
  /** Argon2id cost for a new account (tests use a cheap one). */
  readonly kdf?: KdfCost;
  /** Idle time after which a conversation's actor leaves memory; default 60 s. */
  readonly idleMs?: number;
  /** Ack, resend and expiry timings (docs/delivery.md); defaults in `DEFAULT_RELIABILITY`. */
  readonly reliability?: Partial<Reliability>;
  /**
   * Outbound limit, N messages per epoch of T seconds (S1; `WAKUBOT_RATE_LIMIT=N/T`); default 100 per 600 s, as on
   * The Waku Network. `reserve` and `criticalCap` as in docs/rate-limit.md.
   */
  readonly rateLimit?: Partial<RateLimitRules>;
  /**
   * Inbound limit per peer, N messages per epoch of T seconds (`WAKUBOT_INBOUND_RATE_LIMIT=N/T`): a conversation's
   * messages beyond it are left unread until a later epoch (the peer resends them), and `throttled` is emitted once
   * per conversation and epoch (docs/rate-limit.md §Inbound). Off unless given.
   */
  readonly inboundRateLimit?: InboundRateLimit;
  /** Largest Waku message; bigger payloads are segmented (SEG-U1). Default 150 KiB, The Waku Network's limit. */
  readonly maxMessageBytes?: number;
  /**
   * Serve the admin HTTP API (docs/admin.md) while the bot runs: `listen` is `HOST:PORT` (`WAKUBOT_ADMIN`; a bare
   * `PORT` binds 127.0.0.1; port 0 picks a free one), `token` the bearer token (`WAKUBOT_ADMIN_TOKEN`; else one is
   * generated once, shown once on stderr and kept only as its hash). Off unless given.
   */
  readonly admin?: AdminOptions;
}

/** Where the admin API listens and with which token. */
export interface AdminOptions {
  readonly listen: string;
  readonly token?: string;
}

/** Admin options after parsing `listen`. */
export interface ResolvedAdminOptions {
  readonly hostname: string;
  readonly port: number;
  readonly token: string | undefined;
}

/** Options after defaults. */
export interface ResolvedBotOptions
  extends Omit<BotOptions, "listen" | "peers" | "admin" | "inboundRateLimit"> {
  readonly data: string;
  readonly passphrase: string;
  readonly listen: readonly string[];
  readonly peers: readonly string[];
  readonly cluster: number;
  readonly shards: number;
  readonly light: boolean;
  readonly json: boolean;
  readonly catchUpMs: number;
  readonly output: (line: string) => void;
  readonly reliability: Reliability;
  readonly rateLimit: RateLimitRules;
  readonly inboundRateLimit: InboundRateLimit | undefined;
  readonly maxMessageBytes: number;
  readonly admin: ResolvedAdminOptions | undefined;
}

/**
 * Parses an admin `HOST:PORT` (IPv6 in brackets) or bare `PORT`.
 *
 * @example
 * parseAdminListen("8080"); // { hostname: "127.0.0.1", port: 8080 }
 * parseAdminListen("[::1]:0"); // { hostname: "::1", port: 0 }
 */
export function parseAdminListen(value: string): { hostname: string; port: number } {
  return parseHttpListen(value, "admin address");
}

function resolveAdmin(options: AdminOptions | undefined, env: WakubotEnv): ResolvedAdminOptions | undefined {
  const listen = options?.listen ?? env.WAKUBOT_ADMIN;
  if (listen === undefined || listen === "") return undefined;
  const token = options?.token ?? (env.WAKUBOT_ADMIN_TOKEN || undefined);
  if (token !== undefined && !/^[\x21-\x7e]{16,512}$/.test(token)) {
    // The token is only hashed (no stretching), so it must carry its own entropy.
    throw new InputError("invalid_argument", "the admin token must be 16–512 visible ASCII characters");
  }
  return { ...parseAdminListen(listen), token };
}

/**
 * Reads `WAKUBOT_RATE_LIMIT` (`N/T`: N messages per T seconds).
 *
 * @example
 * parseRateLimit("100/600"); // { limit: 100, epochSeconds: 600 }
 */
export function parseRateLimit(value: string): { limit: number; epochSeconds: number } {
  const m = /^(\d{1,9})\/(\d{1,7})$/.exec(value.trim());
  const limit = Number(m?.[1]);
  const epochSeconds = Number(m?.[2]);
  if (!m || limit < 1 || epochSeconds < 1) {
    throw new InputError(
      "invalid_argument",
      `rate limit must look like N/T (messages per seconds), got "${value}"`,
    );
  }
  return { limit, epochSeconds };
}

/**
 * Fills in `options` from the environment; explicit options win.
 *
 * @example
 * resolveBotOptions({}, process.env).data; // "./wakubot-data"
 */
export function resolveBotOptions(options: BotOptions, env: WakubotEnv): ResolvedBotOptions {
  const node = resolveNodeConfig(
    {
      listen: options.listen,
      peer: options.peers,
      cluster: options.cluster === undefined ? undefined : String(options.cluster),
      shards: options.shards === undefined ? undefined : String(options.shards),
      light: options.light,
    },
    options.delivery ? { ...env, WAKUBOT_LIGHT: undefined } : env,
  );
  return {
    ...options,
    data: resolveDataDir(options.data, env),
    passphrase: options.passphrase ?? resolvePassphrase(undefined, env),
    listen: node.listen,
    peers: node.peers,
    cluster: node.cluster,
    shards: node.shards,
    light: node.light,
    json: options.json ?? env.WAKUBOT_JSON === "1",
    catchUpMs: options.catchUpMs ?? 24 * 3600_000,
    output: options.output ?? ((line) => process.stdout.write(`${line}\n`)),
    reliability: checkReliability({ ...DEFAULT_RELIABILITY, ...options.reliability }),
    rateLimit: rateLimitRules({
      ...(env.WAKUBOT_RATE_LIMIT ? parseRateLimit(env.WAKUBOT_RATE_LIMIT) : {}),
      ...options.rateLimit,
    }),
    inboundRateLimit: resolveInboundRateLimit(options.inboundRateLimit, env),
    maxMessageBytes: checkMessageBytes(options.maxMessageBytes ?? 150 * 1024),
    admin: resolveAdmin(options.admin, env),
  };
}

/** Room the bot keeps for the WakuMessage fields around a payload (docs/segmentation.md). */
export const WAKU_MESSAGE_OVERHEAD = 256;

function resolveInboundRateLimit(
  rule: InboundRateLimit | undefined,
  env: WakubotEnv,
): InboundRateLimit | undefined {
  if (rule) return inboundRateLimitRule(rule);
  const value = env.WAKUBOT_INBOUND_RATE_LIMIT;
  return value ? inboundRateLimitRule(parseRateLimit(value)) : undefined;
}

/** Timings are non-negative ms (resends need a positive one); the hold is whole ms (sent as whole seconds), capped. */
function checkReliability(r: Reliability): Reliability {
  const bad = (name: keyof Reliability, want: string) =>
    new InputError("invalid_argument", `reliability.${name} must be ${want}, got ${r[name]}`);
  for (const name of ["ackDelayMs", "reAckMs", "expireAfterMs"] as const) {
    if (!(Number.isFinite(r[name]) && r[name] >= 0)) throw bad(name, "a number of ms ≥ 0");
  }
  for (const name of ["resendAfterMs", "maxResendDelayMs"] as const) {
    if (!(Number.isFinite(r[name]) && r[name] > 0)) throw bad(name, "a number of ms > 0");
  }
  if (!(Number.isSafeInteger(r.maxInFlight) && r.maxInFlight >= 1))
    throw bad("maxInFlight", "an integer ≥ 1");
  const hold = r.replyAckHoldMs;
  if (!(Number.isSafeInteger(hold) && hold >= 0 && hold <= MAX_ACK_HOLD_MS)) {
    throw bad("replyAckHoldMs", `an integer of ms from 0 to ${MAX_ACK_HOLD_MS}`);
  }
  return r;
}

function checkMessageBytes(n: number): number {
  const least = MIN_SEGMENT_BYTES + WAKU_MESSAGE_OVERHEAD;
  if (Number.isSafeInteger(n) && n >= least) return n;
  throw new InputError(
    "invalid_argument",
    `maxMessageBytes must be an integer of at least ${least}, got ${n}`,
  );
}
