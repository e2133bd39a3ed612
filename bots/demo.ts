/**
 * @module `npm run demo`: a loopback Waku network in separate processes — a service node, the echo bot
 * (`wakubot run bots/echo.ts`) and a scripted client (`wakubot send`) — exchanging messages with delivery receipts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const root = mkdtempSync(join(tmpdir(), "wakubot-demo-"));
const cli = join(import.meta.dir, "../bin/wakubot");
const env = { PATH: process.env.PATH ?? "", WAKUBOT_PASSPHRASE: "demo passphrase, not for real use" };
const children: Subprocess[] = [];

function spawn(name: string, args: string[]): Subprocess<"ignore", "pipe", "pipe"> {
  process.stdout.write(`\n$ wakubot ${args.join(" ")}\n`);
  const child = Bun.spawn([process.execPath, cli, "--data", join(root, name), ...args], {
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  children.push(child);
  return child;
}

/** Reads JSON lines from a long-running child until `event` appears. */
async function until(
  child: Subprocess<"ignore", "pipe", "pipe">,
  event: string,
): Promise<Record<string, unknown>> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done)
        throw new Error(`process ended before "${event}": ${await new Response(child.stderr).text()}`);
      buffered += decoder.decode(chunk.value, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        if (line.event === event) return line;
        if (line.event === "error") throw new Error(String(line.message));
        newline = buffered.indexOf("\n");
      }
    }
  } finally {
    reader.releaseLock();
  }
}

let failed = false;
try {
  const node = spawn("node", ["--json", "node"]);
  const ready = await until(node, "ready");
  const nodeAddr = (ready.multiaddrs as string[])[0] as string;
  process.stdout.write(`service node ${ready.peerId} on ${nodeAddr}\n`);

  const bot = spawn("echo-bot", ["--json", "run", join(import.meta.dir, "echo.ts"), "--peer", nodeAddr]);
  const botReady = await until(bot, "ready");
  const invite = botReady.invite as string;
  process.stdout.write(`echo bot ${botReady.account} is ready; invite:\n  ${invite}\n`);

  let target = invite;
  for (const text of ["hello, bot", "are you there?", "bye"]) {
    const client = spawn("client", [
      "--json",
      "send",
      target,
      text,
      "--peer",
      nodeAddr,
      "--wait-delivered",
      "20",
      "--wait-reply",
      "20",
    ]);
    const [out, err, code] = await Promise.all([
      new Response(client.stdout).text(),
      new Response(client.stderr).text(),
      client.exited,
    ]);
    for (const line of out.trim().split("\n")) {
      const e = JSON.parse(line) as Record<string, string>;
      if (e.event === "sent") {
        process.stdout.write(`  → sent "${text}" in conversation ${e.conversation}\n`);
        target = e.conversation as string;
      } else if (e.event === "delivered") process.stdout.write("  ✓ delivered (receipt from the bot)\n");
      else if (e.event === "reply") process.stdout.write(`  ← reply "${e.text}"\n`);
      else process.stdout.write(`  ${line}\n`);
    }
    if (code !== 0) throw new Error(`client exited ${code}: ${err}`);
    if (!out.includes('"event":"delivered"') || !out.includes(`"text":${JSON.stringify(text)}`)) {
      throw new Error("the exchange is incomplete");
    }
  }
  process.stdout.write("\ndemo complete: three messages delivered, receipted and echoed over Waku.\n");
} catch (error) {
  failed = true;
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
} finally {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((c) => c.exited));
  rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
