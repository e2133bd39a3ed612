/**
 * End-to-end tests of the `wakubot` executable: every test spawns bin/wakubot as a separate process with a clean
 * environment (PATH plus the WAKUBOT_* variables the test sets) and checks exit codes, stdout/stderr and the
 * data directory on disk against docs/cli.md.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openDataDir } from "../../src/storage/data-dir.ts";

const repoRoot = resolve(import.meta.dir, "../..");
const ACCOUNT_ID = /^wb1[02-9ac-hj-np-z]{32}$/;
const PASSPHRASE = "correct horse battery staple";
/** Generous: `passphrase` runs three 64 MiB Argon2id derivations per spawn. */
const SLOW = 30_000;

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/wakubot with `args`; the environment is PATH plus exactly `env`, never the parent's WAKUBOT_*. */
async function wakubot(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const proc = Bun.spawn([process.execPath, "bin/wakubot", ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** The non-empty lines of an output stream. */
function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.length > 0);
}

/** Asserts stdout holds exactly one line, a JSON object with an "event" field, and returns it. */
function jsonEvent(result: RunResult): Record<string, unknown> {
  const out = lines(result.stdout);
  expect(out).toHaveLength(1);
  const parsed: unknown = JSON.parse(out[0] ?? "");
  expect(typeof parsed).toBe("object");
  expect(parsed).not.toBeNull();
  const event = parsed as Record<string, unknown>;
  expect(typeof event.event).toBe("string");
  return event;
}

/** Asserts a `--json` failure: the exit code and one `{"event":"error","code":…,"message":…}` line. */
function expectJsonError(result: RunResult, exitCode: 1 | 2, code: string): void {
  const event = jsonEvent(result);
  expect(event.event).toBe("error");
  expect(event.code).toBe(code);
  expect(typeof event.message).toBe("string");
  expect((event.message as string).length).toBeGreaterThan(0);
  expect(result.code).toBe(exitCode);
}

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Name → sha256 of every file in `dir`, so any new, removed or changed file shows up in a comparison. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = sha256(join(dir, name));
  return out;
}

const made: string[] = [];

/** A fresh empty directory under the OS temp dir, removed after the test (or after the file for fixtures). */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wakubot-cli-test-"));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One account made by `wakubot --json init` before the tests; tests work on private copies of it. */
let template: { dir: string; account: string; init: RunResult };

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "wakubot-cli-template-"));
  const dir = join(root, "data");
  const init = await wakubot(["--json", "--data", dir, "init"], { WAKUBOT_PASSPHRASE: PASSPHRASE });
  let account = "";
  try {
    account = String((JSON.parse(init.stdout) as { account?: unknown }).account);
  } catch {
    // Left empty: the first test reports what init printed instead.
  }
  template = { dir, account, init };
}, SLOW);

afterAll(() => {
  if (template) rmSync(resolve(template.dir, ".."), { recursive: true, force: true });
});

/** A private copy of the template account in a fresh temp dir. */
function copyOfTemplate(): string {
  const dir = join(tempDir(), "data");
  cpSync(template.dir, dir, { recursive: true });
  return dir;
}

describe("wakubot init and id", () => {
  test("--json init prints one account event with a wb1 account id and exits 0", () => {
    const { init, dir } = template;
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    const event = jsonEvent(init);
    expect(event.event).toBe("account");
    expect(event.account).toMatch(ACCOUNT_ID);
    expect(readdirSync(dir).sort()).toEqual(["messages.db", "secrets.db"]);
  });

  test(
    "init prints the account id alone on stdout and id prints the same id",
    async () => {
      const dir = join(tempDir(), "data");
      const init = await wakubot(["--data", dir, "init"], { WAKUBOT_PASSPHRASE: PASSPHRASE });
      expect(init.stderr).toBe("");
      expect(init.code).toBe(0);
      expect(init.stdout.endsWith("\n")).toBe(true);
      const out = lines(init.stdout);
      expect(out).toHaveLength(1);
      const account = out[0] ?? "";
      expect(account).toMatch(ACCOUNT_ID);
      // A second account must get a different id (fresh randomness per init).
      expect(account).not.toBe(template.account);

      const id = await wakubot(["--data", dir, "id"]);
      expect(id.stderr).toBe("");
      expect(id.code).toBe(0);
      expect(id.stdout).toBe(`${account}\n`);
    },
    SLOW,
  );

  test(
    "init a second time fails with account_exists (exit 2) and leaves the account and its files untouched",
    async () => {
      const dir = copyOfTemplate();
      const before = snapshot(dir);
      const again = await wakubot(["--json", "--data", dir, "init"], { WAKUBOT_PASSPHRASE: PASSPHRASE });
      expectJsonError(again, 2, "account_exists");
      expect(snapshot(dir)).toEqual(before);

      const id = await wakubot(["--json", "--data", dir, "id"]);
      expect(id.code).toBe(0);
      expect(jsonEvent(id)).toEqual({ event: "account", account: template.account });
    },
    SLOW,
  );

  test("WAKUBOT_DATA names the data directory when --data is absent", async () => {
    const dir = copyOfTemplate();
    const viaEnv = await wakubot(["--json", "id"], { WAKUBOT_DATA: dir });
    expect(viaEnv.code).toBe(0);
    expect(jsonEvent(viaEnv)).toEqual({ event: "account", account: template.account });
  });
});

