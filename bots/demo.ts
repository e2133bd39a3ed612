/**
 * @module `npm run demo`: what wakubot can do so far, run for real through the `wakubot` CLI in a throwaway
 * data directory. Issue 5 replaces this with the echo bot and a scripted client on a loopback Waku network.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = mkdtempSync(join(tmpdir(), "wakubot-demo-"));
const data = join(root, "data");
const cli = join(import.meta.dir, "../bin/wakubot");

async function wakubot(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  process.stdout.write(`\n$ wakubot ${args.join(" ")}\n`);
  const child = Bun.spawn([process.execPath, cli, "--data", data, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  process.stdout.write(`${out + err}(exit ${code})\n`);
  return { code, out };
}

function expect(ok: boolean, what: string): void {
  if (!ok) {
    process.stderr.write(`demo failed: ${what}\n`);
    process.exit(1);
  }
}

try {
  const init = await wakubot(["init"], { WAKUBOT_PASSPHRASE: "demo passphrase" });
  expect(init.code === 0, "init");
  const id = await wakubot(["--json", "id"], {});
  expect(id.code === 0 && id.out.includes(init.out.trim()), "id prints the account created by init");
  const again = await wakubot(["init"], { WAKUBOT_PASSPHRASE: "demo passphrase" });
  expect(again.code === 2, "a second init is refused");
  const wrong = await wakubot(["--json", "passphrase"], {
    WAKUBOT_PASSPHRASE: "not it",
    WAKUBOT_NEW_PASSPHRASE: "x",
  });
  expect(wrong.code === 2, "a wrong passphrase is refused");
  const change = await wakubot(["passphrase"], {
    WAKUBOT_PASSPHRASE: "demo passphrase",
    WAKUBOT_NEW_PASSPHRASE: "a better passphrase",
  });
  expect(change.code === 0, "passphrase change");
  process.stdout.write(`\ndata directory holds: ${readdirSync(data).join(", ")}\n`);
  process.stdout.write("demo finished: account created, secrets sealed at rest, passphrase rotated.\n");
} finally {
  rmSync(root, { recursive: true, force: true });
}
