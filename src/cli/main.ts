/** @module The `wakubot` command line: argument parsing, dispatch, and the one-line / JSON error contract. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };
import { resolveDataDir, resolveNodeConfig, resolvePassphrase, type WakubotEnv } from "../config.ts";
import { defaultProvider } from "../crypto/providers.ts";
import { InputError, WakubotError } from "../errors.ts";
import { parseInviteLink } from "../protocol/invite.ts";
import { SessionStore } from "../sessions/store.ts";
import { createDataDir, type DataDir, openDataDir, readAccountId, SECRETS_DB } from "../storage/data-dir.ts";
import { changePassphrase } from "../storage/keyring.ts";
import { DEFAULT_RETENTION } from "../waku/archive.ts";
import { WakuNode } from "../waku/node.ts";
import { loadNodeKey } from "../waku/node-key.ts";
import { type BotCommandFlags, chatCommand, runCommand, sendCommand } from "./bot-commands.ts";

/** Where the CLI writes; injectable so tests can run it in-process. */
export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: WakubotEnv;
  /** Resolves when a long-running command (`node`) should stop; default SIGINT or SIGTERM. */
  readonly stopped?: Promise<void>;
}

const USAGE = `wakubot ${pkg.version}: end-to-end-encrypted chat bots on Waku

Usage: wakubot [--data DIR] [--json] [--verbose] [--passphrase-file FILE] COMMAND

Commands:
  init         create the account in the data directory and print its id
  id           print the account id
  passphrase   change the passphrase of secrets.db (new one from WAKUBOT_NEW_PASSPHRASE
               or --new-passphrase-file); sealed values are not re-encrypted
  invite [--single-use] [--expires DURATION] [--hint MULTIADDR]... [--name NAME] [--label TEXT]
               print a new tracked invite link (JSON: with its id, for revoking)
  node [NODE OPTIONS] [--store-max-age DURATION] [--store-max-mb N]
               run a service node (relay + store + lightpush + filter), no bot; with
               --json the first line is the "ready" event
  run FILE [NODE OPTIONS] [--admin HOST:PORT]
               run the bot program FILE (a module using createBot); with --json the first
               line is the "ready" event with the bot's invite; SIGINT/SIGTERM stop it.
               --admin serves the admin HTTP API (docs/admin.md; token from
               WAKUBOT_ADMIN_TOKEN, else generated and shown once on stderr)
  send TARGET TEXT [NODE OPTIONS] [--wait-delivered SECONDS] [--wait-reply SECONDS]
               send TEXT to TARGET (invite link or conversation id); optionally wait for
               the delivery receipt and/or the first reply
  chat TARGET [NODE OPTIONS]
               interactive chat: stdin lines are sent, the peer's texts printed
  help         show this text

NODE OPTIONS:
  --listen MULTIADDR       listen address, repeatable (default /ip4/127.0.0.1/tcp/0;
                           env WAKUBOT_LISTEN, comma-separated)
  --peer MULTIADDR         static/bootstrap peer ending in /p2p/<peer id>, repeatable
                           (env WAKUBOT_PEERS)
  --cluster N --shards N   Waku cluster and its shard count (default 1 and 8)
  --light                  run as a light client through the --peer service nodes

Options:
  --data DIR               data directory (env WAKUBOT_DATA, default ./wakubot-data)
  --json                   one JSON object per line on stdout, each with an "event" field
  --verbose                print stack traces with errors
  --passphrase-file FILE   read the passphrase from FILE (else env WAKUBOT_PASSPHRASE or
                           WAKUBOT_PASSPHRASE_FILE)
  --version                print the version

Exit codes: 0 success, 1 runtime failure, 2 bad input or usage. See docs/cli.md.`;

const OPTIONS = {
  data: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
  "passphrase-file": { type: "string" },
  "new-passphrase-file": { type: "string" },
  "single-use": { type: "boolean" },
  expires: { type: "string" },
  hint: { type: "string", multiple: true },
  name: { type: "string" },
  label: { type: "string" },
  listen: { type: "string", multiple: true },
  peer: { type: "string", multiple: true },
  cluster: { type: "string" },
  shards: { type: "string" },
  light: { type: "boolean" },
  "store-max-age": { type: "string" },
  "store-max-mb": { type: "string" },
  "wait-delivered": { type: "string" },
  admin: { type: "string" },
  "wait-reply": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

/** Options each command accepts besides the global ones. */
const COMMAND_OPTIONS: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  init: [],
  id: [],
  passphrase: ["new-passphrase-file"],
  invite: ["single-use", "expires", "hint", "name", "label"],
  send: ["listen", "peer", "cluster", "shards", "light", "wait-delivered", "wait-reply"],
  run: ["listen", "peer", "cluster", "shards", "light", "admin"],
  chat: ["listen", "peer", "cluster", "shards", "light"],
  node: ["listen", "peer", "cluster", "shards", "light", "store-max-age", "store-max-mb"],
  help: [],
};
const GLOBAL_OPTIONS = new Set<keyof typeof OPTIONS>([
  "data",
  "json",
  "verbose",
  "passphrase-file",
  "help",
  "version",
]);

