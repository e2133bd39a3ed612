/**
 * End to end over real loopback Waku: a `wakubot node` process, the echo bot in a `wakubot run bots/echo.ts`
 * process, and clients in `wakubot send` / `wakubot chat` processes, all talking through the node. Checks the JSON
 * events and exit codes of docs/cli.md and /work/shared/contracts/cli.md.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type CliEvent, type CliProcess, CliProcesses, REPO } from "../support/processes.ts";

const ECHO = join(REPO, "bots/echo.ts");
const CONVERSATION_ID = /^c[A-Za-z0-9_-]{16}$/;
const ACCOUNT_ID = /^wb1[02-9ac-hj-np-z]{32}$/;
/** Start-up of a node or a bot process: Bun, a default-cost Argon2id derivation, libp2p. */
const START = 20_000;

const cli = new CliProcesses("wakubot e2e cli test");
let nodeAddr: string;
let echo: CliProcess;
let invite: string;

beforeAll(async () => {
  const node = cli.spawn("node", cli.dir("node"), ["node"]);
  const ready = await node.waitFor("ready", START);
  nodeAddr = (ready.multiaddrs as string[])[0] as string;
  echo = cli.spawn("echo", cli.dir("echo"), ["run", ECHO, "--peer", nodeAddr]);
  invite = (await echo.waitFor("ready", START)).invite as string;
}, 2 * START);

afterAll(() => cli.cleanup());

/** Runs a `send` child to its end; returns its exit code and stdout events, failing on any non-JSON stdout. */
async function send(data: string, args: readonly string[], timeoutMs = 30_000) {
  const child = cli.spawn("send", data, ["send", ...args, "--peer", nodeAddr]);
  const code = await child.exited(timeoutMs);
  expect(child.garbage).toEqual([]);
  return { code, events: child.events, child };
}

