/**
 * Crash and restart of a bot process: `wakubot run bots/echo.ts` is SIGKILLed, a client keeps writing while it is
 * down (the `wakubot node` process archives the messages), and the bot restarted on the same data directory
 * answers each of them exactly once through the Store catch-up, then carries on in the same conversation.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Bot, createBot } from "../../src/bot/bot.ts";
import { type CliProcess, CliProcesses, REPO } from "../support/processes.ts";
import { TEST_KDF } from "../support/tmp.ts";

const ECHO = join(REPO, "bots/echo.ts");
const START = 20_000;
const cli = new CliProcesses("wakubot e2e restart test");
let client: Bot | undefined;

afterAll(async () => {
  await client?.stop();
  await cli.cleanup();
});

/** Texts received by the client, in arrival order, with a way to wait for one. */
function collect(bot: Bot) {
  const texts: string[] = [];
  const waiters = new Set<() => void>();
  bot.events.on("message", (m) => {
    if (m.type !== "text" || m.text === undefined) return;
    texts.push(m.text);
    for (const w of [...waiters]) w();
  });
  const waitFor = (text: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!texts.includes(text)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no reply "${text}" within ${timeoutMs} ms; got ${JSON.stringify(texts)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { texts, waitFor };
}

const count = (texts: readonly string[], text: string) => texts.filter((t) => t === text).length;

test("a SIGKILLed bot restarted on its data directory answers what was sent while it was down, once each", async () => {
  const node = cli.spawn("node", cli.dir("node"), ["node"]);
  const nodeAddr = ((await node.waitFor("ready", START)).multiaddrs as string[])[0] as string;
  const botData = cli.dir("echo");
  const runBot = (name: string): CliProcess => cli.spawn(name, botData, ["run", ECHO, "--peer", nodeAddr]);

  const first = runBot("echo");
  const ready = await first.waitFor("ready", START);

  // The client lives in this process for the whole test, peered to the node (connect() also dials the invite's
  // hint, the first bot process; the restarted one listens on a new port, so it is reached through the node only).
  client = await createBot({
    data: cli.dir("client"),
    passphrase: "client",
    kdf: TEST_KDF,
    peers: [nodeAddr],
    json: false,
    output: () => {},
  });
  const replies = collect(client);
  await client.start();
  const conversation = await client.connect(ready.invite as string);
  const before = await conversation.send("before the crash");
  await before.wait("delivered", 15_000);
  await replies.waitFor("before the crash", 15_000);
  const botConversation = (await first.waitFor((e) => e.event === "message", 1000)).conversation;

  first.kill("SIGKILL");
  await first.exited(5000);
  expect(first.proc.signalCode).toBe("SIGKILL");

  // While the bot is down: published to the node (which archives them), nobody to answer.
  const down = ["while down 1", "while down 2", "while down 3"];
  const handles = [];
  for (const text of down) handles.push(await conversation.send(text));
  await Promise.all(handles.map((h) => h.wait("sent", 15_000)));
  expect(handles.map((h) => h.status)).toEqual(["sent", "sent", "sent"]);

  // Restarted on the same directory (SIGKILL released the lock): catches up from the node's Store.
  const second = runBot("echo-restarted");
  const again = await second.waitFor("ready", START);
  expect(again.account).toBe(ready.account);
  expect(again.peerId).toBe(ready.peerId);
  await Promise.all(down.map((text) => replies.waitFor(text, 20_000)));
  await Promise.all(handles.map((h) => h.wait("delivered", 10_000)));

  // The conversation goes on after the restart.
  const after = await conversation.send("after the restart");
  await after.wait("delivered", 15_000);
  await replies.waitFor("after the restart", 15_000);

  // Handlers of a conversation run in order, so a duplicate of a catch-up reply would have come before this one.
  for (const text of ["before the crash", ...down, "after the restart"]) {
    expect({ text, replies: count(replies.texts, text) }).toEqual({ text, replies: 1 });
  }
  expect(replies.texts).toHaveLength(5);
  expect(replies.texts.at(-1)).toBe("after the restart");

  // The restarted bot read the three from the Store before it was ready (catch-up, not live relay), each once,
  // in the conversation it had before the crash.
  const readyAt = second.events.findIndex((e) => e.event === "ready");
  const seen = second.all("message");
  expect(seen.map((e) => e.text as string).sort()).toEqual([...down, "after the restart"].sort());
  for (const text of down) {
    const at = second.events.findIndex((e) => e.event === "message" && e.text === text);
    expect({ text, beforeReady: at >= 0 && at < readyAt }).toEqual({ text, beforeReady: true });
  }
  for (const e of seen) expect(e.conversation).toBe(botConversation);
  expect(second.all("error")).toEqual([]);
  expect(second.garbage).toEqual([]);
}, 38_000);