class Output {
  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {}

  /** One result: a JSON event with `--json`, else the human line. */
  event(fields: { event: string } & Record<string, unknown>, human: string): void {
    this.io.stdout(this.json ? JSON.stringify(fields) : human);
  }
}

function parse(argv: readonly string[]): { values: Parsed; command: string; rest: string[] } {
  let parsed: { values: Parsed; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new InputError("usage", (cause as Error).message, { cause });
  }
  const [command = "help", ...rest] = parsed.positionals;
  const allowed = COMMAND_OPTIONS[command];
  if (!allowed) throw new InputError("usage", `unknown command "${command}"; see \`wakubot help\``);
  for (const key of Object.keys(parsed.values) as (keyof typeof OPTIONS)[]) {
    if (!GLOBAL_OPTIONS.has(key) && !allowed.includes(key)) {
      throw new InputError("usage", `option --${key} does not apply to \`wakubot ${command}\``);
    }
  }
  const operands: Record<string, string> = { send: "TARGET and TEXT", run: "FILE", chat: "TARGET" };
  const arity = command === "send" ? 2 : command === "run" || command === "chat" ? 1 : 0;
  if (rest.length > arity) {
    throw new InputError("usage", `unexpected argument "${rest[arity]}" to \`wakubot ${command}\``);
  }
  if (rest.length < arity) throw new InputError("usage", `\`wakubot ${command}\` takes ${operands[command]}`);
  return { values: parsed.values, command, rest };
}

function botFlags(values: Parsed, dataDir: string): BotCommandFlags {
  return {
    data: dataDir,
    json: values.json ?? false,
    passphraseFile: values["passphrase-file"],
    listen: values.listen,
    peer: values.peer,
    cluster: values.cluster,
    shards: values.shards,
    light: values.light,
    waitDelivered: values["wait-delivered"],
    waitReply: values["wait-reply"],
    admin: values.admin,
  };
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** Opens the data directory, creating the account first when there is none (`init` is implied, docs/cli.md). */
function openOrCreate(dataDir: string, passphrase: string): DataDir {
  if (!existsSync(join(dataDir, SECRETS_DB))) return createDataDir(dataDir, { passphrase });
  return openDataDir(dataDir, { passphrase });
}

async function runNode(values: Parsed, dataDir: string, out: Output, io: CliIo): Promise<void> {
  const config = resolveNodeConfig(values, io.env);
  if (config.light) throw new InputError("usage", "`wakubot node` serves others and cannot be --light");
  const maxAgeMs =
    values["store-max-age"] !== undefined ? parseDuration(values["store-max-age"]) * 1000 : undefined;
  const maxMb = values["store-max-mb"];
  if (maxMb !== undefined && !/^\d+$/.test(maxMb)) {
    throw new InputError("invalid_argument", `--store-max-mb must be a whole number, not "${maxMb}"`);
  }
  // Listen for signals before anything is printed: a supervisor may send SIGTERM as soon as it reads `ready`.
  const stopped = io.stopped ?? untilSignal();
  const dir = openOrCreate(dataDir, resolvePassphrase(values["passphrase-file"], io.env));
  let node: WakuNode | undefined;
  try {
    node = await WakuNode.start({
      listen: config.listen,
      peers: config.peers,
      sharding: { cluster: config.cluster, shards: config.shards },
      privateKey: await loadNodeKey(dir),
      store: {
        path: join(dataDir, "store.db"),
        retention: {
          maxAgeMs: maxAgeMs ?? DEFAULT_RETENTION.maxAgeMs,
          maxBytes: maxMb !== undefined ? Number(maxMb) * 1024 * 1024 : DEFAULT_RETENTION.maxBytes,
        },
      },
    });
    out.event(
      {
        event: "ready",
        peerId: node.peerId,
        multiaddrs: node.multiaddrs,
        pubsubTopics: node.topics,
        account: dir.accountId,
      },
      [`wakubot node ${node.peerId}`, ...node.multiaddrs.map((a) => `  listening on ${a}`)].join("\n"),
    );
    await stopped;
  } finally {
    await node?.stop();
    dir.close();
  }
  out.event({ event: "stopped" }, "stopped");
}

async function dispatch(
  command: string,
  values: Parsed,
  rest: string[],
  out: Output,
  io: CliIo,
): Promise<void> {
  const env = io.env;
  const dataDir = resolveDataDir(values.data, env);
  switch (command) {
    case "help":
      out.event({ event: "help", usage: USAGE }, USAGE);
      return;
    case "node":
      await runNode(values, dataDir, out, io);
      return;
    case "init": {
      const passphrase = resolvePassphrase(values["passphrase-file"], env);
      const dir = createDataDir(dataDir, { passphrase });
      dir.close();
      out.event({ event: "account", account: dir.accountId, data: dataDir }, dir.accountId);
      return;
    }
    case "id": {
      const account = readAccountId(dataDir);
      out.event({ event: "account", account }, account);
      return;
    }
    case "passphrase": {
      const passphrase = resolvePassphrase(values["passphrase-file"], env);
      const next = resolvePassphrase(values["new-passphrase-file"], env, "new");
      const dir = openDataDir(dataDir, { passphrase });
      try {
        changePassphrase(dir.secrets, passphrase, next);
      } finally {
        dir.close();
      }
      out.event({ event: "passphrase_changed", data: dataDir }, "passphrase changed");
      return;
    }
    case "invite": {
      const expiresInSeconds = values.expires !== undefined ? parseDuration(values.expires) : undefined;
      const passphrase = resolvePassphrase(values["passphrase-file"], env);
      const dir = openDataDir(dataDir, { passphrase });
      try {
        const store = new SessionStore(dir);
        const invite = store.createInvite({
          singleUse: values["single-use"] ?? false,
          ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
          hints: values.hint ?? [],
          ...(values.name !== undefined ? { name: values.name } : {}),
          ...(values.label !== undefined ? { label: values.label } : {}),
        });
        out.event({ event: "invite", invite, id: store.inviteOf(invite)?.id }, invite);
      } finally {
        dir.close();
      }
      return;
    }
    case "send": {
      const [target = "", text = ""] = rest;
      parseTarget(target);
      if (text.length === 0) throw new InputError("invalid_argument", "TEXT is empty");
      await sendCommand(botFlags(values, dataDir), target, text, (f, h) => out.event(f, h), env);
      return;
    }
    case "chat": {
      const [target = ""] = rest;
      parseTarget(target);
      await chatCommand(botFlags(values, dataDir), target, (f, h) => out.event(f, h), env, process.stdin);
      return;
    }
    case "run": {
      const [file = ""] = rest;
      if (!existsSync(file)) throw new InputError("invalid_argument", `no bot program at ${file}`);
      await runCommand(botFlags(values, dataDir), file, io.stopped ?? untilSignal());
      out.event({ event: "stopped" }, "stopped");
      return;
    }
  }
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses a duration such as `90s`, `30m`, `24h`, `7d`, `2w` or plain seconds.
 *
 * @example
 * parseDuration("24h"); // 86400
 */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhdw]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNITS[match[2] || "s"] as number) : 0;
  if (!match || seconds <= 0) {
    throw new InputError("invalid_argument", `"${text}" is not a duration like 90s, 30m, 24h, 7d or 2w`);
  }
  return seconds;
}

