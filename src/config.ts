/** @module Where options come from when the caller does not pass them: CLI flags, then WAKUBOT_* environment. */
import { readFileSync } from "node:fs";
import { multiaddr } from "@multiformats/multiaddr";
import { InputError, PassphraseError } from "./errors.ts";
import { parsePeerAddress } from "./waku/peers.ts";

/** Default data directory, relative to the working directory (docs/cli.md). */
export const DEFAULT_DATA_DIR = "./wakubot-data";

/** The environment variables wakubot reads; a subset of `process.env`. */
export type WakubotEnv = Readonly<Record<string, string | undefined>>;

/**
 * The data directory: `--data`, else `WAKUBOT_DATA`, else `./wakubot-data`.
 *
 * @example
 * resolveDataDir(undefined, process.env); // "./wakubot-data"
 */
export function resolveDataDir(flag: string | undefined, env: WakubotEnv): string {
  return flag ?? env.WAKUBOT_DATA ?? DEFAULT_DATA_DIR;
}

/**
 * Reads a passphrase from a key file: its whole content less one trailing newline, so `echo secret > file` works.
 *
 * @example
 * readPassphraseFile("/run/secrets/wakubot");
 */
export function readPassphraseFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new PassphraseError("passphrase_file_unreadable", `cannot read passphrase file ${path}`, { cause });
  }
  return text.replace(/\r?\n$/, "");
}

/**
 * The passphrase of secrets.db, from the first that is set: `fileFlag` (`--passphrase-file`),
 * `WAKUBOT_PASSPHRASE`, `WAKUBOT_PASSPHRASE_FILE`. Missing or empty: PassphraseError `passphrase_missing`.
 * With `which: "new"` it reads `--new-passphrase-file`, `WAKUBOT_NEW_PASSPHRASE`, `WAKUBOT_NEW_PASSPHRASE_FILE`
 * (for `wakubot passphrase`).
 *
 * @example
 * const passphrase = resolvePassphrase(undefined, process.env);
 */
export function resolvePassphrase(
  fileFlag: string | undefined,
  env: WakubotEnv,
  which: "current" | "new" = "current",
): string {
  const name = which === "new" ? "WAKUBOT_NEW_PASSPHRASE" : "WAKUBOT_PASSPHRASE";
  const fromFile = env[`${name}_FILE`];
  const passphrase =
    fileFlag !== undefined
      ? readPassphraseFile(fileFlag)
      : env[name] || (fromFile !== undefined ? readPassphraseFile(fromFile) : undefined);
  if (!passphrase) {
    const flag = which === "new" ? "--new-passphrase-file" : "--passphrase-file";
    throw new PassphraseError(
      "passphrase_missing",
      `no ${which === "new" ? "new " : ""}passphrase: set ${name} or ${name}_FILE, or pass ${flag}`,
    );
  }
  return passphrase;
}

/** NODE OPTIONS of the CLI contract, resolved from flags and the `WAKUBOT_*` environment. */
export interface NodeConfig {
  readonly listen: readonly string[];
  readonly peers: readonly string[];
  readonly cluster: number;
  readonly shards: number;
  readonly light: boolean;
}

/** Flags as parsed; each undefined when not given. */
export interface NodeFlags {
  readonly listen?: readonly string[] | undefined;
  readonly peer?: readonly string[] | undefined;
  readonly cluster?: string | undefined;
  readonly shards?: string | undefined;
  readonly light?: boolean | undefined;
}

function listFromEnv(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function integerIn(text: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new InputError(
      "invalid_argument",
      `${name} must be an integer from ${min} to ${max}, not "${text}"`,
    );
  }
  return Number(text);
}

/**
 * Resolves NODE OPTIONS: flags win over `WAKUBOT_LISTEN`, `WAKUBOT_PEERS` (comma-separated), `WAKUBOT_CLUSTER`,
 * `WAKUBOT_SHARDS` and `WAKUBOT_LIGHT=1`; defaults are one loopback port, no peers, cluster 1 with 8 shards.
 *
 * @example
 * resolveNodeConfig({ peer: ["/ip4/127.0.0.1/tcp/60000/p2p/12D3KooW…"] }, process.env);
 */
export function resolveNodeConfig(flags: NodeFlags, env: WakubotEnv): NodeConfig {
  const listen = flags.listen?.length ? [...flags.listen] : listFromEnv(env.WAKUBOT_LISTEN);
  const peers = flags.peer?.length ? [...flags.peer] : listFromEnv(env.WAKUBOT_PEERS);
  const cluster = flags.cluster ?? env.WAKUBOT_CLUSTER;
  const shards = flags.shards ?? env.WAKUBOT_SHARDS;
  const light = flags.light ?? env.WAKUBOT_LIGHT === "1";
  // Checked here so bad input fails before a data directory is created or opened.
  for (const address of listen) {
    try {
      multiaddr(address);
    } catch (cause) {
      throw new InputError("invalid_argument", `not a listen multiaddr: ${address}`, { cause });
    }
  }
  for (const peer of peers) parsePeerAddress(peer);
  if (light && peers.length === 0) {
    throw new InputError(
      "usage",
      "--light needs at least one --peer (a service node to push and filter through)",
    );
  }
  return {
    listen: listen.length > 0 ? listen : ["/ip4/127.0.0.1/tcp/0"],
    peers,
    cluster: cluster === undefined ? 1 : integerIn(cluster, "--cluster", 0, 65535),
    shards: shards === undefined ? 8 : integerIn(shards, "--shards", 1, 1024),
    light,
  };
}

/**
 * Parses an HTTP listen address: `HOST:PORT` (IPv6 in brackets) or a bare `PORT` on 127.0.0.1; port 0 picks a free
 * one. `what` names the setting in the error.
 *
 * @example
 * parseHttpListen("8080", "admin address"); // { hostname: "127.0.0.1", port: 8080 }
 * parseHttpListen("[::1]:0", "admin address"); // { hostname: "::1", port: 0 }
 */
export function parseHttpListen(value: string, what: string): { hostname: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[2]);
  if (!m || port > 65535) {
    throw new InputError("invalid_argument", `${what} must be HOST:PORT or PORT, got "${value}"`);
  }
  const host = m[1] ?? "127.0.0.1";
  return { hostname: host.startsWith("[") ? host.slice(1, -1) : host, port };
}
