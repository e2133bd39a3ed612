/**
 * @module `wakubot` child processes for end-to-end tests: spawn bin/wakubot with `--json` on its own data directory,
 * read its JSON event lines as they come, wait for an event with a deadline, and tear everything down in afterAll.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FileSink, Subprocess } from "bun";

/** The repository root (where bin/wakubot and bots/ live). */
export const REPO = resolve(import.meta.dir, "../..");
const BIN = join(REPO, "bin/wakubot");

/** One JSON line a child printed on stdout. */
export type CliEvent = { readonly event: string } & Readonly<Record<string, unknown>>;

/** What to match: an event name, or a predicate over events. */
export type EventMatch = string | ((e: CliEvent) => boolean);

const describeMatch = (match: EventMatch): string =>
  typeof match === "string" ? `"${match}"` : "a matching event";
const matches = (match: EventMatch, e: CliEvent): boolean =>
  typeof match === "string" ? e.event === match : match(e);

/**
 * A running `wakubot --json …` child. Its stdout is parsed line by line in the background into `events`; a line
 * that is not a JSON object with an `event` field is kept in `garbage` (and fails `expectClean`).
 */
export class CliProcess {
  readonly events: CliEvent[] = [];
  readonly garbage: string[] = [];
  #stderr = "";
  #waiters = new Set<() => void>();
  #ended = false;
  readonly #done: Promise<void>;

  constructor(
    readonly name: string,
    readonly args: readonly string[],
    readonly proc: Subprocess<"pipe" | "ignore", "pipe", "pipe">,
  ) {
    const out = this.#readLines(proc.stdout, (line) => this.#line(line));
    const err = this.#readLines(proc.stderr, (line) => {
      this.#stderr += `${line}\n`;
    });
    this.#done = Promise.all([out, err, proc.exited]).then(() => {
      this.#ended = true;
      this.#wake();
    });
  }

  async #readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of stream) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
    }
    buffered += decoder.decode();
    if (buffered.length > 0) onLine(buffered);
  }

  #line(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === "object" && parsed !== null && typeof (parsed as CliEvent).event === "string") {
      this.events.push(parsed as CliEvent);
      this.#wake();
    } else {
      this.garbage.push(line);
    }
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Everything the child wrote on stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Exit code once exited (null while running or when killed by a signal). */
  get exitCode(): number | null {
    return this.proc.exitCode;
  }

  /** The child's stdout events of one kind, in order. */
  all(match: EventMatch): CliEvent[] {
    return this.events.filter((e) => matches(match, e));
  }

  #context(): string {
    return (
      `[${this.name}] wakubot ${this.args.join(" ")}\n  stdout events: ${JSON.stringify(this.events)}` +
      `\n  other stdout: ${JSON.stringify(this.garbage)}\n  stderr: ${this.#stderr.trim()}`
    );
  }

  /**
   * The first event at index ≥ `from` matching `match`, as soon as the child prints it. Rejects when `timeoutMs`
   * passes or the child's stdout ends first, with everything the child printed in the message.
   */
  waitFor(match: EventMatch, timeoutMs: number, from = 0): Promise<CliEvent> {
    return new Promise((resolvePromise, reject) => {
      const check = () => {
        const found = this.events.slice(from).find((e) => matches(match, e));
        if (found) {
          finish();
          resolvePromise(found);
        } else if (this.#ended) {
          finish();
          reject(
            new Error(
              `${describeMatch(match)} never came; the process ended (exit ${this.exitCode}, signal ${this.proc.signalCode}).\n${this.#context()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${describeMatch(match)} did not come within ${timeoutMs} ms.\n${this.#context()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves with the exit code once the child exited and its output is fully read; rejects after `timeoutMs`. */
  async exited(timeoutMs: number): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`did not exit within ${timeoutMs} ms.\n${this.#context()}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.#done, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.proc.exitCode ?? -1;
  }

  /** The child's stdin, when it was spawned with `stdin: "pipe"`. */
  get stdin(): FileSink {
    const stdin = this.proc.stdin;
    if (typeof stdin !== "object" || stdin === null) throw new Error(`${this.name} has no stdin pipe`);
    return stdin as FileSink;
  }

  kill(signal: "SIGTERM" | "SIGKILL" | "SIGINT"): void {
    this.proc.kill(signal);
  }
}

/**
 * Spawns and tracks `wakubot` children and their data directories under one temporary root; `cleanup()` (for
 * afterAll) SIGKILLs whatever still runs and deletes the root.
 *
 * @example
 * const cli = new CliProcesses("passphrase");
 * afterAll(() => cli.cleanup());
 * const node = cli.spawn("node", cli.dir("node"), ["node"]);
 * const ready = await node.waitFor("ready", 20_000);
 */
export class CliProcesses {
  readonly root = mkdtempSync(join(tmpdir(), "wakubot-e2e-"));
  readonly children: CliProcess[] = [];
  #dirs = 0;

  constructor(readonly passphrase: string) {}

  /** A fresh, unique, not yet existing data directory path under the root. */
  dir(label: string): string {
    const parent = join(this.root, `${++this.#dirs}-${label}`);
    mkdirSync(parent);
    return join(parent, "data");
  }

  /**
   * Runs `bun bin/wakubot --data DATA --json ARGS…` with an environment of PATH and WAKUBOT_PASSPHRASE only, so
   * no WAKUBOT_* variable of the test runner leaks in.
   */
  spawn(
    name: string,
    data: string,
    args: readonly string[],
    options: { stdin?: "pipe"; env?: Record<string, string> } = {},
  ): CliProcess {
    const full = ["--data", data, "--json", ...args];
    const proc = Bun.spawn([process.execPath, BIN, ...full], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        WAKUBOT_PASSPHRASE: this.passphrase,
        WAKUBOT_RATE_LIMIT: "100000/600",
        ...options.env,
      },
      stdin: options.stdin ?? "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const child = new CliProcess(name, full, proc);
    this.children.push(child);
    return child;
  }

  /** SIGKILLs every child still running, waits for them, and removes every data directory. */
  async cleanup(): Promise<void> {
    for (const c of this.children)
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.kill("SIGKILL");
    await Promise.allSettled(this.children.map((c) => c.proc.exited));
    rmSync(this.root, { recursive: true, force: true });
  }
}
