/** @module Where options come from when the caller does not pass them: CLI flags, then WAKUBOT_* environment. */
import { readFileSync } from "node:fs";
import { PassphraseError } from "./errors.ts";

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
