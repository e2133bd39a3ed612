/** @module The `wakubot` command line: argument parsing, dispatch, and the one-line / JSON error contract. */
import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };
import { resolveDataDir, resolvePassphrase, type WakubotEnv } from "../config.ts";
import { InputError, WakubotError } from "../errors.ts";
import { createDataDir, openDataDir, readAccountId } from "../storage/data-dir.ts";
import { changePassphrase } from "../storage/keyring.ts";

/** Where the CLI writes; injectable so tests can run it in-process. */
export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: WakubotEnv;
}

const USAGE = `wakubot ${pkg.version}: end-to-end-encrypted chat bots on Waku

Usage: wakubot [--data DIR] [--json] [--verbose] [--passphrase-file FILE] COMMAND

Commands:
  init         create the account in the data directory and print its id
  id           print the account id
  passphrase   change the passphrase of secrets.db (new one from WAKUBOT_NEW_PASSPHRASE
               or --new-passphrase-file); sealed values are not re-encrypted
  help         show this text

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
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

/** Options each command accepts besides the global ones. */
const COMMAND_OPTIONS: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  init: [],
  id: [],
  passphrase: ["new-passphrase-file"],
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
  if (rest.length > 0)
    throw new InputError("usage", `unexpected argument "${rest[0]}" to \`wakubot ${command}\``);
  return { values: parsed.values, command, rest };
}

async function dispatch(command: string, values: Parsed, out: Output, env: WakubotEnv): Promise<void> {
  const dataDir = resolveDataDir(values.data, env);
  switch (command) {
    case "help":
      out.event({ event: "help", usage: USAGE }, USAGE);
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
  }
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
    const { values, command } = parse(argv);
    const out = new Output(io, json);
    if (values.version) {
      out.event({ event: "version", version: pkg.version }, pkg.version);
      return 0;
    }
    await dispatch(values.help ? "help" : command, values, out, io.env);
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
