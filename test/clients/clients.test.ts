/**
 * Contract tests of the Go (S3) and Rust (S4) clients against a live wakubot: each client's own test suite runs
 * with WAKUBOT_REQUIRE_LIVE=1 against a fresh pair of bots on loopback Waku (test/clients/live.ts). `.ci/run`
 * installs Debian's Go and cargo with the Rust crates the client needs; the Rust build is offline, from
 * /usr/share/cargo/registry.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CliProcesses, REPO } from "../support/processes.ts";
import { startLiveBots } from "./live.ts";

const cli = new CliProcesses("clients");
afterAll(() => cli.cleanup());

/** Debian's toolchains when present (CI), else whatever is on PATH. */
const GO = process.env.WAKUBOT_GO ?? (existsSync("/usr/bin/go") ? "/usr/bin/go" : "go");
const CARGO = process.env.WAKUBOT_CARGO ?? (existsSync("/usr/bin/cargo") ? "/usr/bin/cargo" : "cargo");
const DEBIAN_REGISTRY = "/usr/share/cargo/registry";

async function run(
  cmd: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(cmd, {
    cwd,
    env: { ...process.env, ...env, WAKUBOT_REQUIRE_LIVE: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, output: `${out}\n${err}` };
}

describe("client contract tests against a live bot", () => {
  test("Go client (clients/go): go vet and go test with the live contract test required", async () => {
    const live = await startLiveBots(cli);
    const dir = join(REPO, "clients/go");
    const vet = await run([GO, "vet", "./..."], dir, { ...live });
    if (vet.code !== 0) console.error(vet.output);
    expect(vet.code).toBe(0);
    const result = await run([GO, "test", "-count=1", "-v", "./..."], dir, { ...live });
    if (result.code !== 0) console.error(result.output);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/--- PASS: TestContract/);
  }, 600_000);

  test("Rust client (clients/rust): cargo test offline from Debian's crates, live contract test required", async () => {
    const live = await startLiveBots(cli);
    const dir = join(REPO, "clients/rust");
    const offline = existsSync(DEBIAN_REGISTRY)
      ? [
          "--offline",
          "--config",
          'source.crates-io.replace-with="debian"',
          "--config",
          `source.debian.directory="${DEBIAN_REGISTRY}"`,
        ]
      : [];
    // With rustup first on PATH, Debian's cargo would otherwise pick rustup's rustdoc for the doc tests.
    const rustc =
      CARGO === "/usr/bin/cargo" && existsSync("/usr/bin/rustc")
        ? { RUSTC: "/usr/bin/rustc", RUSTDOC: "/usr/bin/rustdoc" }
        : {};
    const result = await run([CARGO, "test", ...offline, "--", "--nocapture"], dir, { ...live, ...rustc });
    if (result.code !== 0) console.error(result.output);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/test contract\w* \.\.\. ok/);
  }, 900_000);
});