describe("wakubot send, run and chat across processes", () => {
  test("send by invite prints sent, delivered and the echoed reply; a send by conversation id continues it", async () => {
    const client = cli.dir("client");
    const first = await send(client, [invite, "hello, bot", "--wait-delivered", "20", "--wait-reply", "20"]);
    expect({ code: first.code, stderr: first.child.stderr }).toEqual({ code: 0, stderr: "" });
    const [sent, delivered, reply] = first.events as [CliEvent, CliEvent, CliEvent];
    expect(first.events.map((e) => e.event)).toEqual(["sent", "delivered", "reply"]);
    const conversation = sent.conversation as string;
    expect(conversation).toMatch(CONVERSATION_ID);
    expect(sent).toEqual({ event: "sent", conversation, id: expect.any(String) });
    expect(sent.id as string).toStartWith(`${conversation}:`);
    expect(delivered).toEqual({ event: "delivered", conversation, id: sent.id });
    expect(reply).toEqual({
      event: "reply",
      conversation,
      id: expect.any(String),
      type: "text",
      text: "hello, bot",
    });
    expect(reply.id).not.toBe(sent.id);

    // The second process opens the same client data directory and sends by conversation id.
    const second = await send(client, [
      conversation,
      "again",
      "--wait-delivered",
      "20",
      "--wait-reply",
      "20",
    ]);
    expect({ code: second.code, stderr: second.child.stderr }).toEqual({ code: 0, stderr: "" });
    expect(second.events.map((e) => e.event)).toEqual(["sent", "delivered", "reply"]);
    const [sent2, delivered2, reply2] = second.events as [CliEvent, CliEvent, CliEvent];
    expect(sent2).toEqual({ event: "sent", conversation, id: expect.any(String) });
    expect(sent2.id).not.toBe(sent.id);
    expect(delivered2).toEqual({ event: "delivered", conversation, id: sent2.id });
    expect(reply2).toEqual({
      event: "reply",
      conversation,
      id: expect.any(String),
      type: "text",
      text: "again",
    });

    // On the bot's side both texts arrived in one conversation, each once.
    const seen = echo.all((e) => e.event === "message" && (e.text === "hello, bot" || e.text === "again"));
    expect(seen.map((e) => e.text)).toEqual(["hello, bot", "again"]);
    expect(seen[0]?.conversation).toMatch(CONVERSATION_ID);
    expect(seen[1]?.conversation).toBe(seen[0]?.conversation);
    expect(echo.all("error")).toEqual([]);
  }, 35_000);

  test("chat: stdin lines are sent, the echoes print as message events, end of input exits 0", async () => {
    const chat = cli.spawn("chat", cli.dir("chatter"), ["chat", invite, "--peer", nodeAddr], {
      stdin: "pipe",
    });
    const opened = await chat.waitFor("chat", START);
    const conversation = opened.conversation as string;
    expect(opened).toEqual({ event: "chat", conversation });
    expect(conversation).toMatch(CONVERSATION_ID);

    chat.stdin.write("first line\n");
    chat.stdin.flush();
    const one = await chat.waitFor((e) => e.event === "message" && e.text === "first line", 20_000);
    expect(one).toEqual({
      event: "message",
      conversation,
      id: expect.any(String),
      type: "text",
      text: "first line",
    });

    chat.stdin.write("second line\n");
    chat.stdin.flush();
    const two = await chat.waitFor((e) => e.event === "message" && e.text === "second line", 20_000);
    expect(two).toEqual({
      event: "message",
      conversation,
      id: expect.any(String),
      type: "text",
      text: "second line",
    });

    chat.stdin.end();
    expect(await chat.exited(10_000)).toBe(0);
    expect(chat.garbage).toEqual([]);
    expect(chat.stderr).toBe("");
    // Each line: sent, then delivered (the bot's receipt), then the echo; nothing else, no errors.
    const sent = chat.all("sent");
    expect(sent).toEqual([
      { event: "sent", conversation, id: expect.any(String) },
      { event: "sent", conversation, id: expect.any(String) },
    ]);
    expect(chat.all("delivered")).toEqual(sent.map((s) => ({ event: "delivered", conversation, id: s.id })));
    expect(chat.events.map((e) => e.event)).toEqual([
      "chat",
      "sent",
      "delivered",
      "message",
      "sent",
      "delivered",
      "message",
    ]);
  }, 35_000);

  test("run --json prints ready with an invite and stopped on SIGTERM; a send to it while it is down times out", async () => {
    const data = cli.dir("offline-bot");
    const bot = cli.spawn("offline-bot", data, ["run", ECHO, "--peer", nodeAddr]);
    const ready = await bot.waitFor("ready", START);
    expect(ready).toEqual({
      event: "ready",
      account: expect.stringMatching(ACCOUNT_ID),
      peerId: expect.any(String),
      multiaddrs: expect.any(Array),
      pubsubTopics: expect.any(Array),
      invite: expect.stringMatching(/^wb:/),
    });
    expect((ready.multiaddrs as string[])[0]).toEndWith(`/p2p/${ready.peerId}`);
    bot.kill("SIGTERM");
    expect(await bot.exited(10_000)).toBe(0);
    expect(bot.events.map((e) => e.event)).toEqual(["ready", "stopped"]);
    expect(bot.events[1]).toEqual({ event: "stopped" });
    expect(bot.garbage).toEqual([]);

    // Nobody answers: the message is published (to the node, which archives it), then the reply wait runs out.
    const started = Date.now();
    const result = await send(cli.dir("lonely-client"), [
      ready.invite as string,
      "anyone?",
      "--wait-reply",
      "2",
    ]);
    expect(result.code).toBe(1);
    expect(result.events.map((e) => e.event)).toEqual(["sent", "error"]);
    expect(result.events[0]).toEqual({
      event: "sent",
      conversation: expect.stringMatching(CONVERSATION_ID),
      id: expect.any(String),
    });
    expect(result.events[1]).toEqual({ event: "error", code: "timeout", message: expect.any(String) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  }, 35_000);
});