describe("passphrase sources", () => {
  test("missing passphrase: --json init exits 2 with passphrase_missing and creates nothing on disk", async () => {
    const parent = tempDir();
    const dir = join(parent, "data");
    const result = await wakubot(["--json", "--data", dir, "init"]);
    expectJsonError(result, 2, "passphrase_missing");
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  test("missing passphrase in human mode: exactly one line on stderr, no stack trace, nothing on stdout", async () => {
    const parent = tempDir();
    const dir = join(parent, "data");
    const result = await wakubot(["--data", dir, "init"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const err = lines(result.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toStartWith("wakubot: ");
    expect(err[0]).toEndWith("[passphrase_missing]");
    expect(err[0]).toContain("WAKUBOT_PASSPHRASE");
    expect(err.some((l) => l.startsWith("    at "))).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  test("missing passphrase with --verbose: the one-line message is followed by a stack trace", async () => {
    const parent = tempDir();
    const dir = join(parent, "data");
    const result = await wakubot(["--verbose", "--data", dir, "init"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const err = lines(result.stderr);
    expect(err[0]).toEndWith("[passphrase_missing]");
    expect(err.length).toBeGreaterThan(1);
    expect(err.some((l) => l.startsWith("    at "))).toBe(true);
    expect(readdirSync(parent)).toEqual([]);
  });

  test(
    "WAKUBOT_PASSPHRASE_FILE and --passphrase-file are read without their trailing newline; the flag wins over env",
    async () => {
      const dir = copyOfTemplate();
      const files = tempDir();
      const current = join(files, "current");
      writeFileSync(current, `${PASSPHRASE}\n`);
      // If the newline were kept, this file would not match the passphrase init was given through the env.
      const toBeta = await wakubot(["--json", "--data", dir, "passphrase"], {
        WAKUBOT_PASSPHRASE_FILE: current,
        WAKUBOT_NEW_PASSPHRASE: "beta",
      });
      expect(toBeta.stderr).toBe("");
      expect(toBeta.code).toBe(0);
      expect(jsonEvent(toBeta).event).toBe("passphrase_changed");

      const beta = join(files, "beta");
      writeFileSync(beta, "beta\n");
      const back = await wakubot(["--json", "--data", dir, "--passphrase-file", beta, "passphrase"], {
        WAKUBOT_PASSPHRASE: "decoy, must be ignored because --passphrase-file is given",
        WAKUBOT_NEW_PASSPHRASE: PASSPHRASE,
      });
      expect(back.stderr).toBe("");
      expect(back.code).toBe(0);
      expect(jsonEvent(back).event).toBe("passphrase_changed");
    },
    SLOW,
  );

  test("an unreadable --passphrase-file gives passphrase_file_unreadable (exit 2) and creates nothing", async () => {
    const parent = tempDir();
    const dir = join(parent, "data");
    const missing = join(parent, "no-such-passphrase-file");
    const result = await wakubot(["--json", "--data", dir, "--passphrase-file", missing, "init"], {
      WAKUBOT_PASSPHRASE: PASSPHRASE,
    });
    expectJsonError(result, 2, "passphrase_file_unreadable");
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe("wakubot passphrase", () => {
  test(
    "a wrong current passphrase exits 2 with passphrase_wrong and leaves every byte on disk as it was; the right one changes it",
    async () => {
      const dir = copyOfTemplate();
      const before = snapshot(dir);
      expect(Object.keys(before)).toEqual(["messages.db", "secrets.db"]);

      const wrong = await wakubot(["--json", "--data", dir, "passphrase"], {
        WAKUBOT_PASSPHRASE: "not the passphrase",
        WAKUBOT_NEW_PASSPHRASE: "new passphrase",
      });
      expectJsonError(wrong, 2, "passphrase_wrong");
      expect(snapshot(dir)).toEqual(before);

      const change = await wakubot(["--json", "--data", dir, "passphrase"], {
        WAKUBOT_PASSPHRASE: PASSPHRASE,
        WAKUBOT_NEW_PASSPHRASE: "new passphrase",
      });
      expect(change.stderr).toBe("");
      expect(change.code).toBe(0);
      expect(jsonEvent(change).event).toBe("passphrase_changed");
      // The key ring was rewrapped, so secrets.db changed; nothing else was left behind.
      const after = snapshot(dir);
      expect(Object.keys(after)).toEqual(["messages.db", "secrets.db"]);
      expect(after["secrets.db"]).not.toBe(before["secrets.db"]);

      const old = await wakubot(["--json", "--data", dir, "passphrase"], {
        WAKUBOT_PASSPHRASE: PASSPHRASE,
        WAKUBOT_NEW_PASSPHRASE: "whatever",
      });
      expectJsonError(old, 2, "passphrase_wrong");
      expect(snapshot(dir)).toEqual(after);

      const revert = await wakubot(["--data", dir, "passphrase"], {
        WAKUBOT_PASSPHRASE: "new passphrase",
        WAKUBOT_NEW_PASSPHRASE: PASSPHRASE,
      });
      expect(revert.stderr).toBe("");
      expect(revert.code).toBe(0);
      expect(revert.stdout).toBe("passphrase changed\n");
    },
    SLOW,
  );
});

describe("usage and missing accounts", () => {
  test("id on a data directory that does not exist exits 2 with no_account and does not create it", async () => {
    const dir = join(tempDir(), "data");
    const result = await wakubot(["--json", "--data", dir, "id"]);
    expectJsonError(result, 2, "no_account");
    expect(existsSync(dir)).toBe(false);
  });

  test("an unknown command exits 2 with usage", async () => {
    const result = await wakubot(["--json", "frobnicate"]);
    expectJsonError(result, 2, "usage");
    expect(result.stdout).toContain("frobnicate");
  });

  test("an unknown option exits 2 with usage, in human mode as one stderr line", async () => {
    const result = await wakubot(["--no-such-option", "id"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const err = lines(result.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toStartWith("wakubot: ");
    expect(err[0]).toEndWith("[usage]");
  });

  test("help exits 0 and lists the init and id commands", async () => {
    const result = await wakubot(["help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^\s+init\s/m);
    expect(result.stdout).toMatch(/^\s+id\s/m);
    expect(result.stdout).toContain("Usage: wakubot");
  });
});

describe("data directory lock and corruption", () => {
  test(
    "a second process gets data_dir_locked (exit 1) while the directory is open, and id works after close()",
    async () => {
      const dir = copyOfTemplate();
      const open = openDataDir(dir, { passphrase: PASSPHRASE });
      try {
        expect(open.accountId).toBe(template.account);
        const locked = await wakubot(["--json", "--data", dir, "id"]);
        expectJsonError(locked, 1, "data_dir_locked");
      } finally {
        open.close();
      }
      // close() must release the lock right away, not when the garbage collector gets to it.
      const after = await wakubot(["--json", "--data", dir, "id"]);
      expect(jsonEvent(after)).toEqual({ event: "account", account: template.account });
      expect(after.code).toBe(0);
    },
    SLOW,
  );

  test("secrets.db overwritten with random bytes of the same length gives db_corrupt (exit 1)", async () => {
    const dir = copyOfTemplate();
    const secrets = join(dir, "secrets.db");
    const size = statSync(secrets).size;
    writeFileSync(secrets, randomBytes(size));
    expect(statSync(secrets).size).toBe(size);
    const result = await wakubot(["--json", "--data", dir, "id"]);
    expectJsonError(result, 1, "db_corrupt");
    expect(result.stdout).toContain("secrets.db");
  });

  test("messages.db truncated to half its size gives db_corrupt (exit 1) from passphrase", async () => {
    const dir = copyOfTemplate();
    const messages = join(dir, "messages.db");
    truncateSync(messages, Math.floor(statSync(messages).size / 2));
    const before = snapshot(dir);
    const result = await wakubot(["--json", "--data", dir, "passphrase"], {
      WAKUBOT_PASSPHRASE: PASSPHRASE,
      WAKUBOT_NEW_PASSPHRASE: "new passphrase",
    });
    expectJsonError(result, 1, "db_corrupt");
    expect(result.stdout).toContain("messages.db");
    // The failure must not have gone on to rewrap secrets.db.
    expect(snapshot(dir)).toEqual(before);
  });
});