const CONVERSATION_ID = /^c[A-Za-z0-9_-]{16}$/;

/**
 * Checks a `send`/`chat` TARGET before anything else starts: an invite link (fully verified, each failure with its
 * own `invite_*` code) or a conversation id (`c` + 16 base64url characters).
 *
 * @example
 * parseTarget("wb:AQ…"); // { kind: "invite", … }
 */
export function parseTarget(
  target: string,
): { kind: "invite"; link: string } | { kind: "conversation"; conversationId: string } {
  if (target.startsWith("wb:")) {
    parseInviteLink(defaultProvider(), target, Math.floor(Date.now() / 1000));
    return { kind: "invite", link: target };
  }
  if (CONVERSATION_ID.test(target)) return { kind: "conversation", conversationId: target };
  throw new InputError(
    "invalid_argument",
    "TARGET is neither an invite link (wb:…) nor a conversation id (c followed by 16 characters)",
  );
}

/**
 * Runs the CLI with `argv` (without the program name) and returns the exit code; never throws.
 *
 * @example
 * const code = await runCli(["--json", "id"], { stdout: console.log, stderr: console.error, env: process.env });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes("--json") || io.env.WAKUBOT_JSON === "1";
  const verbose = argv.includes("--verbose");
  try {
    const { values, command, rest } = parse(argv);
    const out = new Output(io, json);
    if (values.version) {
      out.event({ event: "version", version: pkg.version }, pkg.version);
      return 0;
    }
    await dispatch(values.help ? "help" : command, values, rest, out, io);
    return 0;
  } catch (error) {
    return reportError(error, io, json, verbose);
  }
}

function reportError(error: unknown, io: CliIo, json: boolean, verbose: boolean): number {
  const known = error instanceof WakubotError;
  const code = known ? error.code : "internal";
  const message = error instanceof Error ? error.message : String(error);
  if (json) io.stdout(JSON.stringify({ event: "error", code, message }));
  else io.stderr(`wakubot: ${message} [${code}]`);
  if (verbose) {
    let e: unknown = error;
    while (e instanceof Error) {
      io.stderr(e.stack ?? String(e));
      e = e.cause;
    }
  }
  return known ? error.exitCode : 1;
}
